// The local cache: everything the user may see, in one SQLite file, so the app opens instantly and
// works offline. The sync cursor is written in the same transaction as the changes it covers.
import BetterSqlite3 from 'better-sqlite3';
import { existsSync, rmSync } from 'node:fs';
import type { ChangeRecord } from '../../../src-shared/sync/changes';
import type { Contact, Notification } from '../../../src-shared/model';
import { CACHE_MIGRATIONS, CACHE_VERSION } from './migrations';
import { forgetLostContacts } from './drafts-and-place';
import { makePrivateFile } from '../storage/private-folder';

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
  readonly db: Db;
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
    this.db = new BetterSqlite3(file);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    // A large workspace (a million messages) keeps its hot index pages in memory.
    this.db.pragma(`cache_size = -${CACHE_KB}`);
    this.db.pragma('temp_store = MEMORY');
    // Deleted rows are overwritten on disk: a contact the user lost sight of leaves no trace in the file.
    this.db.pragma('secure_delete = ON');
  }

  static open(file: string): Cache {
    // SQLite creates the -wal and -shm files with the database file's mode: a private file makes all three private.
    makePrivateFile(file);
    for (const f of [`${file}-wal`, `${file}-shm`]) if (existsSync(f)) makePrivateFile(f);
    const cache = new Cache(file);
    try {
      cache.migrate();
      if (cache.getMeta('bulk_load') !== null) cache.beginBulkLoad();
    } catch (err) {
      cache.db.close();
      throw err;
    }
    return cache;
  }

  private migrate(): void {
    const current = this.db.pragma('user_version', { simple: true }) as number;
    if (current > CACHE_VERSION) throw new CacheTooNewError(current);
    for (const m of CACHE_MIGRATIONS) {
      if (m.version <= current) continue;
      this.db.transaction(() => {
        this.db.exec(m.sql);
        this.db.pragma(`user_version = ${m.version}`);
      })();
    }
  }

  close(): void {
    if (this.db.open) this.db.close();
  }

  /** Sign-out: the cache file and its journal are deleted. */
  destroy(): void {
    this.close();
    for (const f of [this.file, `${this.file}-wal`, `${this.file}-shm`]) if (existsSync(f)) rmSync(f, { force: true });
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

  /** Applies a batch of change records and moves the cursor, in one transaction. */
  applyChanges(records: readonly ChangeRecord[], cursor: number): Applied {
    const applied: Applied = { entities: new Set(), contactIds: new Set(), notifications: [], removedContacts: [] };
    this.tx(() => {
      for (const r of records) this.applyOne(r, applied);
      if (cursor > this.cursor) this.setMeta('cursor', String(cursor));
    });
    return applied;
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
      forgetLostContacts(this);
    });
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

  /** Everything but the outbox and the session: for must_refetch. */
  wipeData(): void {
    this.listVersion += 1;
    this.tx(() => {
      for (const t of ['users', 'teams', 'settings', 'closing_categories', 'channels', 'custom_inboxes', 'contacts', 'conversations', 'messages', 'comments', 'events', 'notifications', 'contacts_fts', 'messages_fts', 'comments_fts', 'contact_counts']) {
        this.run(`DELETE FROM ${t}`);
      }
      this.setMeta('cursor', '0');
    });
    this.checkpoint();
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

  /** A contact and everything of it: conversations, messages, comments, events, notifications, pending writes. */
  removeContact(contactId: string): void {
    this.listVersion += 1;
    this.tx(() => {
      this.run('DELETE FROM messages_fts WHERE rowid IN (SELECT rowid FROM messages WHERE contact_id = ?)', contactId);
      this.run('DELETE FROM comments_fts WHERE rowid IN (SELECT rowid FROM comments WHERE contact_id = ?)', contactId);
      this.run('DELETE FROM contacts_fts WHERE rowid IN (SELECT rowid FROM contacts WHERE id = ?)', contactId);
      for (const t of ['messages', 'comments', 'events', 'notifications', 'conversations']) this.run(`DELETE FROM ${t} WHERE contact_id = ?`, contactId);
      this.run('DELETE FROM outbox WHERE contact_id = ?', contactId);
      this.run('DELETE FROM contacts WHERE id = ?', contactId);
      forgetLostContacts(this, contactId);
    });
  }

  contact(id: string): Contact | null {
    const row = this.get<{ data: string }>('SELECT data FROM contacts WHERE id = ?', id);
    return row ? (JSON.parse(row.data) as Contact) : null;
  }
}
