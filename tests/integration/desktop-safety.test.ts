// The desktop never loses work and never strands the user: a damaged cache heals (its unsent writes
// rescued, the file moved aside, a new one synced), a newer version's cache is refused in words;
// sign-out with unsent writes asks first; a write that can no longer be delivered stays, failed, with
// a reason in words. Real server (restarted for real), real cache files damaged for real.
import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, mkdtempSync, openSync, readdirSync, rmSync, statSync, truncateSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient, clientId, signIn, startServer, type TestServer } from '../support/server';
import { eventually, signedIn, startDesktop, type TestDesktop } from '../support/desktop';
import { MemoryStore } from '../../src-main/core/service/ports';

let server: TestServer;
/** Drops what the first start made (a PostgreSQL database, a folder); restarts reuse it. */
let dropFirst: () => Promise<void>;
let owner: ApiClient;
const dirs: string[] = [];
const running: TestDesktop[] = [];

/** The same server again, on the same database and port (SQLite or PostgreSQL). */
async function restart(): Promise<void> {
  const { dbFile, databaseUrl, port, demo } = server;
  await server.close();
  server = Object.assign(await startServer(databaseUrl ? { databaseUrl, port } : { dbFile, port }), { demo });
}

beforeAll(async () => {
  server = await startServer();
  const first = server;
  dropFirst = () => first.stop();
  owner = await signIn(server, 'owner@demo.test');
});
afterAll(async () => {
  for (const d of running) await d.service.shutdown();
  if (server !== undefined) await server.close().catch(() => {});
  await dropFirst?.().catch(() => {});
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

async function desktop(dir: string, store: MemoryStore): Promise<TestDesktop> {
  const d = await startDesktop({ dir, store });
  running.push(d);
  return d;
}

/** An agent's app, synced, then cut off from the server (stopped), with one message written meanwhile. */
async function offlineWithAMessage(
  email: string,
): Promise<{ d: TestDesktop; dir: string; store: MemoryStore; contact: { id: string; name: string }; text: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'ism-safety-'));
  dirs.push(dir);
  const store = new MemoryStore();
  const d = await desktop(dir, store);
  await signedIn(d, server.url, email);
  const contact = (await d.query('conversations', { inbox: 'mine', limit: 1 })).items[0];
  await server.close();
  await eventually(() => d.service.session().connection !== 'online', 10_000, 'the app to see the server gone');
  const text = `Written offline ${randomBytes(4).toString('hex')}`;
  await d.command('sendMessage', { contact_id: contact.id, text });
  expect((await d.query('outbox')).map((i) => i.state)).toEqual(['pending']);
  return { d, dir, store, contact, text };
}

/** How many of the contact's messages on the server have this text. */
async function onServer(contactId: string, text: string): Promise<number> {
  const items = (await owner.get(`/api/v1/contacts/${contactId}/messages?limit=100`)).body.items as { text: string }[];
  return items.filter((m) => m.text === text).length;
}

const mode = (path: string) => (statSync(path).mode & 0o777).toString(8);

describe('a damaged cache heals', () => {
  const damages: [string, (file: string) => void][] = [
    ['truncated to half', (file) => truncateSync(file, Math.floor(statSync(file).size / 2))],
    ['its first 4 KB overwritten', (file) => overwrite(file, 0, 4096)],
    ['garbage in the middle', (file) => overwrite(file, Math.floor(statSync(file).size / 2) - 16_384, 32_768)],
  ];
  it.each(damages)(
    '%s: the app opens, says so in one line, rebuilds from the server and still delivers the unsent message',
    async (_what, damage) => {
      const { d, dir, store, contact, text } = await offlineWithAMessage('agent4@demo.test');
      await d.service.shutdown();
      damage(join(dir, 'cache.sqlite'));
      await restart();
      owner = await signIn(server, 'owner@demo.test');

      const again = await desktop(dir, store);
      // Lists answer (a damage found only when a list reads it rebuilds then), and the app says why.
      await eventually(
        async () => {
          const r = await again.service.handle({ kind: 'query', name: 'conversations', input: { inbox: 'mine', limit: 5 } });
          return r.ok && (r.value as { items: unknown[] }).items.length > 0;
        },
        20_000,
        'lists to answer from the rebuilt cache',
      );
      expect(again.service.session().notice).toEqual({ kind: 'cache_rebuilt', message: expect.stringMatching(/damaged.*downloaded again/) });
      await eventually(() => again.service.session().state === 'ready' && again.service.session().connection === 'online', 20_000, 'ready and online');
      await eventually(async () => (await onServer(contact.id, text)) === 1, 10_000, 'the rescued message delivered');
      expect(await again.query('outbox')).toEqual([]);
      // The damaged file was moved aside, private like everything else in the folder.
      expect(existsSync(join(dir, 'cache.damaged.sqlite'))).toBe(true);
      for (const name of readdirSync(dir)) expect(`${name} ${mode(join(dir, name))}`).toBe(`${name} 600`);
      await again.command('dismissNotice', {});
      expect(again.service.session().notice).toBeNull();
    },
    60_000,
  );

  it('a cache from a newer version of the app is refused in words, never a crash, and left as it is', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ism-safety-'));
    dirs.push(dir);
    const store = new MemoryStore();
    const d = await desktop(dir, store);
    await signedIn(d, server.url, 'agent5@demo.test');
    await d.service.shutdown();
    const db = new BetterSqlite3(join(dir, 'cache.sqlite'));
    db.pragma('user_version = 99');
    db.close();

    const again = await desktop(dir, store);
    const session = again.service.session();
    expect(session.state).toBe('signed_out');
    expect(session.notice).toEqual({ kind: 'cache_too_new', message: expect.stringMatching(/newer version.*Update the app/) });
    const r = await again.service.handle({
      kind: 'command',
      name: 'signIn',
      input: { server_url: server.url, email: 'agent5@demo.test', password: 'demo-password' },
    });
    expect(r).toMatchObject({ ok: false, code: 'cache_too_new' });
    const kept = new BetterSqlite3(join(dir, 'cache.sqlite'), { readonly: true });
    expect(kept.pragma('user_version', { simple: true })).toBe(99);
    kept.close();
  }, 30_000);
});

function overwrite(file: string, at: number, length: number): void {
  const fd = openSync(file, 'r+');
  writeSync(fd, randomBytes(length), 0, length, at);
  closeSync(fd);
}

describe('nothing the user wrote disappears silently', () => {
  it('sign-out with an unsent message asks first, saying what it is; "send now" delivers it, then sign-out goes ahead', async () => {
    const { d, contact, text } = await offlineWithAMessage('agent7@demo.test');
    const refused = await d.service.handle({ kind: 'command', name: 'signOut', input: {} });
    expect(refused).toEqual({ ok: false, code: 'unsent_writes', message: expect.stringContaining(`1 change is not sent yet: a message to ${contact.name}.`) });
    expect(d.service.session().state).toBe('ready');
    expect(existsSync(d.service.cacheFile)).toBe(true);

    await restart();
    owner = await signIn(server, 'owner@demo.test');
    await eventually(() => d.service.session().connection === 'online', 10_000, 'back online');
    expect(await d.command('sendUnsent', {})).toEqual([]);
    expect(await onServer(contact.id, text)).toBe(1);
    await d.command('signOut', {});
    expect(d.service.session().state).toBe('signed_out');
  }, 60_000);

  it('or discards it when the user says so', async () => {
    const { d, contact, text } = await offlineWithAMessage('agent8@demo.test');
    await d.command('signOut', { discard_unsent: true });
    expect(d.service.session().state).toBe('signed_out');
    expect(existsSync(d.service.cacheFile)).toBe(false);
    await restart();
    owner = await signIn(server, 'owner@demo.test');
    expect(await onServer(contact.id, text)).toBe(0);
  }, 60_000);

  it('a message to a contact taken away by a restriction stays, failed, with the reason in words, to copy or discard', async () => {
    const users = (await owner.get('/api/v1/users')).body.items as { id: string; email: string }[];
    const agentId = users.find((u) => u.email === 'agent9@demo.test')!.id;
    const dir = mkdtempSync(join(tmpdir(), 'ism-safety-'));
    dirs.push(dir);
    const store = new MemoryStore();
    const d = await desktop(dir, store);
    await signedIn(d, server.url, 'agent9@demo.test');
    const other = (await d.query('conversations', { inbox: 'unassigned', limit: 1 })).items[0];
    await server.close();
    await eventually(() => d.service.session().connection !== 'online', 10_000, 'offline');
    const text = `Before the restriction ${randomBytes(4).toString('hex')}`;
    await d.command('sendMessage', { contact_id: other.id, text });
    await d.service.shutdown();
    await restart();
    owner = await signIn(server, 'owner@demo.test');
    expect((await owner.patch(`/api/v1/users/${agentId}`, { client_id: clientId(), restrictions: { contact_visibility: 'user' } })).status).toBe(200);

    const again = await desktop(dir, store);
    await eventually(async () => (await again.query('contact', { id: other.id })) === null, 10_000, 'the contact gone');
    const items = await again.query('outbox');
    expect(items).toEqual([
      expect.objectContaining({
        kind: 'message',
        state: 'failed',
        text,
        deliverable: false,
        contact_id: null,
        error: 'You no longer have access to this contact, so this could not be sent. Copy it or discard it.',
      }),
    ]);
    // Retry has nowhere to send it; discard takes it away.
    await again.command('retryOutbox', { client_id: items[0].client_id });
    expect((await again.query('outbox'))[0].state).toBe('failed');
    await again.command('discardOutbox', { client_id: items[0].client_id });
    expect(await again.query('outbox')).toEqual([]);
    expect(await onServer(other.id, text)).toBe(0);
  }, 60_000);

  it('a write the server refuses is failed with a reason in words, not field names or ids', async () => {
    const users = (await owner.get('/api/v1/users')).body.items as { id: string; email: string }[];
    const leaver = users.find((u) => u.email === 'agent12@demo.test')!;
    const dir = mkdtempSync(join(tmpdir(), 'ism-safety-'));
    dirs.push(dir);
    const d = await desktop(dir, new MemoryStore());
    await signedIn(d, server.url, 'manager@demo.test');
    expect((await owner.patch(`/api/v1/users/${leaver.id}`, { client_id: clientId(), deactivated: true })).status).toBe(200);
    const contact = (await d.query('conversations', { inbox: 'all', limit: 1 })).items[0];
    await d.command('assign', { contact_id: contact.id, assignee_id: leaver.id });
    await eventually(async () => (await d.query('outbox'))[0]?.state === 'failed', 10_000, 'the assignment refused');
    const [item] = await d.query('outbox');
    expect(item.error).toBe('This assignment was refused: that person can no longer be assigned conversations (their account was deactivated or removed).');
    expect((await d.query('contact', { id: contact.id }))!.failed_writes[0].error).toBe(item.error);
  }, 30_000);
});
