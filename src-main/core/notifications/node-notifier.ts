// The Notifier for host mode and as the Electron fallback: node-notifier (notify-send on Linux,
// which reports no clicks there; the click path on Linux is tested through the daemon).
import notifier from 'node-notifier';
import { escapeMarkup, type Notifier, type OsAlert } from './notification-center';

export class NodeNotifier implements Notifier {
  constructor(
    private readonly appName = 'IS-Messenger',
    private readonly onClick: (alert: OsAlert) => void = () => {},
    private readonly onError: (err: Error) => void = () => {},
  ) {}

  show(alert: OsAlert): void {
    notifier.notify(
      {
        title: alert.title,
        message: process.platform === 'linux' ? escapeMarkup(alert.body) : alert.body,
        sound: !alert.silent,
        wait: false,
        appName: this.appName,
      } as never,
      (err: Error | null, response: string) => {
        if (err) this.onError(err);
        else if (response === 'activate' || response === 'clicked') this.onClick(alert);
      },
    );
  }

  /** Nothing waits for an answer here (node-notifier runs with wait: false). */
  stop(): void {}
}
