import BetterSqlite3 from 'better-sqlite3';
import type { Database, Param, SqlRunner } from './engine';

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

/**
 * SQLite over better-sqlite3: one writer connection, whose transactions are serialised here
 * (better-sqlite3 is synchronous, but a transaction body may await), and one reader connection,
 * which in WAL mode sees only committed data.
 */
export class SqliteDatabase implements Database {
  readonly dialect = 'sqlite' as const;
  private readonly writer: Conn;
  private readonly reader: Conn;
  private readonly w: Statements;
  private readonly r: Statements;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(readonly file: string) {
    this.writer = new BetterSqlite3(file);
    this.writer.pragma('journal_mode = WAL');
    this.writer.pragma('synchronous = NORMAL');
    this.writer.pragma('foreign_keys = ON');
    this.writer.pragma('busy_timeout = 5000');
    this.reader = new BetterSqlite3(file);
    this.reader.pragma('busy_timeout = 5000');
    this.w = new Statements(this.writer);
    this.r = new Statements(this.reader);
  }

  /** Schema changes run on the writer outside the serialised queue (at start, before serving). */
  execScript(sql: string): void {
    this.writer.exec(sql);
  }
  userVersion(): number {
    return this.writer.pragma('user_version', { simple: true }) as number;
  }
  setUserVersion(v: number): void {
    this.writer.pragma(`user_version = ${Math.floor(v)}`);
  }

  all<T>(sql: string, params?: readonly Param[]): Promise<T[]> {
    return this.r.all<T>(sql, params);
  }
  get<T>(sql: string, params?: readonly Param[]): Promise<T | undefined> {
    return this.r.get<T>(sql, params);
  }
  /** A write outside an explicit transaction still goes through the queue. */
  run(sql: string, params?: readonly Param[]): Promise<{ changes: number }> {
    return this.transaction((tx) => tx.run(sql, params));
  }

  transaction<T>(fn: (tx: SqlRunner) => Promise<T>): Promise<T> {
    const result = this.queue.then(async () => {
      this.writer.exec('BEGIN IMMEDIATE');
      try {
        const value = await fn(this.w);
        this.writer.exec('COMMIT');
        return value;
      } catch (err) {
        if (this.writer.inTransaction) this.writer.exec('ROLLBACK');
        throw err;
      }
    });
    this.queue = result.catch(() => undefined);
    return result;
  }

  async close(): Promise<void> {
    await this.queue;
    this.reader.close();
    this.writer.close();
  }
}
