// PostgreSQL over postgres.js: several server instances may share one database. The driver
// pipelines: statements issued together on one connection go out in one write and PostgreSQL
// answers them in order, so a transaction's independent statements cost one round trip.
import postgres from 'postgres';
import { randomUUID } from 'node:crypto';
import { BufferedFeedRunner, insertChanges, type Database, type Job, type Param, type SqlRunner, type TxRunner } from './engine';

/**
 * Advisory lock keys (one 64-bit key space per database; these are ours).
 * - FEED: the change feed's order. See feedRunner.
 * - MIGRATE: one instance migrates at a time.
 * - EXCLUSIVE: `Database.exclusive` (e.g. only one instance creates the demo workspace).
 */
const LOCK = { feed: 7_361_001, migrate: 7_361_002, exclusive: 7_361_003 } as const;

/** The channel every instance LISTENs on; a committing instance NOTIFYs it with its own id. */
const CHANGES_CHANNEL = 'ism_changes';

/**
 * Types as the rest of the server expects them from SQLite: BIGINT (times, seqs, COUNT(*), SUM)
 * and NUMERIC (AVG) as JavaScript numbers (INTEGER already is one). Our values stay far below 2^53.
 */
const TYPES = {
  number64: { to: 20, from: [20, 1700], serialize: (x: unknown) => String(x), parse: (x: string) => Number(x) },
};

interface Translated {
  text: string;
  /** Prepared (parsed and planned once per connection), unless too many distinct texts came before. */
  prepare: boolean;
}
const translated = new Map<string, Translated>();
/** Queries beyond this many distinct texts (long IN lists vary) are sent unprepared, parsed each time. */
const MAX_PREPARED = 2000;

function translate(sql: string): Translated {
  let t = translated.get(sql);
  if (t !== undefined) return t;
  let out = '';
  let n = 0;
  let quote: string | null = null;
  for (const ch of sql) {
    if (quote) {
      if (ch === quote) quote = null;
      out += ch;
    } else if (ch === "'" || ch === '"') {
      quote = ch;
      out += ch;
    } else if (ch === '?') out += `$${++n}`;
    else out += ch;
  }
  t = { text: out, prepare: translated.size < MAX_PREPARED };
  if (t.prepare) translated.set(sql, t);
  return t;
}

/**
 * PostgreSQL's TEXT cannot hold U+0000, which SQLite stores and our contract keeps byte-identical
 * (a contact may send anything). Strings travel with U+0000 as U+FFFF '0' and U+FFFF as U+FFFF U+FFFF,
 * and come back decoded: equality, prefixes and substrings (LIKE) work on the encoded form alike.
 */
const ESC = '\uFFFF';
function encodeText(s: string): string {
  if (s.indexOf('\u0000') < 0 && s.indexOf(ESC) < 0) return s;
  return s.replace(/[\u0000\uFFFF]/g, (c) => (c === '\u0000' ? `${ESC}0` : `${ESC}${ESC}`));
}
function decodeText(s: string): string {
  if (s.indexOf(ESC) < 0) return s;
  return s.replace(/\uFFFF([0\uFFFF])/g, (_m, c: string) => (c === '0' ? '\u0000' : ESC));
}

type Sql = postgres.Sql<{ number64: number }>;
type Row = Record<string, unknown>;

async function query<T>(q: Sql, sql: string, params: readonly Param[] = []): Promise<{ rows: T[]; count: number }> {
  const t = translate(sql);
  const values = params.map((p) => (typeof p === 'string' ? encodeText(p) : (p ?? null)));
  // execute(): handed to the connection now, in call order. (Awaiting the query itself hands it over
  // a microtask later, behind a COMMIT executed meanwhile: see tryGroup.)
  const r = await q.unsafe<Row[]>(t.text, values as postgres.ParameterOrJSON<never>[], { prepare: t.prepare }).execute();
  for (const row of r) {
    for (const k in row) {
      const v = row[k];
      if (typeof v === 'string' && v.indexOf(ESC) >= 0) row[k] = decodeText(v);
    }
  }
  return { rows: r as unknown as T[], count: r.count };
}

class PgRunner implements SqlRunner {
  constructor(protected readonly q: Sql) {}
  async all<T>(sql: string, params?: readonly Param[]): Promise<T[]> {
    return (await query<T>(this.q, sql, params)).rows;
  }
  async get<T>(sql: string, params?: readonly Param[]): Promise<T | undefined> {
    return (await query<T>(this.q, sql, params)).rows[0];
  }
  async run(sql: string, params?: readonly Param[]): Promise<{ changes: number }> {
    return { changes: (await query(this.q, sql, params)).count };
  }
}

const WRITE = /^\s*(INSERT|UPDATE|DELETE)\b/i;

/**
 * The feed's order: `changes.seq` comes from a sequence, and sequence numbers are handed out when a
 * row is inserted, not when its transaction commits. Two transactions on two instances could take 41
 * and 42 and commit 42 first; a reader that saw 42 would move its cursor past 41 and never see it.
 * So a transaction takes one transaction-scoped advisory lock (LOCK.feed) right before it inserts its
 * change records, which it does last (BufferedFeedRunner), and holds it until COMMIT: seqs are taken
 * and committed in one order, and `seq > cursor` never skips anything. Holding the lock, a
 * transaction only inserts into `changes` and commits, so it never waits for a row lock while others
 * wait for it: no deadlock, and the lock is held for one statement and the commit. (A transaction
 * that needs a seq early, `appendNow`, takes it early; a deadlock that could then arise is detected
 * by PostgreSQL and the group retried.) The lock is taken by the first insert's statement itself,
 * which also queues the NOTIFY, which PostgreSQL delivers to every listener when (and only if) the
 * transaction commits.
 */
function feedRunner(conn: Sql, instanceId: string): BufferedFeedRunner {
  const sql = new PgRunner(conn);
  let locked = false;
  return new BufferedFeedRunner(sql, (rows) => {
    if (locked) return insertChanges(sql, 'postgres', rows);
    locked = true;
    // The lock in the insert's own statement (one round trip less): its common table expression
    // calls a volatile function, so PostgreSQL runs it once, as the insert reads its first row, and
    // before that row's seq is drawn.
    return insertChanges(sql, 'postgres', rows, {
      name: 'feed_lock',
      sql: `SELECT pg_advisory_xact_lock(${LOCK.feed}) AS locked, pg_notify('${CHANGES_CHANNEL}', ?) AS notified`,
      params: [instanceId],
    });
  });
}

/**
 * Planner settings for this server's sessions. The workspace's working set is in memory and its
 * statements look rows up by key, so an index probe costs about what reading a page in order does
 * (PostgreSQL's documentation suggests random_page_cost 1.1 for cached or solid-state data; its
 * default 4 models spinning disks). With the default, an inbound batch's rows joined to a few
 * thousand contacts were planned as a scan of the whole table, twice per batch.
 */
const SESSION_SETTINGS = { random_page_cost: '1.1' };

/** The driver's errors for a connection that closed under a statement (it then takes the connection back itself). */
function connectionLost(err: unknown): boolean {
  const code = (err as { code?: unknown })?.code;
  return typeof code === 'string' && code.startsWith('CONNECTION_');
}

/**
 * How a write transaction starts. Its statements look rows up by key, so one generic plan per
 * prepared statement serves them; by default PostgreSQL plans a statement afresh on its first five
 * runs on each connection, for every statement of the inbound batch on every connection of the pool.
 */
const BEGIN_WRITE = 'BEGIN; SET LOCAL plan_cache_mode = force_generic_plan';

/** At most this many transactions share one commit. */
const MAX_GROUP = 64;

/** Errors after which the whole transaction is simply run again: deadlock, serialization failure, a unique key taken concurrently. */
const RETRY = new Set(['40P01', '40001', '23505']);
const MAX_ATTEMPTS = 4;

export interface PostgresOptions {
  /** Connections in this instance's pool (default 10). */
  poolSize?: number;
  /**
   * Groups of transactions that may run at once (default 1). One group runs its bodies one after
   * another on one connection and commits them together; groups running at once can wait on each
   * other's row locks, and rarely deadlock (PostgreSQL then undoes one, which is run again).
   */
  writers?: number;
  log?: (msg: string, err?: unknown) => void;
}

export class PostgresDatabase implements Database {
  readonly dialect = 'postgres' as const;
  /** Tells this instance's own notifications from the others'. */
  readonly instanceId = randomUUID();
  private readonly sql: Sql;
  private readonly reader: PgRunner;
  private readonly listeners: postgres.ListenMeta[] = [];
  private closed = false;
  private readonly queue: Job[] = [];
  private writing = 0;
  private scheduled = false;

  constructor(
    readonly url: string,
    private readonly opts: PostgresOptions = {},
  ) {
    this.sql = postgres(url, {
      max: opts.poolSize ?? 10,
      types: TYPES,
      connection: SESSION_SETTINGS,
      onnotice: () => {},
    });
    this.reader = new PgRunner(this.sql);
  }

  all<T>(sql: string, params?: readonly Param[]): Promise<T[]> {
    return this.reader.all<T>(sql, params);
  }
  get<T>(sql: string, params?: readonly Param[]): Promise<T | undefined> {
    return this.reader.get<T>(sql, params);
  }
  /** A write outside an explicit transaction is still one (it takes the feed lock like any other). */
  run(sql: string, params?: readonly Param[]): Promise<{ changes: number }> {
    return WRITE.test(sql) ? this.transaction((tx) => tx.run(sql, params)) : this.reader.run(sql, params);
  }

  /**
   * Group commit, as in the SQLite engine: the transactions asked for while a group is running (or
   * within one turn of the event loop) run next, one after another in one PostgreSQL transaction on
   * one connection, and share its feed insert, its feed lock and its COMMIT (one WAL flush). A
   * statement round trip is cheap; a commit and the cross-instance feed lock are not, so per-message
   * costs fall with the group's size. None resolves before the COMMIT has succeeded.
   *
   * Without savepoints (two more round trips per body): when a body fails, the group is rolled back
   * and its bodies run again each in a transaction of its own, so the one that failed fails alone
   * and the others commit. Bodies are database work only (see Database.transaction), so running one
   * again is safe; a deadlock, a serialization failure or a unique key taken concurrently is retried.
   */
  transaction<T>(fn: (tx: TxRunner) => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ fn, resolve: resolve as (v: unknown) => void, reject });
      if (this.scheduled) return;
      this.scheduled = true;
      setImmediate(() => {
        this.scheduled = false;
        this.startGroups();
      });
    });
  }

  private startGroups(): void {
    while (this.writing < (this.opts.writers ?? 1) && this.queue.length > 0) {
      const group = this.queue.splice(0, MAX_GROUP);
      this.writing++;
      void this.runGroup(group).finally(() => {
        this.writing--;
        this.startGroups();
      });
    }
  }

  private async runGroup(jobs: Job[]): Promise<void> {
    if (jobs.length > 1 && (await this.tryGroup(jobs))) return;
    for (const job of jobs) {
      for (let attempt = 1; ; attempt++) {
        try {
          await this.tryGroup([job], true);
          break;
        } catch (err) {
          const code = (err as { code?: string }).code;
          if (code && RETRY.has(code) && attempt < MAX_ATTEMPTS) continue;
          job.reject(err);
          break;
        }
      }
    }
  }

  /**
   * Runs the jobs in one transaction and settles them all when it commits. When something fails it
   * rolls back and answers false, leaving the jobs unsettled, or, with `rethrow`, throws the error.
   * BEGIN goes out with the first body's first statement, COMMIT with the feed's insert (pipelined).
   */
  private async tryGroup(jobs: Job[], rethrow = false): Promise<boolean> {
    let conn: postgres.ReservedSql<{ number64: number }>;
    try {
      conn = await this.sql.reserve();
    } catch (err) {
      if (rethrow) throw err;
      return false;
    }
    const begun = conn.unsafe(BEGIN_WRITE).execute();
    let commitSent = false;
    let lost = false;
    try {
      const tx = feedRunner(conn, this.instanceId);
      const values: unknown[] = [];
      for (const job of jobs) values.push(await job.fn(tx));
      // The change records' inserts are handed to the connection here, before the COMMIT below.
      const flushed = tx.flush();
      // A COMMIT that follows a failed statement rolls back (and says so without an error): it
      // counts only if everything before it succeeded, which the awaits below check first.
      const committed = conn.unsafe('COMMIT').execute();
      commitSent = true;
      const [, , commit] = await Promise.all([begun, flushed, committed]);
      if (commit.command !== 'COMMIT') throw new Error(`the transaction was not committed (${commit.command})`);
      jobs.forEach((job, i) => job.resolve(values[i]));
      return true;
    } catch (err) {
      await begun.catch(() => {});
      lost = connectionLost(err);
      // The connection is gone (the driver has taken it back): nothing to roll back, and running
      // anything on it would throw out of the driver.
      if (!lost) await conn.unsafe('ROLLBACK').catch(() => {});
      if (lost && commitSent) {
        // The COMMIT may have happened: running the bodies again could write them twice.
        for (const job of jobs) job.reject(err);
        return true;
      }
      if (rethrow) throw err;
      return false;
    } finally {
      if (!lost) conn.release();
    }
  }

  /** Runs fn while holding a session advisory lock: one instance at a time, across the database. */
  async exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const conn = await this.sql.reserve();
    let lost = false;
    try {
      await conn.unsafe('SELECT pg_advisory_lock($1)', [LOCK.exclusive]);
      try {
        return await fn();
      } finally {
        // (A session lock ends with its connection.)
        await conn.unsafe('SELECT pg_advisory_unlock($1)', [LOCK.exclusive]).catch((err: unknown) => {
          lost = connectionLost(err);
          if (!lost) throw err;
        });
      }
    } catch (err) {
      lost ||= connectionLost(err);
      throw err;
    } finally {
      if (!lost) conn.release();
    }
  }

  /**
   * Calls onChange whenever another instance commits a write (LISTEN on a connection of its own,
   * which the driver reconnects), and again after every reconnect (notifications sent while
   * disconnected are lost).
   */
  async watchChanges(onChange: () => void): Promise<void> {
    let listening = false;
    const meta = await this.sql.listen(
      CHANGES_CHANNEL,
      (payload) => {
        if (payload !== this.instanceId) onChange();
      },
      () => {
        if (listening) onChange();
        listening = true;
      },
    );
    this.listeners.push(meta);
  }

  /** Schema work on one connection (migrations): `query` answers rows; with no parameters it may hold several statements. */
  async withClient<T>(fn: (client: { query<R = Row>(sql: string, params?: Param[]): Promise<{ rows: R[] }> }) => Promise<T>): Promise<T> {
    const conn = await this.sql.reserve();
    let lost = false;
    try {
      return await fn({
        query: async <R>(sql: string, params: Param[] = []) => ({
          rows: (await (params.length ? conn.unsafe(sql, params as never[]) : conn.unsafe(sql).simple())) as unknown as R[],
        }),
      });
    } catch (err) {
      lost = connectionLost(err);
      throw err;
    } finally {
      if (!lost) conn.release();
    }
  }

  get migrateLockKey(): number {
    return LOCK.migrate;
  }

  async close(): Promise<void> {
    this.closed = true;
    while (this.writing > 0 || this.queue.length > 0) await new Promise((r) => setTimeout(r, 5));
    await Promise.all(this.listeners.splice(0).map((l) => l.unlisten().catch(() => {})));
    await this.sql.end({ timeout: 5 });
  }
}
