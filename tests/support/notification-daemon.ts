// Test harness: a private desktop session for real OS notifications. A D-Bus session bus of our
// own (no service activation), an Xvfb display, the dunst notification daemon, and dbus-monitor
// recording every org.freedesktop.Notifications call. Their environment is given only to the
// processes started here and to whoever is handed `env`; this process's own is left alone.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { findOnPath } from '../../src-main/core/notifications/os-notifier';

const run = promisify(execFile);

/** Each tool the session needs, and the Debian package that has it (scripts/ci-packages.txt). */
export const SESSION_TOOLS: Record<string, string> = {
  'dbus-daemon': 'dbus',
  'dbus-send': 'dbus',
  'dbus-monitor': 'dbus',
  Xvfb: 'xvfb',
  dunst: 'dunst',
  dunstctl: 'dunst',
  'notify-send': 'libnotify-bin',
};

/** One org.freedesktop.Notifications.Notify call seen on the bus. */
export interface NotifyCall {
  at: number;
  appName: string;
  summary: string;
  body: string;
  actions: string[];
}

export interface NotificationSession {
  /** For the processes that should see this session (notify-send): PATH, HOME, a UTF-8 locale, DISPLAY, the bus. */
  env: NodeJS.ProcessEnv;
  /** Notify calls in the order they reached the bus. */
  notifyCalls(): NotifyCall[];
  dunstctl(...args: string[]): Promise<string>;
  stop(): Promise<void>;
}

/** Fails with what to install when a tool is missing: this test is never skipped silently. */
export function requireSessionTools(): void {
  const missing = Object.keys(SESSION_TOOLS).filter((t) => !findOnPath(t));
  if (missing.length === 0) return;
  const packages = [...new Set(missing.map((t) => SESSION_TOOLS[t]))];
  throw new Error(
    `OS notification tests need ${missing.join(', ')}: apt-get install -y ${packages.join(' ')} ` +
      '(listed in scripts/ci-packages.txt, which .ci/run installs).',
  );
}

const BUS_CONFIG = (dir: string) => `<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:dir=${dir}</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
`;

// Notifications stay up until clicked or closed, so the test decides when they go.
const DUNSTRC = `[global]
    monitor = 0
    follow = none
[urgency_low]
    timeout = 0
[urgency_normal]
    timeout = 0
[urgency_critical]
    timeout = 0
`;

export async function startNotificationSession(): Promise<NotificationSession> {
  requireSessionTools();
  const dir = mkdtempSync(join(tmpdir(), 'ism-osn-'));
  const children: ChildProcess[] = [];
  const start = (cmd: string, args: string[], env: NodeJS.ProcessEnv) => {
    const child = spawn(cmd, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    child.on('error', () => {}); // reported through the waits below
    children.push(child);
    return child;
  };
  const stop = async () => {
    // Newest first: the daemon and the monitor before the display and the bus.
    for (const child of children.reverse()) await kill(child);
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const base = { PATH: process.env.PATH, HOME: dir, LANG: 'C.UTF-8', XDG_CONFIG_HOME: dir, XDG_RUNTIME_DIR: dir };
    writeFileSync(join(dir, 'bus.conf'), BUS_CONFIG(dir));
    writeFileSync(join(dir, 'dunstrc'), DUNSTRC);
    const bus = await firstLine(start('dbus-daemon', [`--config-file=${join(dir, 'bus.conf')}`, '--nofork', '--print-address=1'], base), 'dbus-daemon');
    const display = await firstLine(start('Xvfb', ['-displayfd', '1', '-nolisten', 'tcp', '-screen', '0', '800x600x24'], base), 'Xvfb');
    const env = { ...base, DBUS_SESSION_BUS_ADDRESS: bus, DISPLAY: `:${display}` };

    const monitor = start('dbus-monitor', ["interface='org.freedesktop.Notifications'"], env);
    let monitorOut = '';
    const arrivals: number[] = []; // when each message's first line arrived
    monitor.stdout!.setEncoding('utf8').on('data', (s: string) => {
      monitorOut += s;
      const n = messages(monitorOut).length;
      while (arrivals.length < n) arrivals.push(Date.now());
    });
    // dbus-monitor's own NameLost shows it has become a monitor: from here on it misses nothing.
    await until(() => monitorOut.includes('member=NameLost'), 5000, 'dbus-monitor to attach', monitor);

    start('dunst', ['-conf', join(dir, 'dunstrc')], env);
    await until(
      async () => (await dbus(env, 'NameHasOwner', 'string:org.freedesktop.Notifications')).includes('boolean true'),
      5000,
      'dunst to own org.freedesktop.Notifications',
    );

    return {
      env,
      notifyCalls: () =>
        messages(monitorOut)
          .map((m, i) => parseNotify(m, arrivals[i]))
          .filter((c): c is NotifyCall => c !== null),
      dunstctl: async (...args) => (await run('dunstctl', args, { env })).stdout,
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** dbus-monitor's output, one message each: a message starts with a line at column 0. */
function messages(out: string): string[] {
  return out.split(/\n(?=\S)/);
}

function parseNotify(block: string, at: number): NotifyCall | null {
  if (!/^method call .*member=Notify$/.test(block.split('\n')[0])) return null;
  if (!/\n\s+int32 -?\d+\s*$/.test(block)) return null; // ends with expire_timeout, the last argument, or is not all here yet
  const strings = (text: string) => [...text.matchAll(/^\s+string "(.*)"$/gm)].map((m) => m[1]);
  // Arguments: app_name, replaces_id, app_icon, summary, body, actions (an array of strings), hints, timeout.
  const [appName, , summary, body] = strings(block);
  const actions = strings(/^\s+array \[\n((?:\s+string ".*"\n)*)\s+\]/m.exec(block)?.[1] ?? '');
  return { at, appName, summary, body, actions };
}

async function dbus(env: NodeJS.ProcessEnv, method: string, ...args: string[]): Promise<string> {
  try {
    const r = await run('dbus-send', ['--print-reply', '--dest=org.freedesktop.DBus', '/org/freedesktop/DBus', `org.freedesktop.DBus.${method}`, ...args], {
      env,
    });
    return r.stdout;
  } catch {
    return '';
  }
}

/** The first line a child prints (an address, a display number), or its stderr when it dies first. */
function firstLine(child: ChildProcess, what: string, ms = 5000): Promise<string> {
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    const fail = (why: string) => {
      clearTimeout(timer);
      reject(new Error(`${what} ${why}: ${err.trim() || '(no output)'}`));
    };
    const timer = setTimeout(() => fail(`printed nothing within ${ms} ms`), ms);
    child.stderr!.setEncoding('utf8').on('data', (s: string) => (err += s));
    child.stdout!.setEncoding('utf8').on('data', (s: string) => {
      out += s;
      const nl = out.indexOf('\n');
      if (nl < 0) return;
      clearTimeout(timer);
      resolve(out.slice(0, nl).trim());
    });
    child.on('error', (e) => fail(`did not start (${e.message})`));
    child.on('exit', (code) => fail(`exited with ${code}`));
  });
}

async function until(pred: () => boolean | Promise<boolean>, ms: number, what: string, child?: ChildProcess): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await pred())) {
    if (child && child.exitCode !== null) throw new Error(`${what}: it exited with ${child.exitCode}`);
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** Ends one child we started, by its pid: TERM, then KILL if it lingers. */
async function kill(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  child.kill('SIGTERM');
  const t = setTimeout(() => child.kill('SIGKILL'), 2000);
  await exited;
  clearTimeout(t);
}
