// The local cache: everything the user may see, in one SQLite file, so the app opens instantly and
// works offline. The sync cursor is written in the same transaction as the changes it covers.
import BetterSqlite3 from 'better-sqlite3';
import { existsSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import type { ChangeRecord, NarrowData } from '../../../src-shared/sync/changes';
import type { Contact, Notification } from '../../../src-shared/model';
import { CACHE_MIGRATIONS, CACHE_VERSION } from './migrations';
import { forgetLostContacts } from './drafts-and-place';
import { makePrivateFile } from '../storage/private-folder';
import { ACCESS_LOST } from '../outbox/refusal-reasons';

/** Where `Cache.rewriteWithout` writes the new file before it takes the cache's place. */
const rewriteFile = (file: string) => `${file}.next`;

/** A database file and its journals. */
function removeFiles(file: string): void {
  for (const f of [file, `${file}-wal`, `${file}-shm`, `${file}-journal`]) rmSync(f, { force: true });
}

/** Where the outbox's copy is kept (see `Cache.copyOutbox`). */
export const outboxCopyFile = (file: string) => file.replace(/\.sqlite$/, '') + '.outbox.json';

export class CacheTooNewError extends Error {
  constructor(found: number) {
    super(`the cache file was written by a newer version of the app (schema ${found}, this app knows ${CACHE_VERSION})`);
    this.name = 'CacheTooNewError';
  }
}

/** What one applied batch changed, for views and the notification center. */
export interface Applied {
  entities: Set<string>;
  contactIds: Set<string>;
  /** Notification rows that arrived or changed, as they are now. */
  notifications: Notification[];
  removedContacts: string[];
}

type Db = BetterSqlite3.Database;
const SLOW_QUERY_MS = 40;
const DEFAULT_CHECKPOINT_PAGES = 1000;
/** Removals holding at least 1/this of a full-text table's rows rebuild it instead of deleting from it. */
const REBUILD_TEXT_FRACTION = 4;
/** 80 MB of journal between checkpoints during a bulk load. */
const BULK_CHECKPOINT_PAGES = 20_000;
const CACHE_KB = 65_536;
/**
 * The page cache during a bulk load: it appends, and what a large cache would keep of it is not
 * what the lists read next; held in memory it would only raise the process's footprint.
 */
const BULK_CACHE_KB = 16_384;
/**
 * Indexes a bulk load builds at its end instead of row by row: keyed by activity time or status,
 * which the rows arrive in no order of, so every transaction would rewrite nearly all their pages.
 * Those the load's own writes look rows up by (by contact, by assignee) stay.
 */
const DEFERRED_INDEXES = [
  'contacts_activity',
  'contacts_status_activity',
  'contacts_assignee_status_activity',
  'contacts_team_activity',
  'contacts_team_status_activity',
  'conversations_open',
];

/** Each full-text table filled from its rows in one statement (the same columns `upsert` indexes). */
const TEXT_SOURCES: readonly [table: string, fill: string][] = [
  ['contacts_fts', "INSERT INTO contacts_fts (rowid, name, phone, email) SELECT rowid, data->>'name', COALESCE(data->>'phone', ''), COALESCE(data->>'email', '') FROM contacts"],
  ['messages_fts', "INSERT INTO messages_fts (rowid, text) SELECT rowid, data->>'text' FROM messages"],
  ['comments_fts', "INSERT INTO comments_fts (rowid, text) SELECT rowid, data->>'text' FROM comments"],
];

export class Cache {
  /** Replaced (a new file) only by `wipeData`. */
  db: Db;
  private readonly stmts = new Map<string, BetterSqlite3.Statement>();
  onSlowQuery: (sql: string, ms: number) => void = () => {};
  /**
   * Moves whenever a contact, user (team membership), custom inbox or message (a search list's
   * members) changes: totals counted by a scan are remembered per version.
   */
  listVersion = 0;
  /** A bulk load is under way (see `beginBulkLoad`). */
  private bulk = false;

  private constructor(readonly file: string) {
    this.db = Cache.connect(file);
  }

  private static connect(file: string): Db {
    const db = new BetterSqlite3(file);
    try {
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = NORMAL');
      // A large workspace (a million messages) keeps its hot index pages in memory.
      db.pragma(`cache_size = -${CACHE_KB}`);
      db.pragma('temp_store = MEMORY');
      // Deleted rows are overwritten on disk: a contact the user lost sight of leaves no trace in the file.
      db.pragma('secure_delete = ON');
      return db;
    } catch (err) {
      db.close(); // not a database (cache-healing.ts moves it aside)
      throw err;
    }
  }

  static open(file: string): Cache {
    // SQLite creates the -wal and -shm files with the database file's mode: a private file makes all three private.
    makePrivateFile(file);
    for (const f of [`${file}-wal`, `${file}-shm`]) if (existsSync(f)) makePrivateFile(f);
    removeFiles(rewriteFile(file)); // a rewrite the last run was stopped in (rewriteWithout): the file itself is whole
    const cache = new Cache(file);
    try {
      Cache.migrate(cache.db);
      if (cache.getMeta('bulk_load') !== null) cache.beginBulkLoad();
      else if (cache.needsScrub) cache.scrub(); // a removal the last run was stopped before cleaning up after
    } catch (err) {
      cache.db.close();
      throw err;
    }
    return cache;
  }

  private static migrate(db: Db): void {
    const current = db.pragma('user_version', { simple: true }) as number;
    if (current > CACHE_VERSION) throw new CacheTooNewError(current);
    for (const m of CACHE_MIGRATIONS) {
      if (m.version <= current) continue;
      db.transaction(() => {
        db.exec(m.sql);
        db.pragma(`user_version = ${m.version}`);
      })();
    }
  }

  close(): void {
    if (this.db.open) this.db.close();
  }

  /** Sign-out: the cache file and its journal are deleted, and the outbox's copy. */
  destroy(): void {
    this.close();
    for (const f of [this.file, `${this.file}-wal`, `${this.file}-shm`, outboxCopyFile(this.file)]) if (existsSync(f)) rmSync(f, { force: true });
  }

  /**
   * The outbox (and whose it is) copied beside the cache after every change to it, in a small file
   * of its own, so that a cache damaged past reading (its first page overwritten, cut short) still
   * gives back the writes waiting in it (cache-healing.ts). No writes waiting: no file.
   */
  copyOutbox(): void {
    const to = outboxCopyFile(this.file);
    const writes = this.all<Record<string, unknown>>('SELECT client_id, kind, contact_id, method, path, body, state, error, created_at FROM outbox ORDER BY position');
    if (!writes.length) return rmSync(to, { force: true });
    const tmp = `${to}.tmp`;
    makePrivateFile(tmp);
    writeFileSync(tmp, JSON.stringify({ user_id: this.getMeta('user_id'), writes }));
    renameSync(tmp, to);
  }

  prepare(sql: string): BetterSqlite3.Statement {
    let st = this.stmts.get(sql);
    if (!st) {
      st = this.db.prepare(sql);
      this.stmts.set(sql, st);
    }
    return st;
  }

  all<T>(sql: string, ...params: unknown[]): T[] {
    const t0 = performance.now();
    const rows = this.prepare(sql).all(...params) as T[];
    const ms = performance.now() - t0;
    if (ms > SLOW_QUERY_MS) this.onSlowQuery(sql, ms);
    return rows;
  }

  get<T>(sql: string, ...params: unknown[]): T | undefined {
    return this.prepare(sql).get(...params) as T | undefined;
  }

  run(sql: string, ...params: unknown[]): void {
    this.prepare(sql).run(...params);
  }

  /**
   * An INSERT (… ON CONFLICT DO NOTHING): the new row's rowid, or null when nothing was inserted.
   * Cheaper than RETURNING, which through better-sqlite3 costs about three times as much on a bootstrap.
   */
  private insert(sql: string, ...params: unknown[]): number | bigint | null {
    const r = this.prepare(sql).run(...params);
    return r.changes ? r.lastInsertRowid : null;
  }

  tx<T>(fn: () => T): T {
    return this.db.transaction(fn)();
  }

  getMeta(key: string): string | null {
    return this.get<{ value: string }>('SELECT value FROM meta WHERE key = ?', key)?.value ?? null;
  }

  setMeta(key: string, value: string | null): void {
    if (value === null) this.run('DELETE FROM meta WHERE key = ?', key);
    else this.run('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value', key, value);
  }

  get cursor(): number {
    return Number(this.getMeta('cursor') ?? 0);
  }

  /**
   * Applies a batch of change records and moves the cursor, in one transaction; a run of removals
   * that takes a large share of the contacts (see `isLargeRemoval`) ends that transaction, is applied
   * by `rewriteWithout`, and the rest follows in another.
   */
  applyChanges(records: readonly ChangeRecord[], cursor: number): Applied {
    const applied: Applied = { entities: new Set(), contactIds: new Set(), notifications: [], removedContacts: [] };
    let next = 0;
    for (;;) {
      let large: { ids: string[]; upto: number } | null = null;
      this.tx(() => {
        // Removals in a row are applied together (removeContacts): one by one, 500 took seconds.
        let removals: string[] = [];
        /** Applies the removals gathered, up to the record at `upto`; false when they are left to `rewriteWithout`. */
        const flush = (upto: number): boolean => {
          applied.entities.add('contact');
          applied.removedContacts.push(...removals);
          if (this.isLargeRemoval(removals)) {
            large = { ids: removals, upto };
            return false;
          }
          this.removeContacts(removals);
          removals = [];
          return true;
        };
        for (; next < records.length; next++) {
          const r = records[next];
          if (r.op === 'remove' || r.op === 'narrow') {
            removals.push(...(r.op === 'remove' ? [r.id] : this.outsideScope(r.data as NarrowData)));
            continue;
          }
          if (removals.length && !flush(records[next - 1].seq)) return;
          this.applyOne(r, applied);
        }
        if (removals.length && !flush(cursor)) return;
        if (cursor > this.cursor) this.setMeta('cursor', String(cursor));
      });
      if (!large) break;
      const { ids, upto } = large;
      this.rewriteWithout(ids, upto);
    }
    if (applied.removedContacts.length) this.copyOutbox();
    return applied;
  }

  /** The contacts a narrowed visibility (a 'narrow' record) no longer shows: those of other assignees, and the unassigned. */
  private outsideScope(d: NarrowData): string[] {
    return this.all<{ id: string }>('SELECT id FROM contacts WHERE assignee_id IS NULL OR assignee_id NOT IN (SELECT value FROM json_each(?))', JSON.stringify(d.assignee_ids)).map(
      (r) => r.id,
    );
  }

  /** Removals holding at least 1/REBUILD_TEXT_FRACTION of the contacts: cheaper to copy what stays than to delete what goes. */
  private isLargeRemoval(ids: readonly string[]): boolean {
    if (this.bulk) return false;
    const total = this.get<{ n: number }>('SELECT COUNT(*) AS n FROM contacts')!.n;
    return total > 0 && new Set(ids).size * REBUILD_TEXT_FRACTION >= total;
  }

  /**
   * A bootstrap into an empty cache (a million records) is written as a bulk load, until
   * `endBulkLoad`:
   * - rows go in without their full-text entries, built at the end in one statement per table
   *   (about twice as fast as row by row);
   * - the indexes in DEFERRED_INDEXES are dropped and built again at the end;
   * - the journal is checkpointed every BULK_CHECKPOINT_PAGES instead of every 1,000 pages: each
   *   checkpoint syncs the file, and a page the load writes again and again is copied once;
   * - the page cache is BULK_CACHE_KB.
   * The mark (with the dropped indexes' definitions) is stored with the data, so a load cut short
   * by a restart still ends with its indexes built. Meanwhile search does not find what the load
   * brought, and lists are slow.
   */
  beginBulkLoad(): void {
    if (this.getMeta('bulk_load') === null) this.tx(() => this.setMeta('bulk_load', JSON.stringify(this.dropDeferredIndexes())));
    this.bulk = true;
    this.db.pragma(`wal_autocheckpoint = ${BULK_CHECKPOINT_PAGES}`);
    this.db.pragma(`cache_size = -${BULK_CACHE_KB}`);
  }

  /** A bulk load is under way (begun here, or cut short by a restart). */
  get bulkLoading(): boolean {
    return this.bulk;
  }

  /** Ends a bulk load (a no-op without one): builds the indexes and full-text entries, empties the journal. */
  endBulkLoad(): void {
    if (!this.bulk) return;
    this.tx(() => {
      for (const [table, fill] of TEXT_SOURCES) {
        this.run(`DELETE FROM ${table}`);
        this.run(fill);
      }
      for (const sql of JSON.parse(this.getMeta('bulk_load')!) as string[]) this.db.exec(sql);
      this.setMeta('bulk_load', null);
      // A rebuild (must_refetch) may have left out contacts that writes were waiting for.
      this.failWritesOfLostContacts('1');
      forgetLostContacts(this);
    });
    this.copyOutbox();
    this.bulk = false;
    this.db.pragma(`wal_autocheckpoint = ${DEFAULT_CHECKPOINT_PAGES}`);
    this.db.pragma(`cache_size = -${CACHE_KB}`);
    this.checkpoint();
  }

  /** Drops the deferred indexes that exist, and answers their definitions. */
  private dropDeferredIndexes(): string[] {
    const found = this.all<{ name: string; sql: string }>(
      `SELECT name, sql FROM sqlite_master WHERE type = 'index' AND name IN (${DEFERRED_INDEXES.map(() => '?').join(', ')})`,
      ...DEFERRED_INDEXES,
    );
    for (const i of found) this.db.exec(`DROP INDEX ${i.name}`);
    return found.map((i) => i.sql);
  }

  private indexText(sql: string, ...params: unknown[]): void {
    if (!this.bulk) this.run(sql, ...params);
  }

  private unindexText(table: string, rowid: number | bigint): void {
    if (!this.bulk) this.run(`DELETE FROM ${table} WHERE rowid = ?`, rowid);
  }

  /**
   * Everything but the outbox and the session (the signed-in user's own record and the workspace
   * settings stay, so the app keeps answering while it rebuilds): for must_refetch. The file is made
   * anew rather than emptied: deleting a large cache row by row (with secure delete) held the app for
   * seconds, and a new file holds nothing of the old. A run killed in between finds its writes in the
   * outbox's copy (cache-healing.ts).
   */
  wipeData(): void {
    this.listVersion += 1;
    const meta = this.all<{ key: string; value: string }>("SELECT key, value FROM meta WHERE key NOT IN ('cursor', 'bulk_load', 'scrub')");
    const me = this.all<Record<string, unknown>>("SELECT id, name, team_id, data FROM users WHERE id IS (SELECT value FROM meta WHERE key = 'user_id')");
    const settings = this.all<{ id: string; data: string }>('SELECT id, data FROM settings');
    const outbox = this.all<Record<string, unknown>>('SELECT * FROM outbox ORDER BY position');
    this.copyOutbox();
    this.close();
    this.stmts.clear();
    for (const f of [this.file, `${this.file}-wal`, `${this.file}-shm`]) rmSync(f, { force: true });
    makePrivateFile(this.file);
    this.db = Cache.connect(this.file);
    this.bulk = false;
    Cache.migrate(this.db);
    this.tx(() => {
      for (const m of meta) this.setMeta(m.key, m.value);
      for (const u of me) this.run('INSERT INTO users (id, name, team_id, data) VALUES (?, ?, ?, ?)', u.id, u.name, u.team_id, u.data);
      for (const x of settings) this.run('INSERT INTO settings (id, data) VALUES (?, ?)', x.id, x.data);
      for (const o of outbox) {
        this.run(
          'INSERT INTO outbox (position, client_id, kind, contact_id, method, path, body, state, error, attempts, undo, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
          o.position, o.client_id, o.kind, o.contact_id, o.method, o.path, o.body, o.state, o.error, o.attempts, o.undo, o.created_at,
        );
      }
      this.setMeta('cursor', '0');
    });
  }

  /** Drops a full-text table and makes it again, empty, as its migration made it (faster than deleting every row). */
  private recreateTextTable(t: string): void {
    const { sql } = this.get<{ sql: string }>('SELECT sql FROM sqlite_master WHERE name = ?', t)!;
    this.db.exec(`DROP TABLE ${t}`);
    this.db.exec(sql);
    this.run(`INSERT INTO ${t}(${t}, rank) VALUES ('secure-delete', 1)`);
  }

  /**
   * What a lost contact leaves after its rows are deleted: terms in the full-text indexes' segments
   * and copies of old pages in free space, which secure_delete does not reach. Merging each index
   * into one segment and rewriting the file (VACUUM) clears both; the journal is emptied last.
   * Marked in `meta` with the removal itself, so a run killed before this does it at its next start.
   */
  scrub(): void {
    if (this.bulk) return; // the bulk load's end rebuilds the indexes; its caller scrubs after
    for (const t of ['contacts_fts', 'messages_fts', 'comments_fts']) this.run(`INSERT INTO ${t}(${t}) VALUES ('optimize')`);
    this.setMeta('scrub', null);
    this.db.exec('VACUUM');
    this.checkpoint();
  }

  /** A removal happened whose traces are still in the file (see `scrub`). */
  get needsScrub(): boolean {
    return this.getMeta('scrub') !== null;
  }

  /**
   * Writes waiting for contacts that are gone from the cache stay, failed with the reason, so the user
   * can copy what they wrote; everything naming the contact (its id in the address, the optimistic
   * rows to undo) is dropped with it. Notification writes have nothing of the user's: they go.
   */
  private failWritesOfLostContacts(where: string, params: unknown[] = [], db: Db = this.db): void {
    const lost = `contact_id IS NOT NULL AND ${where} AND contact_id NOT IN (SELECT id FROM contacts)`;
    db.prepare(`DELETE FROM outbox WHERE ${lost} AND kind LIKE 'notification%'`).run(...params);
    db.prepare(
      `UPDATE outbox SET state = 'failed', error = ?, contact_id = NULL, path = '', undo = '[]',
         body = json_object('text', body->>'text') WHERE ${lost}`,
    ).run(ACCESS_LOST, ...params);
  }

  /** Moves the WAL into the main file and truncates it, so deleted data is not left in the journal. */
  checkpoint(): void {
    this.db.pragma('wal_checkpoint(TRUNCATE)');
  }

  private applyOne(r: ChangeRecord, a: Applied): void {
    a.entities.add(r.entity);
    if (r.contact_id) a.contactIds.add(r.contact_id);
    if (r.op === 'remove') {
      this.removeContact(r.id);
      a.removedContacts.push(r.id);
      return;
    }
    if (r.op === 'delete') {
      this.deleteEntity(r.entity, r.id);
      return;
    }
    this.upsert(r.entity, r.data as Record<string, unknown>);
    if (r.entity === 'notification') a.notifications.push(r.data as Notification);
  }

  /** Writes one entity as the server (or an optimistic write) has it. */
  upsert(entity: ChangeRecord['entity'], d: Record<string, unknown>): void {
    const data = JSON.stringify(d);
    if (entity === 'contact' || entity === 'user' || entity === 'custom_inbox' || entity === 'message') this.listVersion += 1;
    switch (entity) {
      case 'user':
        return this.run('INSERT INTO users (id, name, team_id, data) VALUES (?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET name = excluded.name, team_id = excluded.team_id, data = excluded.data', d.id, d.name, d.team_id, data);
      case 'team':
      case 'channel':
      case 'custom_inbox':
      case 'settings': {
        const table = { team: 'teams', channel: 'channels', custom_inbox: 'custom_inboxes', settings: 'settings' }[entity];
        return this.run(`INSERT INTO ${table} (id, data) VALUES (?, ?) ON CONFLICT (id) DO UPDATE SET data = excluded.data`, d.id ?? 'workspace', data);
      }
      case 'closing_category':
        return this.run('INSERT INTO closing_categories (id, position, data) VALUES (?, ?, ?) ON CONFLICT (id) DO UPDATE SET position = excluded.position, data = excluded.data', d.id, d.position, data);
      case 'contact': {
        // The assignee's team is looked up here (users' triggers keep it when membership changes).
        const team = 'SELECT team_id FROM users WHERE id = ?';
        const existing = this.get<{ rowid: number }>('SELECT rowid FROM contacts WHERE id = ?', d.id);
        let rowid: number | bigint;
        if (existing) {
          rowid = existing.rowid;
          this.run(
            `UPDATE contacts SET assignee_id = ?, assignee_team_id = (${team}), status = ?, channel_id = ?, conversation_id = ?, last_activity_at = ?, data = ? WHERE rowid = ?`,
            d.assignee_id, d.assignee_id, d.status, d.channel_id, d.conversation_id, d.last_activity_at, data, rowid,
          );
          this.unindexText('contacts_fts', rowid);
        } else {
          rowid = this.insert(
            `INSERT INTO contacts (id, assignee_id, assignee_team_id, status, channel_id, conversation_id, last_activity_at, data) VALUES (?, ?, (${team}), ?, ?, ?, ?, ?)`,
            d.id, d.assignee_id, d.assignee_id, d.status, d.channel_id, d.conversation_id, d.last_activity_at, data,
          )!;
        }
        this.indexText('INSERT INTO contacts_fts (rowid, name, phone, email) VALUES (?, ?, ?, ?)', rowid, d.name, d.phone ?? '', d.email ?? '');
        return;
      }
      case 'conversation':
        return this.run(
          `INSERT INTO conversations (id, contact_id, status, opened_at, closed_at, data) VALUES (?, ?, ?, ?, ?, ?)
           ON CONFLICT (id) DO UPDATE SET status = excluded.status, closed_at = excluded.closed_at, data = excluded.data`,
          d.id, d.contact_id, d.status, d.opened_at, d.closed_at, data,
        );
      case 'message': {
        // The text of a message never changes: it is indexed once, when the row is new.
        const rowid = this.insert('INSERT INTO messages (id, contact_id, created_at, status, data) VALUES (?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING', d.id, d.contact_id, d.created_at, d.status, data);
        if (rowid !== null) this.indexText('INSERT INTO messages_fts (rowid, text) VALUES (?, ?)', rowid, d.text);
        // The server's row replaces a queued one, but the time it was written (written_at) stays.
        else
          this.run(
            `UPDATE messages SET created_at = ?, status = ?, data = CASE WHEN data->>'written_at' IS NULL OR ?->>'written_at' IS NOT NULL THEN ? ELSE json_set(?, '$.written_at', data->>'written_at') END WHERE id = ?`,
            d.created_at, d.status, data, data, data, d.id,
          );
        return;
      }
      case 'comment': {
        const pending = d.pending ? 1 : 0;
        const rowid = this.insert('INSERT INTO comments (id, contact_id, created_at, pending, data) VALUES (?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING', d.id, d.contact_id, d.created_at, pending, data);
        if (rowid !== null) this.indexText('INSERT INTO comments_fts (rowid, text) VALUES (?, ?)', rowid, d.text);
        else this.run('UPDATE comments SET created_at = ?, pending = ?, data = ? WHERE id = ?', d.created_at, pending, data, d.id);
        return;
      }
      case 'event':
        return this.run('INSERT INTO events (id, contact_id, created_at, data) VALUES (?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET data = excluded.data', d.id, d.contact_id, d.created_at, data);
      case 'notification':
        return this.run(
          `INSERT INTO notifications (id, contact_id, created_at, unread, archived, data) VALUES (?, ?, ?, ?, ?, ?)
           ON CONFLICT (id) DO UPDATE SET created_at = excluded.created_at, unread = excluded.unread, archived = excluded.archived, data = excluded.data`,
          d.id, d.contact_id, d.created_at, d.read_at === null && d.archived_at === null ? 1 : 0, d.archived_at === null ? 0 : 1, data,
        );
    }
  }

  private deleteEntity(entity: ChangeRecord['entity'], id: string): void {
    this.listVersion += 1;
    const table: Partial<Record<ChangeRecord['entity'], string>> = {
      user: 'users', team: 'teams', channel: 'channels', custom_inbox: 'custom_inboxes', closing_category: 'closing_categories',
      conversation: 'conversations', event: 'events', notification: 'notifications',
    };
    if (entity === 'contact') return this.removeContact(id);
    if (entity === 'message' || entity === 'comment') {
      const t = entity === 'message' ? 'messages' : 'comments';
      const row = this.get<{ rowid: number }>(`SELECT rowid FROM ${t} WHERE id = ?`, id);
      if (row) this.run(`DELETE FROM ${t}_fts WHERE rowid = ?`, row.rowid);
      return this.run(`DELETE FROM ${t} WHERE id = ?`, id);
    }
    const t = table[entity];
    if (t) this.run(`DELETE FROM ${t} WHERE id = ?`, id);
  }

  /**
   * Contacts and everything of theirs, as `removeContact`, together. When they hold a large part of
   * a full-text table, the table is made again from what stays rather than emptied of them row by
   * row (each row deleted with secure delete rewrites index pages).
   */
  removeContacts(ids: readonly string[]): void {
    if (ids.length === 1) return this.removeContact(ids[0]);
    this.listVersion += 1;
    this.tx(() => {
      this.setMeta('scrub', '1');
      this.run('CREATE TEMP TABLE IF NOT EXISTS gone (id TEXT PRIMARY KEY) WITHOUT ROWID');
      this.run('DELETE FROM temp.gone');
      for (const id of ids) this.run('INSERT OR IGNORE INTO temp.gone (id) VALUES (?)', id);
      const rebuild: string[] = [];
      for (const [fts, table, key] of [['messages_fts', 'messages', 'contact_id'], ['comments_fts', 'comments', 'contact_id'], ['contacts_fts', 'contacts', 'id']] as const) {
        if (this.bulk) continue;
        const going = this.get<{ n: number }>(`SELECT COUNT(*) AS n FROM ${table} WHERE ${key} IN (SELECT id FROM temp.gone)`)!.n;
        if (going === 0) continue;
        const total = this.get<{ n: number }>(`SELECT COUNT(*) AS n FROM ${table}`)!.n;
        if (going * REBUILD_TEXT_FRACTION >= total) rebuild.push(fts);
        else this.run(`DELETE FROM ${fts} WHERE rowid IN (SELECT rowid FROM ${table} WHERE ${key} IN (SELECT id FROM temp.gone))`);
      }
      for (const t of ['messages', 'comments', 'events', 'notifications', 'conversations']) this.run(`DELETE FROM ${t} WHERE contact_id IN (SELECT id FROM temp.gone)`);
      this.run('DELETE FROM contacts WHERE id IN (SELECT id FROM temp.gone)');
      for (const t of rebuild) {
        this.recreateTextTable(t);
        this.run(TEXT_SOURCES.find(([name]) => name === t)![1]);
      }
      this.failWritesOfLostContacts('contact_id IN (SELECT id FROM temp.gone)');
      forgetLostContacts(this);
      this.run('DELETE FROM temp.gone');
    });
  }

  /**
   * A removal of a large share of the contacts (a restriction turned on): what stays is copied into a
   * new file, which then takes the cache's place, instead of deleting what goes row by row (with
   * secure delete, 6,500 of 7,000 contacts held the app for seconds). The old file is gone with its
   * name, so nothing of the lost contacts is left to scrub. `cursor` is written with the copy. A run
   * killed while copying leaves the old file whole (its changes are applied again) and a partial
   * copy, removed at the next start.
   */
  private rewriteWithout(ids: readonly string[], cursor: number): void {
    this.listVersion += 1;
    const next = rewriteFile(this.file);
    removeFiles(next);
    this.close();
    this.stmts.clear();
    makePrivateFile(next);
    const db = Cache.connect(next);
    try {
      Cache.migrate(db);
      db.prepare('ATTACH DATABASE ? AS old').run(this.file);
      db.transaction(() => {
        db.exec('CREATE TEMP TABLE gone (id TEXT PRIMARY KEY) WITHOUT ROWID');
        const gone = db.prepare('INSERT OR IGNORE INTO temp.gone (id) VALUES (?)');
        for (const id of ids) gone.run(id);
        for (const t of copiedTables(db)) {
          // The outbox keeps its writes to lost contacts: they become failed below.
          const where = t.name === 'contacts' ? 'id' : t.byContact && t.name !== 'outbox' ? 'contact_id' : null;
          db.exec(`INSERT INTO main.${t.name} SELECT * FROM old.${t.name}${where ? ` WHERE ${where} NOT IN (SELECT id FROM temp.gone)` : ''}`);
        }
        for (const [, fill] of TEXT_SOURCES) db.exec(fill);
        this.failWritesOfLostContacts('1', [], db);
        forgetLostContacts({ run: (sql, ...params) => db.prepare(sql).run(...params) });
        db.prepare("DELETE FROM meta WHERE key = 'scrub'").run();
        db.prepare("INSERT INTO meta (key, value) VALUES ('cursor', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value").run(String(cursor));
      })();
      db.exec('DETACH DATABASE old');
    } catch (err) {
      db.close();
      removeFiles(next);
      this.db = Cache.connect(this.file);
      throw err;
    }
    db.close();
    // The old file's journal was emptied into it when its connection closed: none may meet the new file.
    for (const f of [`${this.file}-wal`, `${this.file}-shm`]) rmSync(f, { force: true });
    renameSync(next, this.file);
    this.db = Cache.connect(this.file);
  }

  /** A contact and everything of it: conversations, messages, comments, events, notifications; its pending writes become failed. */
  removeContact(contactId: string): void {
    this.listVersion += 1;
    this.tx(() => {
      this.setMeta('scrub', '1');
      this.run('DELETE FROM messages_fts WHERE rowid IN (SELECT rowid FROM messages WHERE contact_id = ?)', contactId);
      this.run('DELETE FROM comments_fts WHERE rowid IN (SELECT rowid FROM comments WHERE contact_id = ?)', contactId);
      this.run('DELETE FROM contacts_fts WHERE rowid IN (SELECT rowid FROM contacts WHERE id = ?)', contactId);
      for (const t of ['messages', 'comments', 'events', 'notifications', 'conversations']) this.run(`DELETE FROM ${t} WHERE contact_id = ?`, contactId);
      this.run('DELETE FROM contacts WHERE id = ?', contactId);
      this.failWritesOfLostContacts('contact_id = ?', [contactId]);
      forgetLostContacts(this, contactId);
    });
    this.copyOutbox();
  }

  contact(id: string): Contact | null {
    const row = this.get<{ data: string }>('SELECT data FROM contacts WHERE id = ?', id);
    return row ? (JSON.parse(row.data) as Contact) : null;
  }
}

/**
 * The tables a rewrite copies, users first (their triggers write to contacts, which then hold
 * nothing yet): every table of the schema but the full-text ones (filled from the copied rows) and
 * contact_counts (kept by the contacts' triggers as the rows go in). `byContact`: rows of a contact.
 */
function copiedTables(db: Db): { name: string; byContact: boolean }[] {
  const names = db
    .prepare(
      `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' AND sql NOT LIKE 'CREATE VIRTUAL TABLE%'
         AND name NOT LIKE '%\\_fts\\_%' ESCAPE '\\' AND name <> 'contact_counts'
       ORDER BY name <> 'users', name`,
    )
    .pluck()
    .all() as string[];
  return names.map((name) => ({ name, byContact: (db.prepare('SELECT COUNT(*) FROM pragma_table_info(?) WHERE name = ?').pluck().get(name, 'contact_id') as number) > 0 }));
}
