import BetterSqlite3 from 'better-sqlite3';
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import { BufferedFeedRunner, type Database, type Job, type Param, type SqlRunner, type TxRunner } from './engine';

type Conn = BetterSqlite3.Database;

class Statements implements SqlRunner {
  private readonly cache = new Map<string, BetterSqlite3.Statement>();
  constructor(private readonly conn: Conn) {}
  private prepare(sql: string): BetterSqlite3.Statement {
    let st = this.cache.get(sql);
    if (!st) {
      st = this.conn.prepare(sql);
      this.cache.set(sql, st);
    }
    return st;
  }
  allSync<T>(sql: string, params: readonly Param[] = []): T[] {
    return this.prepare(sql).all(...params) as T[];
  }
  async all<T>(sql: string, params: readonly Param[] = []): Promise<T[]> {
    return this.allSync<T>(sql, params);
  }
  async get<T>(sql: string, params: readonly Param[] = []): Promise<T | undefined> {
    return this.prepare(sql).get(...params) as T | undefined;
  }
  async run(sql: string, params: readonly Param[] = []): Promise<{ changes: number }> {
    const r = this.prepare(sql).run(...params);
    return { changes: r.changes };
  }
}

/** How often the checkpointer thread copies the WAL back while there are commits (ms). */
const CHECKPOINT_EVERY_MS = 1000;

/** What the WAL file is cut back to when it starts over (bytes). */
export const WAL_SIZE_LIMIT_BYTES = 16 * 2 ** 20;

/** The checkpointer thread: its own connection, copying the WAL back into the database file. */
const CHECKPOINTER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.module);
const db = new Database(workerData.file);
db.pragma('busy_timeout = 5000');
parentPort.postMessage('ready');
parentPort.on('message', (m) => {
  if (m === 'close') {
    db.close();
    parentPort.close();
    return;
  }
  try {
    db.pragma('wal_checkpoint(PASSIVE)');
    parentPort.postMessage('done');
  } catch (err) {
    parentPort.postMessage('failed: ' + (err && err.message));
  }
});
`;

/**
 * Checkpoints in a worker thread. A checkpoint copies the WAL's pages into the database file (and
 * syncs it); run by the writer at a commit, as SQLite does by default, it stalls the event loop for
 * tens of milliseconds every few thousand pages, and with it every push and answer in flight. Here
 * the writer only checkpoints as a backstop (a far larger WAL), and this thread checkpoints every
 * `everyMs` while there are commits. PASSIVE never blocks the writer or the readers.
 */
class Checkpointer {
  private readonly worker: Worker;
  private dirty = false;
  private busy = false;
  private exited = false;
  private readonly timer: NodeJS.Timeout;
  /** Settles true once the thread has its connection open, false if it never will. */
  readonly ready: Promise<boolean>;

  constructor(file: string, everyMs: number, onFail: () => void) {
    const module = createRequire(import.meta.url).resolve('better-sqlite3');
    this.worker = new Worker(CHECKPOINTER_SOURCE, { eval: true, workerData: { file, module } });
    this.worker.unref();
    let started: (ok: boolean) => void = () => {};
    this.ready = new Promise<boolean>((resolve) => (started = resolve));
    this.worker.on('message', (m) => {
      if (m === 'ready') started(true);
      else this.busy = false;
    });
    this.worker.on('error', () => onFail());
    this.worker.on('exit', () => {
      started(false);
      this.exited = true;
      clearInterval(this.timer);
    });
    this.timer = setInterval(() => {
      if (!this.dirty || this.busy || this.exited) return;
      this.dirty = false;
      this.busy = true;
      this.worker.postMessage('checkpoint');
    }, everyMs);
    this.timer.unref();
  }

  /** A transaction committed. */
  wrote(): void {
    this.dirty = true;
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    if (this.exited) return;
    const exited = new Promise<void>((resolve) => this.worker.once('exit', () => resolve()));
    this.worker.postMessage('close');
    const timer = setTimeout(() => void this.worker.terminate(), 2000);
    await exited;
    clearTimeout(timer);
  }
}

/** At most this many transactions share one commit. */
const MAX_GROUP = 128;

/**
 * SQLite over better-sqlite3: one writer connection, whose transactions are serialised here
 * (better-sqlite3 is synchronous, but a transaction body may await), and which also serves reads
 * between transactions; and one reader connection, which in WAL mode sees only committed data, for
 * reads while a transaction is open.
 *
 * Group commit: the transactions that queue up while the writer is busy (or within one turn of the
 * event loop) run one after another inside one SQLite transaction, each in its own savepoint, and
 * share its COMMIT. Each stays atomic and isolated: one that fails is rolled back to its savepoint
 * alone, and none resolves before the shared COMMIT has succeeded, so a caller never sees (or
 * announces) a write that is not committed.
 */
export class SqliteDatabase implements Database {
  readonly dialect = 'sqlite' as const;
  private readonly writer: Conn;
  private readonly reader: Conn;
  private readonly w: Statements;
  private readonly r: Statements;
  private readonly ctl: Record<'begin' | 'commit' | 'rollback' | 'savepoint' | 'release' | 'rollbackTo', BetterSqlite3.Statement>;
  private pending: Job[] = [];
  private draining: Promise<void> | null = null;
  private readonly checkpointer: Checkpointer | null;

  constructor(readonly file: string) {
    this.writer = new BetterSqlite3(file);
    this.writer.pragma('journal_mode = WAL');
    this.writer.pragma('synchronous = NORMAL');
    this.writer.pragma('foreign_keys = ON');
    this.writer.pragma('busy_timeout = 5000');
    // Tuned with npm run bench:server (inbound messages with 200 stream clients):
    // - 64 MiB of page cache per connection (the default is 2 MiB): the hot pages of a busy workspace
    //   (feed tail, contacts, indexes) stay in memory instead of being read again from the file;
    // - savepoint journals (one per grouped transaction, see below) in memory, not in temporary
    //   files: about a fifth less CPU per inbound message in the write path.
    this.writer.pragma('cache_size = -65536');
    this.writer.pragma('temp_store = MEMORY');
    // - the WAL file cut back to WAL_SIZE_LIMIT_BYTES each time it starts over: a burst (or a busy
    //   machine holding the checkpointer back) would otherwise leave it at its largest for good.
    this.writer.pragma(`journal_size_limit = ${WAL_SIZE_LIMIT_BYTES}`);
    // - checkpoints in a thread of their own (see Checkpointer); the writer checkpoints only when the
    //   WAL passes ~80 MiB (or every ~40 MiB if that thread cannot start), not every 4 MiB.
    // - that thread checkpoints every CHECKPOINT_EVERY_MS: a checkpoint copies each page once however
    //   many commits rewrote it since the last, so the busy pages (the tails of the feed and of the
    //   indexes) are copied a fifth as often as at 200 ms: its CPU at 1,000 inbound messages/s went
    //   from about 2 s to 0.9 s in 10 s. The WAL holds a second of writes, far below the backstop.
    const ownCheckpoints = () => this.writer.open && this.writer.pragma('wal_autocheckpoint = 10000');
    try {
      this.checkpointer = file === ':memory:' ? null : new Checkpointer(file, CHECKPOINT_EVERY_MS, ownCheckpoints);
      if (this.checkpointer) this.writer.pragma('wal_autocheckpoint = 20000');
      else ownCheckpoints();
    } catch {
      this.checkpointer = null;
      ownCheckpoints();
    }
    this.reader = new BetterSqlite3(file);
    this.reader.pragma('busy_timeout = 5000');
    this.reader.pragma('cache_size = -65536');
    this.w = new Statements(this.writer);
    this.r = new Statements(this.reader);
    this.ctl = {
      begin: this.writer.prepare('BEGIN IMMEDIATE'),
      commit: this.writer.prepare('COMMIT'),
      rollback: this.writer.prepare('ROLLBACK'),
      savepoint: this.writer.prepare('SAVEPOINT tx'),
      release: this.writer.prepare('RELEASE tx'),
      rollbackTo: this.writer.prepare('ROLLBACK TO tx'),
    };
  }

  /** Schema changes run on the writer outside the serialised queue (at start, before serving). */
  execScript(sql: string): void {
    this.writer.exec(sql);
  }
  /** A table's CREATE statement and those of its indexes, as SQLite keeps them (for migrations that make a table again). */
  tableSchema(table: string): { create: string; indexes: string[] } {
    const rows = this.writer.prepare('SELECT type, sql FROM sqlite_schema WHERE tbl_name = ? AND sql IS NOT NULL').all(table) as {
      type: string;
      sql: string;
    }[];
    const create = rows.find((r) => r.type === 'table');
    if (!create) throw new Error(`no table ${table}`);
    return { create: create.sql, indexes: rows.filter((r) => r.type === 'index').map((r) => r.sql) };
  }
  userVersion(): number {
    return this.writer.pragma('user_version', { simple: true }) as number;
  }
  setUserVersion(v: number): void {
    this.writer.pragma(`user_version = ${Math.floor(v)}`);
  }

  /**
   * Reads outside a transaction. In WAL mode a connection drops its whole page cache when it begins
   * a read after another connection has committed, so under steady writes the reader connection
   * read every page again, from the WAL or the file, for nearly every statement. The writer's cache
   * stays warm (its own commits keep it right), and between transactions it holds only committed
   * data: a read runs there then, synchronously, before any transaction can begin; during one (a
   * group's bodies may await) it goes to the reader, which sees only what is committed.
   */
  private readStatements(): Statements {
    return this.writer.inTransaction ? this.r : this.w;
  }
  all<T>(sql: string, params?: readonly Param[]): Promise<T[]> {
    return this.readStatements().all<T>(sql, params);
  }
  get<T>(sql: string, params?: readonly Param[]): Promise<T | undefined> {
    return this.readStatements().get<T>(sql, params);
  }
  /** A write outside an explicit transaction still goes through the queue. */
  run(sql: string, params?: readonly Param[]): Promise<{ changes: number }> {
    return this.transaction((tx) => tx.run(sql, params));
  }

  transaction<T>(fn: (tx: TxRunner) => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.pending.push({ fn, resolve: resolve as (v: unknown) => void, reject });
      // Start after this turn's I/O, so the requests that arrived together commit together.
      if (!this.draining) this.draining = new Promise<void>((done) => setImmediate(() => void this.drain().finally(done)));
    });
  }

  private async drain(): Promise<void> {
    try {
      while (this.pending.length) {
        const group = this.pending.splice(0, MAX_GROUP);
        await this.runGroup(group);
      }
    } finally {
      this.draining = null;
    }
  }

  /** Runs the jobs in one transaction (more if SQLite aborts one); settles every job. */
  private async runGroup(jobs: Job[]): Promise<void> {
    let done: { job: Job; value: unknown }[] = [];
    let i = 0;
    const tx = new BufferedFeedRunner(this.w);
    try {
      while (i < jobs.length) {
        this.ctl.begin.run();
        tx.clear();
        for (; i < jobs.length; i++) {
          const job = jobs[i];
          this.ctl.savepoint.run();
          tx.beginBody();
          try {
            const value = await job.fn(tx);
            this.ctl.release.run();
            done.push({ job, value });
          } catch (err) {
            if (this.writer.inTransaction) {
              // Undo this job alone; the others in the group go on.
              this.ctl.rollbackTo.run();
              this.ctl.release.run();
              tx.dropBody();
              job.reject(err);
              continue;
            }
            // SQLite rolled the whole transaction back (it does on some errors): the jobs done so far
            // are undone too. They fail with this one; the rest start a fresh transaction.
            job.reject(err);
            for (const d of done) d.job.reject(err);
            done = [];
            i++;
            break;
          }
        }
        if (!this.writer.inTransaction) continue;
        // The group's change records, in the order the jobs appended them, then one COMMIT.
        await tx.flush();
        this.ctl.commit.run();
        this.checkpointer?.wrote();
        for (const d of done) d.job.resolve(d.value);
        done = [];
      }
    } catch (err) {
      // BEGIN, SAVEPOINT, RELEASE or COMMIT failed: nothing of this transaction stays.
      try {
        if (this.writer.inTransaction) this.ctl.rollback.run();
      } catch {
        /* the connection is unusable; the jobs fail below either way */
      }
      for (const d of done) d.job.reject(err);
      for (const job of jobs.slice(i)) job.reject(err);
    }
  }

  /** Whether the checkpointer thread is up (false where it could not start); for tests and benches. */
  async checkpointerReady(): Promise<boolean> {
    return (await this.checkpointer?.ready) ?? false;
  }

  /** One process owns the file: nothing to coordinate. */
  exclusive<T>(fn: () => Promise<T>): Promise<T> {
    return fn();
  }
  /** Every commit comes through this process, which announces its own. */
  async watchChanges(): Promise<void> {}

  async close(): Promise<void> {
    while (this.draining) await this.draining;
    await this.checkpointer?.close();
    this.reader.close();
    this.writer.close();
  }
}
