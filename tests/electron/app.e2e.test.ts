// The Electron app end to end (Playwright _electron): the built shell (dist/main/main.cjs) against a
// real workspace server on 127.0.0.1, in a fresh userData folder.
//
// It runs wherever the Electron binary exists. Where it does not (our build machines: the binary
// downloads from GitHub, which they cannot reach), every test here is reported as SKIPPED with the
// reason in its name and on stderr, never silently. See scripts/electron-binary.ts.
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ElectronApplication, Page } from '@playwright/test';
import type { DesktopBridge, Reply } from '../../src-shared/desktop/api';
import { DEMO_PASSWORD } from '../../src-server/demo/seed';
import { findElectronBinary } from '../../scripts/electron-binary';
import { startServer, type TestServer } from '../support/server';

const ROOT = resolve(__dirname, '..', '..');
const MAIN = join(ROOT, 'dist', 'main', 'main.cjs');
const electron = findElectronBinary();
const SKIP_REASON = electron.reason ?? '';
if (!electron.path) console.warn(`[tests/electron] SKIPPED: ${SKIP_REASON}`);

const title = electron.path ? `the Electron app (${electron.version}, Playwright _electron)` : `the Electron app (skipped: ${SKIP_REASON})`;

/** In the page: window.desktop (the tests' tsconfig has no DOM lib, so through globalThis). */
type PageGlobals = { desktop: DesktopBridge; open: (url: string) => unknown; location: { href: string }; __events: [string, unknown][] };

describe.skipIf(!electron.path)(title, () => {
  let server: TestServer;
  let app: ElectronApplication;
  let page: Page;
  let dataDir: string;
  const shellArgs = () => [
    MAIN,
    `--data-dir=${dataDir}`,
    `--server=${server.url}`,
    // Chromium refuses to start as root without this; the renderer sandbox setting under test is unaffected.
    ...(process.getuid?.() === 0 ? ['--no-sandbox'] : []),
  ];
  const env = () => ({ ...process.env, ISM_NO_PROTOCOL_REGISTRATION: '1', ELECTRON_ENABLE_LOGGING: '1' }) as Record<string, string>;

  beforeAll(async () => {
    execFileSync(process.execPath, [join(ROOT, 'scripts', 'build-electron.mjs')], { cwd: ROOT, stdio: 'inherit' });
    server = await startServer();
    dataDir = mkdtempSync(join(tmpdir(), 'ism-electron-'));
    const { _electron } = await import('@playwright/test');
    app = await _electron.launch({ executablePath: electron.path!, args: shellArgs(), env: env(), cwd: ROOT });
    page = await app.firstWindow();
    await page.waitForLoadState('domcontentloaded');
    await page.evaluate(() => {
      const g = globalThis as unknown as PageGlobals;
      g.__events = [];
      g.desktop.on((name, payload) => g.__events.push([name, payload]));
    });
  });

  afterAll(async () => {
    await app?.close();
    await server?.stop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('opens one window with context isolation, the sandbox, no Node integration and web security', async () => {
    // getLastWebPreferences() is what Electron's own specs read; it is not in the public typings.
    const prefs = await app.evaluate(({ BrowserWindow }) => {
      const wins = BrowserWindow.getAllWindows();
      const wc = wins[0].webContents as unknown as { getLastWebPreferences?: () => Record<string, unknown> | null };
      const p = wc.getLastWebPreferences?.() ?? null;
      return {
        windows: wins.length,
        prefs: p && {
          contextIsolation: p.contextIsolation,
          sandbox: p.sandbox,
          nodeIntegration: p.nodeIntegration ?? false,
          webSecurity: p.webSecurity ?? true,
        },
      };
    });
    expect(prefs.windows).toBe(1);
    expect(prefs.prefs, 'webContents.getLastWebPreferences() is missing in this Electron').not.toBeNull();
    expect(prefs.prefs).toEqual({ contextIsolation: true, sandbox: true, nodeIntegration: false, webSecurity: true });
    const globals = await page.evaluate(() => ({
      require: typeof (globalThis as Record<string, unknown>).require,
      process: typeof (globalThis as Record<string, unknown>).process,
    }));
    expect(globals).toEqual({ require: 'undefined', process: 'undefined' });
  });

  it('exposes exactly the desktop API on window.desktop: call and on', async () => {
    const keys = await page.evaluate(() => Object.keys((globalThis as unknown as PageGlobals).desktop).sort());
    expect(keys).toEqual(['call', 'on']);
  });

  it('refuses calls with a bad payload, and answers good ones', async () => {
    const replies = await page.evaluate(async () => {
      const d = (globalThis as unknown as PageGlobals).desktop;
      const call = (c: unknown) => d.call(c as never);
      return {
        unknown: await call({ kind: 'query', name: 'dropDatabase', input: {} }),
        notACall: await call('hello'),
        badInput: await call({ kind: 'command', name: 'signIn', input: { server_url: 'not a url', email: 'x', password: '' } }),
        extraField: await call({ kind: 'query', name: 'session', input: { admin: true } }),
        session: await call({ kind: 'query', name: 'session', input: {} }),
      };
    });
    for (const bad of [replies.unknown, replies.notACall, replies.badInput, replies.extraField])
      expect(bad).toMatchObject({ ok: false, code: 'invalid_request' });
    expect(replies.session).toMatchObject({ ok: true, value: { state: 'signed_out', server_url: server.url } });
  });

  it('signs in to the real server through the one IPC channel', async () => {
    const email = server.demo!.users.find((u) => u.role === 'manager')!.email;
    const reply = (await page.evaluate(
      ([url, mail, password]) =>
        (globalThis as unknown as PageGlobals).desktop.call({ kind: 'command', name: 'signIn', input: { server_url: url, email: mail, password } }),
      [server.url, email, DEMO_PASSWORD] as const,
    )) as Reply;
    expect(reply).toMatchObject({ ok: true, value: { user: { email } } });
    await expect
      .poll(
        async () =>
          page.evaluate(() => (globalThis as unknown as PageGlobals).__events.some(([n, p]) => n === 'session' && (p as { state: string }).state === 'ready')),
        { timeout: 20_000 },
      )
      .toBe(true);
  });

  it('denies window.open, navigation away and permission requests', async () => {
    const opened = await page.evaluate(() => (globalThis as unknown as PageGlobals).open('https://example.com/') === null);
    expect(opened).toBe(true);
    const before = page.url();
    await page.evaluate(() => {
      (globalThis as unknown as PageGlobals).location.href = 'https://example.com/';
    });
    await new Promise((r) => setTimeout(r, 500));
    expect(page.url()).toBe(before);
    expect(await app.evaluate(({ BrowserWindow }) => BrowserWindow.getAllWindows().length)).toBe(1);
    const permission = await page.evaluate(() =>
      (globalThis as unknown as { Notification: { requestPermission(): Promise<string> } }).Notification.requestPermission(),
    );
    expect(permission).toBe('denied');
  });

  it('runs no eval (the Content-Security-Policy is in force)', async () => {
    const result = await page.evaluate(() => {
      try {
        return (0, eval)('"eval ran"') as string;
      } catch (err) {
        return `blocked: ${(err as Error).name}`;
      }
    });
    expect(result).toMatch(/^blocked/);
  });

  it('keeps one instance: a second launch with ismessenger://conversation/ID hands the link to the first, which opens it', async () => {
    const second = spawn(electron.path!, [...shellArgs(), 'ismessenger://conversation/C_deeplink_1'], { env: env(), stdio: 'ignore' });
    const code = await new Promise<number | null>((r) => second.on('exit', r));
    expect(code).toBe(0);
    await expect
      .poll(
        () =>
          page.evaluate(() =>
            (globalThis as unknown as PageGlobals).__events.some(([n, p]) => n === 'open' && (p as { contact_id: string }).contact_id === 'C_deeplink_1'),
          ),
        { timeout: 10_000 },
      )
      .toBe(true);
    expect(await app.evaluate(({ BrowserWindow }) => BrowserWindow.getAllWindows().length)).toBe(1);
  });
});
