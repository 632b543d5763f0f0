// The Linux Notifier without Electron: notify-send (libnotify-bin) with a default action, waiting
// for the answer, so a click on the OS notification reaches the core (node-notifier reports none
// on Linux). One short-lived child per alert, never through a shell; every child still waiting
// is killed after a timeout, on stop(), and when this process exits.
import { spawn, type ChildProcess } from 'node:child_process';
import { escapeMarkup, type Notifier, type OsAlert } from './notification-center';

export interface NotifySendOptions {
  appName?: string;
  /** The user activated the notification (clicked it, or chose its default action). */
  onClick?: (alert: OsAlert) => void;
  onError?: (err: Error) => void;
  /** The environment notify-send runs in (DBUS_SESSION_BUS_ADDRESS, DISPLAY, a UTF-8 locale); this process's by default. */
  env?: NodeJS.ProcessEnv;
  /** How long one notification may wait for an answer before its notify-send is killed. */
  timeoutMs?: number;
  command?: string;
}

const NOTIFY_SEND_TIMEOUT_MS = 10 * 60_000;

/** The notify-send arguments for one alert. Summaries are plain text; bodies may be rendered as markup, so escaped. */
function notifySendArgs(appName: string, alert: OsAlert): string[] {
  return [
    `--app-name=${appName}`,
    '--action=default=Open',
    '--wait',
    ...(alert.silent ? ['--hint=boolean:suppress-sound:true'] : []),
    '--',
    alert.title,
    escapeMarkup(alert.body),
  ];
}

export class NotifySendNotifier implements Notifier {
  private readonly waiting = new Set<ChildProcess>();
  private readonly appName: string;
  private readonly onExit = () => this.stop();

  constructor(private readonly opts: NotifySendOptions = {}) {
    this.appName = opts.appName ?? 'IS-Messenger';
  }

  show(alert: OsAlert): void {
    let child: ChildProcess;
    try {
      child = spawn(this.opts.command ?? 'notify-send', notifySendArgs(this.appName, alert), {
        env: this.opts.env ?? process.env,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
    } catch (e) {
      this.opts.onError?.(e as Error); // an argument spawn refuses: the alert is lost, the caller goes on
      return;
    }
    this.track(child);
    let out = '';
    let err = '';
    child.stdout!.setEncoding('utf8').on('data', (s: string) => (out += s));
    child.stderr!.setEncoding('utf8').on('data', (s: string) => (err += s));
    const timer = setTimeout(() => child.kill(), this.opts.timeoutMs ?? NOTIFY_SEND_TIMEOUT_MS);
    timer.unref();
    // Whichever comes first settles it; after stop() nothing is reported.
    child.on('error', (e) => {
      clearTimeout(timer);
      if (this.untrack(child)) this.opts.onError?.(e);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      if (!this.untrack(child)) return;
      if (out.split('\n').includes('default')) this.opts.onClick?.(alert);
      // Killed (code null) means nobody answered in time: not an error.
      else if (code !== null && code !== 0) this.opts.onError?.(new Error(`notify-send exited with ${code}: ${err.trim()}`));
    });
  }

  /** Kills every notify-send still waiting for an answer (their notifications can no longer be clicked through). */
  stop(): void {
    for (const child of this.waiting) child.kill();
    this.waiting.clear();
    process.off('exit', this.onExit);
  }

  /** A waiting child does not keep this process alive, and the exit hook ends it with this process. */
  private track(child: ChildProcess): void {
    if (this.waiting.size === 0) process.on('exit', this.onExit);
    this.waiting.add(child);
    child.unref();
    for (const s of [child.stdout, child.stderr]) (s as unknown as { unref?: () => void } | null)?.unref?.();
  }

  /** False when it was already settled (or stopped). */
  private untrack(child: ChildProcess): boolean {
    if (!this.waiting.delete(child)) return false;
    if (this.waiting.size === 0) process.off('exit', this.onExit);
    return true;
  }
}
