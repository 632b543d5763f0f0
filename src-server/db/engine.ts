// One data layer over SQLite (the embedded default) and PostgreSQL (several instances on one database).
// Queries are written once in the portable subset of SQL both engines share, with `?` placeholders;
// an engine translates what it must. Booleans are stored as 0/1 and times as ms since the epoch.

export type Param = string | number | null;

export interface SqlRunner {
  all<T = Record<string, unknown>>(sql: string, params?: readonly Param[]): Promise<T[]>;
  get<T = Record<string, unknown>>(sql: string, params?: readonly Param[]): Promise<T | undefined>;
  run(sql: string, params?: readonly Param[]): Promise<{ changes: number }>;
}

export interface Database extends SqlRunner {
  readonly dialect: 'sqlite' | 'postgres';
  /** Runs fn in one transaction; every write of the server goes through here. Reads outside see only committed data. */
  transaction<T>(fn: (tx: SqlRunner) => Promise<T>): Promise<T>;
  /** Runs fn while no other server instance on this database runs an `exclusive` fn (e.g. creating the demo workspace once). */
  exclusive<T>(fn: () => Promise<T>): Promise<T>;
  /** Calls onChange when another instance commits to this database (never for this instance's own commits). */
  watchChanges(onChange: () => void): Promise<void>;
  close(): Promise<void>;
}

/** `?, ?, ?` for n parameters. */
export function placeholders(n: number): string {
  return Array.from({ length: n }, () => '?').join(', ');
}
