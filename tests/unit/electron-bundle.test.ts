// The built Electron shell (npm run build:electron), checked without Electron: what each bundle
// may require, and the preload run against a stand-in for the two Electron objects it uses, to
// show it exposes exactly the desktop API (DesktopBridge) and nothing else.
import { execFileSync } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { builtinModules } from 'node:module';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DesktopBridge } from '../../src-shared/desktop/api';

const ROOT = resolve(__dirname, '..', '..');
// Built into a folder of its own, so it never races the e2e test's build of dist/main.
const OUT = mkdtempSync(join(tmpdir(), 'ism-electron-build-'));
const read = (f: string) => readFileSync(join(OUT, f), 'utf8');
/** Modules a bundle loads at run time (require calls in the code, not inside generated-code strings). */
const requires = (code: string) => new Set([...code.matchAll(/(?<!['"`])\brequire\("([^"]+)"\)/g)].map((m) => m[1]));

beforeAll(() => {
  execFileSync(process.execPath, [join(ROOT, 'scripts', 'build-electron.mjs'), `--outdir=${OUT}`], { cwd: ROOT, stdio: 'pipe' });
});
afterAll(() => rmSync(OUT, { recursive: true, force: true }));

describe('the Electron bundles', () => {
  it('main.cjs loads only Node built-ins, electron and the native or optional modules left out of the bundle', () => {
    const builtins = new Set([...builtinModules, ...builtinModules.map((m) => `node:${m}`)]);
    const outside = [...requires(read('main.cjs'))].filter((m) => !builtins.has(m)).sort();
    expect(outside).toEqual(['better-sqlite3', 'bufferutil', 'electron', 'node-notifier', 'utf-8-validate']);
  });

  it('preload.cjs requires nothing but electron (a sandboxed preload cannot)', () => {
    expect([...requires(read('preload.cjs'))]).toEqual(['electron']);
  });
});

describe('the preload', () => {
  function loadPreload() {
    const exposed: Record<string, unknown> = {};
    const ipc = new EventEmitter();
    const invoked: unknown[][] = [];
    const electron = {
      contextBridge: { exposeInMainWorld: (key: string, api: unknown) => void (exposed[key] = api) },
      ipcRenderer: {
        on: (channel: string, fn: (...a: unknown[]) => void) => ipc.on(channel, fn),
        invoke: async (...args: unknown[]) => {
          invoked.push(args);
          return { ok: true, value: 'answer' };
        },
      },
    };
    const module = { exports: {} };
    const run = new Function('require', 'module', 'exports', read('preload.cjs'));
    run(
      (name: string) => {
        if (name === 'electron') return electron;
        throw new Error(`the preload required ${name}`);
      },
      module,
      module.exports,
    );
    // What main sends: webContents.send('desktop:event', name, payload) arrives as (event, name, payload).
    const send = (name: string, payload: unknown) => ipc.emit('desktop:event', { sender: 'ipcRenderer internals' }, name, payload);
    return { exposed, invoked, send };
  }

  it('exposes window.desktop with exactly call and on', () => {
    const { exposed } = loadPreload();
    expect(Object.keys(exposed)).toEqual(['desktop']);
    expect(Object.keys(exposed.desktop as object).sort()).toEqual(['call', 'on']);
  });

  it('call() goes through the one channel, unchanged, and returns the Reply', async () => {
    const { exposed, invoked } = loadPreload();
    const desktop = exposed.desktop as DesktopBridge;
    const call = { kind: 'query', name: 'session', input: {} } as const;
    await expect(desktop.call(call)).resolves.toEqual({ ok: true, value: 'answer' });
    expect(invoked).toEqual([['desktop:call', call]]);
  });

  it('on() delivers (name, payload) only, unsubscribes, and replays an early open to the first listener', async () => {
    const { exposed, send } = loadPreload();
    const desktop = exposed.desktop as DesktopBridge;
    send('session', { state: 'ready' }); // state: not replayed (the page queries it)
    send('open', { contact_id: 'C1', comment_id: null, message_id: null });
    const got: unknown[][] = [];
    const off = desktop.on((...args) => void got.push(args));
    await Promise.resolve();
    expect(got).toEqual([['open', { contact_id: 'C1', comment_id: null, message_id: null }]]);
    send('unread', { count: 2 });
    expect(got.at(-1)).toEqual(['unread', { count: 2 }]);
    off();
    send('unread', { count: 3 });
    expect(got).toHaveLength(2);
    expect(() => desktop.on('not a function' as never)).toThrow(TypeError);
  });
});
