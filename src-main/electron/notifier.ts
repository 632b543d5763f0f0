// The Notifier port (src-main/core/notifications) over Electron's Notification. The core has
// already decided that the alert is wanted and made its text safe; here: Linux daemons render a
// subset of HTML in the body, so it is escaped; silent per alert; a click reaches the core.
import { Notification } from 'electron';
import { escapeMarkup, type Notifier, type OsAlert } from '../core/notifications/notification-center';

/** Live notifications kept at most (each holds a click handler; the oldest are let go). */
const KEEP = 50;

export class ElectronNotifier implements Notifier {
  /**
   * A Notification that is garbage-collected loses its click: keep a reference to each live one
   * until it is clicked, closed or fails. On Windows a closed toast stays clickable in the Action
   * Center, so it is kept there until it falls out of the newest KEEP.
   */
  private readonly live = new Set<Notification>();

  constructor(
    private readonly onClick: (alert: OsAlert) => void,
    private readonly log: (msg: string, err?: unknown) => void = () => {},
    private readonly platform: NodeJS.Platform = process.platform,
  ) {}

  static supported(): boolean {
    return Notification.isSupported();
  }

  show(alert: OsAlert): void {
    const n = new Notification({
      title: alert.title,
      body: this.platform === 'linux' ? escapeMarkup(alert.body) : alert.body,
      silent: alert.silent,
    });
    const forget = () => this.live.delete(n);
    n.on('click', () => {
      forget();
      this.onClick(alert);
    });
    n.on('failed', (_event, error) => {
      forget();
      this.log(`notification failed: ${error}`);
    });
    if (this.platform !== 'win32') n.on('close', forget);
    this.live.add(n);
    while (this.live.size > KEEP) this.live.delete(this.live.values().next().value!);
    n.show();
  }

  stop(): void {
    for (const n of this.live) n.close();
    this.live.clear();
  }
}
