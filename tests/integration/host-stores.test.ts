// The stores host mode keeps on disk (`npm run start:web`): settings in conf and the session token
// in a private file, with real files in a real data folder, read by the next run as a person would
// restart the app; a damaged file never stops the app, and the log says why.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHost } from '../../src-main/host/host';
import { confStore, fileTokenStore } from '../../src-main/host/stores';
import { RecordingNotifier, eventually } from '../support/desktop';
import { startServer, type TestServer } from '../support/server';

let root: string;
let server: TestServer;
let n = 0;
const freshDir = () => join(root, `data-${++n}`);

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'ism-host-stores-'));
  mkdirSync(join(root, 'renderer'));
  writeFileSync(join(root, 'renderer', 'index.html'), '<!doctype html><title>IS-Messenger</title>');
  server = await startServer();
});
afterAll(async () => {
  await server.stop();
  rmSync(root, { recursive: true, force: true });
});

/** One run of the app in host mode on this data folder, as `npm run start:web` wires it. */
async function run<T>(dataDir: string, logs: string[], body: (host: Awaited<ReturnType<typeof startHost>>) => Promise<T>): Promise<T> {
  const log = (msg: string, err?: unknown) => logs.push(err ? `${msg}: ${(err as Error).message}` : msg);
  const host = await startHost({
    dataDir,
    rendererDir: join(root, 'renderer'),
    settings: confStore(dataDir, log),
    tokens: fileTokenStore(dataDir, log),
    notifier: new RecordingNotifier(),
    log,
  });
  try {
    return await body(host);
  } finally {
    await host.close();
  }
}

async function signInAs(host: Awaited<ReturnType<typeof startHost>>, email: string): Promise<void> {
  const r = await host.service.handle({ kind: 'command', name: 'signIn', input: { server_url: server.url, email, password: 'demo-password' } });
  expect(r).toMatchObject({ ok: true });
  await eventually(() => host.service.session().state === 'ready', 20_000, 'the first sync');
}

describe('settings kept with conf', () => {
  it('what one run writes the next run reads; a key set to nothing is gone', () => {
    const dir = freshDir();
    const first = confStore(dir);
    first.set('server_url', server.url);
    first.set('prefs', { sound: false, dnd: true });
    first.set('place.last', { module: 'messages' });
    first.set('gone', 'soon');
    first.set('gone', undefined);

    const next = confStore(dir);
    expect(next.get('server_url')).toBe(server.url);
    expect(next.get('prefs')).toEqual({ sound: false, dnd: true });
    // A key with a dot is one key, as in the Electron app's store, not a path into an object.
    expect(next.get('place.last')).toEqual({ module: 'messages' });
    expect(next.get('place')).toBeUndefined();
    expect(next.get('gone')).toBeUndefined();
    next.delete('prefs');
    expect(confStore(dir).get('prefs')).toBeUndefined();
  });

  it('a damaged settings file: the app starts from the default settings, says why, and the file is whole again', async () => {
    const dir = freshDir();
    mkdirSync(dir, { recursive: true });
    // Cut off in the middle of a write, as a power loss would leave it.
    writeFileSync(join(dir, 'settings.json'), `{"server_url": "${server.url}", "prefs": {"sou`);
    const logs: string[] = [];
    await run(dir, logs, async (host) => {
      expect(host.service.session().state).toBe('signed_out');
      await signInAs(host, 'agent1@demo.test');
    });
    expect(logs.find((l) => l.startsWith('the settings file is damaged'))).toMatch(/starting from the default settings/);
    expect(JSON.parse(readFileSync(join(dir, 'settings.json'), 'utf8'))).toMatchObject({ server_url: server.url });
  });
});

describe('the session token in a private file', () => {
  it('a session survives a restart: the next run opens signed in, and sign-out leaves no token behind', async () => {
    const dir = freshDir();
    await run(dir, [], (host) => signInAs(host, 'agent2@demo.test'));
    const saved = readFileSync(join(dir, 'session-token'), 'utf8');
    expect(saved.length).toBeGreaterThan(10);

    await run(dir, [], async (host) => {
      expect(host.service.session().state).toBe('ready');
      await eventually(() => host.service.session().connection === 'online', 20_000, 'online with the saved session');
      const me = await host.service.handle({ kind: 'query', name: 'me', input: {} });
      expect(me).toMatchObject({ ok: true, value: { user: { email: 'agent2@demo.test' } } });
      expect(await host.service.handle({ kind: 'command', name: 'signOut', input: {} })).toMatchObject({ ok: true });
    });
    expect(existsSync(join(dir, 'session-token'))).toBe(false);
    await run(dir, [], async (host) => expect(host.service.session().state).toBe('signed_out'));
  });

  it('a damaged token file: the app asks to sign in again, says why, and a new sign-in works', async () => {
    const dir = freshDir();
    await run(dir, [], (host) => signInAs(host, 'agent3@demo.test'));
    writeFileSync(join(dir, 'session-token'), Buffer.from([0x00, 0xff, 0xfe, 0x0a, 0x41, 0x20, 0x42]));
    const logs: string[] = [];
    await run(dir, logs, async (host) => {
      expect(host.service.session().state).toBe('signed_out');
      await signInAs(host, 'agent3@demo.test');
    });
    expect(logs).toContainEqual(expect.stringMatching(/^the saved session cannot be read; signing in again is needed: /));
    expect(readFileSync(join(dir, 'session-token'), 'utf8')).toMatch(/^[\x21-\x7e]+$/);
  });
});
