// Picks the OS Notifier for running without Electron: notify-send on Linux (clicks come back),
// node-notifier elsewhere, and when notify-send is not installed or there is no session bus
// (notify-send 0.8 with --wait hangs instead of failing when it cannot reach one).
import { accessSync, constants, existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import type { Notifier, OsAlert } from './notification-center';
import { NodeNotifier } from './node-notifier';
import { NotifySendNotifier } from './notify-send-notifier';

export interface OsNotifierOptions {
  appName?: string;
  onClick?: (alert: OsAlert) => void;
  onError?: (err: Error) => void;
  /** The environment to look for notify-send in and to run it with; this process's by default. */
  env?: NodeJS.ProcessEnv;
  platform?: NodeJS.Platform;
}

/** A Notifier the shell stops on quit. */
export type OsNotifier = Notifier & { stop(): void };

/** The full path of an executable found on PATH, or null. */
export function findOnPath(command: string, env: NodeJS.ProcessEnv = process.env): string | null {
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    const file = join(dir, command);
    try {
      accessSync(file, constants.X_OK);
      return file;
    } catch {
      /* not here */
    }
  }
  return null;
}

/** Whether a D-Bus session bus is configured: an address, or the per-user bus of systemd. */
function hasSessionBus(env: NodeJS.ProcessEnv = process.env): boolean {
  return Boolean(env.DBUS_SESSION_BUS_ADDRESS) || (Boolean(env.XDG_RUNTIME_DIR) && existsSync(join(env.XDG_RUNTIME_DIR!, 'bus')));
}

export function createOsNotifier(opts: OsNotifierOptions = {}): OsNotifier {
  const env = opts.env ?? process.env;
  const notifySend = (opts.platform ?? process.platform) === 'linux' && hasSessionBus(env) ? findOnPath('notify-send', env) : null;
  if (notifySend) return new NotifySendNotifier({ appName: opts.appName, onClick: opts.onClick, onError: opts.onError, env, command: notifySend });
  return new NodeNotifier(opts.appName, opts.onClick, opts.onError);
}
