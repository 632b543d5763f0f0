import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { Cache, CacheTooNewError } from '../../src-main/core/cache/cache';
import { CACHE_MIGRATIONS, CACHE_VERSION } from '../../src-main/core/cache/migrations';
import { SqliteDatabase } from '../../src-server/db/sqlite';
import { LATEST_VERSION, migrateSqlite } from '../../src-server/db/migrations';

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
  it('are numbered 1, 2, 3… without gaps', () => {
    expect(CACHE_MIGRATIONS.map((m) => m.version)).toEqual(CACHE_MIGRATIONS.map((_, i) => i + 1));
  });

  it('migration 1 creates the entity tables, the outbox and full-text search with secure delete', () => {
    const file = join(tmp(), 'c.sqlite');
    const cache = Cache.open(file);
    expect(cache.db.pragma('user_version', { simple: true })).toBe(CACHE_VERSION);
    const tables = cache.all<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'table'").map((t) => t.name);
    for (const t of ['meta', 'users', 'contacts', 'conversations', 'messages', 'comments', 'events', 'notifications', 'outbox', 'contacts_fts', 'messages_fts', 'comments_fts']) expect(tables).toContain(t);
    expect(cache.db.pragma('secure_delete', { simple: true })).toBe(1);
    expect(cache.db.pragma('journal_mode', { simple: true })).toBe('wal');
    cache.upsert('message', { id: 'm1', contact_id: 'c1', conversation_id: 'v1', direction: 'incoming', text: 'where is my parcel', status: 'delivered', fail_reason: null, author_id: null, created_at: 1 });
    expect(cache.all("SELECT rowid FROM messages_fts WHERE messages_fts MATCH 'parcel'")).toHaveLength(1);
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
