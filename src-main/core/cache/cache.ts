// The local cache: everything the user may see, in one SQLite file, so the app opens instantly and
// works offline. The sync cursor is written in the same transaction as the changes it covers.
import BetterSqlite3 from 'better-sqlite3';
import { existsSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import type { ChangeRecord, NarrowData, SnapshotProgress } from '../../../src-shared/sync/changes';
import type { Contact, Notification } from '../../../src-shared/model';
import type { ChangedEntity } from '../../../src-shared/desktop/api';
import { CACHE_MIGRATIONS, CACHE_VERSION } from './migrations';
import { forgetLostContacts } from './drafts-and-place';
import { makePrivateFile } from '../storage/private-folder';
import { ACCESS_LOST } from '../outbox/refusal-reasons';
import { EntityStore, TABLE_OF, TEXT_SOURCES, TEXT_TABLE_OF } from './entity-store';
import { ListPositions, type ListSql } from './list-positions';
import { queuedWrites } from './outbox-rows';
import { runJobHere, runJobInWorker, type Job, type RunningJob, type Step } from './background-job';

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
  entities: Set<ChangedEntity>;
  contactIds: Set<string>;
  /** Notification rows that arrived or changed, as they are now. */
  notifications: Notification[];
  removedContacts: string[];
}

type Db = BetterSqlite3.Database;
/** A named query slower than this (ms) is logged, once per name (see `timed`). */
const SLOW_QUERY_MS = 100;
const DEFAULT_CHECKPOINT_PAGES = 1000;
/** The lists asked are walked ahead (list-positions.ts `walkSome`) once no query came for this long, ms: a slice at a time while it lasts. */
const WALK_IDLE_MS = 20;
/** Batches of change records up to this many move the lists' anchors as they apply; larger ones drop them (see `positions`). */
const FOLLOWED_RECORDS = 500;
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

/** The tables of what a contact owns, deleted with it. */
const OWNED_BY_CONTACT = (['message', 'comment', 'event', 'notification', 'conversation'] as const).map((e) => TABLE_OF[e]);
/** Each full-text table, its rows' table, and the column naming their contact. */
const SEARCHED_BY_CONTACT = (['message', 'comment', 'contact'] as const).map(
  (e) => [TEXT_TABLE_OF[e]!, TABLE_OF[e], e === 'contact' ? 'id' : 'contact_id'] as const,
);
/**
 * Every connection's that writes to a cache file (this thread's, a worker's). secure_delete: deleted
 * rows are overwritten on disk, so a contact the user lost sight of leaves no trace in the file.
 */
const WRITER_PRAGMAS = ['synchronous = NORMAL', 'temp_store = MEMORY', 'secure_delete = ON'];

export interface CacheOptions {
  log?: (msg: string, err?: unknown) => void;
  /** Named queries at least this slow (ms) are logged (default SLOW_QUERY_MS). */
  slowQueryMs?: number;
  /** Rows between two anchors of a list's positions (list-positions.ts; tests use fewer than the default). */
  listStep?: number;
}

export class Cache {
  /** Replaced (a new file) only by `wipeData`. */
  db: Db;
  private readonly stmts = new Map<string, BetterSqlite3.Statement>();
  /** Entities by id: get, put, delete (entity-store.ts). */
  readonly entities = new EntityStore(this);
  /** Names of the queries already logged as slow (each is logged once). */
  private readonly slowLogged = new Set<string>();
  /**
   * Moves whenever a contact, user (team membership), custom inbox or message (a search list's
   * members) changes: totals counted by a scan are remembered per version.
   */
  listVersion = 0;
  /** Where positions of the lists start (list-positions.ts): followed through contacts' writes, dropped by anything else that moves rows. */
  readonly positions: ListPositions;
  /** A bulk load is under way (see `beginBulkLoad`). */
  private bulk = false;
  /** The next slice of the lists' walk ahead, when one is due (see `walkAhead`). */
  private walkTimer: NodeJS.Timeout | null = null;
  /** When the last query was answered (performance.now()). */
  private lastQueryAt = 0;
  /** Work on the file under way in a worker (a rewrite, a scrub): writers wait for it (`idle`). */
  private background: { job: RunningJob; settled: Promise<void> } | null = null;

  private constructor(
    readonly file: string,
    private readonly opts: CacheOptions,
  ) {
    this.db = Cache.connect(file);
    this.positions = new ListPositions(this, opts.listStep);
  }

  private static connect(file: string): Db {
    const db = new BetterSqlite3(file);
    try {
      db.pragma('journal_mode = WAL');
      for (const p of WRITER_PRAGMAS) db.pragma(p);
      // A large workspace (a million messages) keeps its hot index pages in memory.
      db.pragma(`cache_size = -${CACHE_KB}`);
      return db;
    } catch (err) {
      db.close(); // not a database (cache-healing.ts moves it aside)
      throw err;
    }
  }

  static open(file: string, opts: CacheOptions = {}): Cache {
    // SQLite creates the -wal and -shm files with the database file's mode: a private file makes all three private.
    makePrivateFile(file);
    for (const f of [`${file}-wal`, `${file}-shm`]) if (existsSync(f)) makePrivateFile(f);
    removeFiles(rewriteFile(file)); // a rewrite the last run was stopped in (rewriteWithout): the file itself is whole
    const cache = new Cache(file, opts);
    try {
      Cache.migrate(cache.db);
      cache.finishRewrite();
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
        m.after?.(db);
        db.pragma(`user_version = ${m.version}`);
      })();
    }
  }

  /** Closes the file; work on it under way in a worker is abandoned (a rewrite's copy is dropped). */
  close(): void {
    if (this.walkTimer) clearTimeout(this.walkTimer);
    this.walkTimer = null;
    if (this.background) {
      this.background.job.cancel();
      this.background = null;
      removeFiles(rewriteFile(this.file));
    }
    if (this.db.open) this.db.close();
  }

  /** Work on the file is under way in a worker (a rewrite, a scrub). */
  get busy(): boolean {
    return this.background !== null;
  }

  /**
   * Resolves once no work on the file is under way in a worker. Every writer waits for it: a write
   * meanwhile would miss a rewrite's copy, or wait for a scrub's lock with the thread held.
   */
  async idle(): Promise<void> {
    while (this.background) await this.background.settled;
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
    const writes = queuedWrites(this);
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
    return this.prepare(sql).all(...params) as T[];
  }

  /**
   * Runs a named query and logs it when it is slow: its name and time only, never its parameters
   * (they may hold what a contact wrote). Each name is logged once, so a slow list scrolled through
   * does not flood the log. The lists asked are walked ahead once queries stop coming (`walkAhead`).
   */
  timed<T>(name: string, fn: () => T): T {
    const t0 = performance.now();
    const out = fn();
    const ms = performance.now() - t0;
    if (ms >= (this.opts.slowQueryMs ?? SLOW_QUERY_MS) && !this.slowLogged.has(name)) {
      this.slowLogged.add(name);
      this.opts.log?.(`slow cache query: ${name} took ${Math.round(ms)} ms`);
    }
    this.lastQueryAt = performance.now();
    this.walkAhead();
    return out;
  }

  /** Lists the app is about to show are walked ahead too, once no query came for WALK_IDLE_MS (list-positions.ts `expect`). */
  expectLists(lists: readonly ListSql[]): void {
    this.positions.expect(lists);
    this.walkAhead();
  }

  /**
   * Walks the lists asked ahead of their pages (list-positions.ts), a slice (about a millisecond) per
   * turn of the event loop, and only once no query came for WALK_IDLE_MS: the user's next request
   * waits for no more than the slice under way, and while the user scrolls the walk waits.
   */
  private walkAhead(): void {
    if (this.walkTimer || !this.db.open) return;
    const wait = Math.max(0, this.lastQueryAt + WALK_IDLE_MS - performance.now());
    this.walkTimer = setTimeout(() => {
      this.walkTimer = null;
      if (!this.db.open) return;
      if (performance.now() - this.lastQueryAt < WALK_IDLE_MS) return this.walkAhead();
      try {
        if (this.positions.walkSome()) this.walkAhead();
      } catch (err) {
        // (A damaged file is healed when a query meets it.) Pages by position walk what they need meanwhile.
        this.opts.log?.('walking the conversation lists ahead failed', err);
        this.positions.clear();
      }
    }, wait);
    this.walkTimer.unref();
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
  insert(sql: string, ...params: unknown[]): number | bigint | null {
    const r = this.prepare(sql).run(...params);
    return r.changes ? r.lastInsertRowid : null;
  }

  tx<T>(fn: () => T): T {
    try {
      return this.db.transaction(fn)();
    } catch (err) {
      // The anchors followed writes that were just undone.
      this.positions.clear();
      throw err;
    }
  }

  /** Lists gained or lost rows other than by a contact's write (see `positions`). */
  listsChanged(): void {
    this.listVersion += 1;
    this.positions.clear();
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
   * Applies a batch of change records and moves the cursor, in one transaction. Removals that take a
   * large share of the contacts (see `isLargeRemoval`) are applied by `rewriteWithout`, in a worker,
   * once the whole batch is in: with them, every removal after them, and none of the contacts a later
   * record of the batch brings back.
   */
  applyChanges(records: readonly ChangeRecord[], cursor: number): Applied {
    // A catch-up of many records: the lists' anchors are made again when asked rather than followed record by record.
    if (records.length > FOLLOWED_RECORDS) this.positions.clear();
    const covered = this.snapshotCoverage();
    if (covered) records = records.filter((r) => !covered(r));
    const applied: Applied = { entities: new Set(), contactIds: new Set(), notifications: [], removedContacts: [] };
    let large: Set<string> | null = null;
    this.tx(() => {
      // Removals in a row are applied together (removeContacts): one by one, 500 took seconds.
      let removals: string[] = [];
      const flush = () => {
        applied.entities.add('contact');
        applied.removedContacts.push(...removals);
        if (large || this.isLargeRemoval(removals)) large = new Set([...(large ?? []), ...removals]);
        else this.removeContacts(removals);
        removals = [];
      };
      for (const r of records) {
        if (r.op === 'remove' || r.op === 'narrow') {
          removals.push(...(r.op === 'remove' ? [r.id] : this.outsideScope(r.data as NarrowData)));
          continue;
        }
        if (removals.length) flush();
        if (r.entity === 'contact') (large as Set<string> | null)?.delete(r.id);
        this.applyOne(r, applied);
      }
      if (removals.length) flush();
      if (large) this.hideForRewrite([...(large as Set<string>)]);
      if (cursor > this.cursor) this.setMeta('cursor', String(cursor));
      if (covered && cursor >= Number(this.getMeta('snapshot_upto'))) this.forgetSnapshot();
    });
    if (large) this.rewriteWithout([...(large as Set<string>)]);
    if (applied.removedContacts.length) this.copyOutbox();
    return applied;
  }

  /**
   * A page of a bootstrap from a snapshot, with where the snapshot goes on from (so a run cut short
   * resumes it) and the page's version, in one transaction. The last page moves the cursor to the
   * epoch, and from then on the feed's records that a page already holds are skipped (see
   * `snapshotCoverage`) until the cursor passes every page's version.
   */
  applySnapshotPage(records: readonly ChangeRecord[], page: SnapshotProgress, cursor: number): Applied {
    return this.tx(() => {
      if (page.after_key === null) this.setMeta('snapshot_workspace', String(page.version));
      else
        this.run(
          'INSERT INTO snapshot_pages (after_key, version) VALUES (?, ?) ON CONFLICT (after_key) DO UPDATE SET version = excluded.version',
          page.after_key,
          page.version,
        );
      this.setMeta('snapshot', page.next);
      if (page.next === null) {
        const top = this.get<{ v: number | null }>('SELECT MAX(version) AS v FROM snapshot_pages')!.v ?? 0;
        this.setMeta('snapshot_upto', String(Math.max(top, Number(this.getMeta('snapshot_workspace') ?? 0))));
      }
      const applied = this.applyRecords(records);
      if (cursor > this.cursor) this.setMeta('cursor', String(cursor));
      return applied;
    });
  }

  /** Upserts as they come (a snapshot page holds nothing else). */
  private applyRecords(records: readonly ChangeRecord[]): Applied {
    const applied: Applied = { entities: new Set(), contactIds: new Set(), notifications: [], removedContacts: [] };
    for (const r of records) this.applyOne(r, applied);
    return applied;
  }

  /**
   * After a snapshot, until the cursor passes its pages' versions: whether a feed record is already
   * in the page that holds its row (the page was read when the feed's head was at or past it).
   * Applying it again could put an older state over a newer one, or bring back what was removed.
   */
  private snapshotCoverage(): ((r: ChangeRecord) => boolean) | null {
    const upto = this.getMeta('snapshot_upto');
    if (upto === null) return null;
    const workspace = Number(this.getMeta('snapshot_workspace') ?? 0);
    return (r) => {
      if (r.seq > Number(upto)) return false;
      const version =
        r.contact_id === null
          ? workspace
          : (this.get<{ version: number }>('SELECT version FROM snapshot_pages WHERE after_key < ? ORDER BY after_key DESC LIMIT 1', r.contact_id)?.version ??
            0);
      return r.seq <= version;
    };
  }

  private forgetSnapshot(): void {
    this.run('DELETE FROM snapshot_pages');
    for (const key of ['snapshot_upto', 'snapshot_workspace']) this.setMeta(key, null);
  }

  /** The contacts a narrowed visibility (a 'narrow' record) no longer shows: those of other assignees, and the unassigned. */
  private outsideScope(d: NarrowData): string[] {
    return this.all<{ id: string }>(
      'SELECT id FROM contacts WHERE assignee_id IS NULL OR assignee_id NOT IN (SELECT value FROM json_each(?))',
      JSON.stringify(d.assignee_ids),
    ).map((r) => r.id);
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
    this.positions.clear();
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

  /**
   * Everything but the outbox, the drafts, the place in the app and the session (the signed-in user's
   * own record and the workspace settings stay, so the app keeps answering while it rebuilds): for
   * must_refetch. Drafts of contacts the rebuild does not bring back go at its end (endBulkLoad). The file is made
   * anew rather than emptied: deleting a large cache row by row (with secure delete) held the app for
   * seconds, and a new file holds nothing of the old. A run killed in between finds its writes in the
   * outbox's copy (cache-healing.ts).
   */
  wipeData(): void {
    this.listsChanged();
    const meta = this.all<{ key: string; value: string }>(
      "SELECT key, value FROM meta WHERE key NOT IN ('cursor', 'bulk_load', 'scrub', 'snapshot', 'snapshot_upto', 'snapshot_workspace')",
    );
    const me = this.all<Record<string, unknown>>("SELECT id, name, team_id, data FROM users WHERE id IS (SELECT value FROM meta WHERE key = 'user_id')");
    const settings = this.all<{ id: string; data: string }>('SELECT id, data FROM settings');
    const outbox = this.all<Record<string, unknown>>('SELECT * FROM outbox ORDER BY position');
    const drafts = this.all<{ contact_id: string; updated_at: number; data: string }>('SELECT contact_id, updated_at, data FROM drafts');
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
      for (const d of drafts) this.run('INSERT INTO drafts (contact_id, updated_at, data) VALUES (?, ?, ?)', d.contact_id, d.updated_at, d.data);
      for (const o of outbox) {
        const columns = Object.keys(o);
        this.run(`INSERT INTO outbox (${columns.join(', ')}) VALUES (${columns.map(() => '?').join(', ')})`, ...columns.map((k) => o[k]));
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
   * Here on the calling thread: at a start, or a clean stop (see `scrubInBackground`).
   */
  scrub(): void {
    if (this.bulk) return; // the bulk load's end rebuilds the indexes; its caller scrubs after
    runJobHere(this.scrubJob());
    this.checkpoint();
  }

  /** `scrub` in a worker (seconds on a large cache), while this thread keeps answering; writers wait (`idle`). */
  async scrubInBackground(): Promise<void> {
    await this.idle();
    if (this.bulk || !this.db.open || !this.needsScrub) return;
    this.runInBackground(this.scrubJob(), {
      done: () => this.checkpoint(),
      // The mark stays: the next removal, a clean stop or the next start scrubs.
      failed: (err) => this.opts.log?.('the cache could not be scrubbed in the background', err),
    });
    await this.idle();
  }

  private scrubJob(): Job {
    const steps: Step[] = Object.values(TEXT_TABLE_OF).map((t) => ({ sql: `INSERT INTO ${t}(${t}) VALUES ('optimize')` }));
    steps.push({ sql: "DELETE FROM meta WHERE key = 'scrub'" }, { sql: 'VACUUM' }, { sql: 'PRAGMA wal_checkpoint(TRUNCATE)' });
    return { file: this.file, pragmas: WRITER_PRAGMAS, steps };
  }

  /**
   * Runs a job in a worker; until it ends, `idle()` holds the writers. `done` and `failed` run here,
   * unless the cache was closed meanwhile.
   */
  private runInBackground(job: Job, then: { done: () => void; failed: (err: unknown) => void }): void {
    const running = runJobInWorker(job);
    const current = () => this.background?.job === running;
    const settled = running.done
      .then(
        () => {
          if (current()) then.done();
        },
        (err: unknown) => {
          if (current()) then.failed(err);
        },
      )
      .catch((err: unknown) => this.opts.log?.('the cache could not finish its work in the background', err))
      .finally(() => {
        if (current()) this.background = null;
      });
    this.background = { job: running, settled };
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
  private failWritesOfLostContacts(where: string, params: unknown[] = []): void {
    const lost = `contact_id IS NOT NULL AND ${where} AND contact_id NOT IN (SELECT id FROM contacts)`;
    this.run(`DELETE FROM outbox WHERE ${lost} AND kind LIKE 'notification%'`, ...params);
    this.run(
      `UPDATE outbox SET state = 'failed', error = ?, contact_id = NULL, params = NULL, undo = '[]',
         body = json_object('text', body->>'text') WHERE ${lost}`,
      ACCESS_LOST,
      ...params,
    );
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
      this.entities.delete(r.entity, r.id);
      return;
    }
    this.entities.put(r.entity, r.data as Record<string, unknown>);
    if (r.entity === 'notification') a.notifications.push(r.data as Notification);
  }

  /**
   * Contacts and everything of theirs, as `removeContact`, together. When they hold a large part of
   * a full-text table, the table is made again from what stays rather than emptied of them row by
   * row (each row deleted with secure delete rewrites index pages).
   */
  removeContacts(ids: readonly string[]): void {
    if (ids.length === 1) return this.removeContact(ids[0]);
    this.listsChanged();
    this.tx(() => {
      this.setMeta('scrub', '1');
      this.run('CREATE TEMP TABLE IF NOT EXISTS gone (id TEXT PRIMARY KEY) WITHOUT ROWID');
      this.run('DELETE FROM temp.gone');
      for (const id of ids) this.run('INSERT OR IGNORE INTO temp.gone (id) VALUES (?)', id);
      const rebuild: string[] = [];
      for (const [fts, table, key] of SEARCHED_BY_CONTACT) {
        if (this.bulk) continue;
        const going = this.get<{ n: number }>(`SELECT COUNT(*) AS n FROM ${table} WHERE ${key} IN (SELECT id FROM temp.gone)`)!.n;
        if (going === 0) continue;
        const total = this.get<{ n: number }>(`SELECT COUNT(*) AS n FROM ${table}`)!.n;
        if (going * REBUILD_TEXT_FRACTION >= total) rebuild.push(fts);
        else this.run(`DELETE FROM ${fts} WHERE rowid IN (SELECT rowid FROM ${table} WHERE ${key} IN (SELECT id FROM temp.gone))`);
      }
      for (const t of OWNED_BY_CONTACT) this.run(`DELETE FROM ${t} WHERE contact_id IN (SELECT id FROM temp.gone)`);
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
   * The first, quick part of a removal of a large share of the contacts (a restriction turned on),
   * in the transaction of the records before it: the removal is marked in `meta` (a run stopped
   * before `rewriteWithout` ends finishes it at its next start), the writes waiting for the contacts
   * are failed and their drafts dropped, and from now on this connection sees the cache without them:
   * temp views named as the tables (SQLite resolves a name in `temp` first) hide their rows, until
   * the rewritten file takes over.
   */
  private hideForRewrite(ids: readonly string[]): void {
    this.listsChanged();
    this.setMeta('rewrite', JSON.stringify(ids));
    this.run('CREATE TEMP TABLE hidden (id TEXT PRIMARY KEY) WITHOUT ROWID');
    this.run('INSERT OR IGNORE INTO temp.hidden (id) SELECT value FROM json_each(?)', JSON.stringify(ids));
    const visible = (key: string) => `${key} IS NULL OR ${key} NOT IN (SELECT id FROM temp.hidden)`;
    this.db.exec(`CREATE TEMP VIEW contacts AS SELECT rowid AS rowid, * FROM main.contacts WHERE ${visible('id')}`);
    for (const t of OWNED_BY_CONTACT) this.db.exec(`CREATE TEMP VIEW ${t} AS SELECT rowid AS rowid, * FROM main.${t} WHERE ${visible('contact_id')}`);
    this.db.exec(
      "CREATE TEMP VIEW contact_counts AS SELECT COALESCE(assignee_id, '') AS assignee_id, status, COUNT(*) AS n FROM main.contacts WHERE " +
        `${visible('id')} GROUP BY 1, 2`,
    );
    // A statement prepared before names the table it found then: prepared again, it finds the view.
    this.stmts.clear();
    this.failWritesOfLostContacts('1');
    forgetLostContacts(this);
  }

  /**
   * A removal of a large share of the contacts, after `hideForRewrite`: what stays is copied into a
   * new file, in a worker, which then takes the cache's place, instead of deleting what goes row by
   * row (with secure delete, 6,500 of 7,000 contacts held the app for seconds). The old file is gone
   * with its name, so nothing of the lost contacts is left to scrub. A run killed while copying keeps the old file with the removal marked, and drops the copy
   * and makes it again at its next start (`finishRewrite`).
   */
  private rewriteWithout(ids: readonly string[]): void {
    this.runInBackground(this.rewriteJob(ids), {
      done: () => this.takeRewrittenFile(),
      failed: (err) => {
        this.opts.log?.('the cache could not be rewritten in the background: removing the contacts in place', err);
        this.reconnect(); // without the views
        removeFiles(rewriteFile(this.file));
        this.tx(() => {
          this.removeContacts(ids);
          this.setMeta('rewrite', null);
        });
      },
    });
  }

  /** A rewrite the last run was stopped in (see `hideForRewrite`), done here before the cache answers. */
  private finishRewrite(): void {
    const marked = this.getMeta('rewrite');
    if (marked === null) return;
    runJobHere(this.rewriteJob(JSON.parse(marked) as string[]));
    this.takeRewrittenFile();
  }

  /**
   * Makes the rewrite's file, empty, with this version's schema, and answers the statements that
   * fill it with what the cache holds but the contacts in `ids` and theirs.
   */
  private rewriteJob(ids: readonly string[]): Job {
    const next = rewriteFile(this.file);
    removeFiles(next);
    makePrivateFile(next);
    const { bytes, tables } = Cache.empty();
    writeFileSync(next, bytes);
    const steps: Step[] = [
      { sql: 'ATTACH DATABASE ? AS old', params: [this.file] },
      { sql: 'BEGIN' },
      { sql: 'CREATE TEMP TABLE gone (id TEXT PRIMARY KEY) WITHOUT ROWID' },
      { sql: 'INSERT OR IGNORE INTO temp.gone (id) SELECT value FROM json_each(?)', params: [JSON.stringify(ids)] },
      ...tables.map((t) => {
        // The outbox and the drafts were cleared of the lost contacts with the mark (hideForRewrite),
        // which itself (it names them) stays behind, with the mark of a scrub there is no need for.
        const where =
          t.name === 'contacts'
            ? 'id NOT IN (SELECT id FROM temp.gone)'
            : t.name === 'meta'
              ? "key NOT IN ('rewrite', 'scrub')"
              : t.byContact && t.name !== 'outbox'
                ? 'contact_id NOT IN (SELECT id FROM temp.gone)'
                : null;
        return { sql: `INSERT INTO main.${t.name} SELECT * FROM old.${t.name}${where ? ` WHERE ${where}` : ''}` };
      }),
      ...TEXT_SOURCES.map(([, fill]) => ({ sql: fill })),
      { sql: 'COMMIT' },
      { sql: 'DETACH DATABASE old' },
      { sql: 'PRAGMA wal_checkpoint(TRUNCATE)' },
    ];
    return { file: next, pragmas: ['journal_mode = WAL', ...WRITER_PRAGMAS], steps };
  }

  private static emptyFile: { bytes: Buffer; tables: ReturnType<typeof copiedTables> } | null = null;

  /**
   * An empty cache of this version, made once, in memory: a rewrite's new file starts as a copy of it,
   * with no migrations run on the thread that answers.
   */
  private static empty(): NonNullable<typeof Cache.emptyFile> {
    if (Cache.emptyFile) return Cache.emptyFile;
    const db = new BetterSqlite3(':memory:');
    try {
      Cache.migrate(db);
      Cache.emptyFile = { bytes: db.serialize(), tables: copiedTables(db) };
    } finally {
      db.close();
    }
    return Cache.emptyFile;
  }

  /** The rewrite's file takes the cache's name, and this connection moves to it. */
  private takeRewrittenFile(): void {
    this.db.close();
    // The old file's journal was emptied into it as its connection closed: none may meet the new file.
    for (const f of [`${this.file}-wal`, `${this.file}-shm`]) rmSync(f, { force: true });
    renameSync(rewriteFile(this.file), this.file);
    this.reconnect();
  }

  private reconnect(): void {
    if (this.db.open) this.db.close();
    this.stmts.clear();
    this.listsChanged();
    this.db = Cache.connect(this.file);
  }

  /** A contact and everything of it: conversations, messages, comments, events, notifications; its pending writes become failed. */
  removeContact(contactId: string): void {
    this.listsChanged();
    this.tx(() => {
      this.setMeta('scrub', '1');
      for (const [fts, table, key] of SEARCHED_BY_CONTACT)
        this.run(`DELETE FROM ${fts} WHERE rowid IN (SELECT rowid FROM ${table} WHERE ${key} = ?)`, contactId);
      for (const t of OWNED_BY_CONTACT) this.run(`DELETE FROM ${t} WHERE contact_id = ?`, contactId);
      this.run('DELETE FROM contacts WHERE id = ?', contactId);
      this.failWritesOfLostContacts('contact_id = ?', [contactId]);
      forgetLostContacts(this, contactId);
    });
    this.copyOutbox();
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
  return names.map((name) => ({
    name,
    byContact: (db.prepare('SELECT COUNT(*) FROM pragma_table_info(?) WHERE name = ?').pluck().get(name, 'contact_id') as number) > 0,
  }));
}
