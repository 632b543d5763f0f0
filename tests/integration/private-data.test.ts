// What the desktop keeps on disk is readable by this OS user only: in host mode, with its real stores
// (conf settings, the token file) and a real cache file signed in to a real server, the data folder
// is 0700 and every file in it (settings.json, session-token, cache.sqlite and its -wal and -shm)
// 0600, also when a folder left by an earlier version had looser modes.
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHost } from '../../src-main/host/host';
import { confStore, fileTokenStore } from '../../src-main/host/stores';
import { eventually, RecordingNotifier } from '../support/desktop';
import { startServer, type TestServer } from '../support/server';

const posix = process.platform !== 'win32';
const mode = (path: string) => (statSync(path).mode & 0o777).toString(8);

let server: TestServer;
const root = mkdtempSync(join(tmpdir(), 'ism-private-'));
mkdirSync(join(root, 'renderer'));
writeFileSync(join(root, 'renderer', 'index.html'), '<!doctype html><title>IS-Messenger</title>');

beforeAll(async () => {
  server = await startServer();
});
afterAll(async () => {
  await server.stop();
  rmSync(root, { recursive: true, force: true });
});

/** Host mode as `npm run start:web` wires it, signed in, synced, and with settings written. */
async function runHost(dataDir: string): Promise<void> {
  const settings = confStore(dataDir);
  const host = await startHost({ dataDir, rendererDir: join(root, 'renderer'), settings, tokens: fileTokenStore(dataDir), notifier: new RecordingNotifier() });
  try {
    const signIn = await host.service.handle({
      kind: 'command',
      name: 'signIn',
      input: { server_url: server.url, email: 'manager@demo.test', password: 'demo-password' },
    });
    expect(signIn).toMatchObject({ ok: true });
    await eventually(() => host.service.session().state === 'ready', 10_000, 'the first sync');
    settings.set('prefs', { sound: false });
    const files = readdirSync(dataDir);
    expect(files).toEqual(expect.arrayContaining(['settings.json', 'session-token', 'cache.sqlite', 'cache.sqlite-wal', 'cache.sqlite-shm']));
    expectPrivate(dataDir);
  } finally {
    await host.close();
  }
}

function expectPrivate(dataDir: string): void {
  expect(mode(dataDir), dataDir).toBe('700');
  for (const name of readdirSync(dataDir)) expect(`${name} ${mode(join(dataDir, name))}`).toBe(`${name} 600`);
}

describe.runIf(posix)('the data folder is private to this OS user', () => {
  it('a new data folder is 0700 and every file written in it 0600', async () => {
    const old = process.umask(0o022); // the usual umask, which leaves files readable by everyone
    try {
      await runHost(join(root, 'fresh', 'data'));
    } finally {
      process.umask(old);
    }
  });

  it('a data folder left with looser modes is made private at start', async () => {
    const dataDir = join(root, 'loose');
    mkdirSync(dataDir, { mode: 0o755 });
    chmodSync(dataDir, 0o755);
    for (const name of ['settings.json', 'cache.sqlite', 'cache.sqlite-wal', 'cache.sqlite-shm']) {
      writeFileSync(join(dataDir, name), '');
      chmodSync(join(dataDir, name), 0o644);
    }
    writeFileSync(join(dataDir, 'settings.json'), '{}');
    chmodSync(join(dataDir, 'settings.json'), 0o644);
    // Before anything is written: the stores and the core tighten what is there at start.
    confStore(dataDir);
    fileTokenStore(dataDir);
    expectPrivate(dataDir);
    await runHost(dataDir);
  });
});
