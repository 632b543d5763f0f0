import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { writeFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Cache, CacheTooNewError } from '../../src-main/core/cache/cache';
import { CACHE_MIGRATIONS, CACHE_VERSION } from '../../src-main/core/cache/migrations';
import * as q from '../../src-main/core/cache/queries';
import { SqliteDatabase } from '../../src-server/db/sqlite';
import { LATEST_VERSION, migrateSqlite } from '../../src-server/db/migrations';
import { MemoryStore } from '../../src-main/core/service/ports';
import { UNREADABLE_OLD_WRITE } from '../../src-main/core/outbox/refusal-reasons';
import { signIn, startServer, type ApiClient, type TestServer } from '../support/server';
import { eventually, signedIn, startDesktop } from '../support/desktop';

const dirs: string[] = [];
const tmp = () => {
  const d = mkdtempSync(join(tmpdir(), 'ism-mig-'));
  dirs.push(d);
  return d;
};
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('cache migrations', () => {
  it('are numbered in increasing order (numbers are given out ahead, so one may land before another)', () => {
    const versions = CACHE_MIGRATIONS.map((m) => m.version);
    expect(versions).toEqual([...versions].sort((a, b) => a - b));
    expect(new Set(versions).size).toBe(versions.length);
  });

  it('migration 1 creates the entity tables, the outbox and full-text search with secure delete', () => {
    const file = join(tmp(), 'c.sqlite');
    const cache = Cache.open(file);
    expect(cache.db.pragma('user_version', { simple: true })).toBe(CACHE_VERSION);
    const tables = cache.all<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'table'").map((t) => t.name);
    for (const t of [
      'meta',
      'users',
      'contacts',
      'conversations',
      'messages',
      'comments',
      'events',
      'notifications',
      'outbox',
      'contacts_fts',
      'messages_fts',
      'comments_fts',
    ])
      expect(tables).toContain(t);
    expect(cache.db.pragma('secure_delete', { simple: true })).toBe(1);
    expect(cache.db.pragma('journal_mode', { simple: true })).toBe('wal');
    cache.entities.put('message', {
      id: 'm1',
      contact_id: 'c1',
      conversation_id: 'v1',
      direction: 'incoming',
      text: 'where is my parcel',
      status: 'delivered',
      fail_reason: null,
      author_id: null,
      created_at: 1,
    });
    expect(cache.all("SELECT rowid FROM messages_fts WHERE messages_fts MATCH 'parcel'")).toHaveLength(1);
    cache.close();
  });

  it("migration 2 brings a version 1 cache's contacts along: their assignee's team, and counts per assignee and status", () => {
    const file = join(tmp(), 'c.sqlite');
    const v1 = new BetterSqlite3(file);
    v1.exec(CACHE_MIGRATIONS[0].sql);
    v1.pragma('user_version = 1');
    v1.prepare("INSERT INTO users (id, name, team_id, data) VALUES ('u1', 'Ann', 't1', '{}'), ('u2', 'Bo', NULL, '{}')").run();
    const contact = v1.prepare("INSERT INTO contacts (id, assignee_id, status, last_activity_at, data) VALUES (?, ?, ?, 1, '{}')");
    for (const [id, assignee, status] of [
      ['c1', 'u1', 'open'],
      ['c2', 'u1', 'open'],
      ['c3', 'u2', 'closed'],
      ['c4', null, 'open'],
      ['c5', 'gone', 'closed'],
    ])
      contact.run(id, assignee, status);
    v1.close();

    const cache = Cache.open(file);
    expect(cache.db.pragma('user_version', { simple: true })).toBe(CACHE_VERSION);
    expect(cache.all('SELECT id, assignee_team_id AS team FROM contacts ORDER BY id')).toEqual([
      { id: 'c1', team: 't1' },
      { id: 'c2', team: 't1' },
      { id: 'c3', team: null },
      { id: 'c4', team: null },
      { id: 'c5', team: null },
    ]);
    expect(cache.all('SELECT assignee_id AS a, status AS s, n FROM contact_counts ORDER BY 1, 2')).toEqual([
      { a: '', s: 'open', n: 1 },
      { a: 'gone', s: 'closed', n: 1 },
      { a: 'u1', s: 'open', n: 2 },
      { a: 'u2', s: 'closed', n: 1 },
    ]);
    // From now on the triggers keep both.
    cache.entities.put('user', { id: 'u2', name: 'Bo', team_id: 't1' });
    cache.removeContact('c1');
    expect(cache.get('SELECT assignee_team_id AS team FROM contacts WHERE id = ?', 'c3')).toEqual({ team: 't1' });
    expect(cache.get("SELECT n FROM contact_counts WHERE assignee_id = 'u1' AND status = 'open'")).toEqual({ n: 1 });
    cache.close();
  });

  it("migration 3 rebuilds a version 2 cache's message search with an index of two- and three-letter prefixes", () => {
    const file = join(tmp(), 'c.sqlite');
    const v2 = new BetterSqlite3(file);
    for (const m of CACHE_MIGRATIONS.slice(0, 2)) v2.exec(m.sql);
    v2.pragma('user_version = 2');
    const insert = v2.prepare("INSERT INTO messages (id, contact_id, created_at, status, data) VALUES (?, 'c1', 1, 'read', ?)");
    const fts = v2.prepare('INSERT INTO messages_fts (rowid, text) VALUES (?, ?)');
    for (const [id, text] of [
      ['m1', 'Où est mon colis ?'],
      ['m2', 'question about the price'],
    ])
      fts.run(insert.run(id, JSON.stringify({ id, text })).lastInsertRowid, text);
    v2.close();

    const cache = Cache.open(file);
    expect(cache.get<{ sql: string }>("SELECT sql FROM sqlite_master WHERE name = 'messages_fts'")!.sql).toContain("prefix = '2 3'");
    const match = (q: string) => cache.all<{ rowid: number }>('SELECT rowid FROM messages_fts WHERE messages_fts MATCH ?', q).length;
    expect([match('"colis"'), match('"pr"*'), match('"que"*'), match('"ou"')]).toEqual([1, 1, 1, 1]);
    cache.close();
  });

  it('migration 4 adds drafts per conversation to a version 3 cache; a removed contact takes its draft along', () => {
    const file = join(tmp(), 'c.sqlite');
    const old = new BetterSqlite3(file);
    for (const m of CACHE_MIGRATIONS.filter((m) => m.version <= 3)) old.exec(m.sql);
    old.pragma('user_version = 3');
    old.close();
    const cache = Cache.open(file);
    expect(cache.db.pragma('user_version', { simple: true })).toBe(CACHE_VERSION);
    cache.entities.put('contact', {
      id: 'c1',
      name: 'Ann',
      phone: null,
      email: null,
      assignee_id: null,
      status: 'open',
      channel_id: null,
      conversation_id: null,
      last_activity_at: 1,
    });
    cache.run("INSERT INTO drafts (contact_id, updated_at, data) VALUES ('c1', 1, '{}')");
    cache.removeContact('c1');
    expect(cache.all('SELECT * FROM drafts')).toEqual([]);
    cache.close();
  });

  it('migration 7 gives a version 5 cache the table where a bootstrap from a snapshot keeps the version of each page', () => {
    const file = join(tmp(), 'c.sqlite');
    const old = new BetterSqlite3(file);
    old.close();
    const v5 = Cache.open(file);
    v5.db.exec('DROP TABLE snapshot_pages');
    v5.db.pragma('user_version = 5');
    v5.close();
    const cache = Cache.open(file);
    expect(cache.db.pragma('user_version', { simple: true })).toBe(CACHE_VERSION);
    cache.applySnapshotPage([], { next: null, after_key: '', version: 9, done: 0, total: 0 }, 9);
    expect(cache.all('SELECT after_key, version FROM snapshot_pages')).toEqual([{ after_key: '', version: 9 }]);
    expect(cache.cursor).toBe(9);
    cache.close();
  });

  it("migration 8 rebuilds a version 7 cache's contact search with an index of two- and three-letter prefixes", () => {
    const file = join(tmp(), 'c.sqlite');
    const v7 = new BetterSqlite3(file);
    for (const m of CACHE_MIGRATIONS.filter((m) => m.version <= 7)) v7.exec(m.sql);
    v7.pragma('user_version = 7');
    const insert = v7.prepare("INSERT INTO contacts (id, status, last_activity_at, data) VALUES (?, 'open', 1, ?)");
    const fts = v7.prepare('INSERT INTO contacts_fts (rowid, name, phone, email) VALUES (?, ?, ?, ?)');
    for (const [id, name, phone, email] of [
      ['c1', 'Zoë Parcelle', '+44 7700', ''],
      ['c2', 'Acme Questions', '', 'buyer@acme.test'],
    ])
      fts.run(insert.run(id, JSON.stringify({ id, name, phone: phone || null, email: email || null })).lastInsertRowid, name, phone, email);
    v7.close();

    const cache = Cache.open(file);
    expect(cache.db.pragma('user_version', { simple: true })).toBe(CACHE_VERSION);
    expect(cache.get<{ sql: string }>("SELECT sql FROM sqlite_master WHERE name = 'contacts_fts'")!.sql).toContain("prefix = '2 3'");
    const found = (q: string) => (q ? cache.all<{ rowid: number }>('SELECT rowid FROM contacts_fts WHERE contacts_fts MATCH ?', q).length : 0);
    expect([found('"zoe"'), found('"pa"*'), found('"que"*'), found('"770"*'), found('"acme"'), found('"parcelle" "acme"')]).toEqual([1, 1, 1, 1, 1, 0]);
    expect(
      q
        .search(cache, 'acme buy', 10)
        .value()
        .contacts.map((c) => c.id),
    ).toEqual(['c2']);
    cache.close();
  });

  it('a bulk load writes rows without their full-text entries and activity indexes, and builds them all at its end, even across a restart', () => {
    const file = join(tmp(), 'c.sqlite');
    const indexes = (c: Cache) =>
      c.all<{ name: string; sql: string }>("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL ORDER BY name");
    const message = (id: string, text: string) => ({
      id,
      contact_id: 'c1',
      conversation_id: 'v1',
      direction: 'incoming',
      text,
      status: 'delivered',
      fail_reason: null,
      author_id: null,
      created_at: 1,
    });
    const matches = (c: Cache, table: string, word: string) => c.all(`SELECT rowid FROM ${table} WHERE ${table} MATCH ?`, word).length;
    let cache = Cache.open(file);
    const before = indexes(cache);
    cache.beginBulkLoad();
    expect(indexes(cache).map((i) => i.name)).not.toContain('contacts_activity');
    cache.entities.put('message', message('m1', 'where is my parcel'));
    cache.entities.put('contact', {
      id: 'c1',
      name: 'Zoë Parcelle',
      phone: '+4470',
      email: null,
      channel_id: 'ch',
      assignee_id: null,
      status: 'open',
      conversation_id: null,
      last_activity_at: 1,
      last_message: null,
      last_message_direction: null,
      created_at: 1,
    });
    expect(matches(cache, 'messages_fts', 'parcel')).toBe(0);
    cache.close();

    cache = Cache.open(file);
    expect(cache.bulkLoading).toBe(true);
    cache.entities.put('comment', { id: 'k1', contact_id: 'c1', conversation_id: 'v1', author_id: 'u1', text: 'parcel lost?', mentions: [], created_at: 2 });
    cache.endBulkLoad();
    expect(matches(cache, 'messages_fts', 'parcel')).toBe(1);
    expect(matches(cache, 'comments_fts', 'parcel')).toBe(1);
    expect(matches(cache, 'contacts_fts', 'zoe')).toBe(1);
    expect(cache.getMeta('bulk_load')).toBeNull();
    expect(indexes(cache)).toEqual(before);
    // After the load, rows are indexed as they come again.
    cache.entities.put('message', message('m2', 'parcel found'));
    expect(matches(cache, 'messages_fts', 'parcel')).toBe(2);
    cache.close();
  });

  it('opening again applies nothing twice', () => {
    const file = join(tmp(), 'c.sqlite');
    Cache.open(file).close();
    const again = Cache.open(file);
    expect(again.db.pragma('user_version', { simple: true })).toBe(CACHE_VERSION);
    again.close();
  });

  it('refuses a cache file from a newer app, and leaves it untouched', () => {
    const file = join(tmp(), 'c.sqlite');
    const raw = new BetterSqlite3(file);
    raw.pragma(`user_version = ${CACHE_VERSION + 1}`);
    raw.close();
    expect(() => Cache.open(file)).toThrow(CacheTooNewError);
    const check = new BetterSqlite3(file);
    expect(check.pragma('user_version', { simple: true })).toBe(CACHE_VERSION + 1);
    check.close();
  });
});

describe('cache migration 5: queued writes name the route they call', () => {
  let server: TestServer;
  let owner: ApiClient;
  beforeAll(async () => {
    server = await startServer();
    owner = await signIn(server, 'owner@demo.test');
  });
  afterAll(async () => {
    await server?.stop();
  });

  /** The outbox table as versions 1 to 4 made it: a method and a path built by hand. */
  const OLD_OUTBOX = /CREATE TABLE outbox \([^;]*?\n\);/.exec(CACHE_MIGRATIONS[0].sql)![0];
  type OldWrite = {
    client_id: string;
    kind: string;
    contact_id: string | null;
    method: string;
    path: string;
    body: string;
    state: string;
    error: string | null;
    created_at: number;
  };
  const oldWrite = (kind: string, contactId: string | null, path: string, body: Record<string, unknown>, at: number): OldWrite => {
    const client_id = randomUUID();
    return {
      client_id,
      kind,
      contact_id: contactId,
      method: 'POST',
      path,
      body: JSON.stringify({ ...body, client_id }),
      state: 'pending',
      error: null,
      created_at: at,
    };
  };
  const texts = async (contactId: string) =>
    ((await owner.get(`/api/v1/contacts/${contactId}/messages?limit=100`)).body.items as { text: string }[]).map((m) => m.text);

  /** An agent's app, synced and stopped, whose cache is put back to version 4 with these writes queued the old way. */
  async function version4With(writes: (contact: { id: string }) => OldWrite[]) {
    const dir = tmp();
    const store = new MemoryStore();
    const first = await startDesktop({ dir, store });
    await signedIn(first, server.url, 'agent1@demo.test');
    const [contact] = (await first.query('conversations', { inbox: 'mine', limit: 1 })).items;
    await first.service.shutdown();
    const raw = new BetterSqlite3(join(dir, 'cache.sqlite'));
    raw.exec(`DROP TABLE outbox; ${OLD_OUTBOX}`);
    const insert = raw.prepare(
      "INSERT INTO outbox (client_id, kind, contact_id, method, path, body, state, error, undo, created_at) VALUES (@client_id, @kind, @contact_id, @method, @path, @body, @state, @error, '[]', @created_at)",
    );
    for (const w of writes(contact)) insert.run(w);
    raw.pragma('user_version = 4');
    raw.close();
    return { dir, store, contact };
  }

  it('delivers, in order, the writes a version 4 cache queued as a method and a path; one it cannot read stays, failed, in words', async () => {
    const text = `Queued by the old app ${randomUUID().slice(0, 8)}`;
    const { dir, store, contact } = await version4With((c) => [
      oldWrite('message', c.id, `/api/v1/contacts/${encodeURIComponent(c.id)}/messages`, { text }, 1),
      // Unassigned after the message: delivered the other way round, the message would assign it again.
      oldWrite('assign', c.id, `/api/v1/contacts/${encodeURIComponent(c.id)}/assignee`, { assignee_id: null }, 2),
      oldWrite('comment', c.id, '/api/v2/somewhere/else', { text: 'an address from nowhere' }, 3),
    ]);
    const d = await startDesktop({ dir, store });
    try {
      expect(d.service.cache!.db.pragma('user_version', { simple: true })).toBe(CACHE_VERSION);
      await eventually(async () => (await texts(contact.id)).includes(text), 10_000, 'the old message delivered');
      await eventually(async () => (await d.query('outbox')).every((i) => i.state === 'failed'), 10_000, 'the queue delivered');
      const left = await d.query('outbox');
      expect(left.map((i) => [i.kind, i.text, i.error, i.deliverable])).toEqual([['comment', 'an address from nowhere', UNREADABLE_OLD_WRITE, false]]);
      expect((await texts(contact.id)).filter((t) => t === text)).toHaveLength(1);
      expect((await owner.get(`/api/v1/contacts/${contact.id}`)).body.contact.assignee_id).toBeNull();
    } finally {
      await d.stop();
    }
  });

  it("reads an older version's rescue file (method and path) and delivers what it kept", async () => {
    const text = `Rescued by the old app ${randomUUID().slice(0, 8)}`;
    const { dir, store, contact } = await version4With(() => []);
    const cache = new BetterSqlite3(join(dir, 'cache.sqlite'));
    const userId = (cache.prepare("SELECT value FROM meta WHERE key = 'user_id'").get() as { value: string }).value;
    cache.close();
    const w = oldWrite('message', contact.id, `/api/v1/contacts/${encodeURIComponent(contact.id)}/messages`, { text }, 1);
    writeFileSync(join(dir, 'cache.outbox-rescued.json'), JSON.stringify({ user_id: userId, writes: [w] }));
    const d = await startDesktop({ dir, store });
    try {
      await eventually(async () => (await texts(contact.id)).includes(text), 10_000, 'the rescued message delivered');
      await eventually(async () => (await d.query('outbox')).length === 0, 10_000, 'the outbox emptied');
    } finally {
      await d.stop();
    }
  });
});

describe('server migrations', () => {
  it('bring an empty database to the latest version and refuse a newer one', async () => {
    const file = join(tmp(), 's.sqlite');
    const db = new SqliteDatabase(file);
    migrateSqlite(db);
    expect(db.userVersion()).toBe(LATEST_VERSION);
    migrateSqlite(db);
    db.setUserVersion(LATEST_VERSION + 1);
    expect(() => migrateSqlite(db)).toThrow(/newer than this server/);
    await db.close();
  });
});
