// The BUILT Electron shell (dist/main/main.cjs, bundled here into a folder of its own) run under
// plain Node with a stand-in for the `electron` module (tests/support/electron-stand-in.cjs),
// against a real server, a real cache and the real electron-store/conf files. It shows the wiring
// the shell adds around the core: the sender check in front of the one IPC channel, events reaching
// the page, the session hardening, deep links, notification clicks, the token sealed on disk, the
// window state saved. What only real Electron can show (the renderer's isolation, the CSP in force)
// is tests/electron, which runs where the Electron binary exists.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clientId, signIn, startServer, type TestServer } from '../support/server';
import { eventually } from '../support/desktop';

const ROOT = resolve(__dirname, '..', '..');

interface State {
  windows: number;
  visible: boolean;
  focused: number;
  webPreferences: Record<string, unknown>;
  spellChecker?: boolean;
  url: string;
  userData: string;
  events: [string, any][];
  notifications: { title: string; body: string; silent: boolean }[];
  protocol: string[];
  badge: number[];
  tooltips: string[];
  handlers: string[];
}

class Shell {
  readonly child: ChildProcess;
  private readonly waiting = new Map<number, (v: unknown) => void>();
  private next = 1;
  log = '';
  exited: Promise<number | null>;

  constructor(main: string, args: string[]) {
    this.child = spawn(process.execPath, ['--require', join(ROOT, 'tests/support/electron-stand-in.cjs'), main, ...args], {
      env: { ...process.env, NODE_PATH: join(ROOT, 'node_modules') },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    this.exited = new Promise((r) => this.child.on('exit', r));
    createInterface({ input: this.child.stdout! }).on('line', (line) => {
      if (!line.startsWith('@@ ')) return void (this.log += `${line}\n`);
      const { id, value } = JSON.parse(line.slice(3));
      this.waiting.get(id)?.(value);
      this.waiting.delete(id);
    });
    this.child.stderr!.on('data', (d) => (this.log += String(d)));
  }

  ask<T = any>(op: string, args: Record<string, unknown> = {}): Promise<T> {
    const id = this.next++;
    return new Promise((resolve) => {
      this.waiting.set(id, resolve as (v: unknown) => void);
      this.child.stdin!.write(`${JSON.stringify({ id, op, ...args })}\n`);
    });
  }

  call(call: unknown, frame = 'main') {
    return this.ask<any>('call', { frame, call });
  }

  state() {
    return this.ask<State>('state');
  }
}

describe('the built Electron shell, under a stand-in for electron, against a real server', () => {
  let server: TestServer;
  let dir: string;
  let shell: Shell;
  const dataDir = () => join(dir, 'user-data');

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ism-shell-'));
    execFileSync(process.execPath, [join(ROOT, 'scripts/build-electron.mjs'), `--outdir=${join(dir, 'dist', 'main')}`], { cwd: ROOT, stdio: 'pipe' });
    server = await startServer();
    shell = new Shell(join(dir, 'dist', 'main', 'main.cjs'), [`--data-dir=${dataDir()}`, `--server=${server.url}`]);
    await eventually(async () => (await shell.state()).url !== '', 10_000, 'the window to load');
  });

  afterAll(async () => {
    if (shell?.child.exitCode === null) shell.child.kill();
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('opens one locked-down window on the built-in page (the renderer is not built there), with one IPC handler', async () => {
    const s = await shell.state();
    expect(s.windows).toBe(1);
    expect(s.webPreferences).toMatchObject({ contextIsolation: true, sandbox: true, nodeIntegration: false, webSecurity: true, webviewTag: false });
    expect(s.webPreferences.preload).toBe(join(dir, 'dist', 'main', 'preload.cjs'));
    // No spellchecker where it would download dictionaries (Linux, Windows); macOS uses its own.
    const spellcheck = process.platform === 'darwin';
    expect([s.webPreferences.spellcheck, s.spellChecker]).toEqual([spellcheck, spellcheck]);
    expect(s.url).toMatch(/^data:text\/html/);
    expect(decodeURIComponent(s.url)).toContain('The renderer is not built');
    expect(s.handlers).toEqual(['desktop:call']);
    expect(s.protocol).toEqual(['ismessenger']);
    expect(s.userData).toBe(dataDir());
  });

  it('answers the page, and refuses iframes, other pages, other windows and vanished frames', async () => {
    const session = { kind: 'query', name: 'session', input: {} };
    expect(await shell.call(session)).toMatchObject({ ok: true, value: { state: 'signed_out', server_url: server.url } });
    for (const frame of ['subframe', 'foreign-url', 'other-window', 'gone']) {
      expect(await shell.call(session, frame), frame).toEqual({ ok: false, code: 'forbidden', message: 'This page may not use the desktop API.' });
    }
  });

  it('refuses bad payloads with invalid_request', async () => {
    for (const bad of [
      null,
      'x',
      { kind: 'query', name: 'nope' },
      { kind: 'eval', name: 'session' },
      { kind: 'command', name: 'signIn', input: { server_url: 'ftp://x', email: 'a', password: '' } },
      { kind: 'query', name: 'session', input: { extra: 1 } },
    ]) {
      expect(await shell.call(bad), JSON.stringify(bad)).toMatchObject({ ok: false, code: 'invalid_request' });
    }
  });

  it('puts its CSP on responses, refuses permissions, navigation and new windows', async () => {
    const headers = await shell.ask('csp', { headers: { 'content-security-policy': ['default-src *'], 'X-Other': ['1'] } });
    expect(headers['X-Other']).toEqual(['1']);
    expect(headers['content-security-policy']).toBeUndefined();
    expect(headers['Content-Security-Policy'][0]).toMatch(/^default-src 'self'; script-src 'self';/);
    expect(await shell.ask('permission', { permission: 'media' })).toEqual({ request: false, check: false });
    expect(await shell.ask('navigate', { url: 'https://example.com/' })).toBe(true);
    expect(await shell.ask('windowOpen', { url: 'https://example.com/' })).toEqual({ action: 'deny' });
  });

  it('signs in through the IPC channel, forwards events to the page, and seals the token on disk', async () => {
    const reply = await shell.call({
      kind: 'command',
      name: 'signIn',
      input: { server_url: server.url, email: 'agent1@demo.test', password: 'demo-password' },
    });
    expect(reply).toMatchObject({ ok: true, value: { user: { email: 'agent1@demo.test' } } });
    await eventually(
      async () => (await shell.state()).events.some(([n, p]) => n === 'session' && p.state === 'ready' && p.connection === 'online'),
      15_000,
      'ready and online',
    );
    const token = readFileSync(join(dataDir(), 'session-token.bin'));
    expect(token.subarray(0, 7).toString()).toBe('sealed:'); // through safeStorage, never plaintext
    expect(JSON.parse(readFileSync(join(dataDir(), 'settings.json'), 'utf8'))).toMatchObject({ server_url: server.url });
    if (process.platform !== 'win32') {
      // Readable by this OS user only: userData and data/ 0700, what is written there 0600.
      const mode = (p: string) => (statSync(join(dataDir(), p)).mode & 0o777).toString(8);
      expect([mode('.'), mode('data')]).toEqual(['700', '700']);
      for (const f of ['settings.json', 'session-token.bin', 'data/cache.sqlite', 'data/cache.sqlite-wal', 'logs/main.log']) {
        if (existsSync(join(dataDir(), f))) expect(`${f} ${mode(f)}`).toBe(`${f} 600`);
      }
    }
  });

  it('a mention raises an Electron notification (markup escaped on Linux); its click brings the window up on the comment and marks it read', async () => {
    const me = (await shell.call({ kind: 'query', name: 'session', input: {} })).value.user;
    const contact = (await shell.call({ kind: 'query', name: 'conversations', input: { inbox: 'mine', limit: 1 } })).value.items[0];
    const unreadBefore = (await shell.call({ kind: 'query', name: 'notifications', input: { tab: 'new', limit: 10 } })).value.unread;
    await shell.ask('hideWindow');
    const manager = await signIn(server, 'manager@demo.test');
    const posted = await manager.post(`/api/v1/contacts/${contact.id}/comments`, {
      client_id: clientId(),
      text: `{{@user.${me.id}}} send <b>the promo</b> & more`,
    });
    expect(posted.status).toBe(201);
    await eventually(async () => (await shell.state()).notifications.length > 0, 5_000, 'the notification');
    const shown = (await shell.state()).notifications[0];
    expect(shown.title).toContain('You were mentioned');
    expect(shown.silent).toBe(false);
    if (process.platform === 'linux') expect(shown.body).toContain('send &lt;b&gt;the promo&lt;/b&gt; &amp; more');
    await eventually(async () => (await shell.state()).badge.at(-1) === unreadBefore + 1, 5_000, 'the badge');
    expect((await shell.state()).tooltips.at(-1)).toMatch(/unread notification/);

    await shell.ask('clickNotification', { index: 0 });
    await eventually(
      async () => (await shell.state()).events.some(([n, p]) => n === 'open' && p.contact_id === contact.id && p.comment_id !== null),
      5_000,
      'the open event',
    );
    const s = await shell.state();
    expect(s.visible).toBe(true);
    expect(s.focused).toBeGreaterThan(0);
    await eventually(
      async () => (await shell.call({ kind: 'query', name: 'notifications', input: { tab: 'new', limit: 10 } })).value.unread === unreadBefore,
      5_000,
      'marked read',
    );
  });

  it('a second instance hands over ismessenger://conversation/ID; other links are ignored', async () => {
    const opens = async () => (await shell.state()).events.filter(([n]) => n === 'open').map(([, p]) => p.contact_id);
    const before = (await opens()).length;
    await shell.ask('secondInstance', { argv: ['electron', '--flag', 'ismessenger://conversation/C_link_1'] });
    await shell.ask('openUrl', { url: 'ismessenger://conversation/C_link_2' });
    await shell.ask('openUrl', { url: 'ismessenger://conversation/../../etc' });
    await shell.ask('secondInstance', { argv: ['electron', 'ismessenger://settings/x'] });
    await eventually(async () => (await opens()).length >= before + 2, 5_000, 'the links');
    await new Promise((r) => setTimeout(r, 200)); // and no more than those two
    expect((await opens()).slice(before)).toEqual(['C_link_1', 'C_link_2']);
    expect((await shell.state()).windows).toBe(1);
  });

  it('quits cleanly, saving the window size and position', async () => {
    const prevented = await shell.ask('closeWindow');
    expect(prevented).toBe(process.platform !== 'linux'); // hides to the tray where there is one
    await shell.ask('quit');
    expect(await shell.exited).toBe(0);
    const saved = JSON.parse(readFileSync(join(dataDir(), 'window-state.json'), 'utf8'));
    expect(saved.window).toEqual({ x: 40, y: 30, width: 1100, height: 760, maximized: false });
    expect(existsSync(join(dataDir(), 'data', 'cache.sqlite'))).toBe(true);
  });
});
