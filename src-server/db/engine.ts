// One data layer over SQLite (the embedded default) and PostgreSQL (several instances on one database).
// Queries are written once in the portable subset of SQL both engines share, with `?` placeholders;
// an engine translates what it must. Booleans are stored as 0/1 and times as ms since the epoch.

export type Param = string | number | null;

export interface SqlRunner {
  all<T = Record<string, unknown>>(sql: string, params?: readonly Param[]): Promise<T[]>;
  get<T = Record<string, unknown>>(sql: string, params?: readonly Param[]): Promise<T | undefined>;
  run(sql: string, params?: readonly Param[]): Promise<{ changes: number }>;
}

/** One record of the change feed as a write appends it (the `changes` table; see src-shared/sync/changes). */
export interface ChangeRow {
  entity: string;
  op: string;
  entity_id: string;
  contact_id: string | null;
  target_user_id: string | null;
  data: string | null;
  at: number;
}

/** The runner a transaction body gets: SQL, and the feed it appends to. */
export interface TxRunner extends SqlRunner {
  /**
   * Appends a change record. The engine inserts the records at the end of the transaction, in the
   * order appended, just before COMMIT: where the feed needs a lock to keep `seq` in commit order
   * (PostgreSQL), it is held only for that last insert and the commit.
   */
  append(row: ChangeRow): void;
  /**
   * Inserts the records appended so far and this one now, and answers this one's seq: for the rare
   * write that needs the number inside its transaction. On PostgreSQL it takes the feed lock early.
   */
  appendNow(row: ChangeRow): Promise<number>;
}

/** A transaction body waiting in an engine's group-commit queue, with the promise it settles. */
export interface Job {
  fn: (tx: TxRunner) => Promise<unknown>;
  resolve: (value: unknown) => void;
  reject: (err: unknown) => void;
}

export interface Database extends SqlRunner {
  readonly dialect: 'sqlite' | 'postgres';
  /**
   * Runs fn in one transaction; every write of the server goes through here. Reads outside see only
   * committed data. An engine may run several callers' bodies in one database transaction (group
   * commit), one after another, each atomic: it then runs fn again if the group had to be undone,
   * so fn must do nothing but database work through `tx` (no other side effects).
   */
  transaction<T>(fn: (tx: TxRunner) => Promise<T>): Promise<T>;
  /** Runs fn while no other server instance on this database runs an `exclusive` fn (e.g. creating the demo workspace once). */
  exclusive<T>(fn: () => Promise<T>): Promise<T>;
  /** Calls onChange when another instance commits to this database (never for this instance's own commits). */
  watchChanges(onChange: () => void): Promise<void>;
  close(): Promise<void>;
}

/** `?, ?, ?` for n parameters. */
function placeholders(n: number): string {
  return Array.from({ length: n }, () => '?').join(', ');
}

/** The smallest power of two at or above n (at least 1). */
function roundUp(n: number): number {
  let p = 1;
  while (p < n) p *= 2;
  return p;
}

/**
 * `(?, ?, …)` for an IN list of these values (at least one), padded by repeating the last to a power
 * of two: a list of any length is one of a few statement texts, which PostgreSQL prepares once per
 * connection rather than once per length. Repeats change nothing an IN list matches.
 */
export function inList(values: readonly Param[]): { sql: string; params: Param[] } {
  const n = roundUp(values.length);
  const params = [...values];
  while (params.length < n) params.push(values[values.length - 1]);
  return { sql: `(${placeholders(n)})`, params };
}

/** The type of a column of a multi-row statement's rows (see rowLists): text as given, or an integer type. */
export type ColumnType = 'text' | 'integer' | 'bigint';

/**
 * Rows for multi-row statements, as row sources to select from (`FROM (${values}) AS v`) whose
 * columns are named column1, column2, and so on, in the rows' order; at most `maxRows` rows each:
 * - SQLite: `VALUES (…), (…)` lists, each padded to a power of two with rows of NULLs, which the
 *   statement must skip (no key matches NULL; inserts select `WHERE v.column1 IS NOT NULL`): a
 *   statement has a few texts whatever the number of rows.
 * - PostgreSQL: one `SELECT * FROM unnest(CAST(? AS TEXT[]), …) WITH ORDINALITY AS u (column1, …,
 *   ordinal) ORDER BY ordinal`, one array parameter per column, whatever the number of rows (`maxRows` is for SQLite's parameter limit):
 *   one short statement text, prepared once per connection, and a handful of parameters for the
 *   driver to bind rather than thousands (each statement's thousands of parameters had been a tenth
 *   of an instance's CPU, most of it the driver's work to tell prepared statements apart).
 */
export function rowLists(
  dialect: Database['dialect'],
  rows: readonly Param[][],
  columns: readonly ColumnType[],
  maxRows: number,
): { values: string; params: Param[] }[] {
  if (rows.length === 0) return [];
  if (dialect === 'postgres') {
    const arrays = columns.map((type) => `CAST(? AS ${type.toUpperCase()}[])`);
    const names = columns.map((_, c) => `column${c + 1}`);
    return [
      {
        // (In the arrays' order, said rather than left to the plan: the feed's seqs follow it.)
        values: `SELECT * FROM unnest(${arrays.join(', ')}) WITH ORDINALITY AS u (${names.join(', ')}, ordinal) ORDER BY ordinal`,
        params: columns.map((_, c) => pgArray(rows.map((r) => r[c]))),
      },
    ];
  }
  const row = `(${columns.map((type) => (type === 'text' ? '?' : `CAST(? AS ${type.toUpperCase()})`)).join(', ')})`;
  const out: { values: string; params: Param[] }[] = [];
  for (let i = 0; i < rows.length; i += maxRows) {
    const chunk = rows.slice(i, i + maxRows);
    const n = roundUp(chunk.length);
    const params = chunk.flat();
    for (let k = chunk.length * columns.length, end = n * columns.length; k < end; k++) params.push(null);
    out.push({ values: `VALUES ${Array.from({ length: n }, () => row).join(', ')}`, params });
  }
  return out;
}

/** A PostgreSQL array literal of these values: strings quoted (backslash and quote escaped), numbers as they are, NULL for null. */
export function pgArray(values: readonly Param[]): string {
  let out = '{';
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (i > 0) out += ',';
    if (v === null) out += 'NULL';
    else if (typeof v === 'number') {
      if (!Number.isFinite(v)) throw new Error(`not a number for a PostgreSQL array: ${v}`);
      out += String(v);
    } else out += `"${v.replace(/[\\"]/g, '\\$&')}"`;
  }
  return `${out}}`;
}

const CHANGE_COLUMNS = '(entity, op, entity_id, contact_id, target_user_id, data, at)';
/** Records per INSERT on SQLite (7 parameters each, well under its limit; see rowLists). */
const CHANGES_PER_INSERT = 512;

/**
 * A statement the first insert of a transaction's records starts with: a common table expression
 * (`name AS (SELECT …)`) that the insert reads, so it runs before any record takes its seq.
 */
export interface FeedLead {
  name: string;
  sql: string;
  params: readonly Param[];
}

/**
 * Inserts change records in order, a few hundred per statement, and answers the last seq (0 for
 * none). Both engines hand out `seq` in insertion order within a statement and across statements.
 * With `lead`, the first statement runs it first (PostgreSQL takes its feed lock so).
 */
export async function insertChanges(sql: SqlRunner, dialect: Database['dialect'], rows: readonly ChangeRow[], lead?: FeedLead): Promise<number> {
  // All statements are issued at once, in order (a pipelining engine sends them together; each
  // engine runs one connection's statements in the order issued, and a row source in its order).
  const lists = rowLists(
    dialect,
    rows.map((r) => [r.entity, r.op, r.entity_id, r.contact_id, r.target_user_id, r.data, r.at]),
    ['text', 'text', 'text', 'text', 'text', 'text', 'bigint'],
    CHANGES_PER_INSERT,
  );
  const pending = lists.map(({ values, params }, i) => {
    const withLead = i === 0 && lead;
    const statement = `${withLead ? `WITH ${lead.name} AS (${lead.sql}) ` : ''}INSERT INTO changes ${CHANGE_COLUMNS}
      SELECT v.column1, v.column2, v.column3, v.column4, v.column5, v.column6, v.column7 FROM (${values}) AS v${withLead ? ` CROSS JOIN ${lead.name}` : ''}
      WHERE v.column1 IS NOT NULL RETURNING seq`;
    return sql.all<{ seq: number }>(statement, withLead ? [...lead.params, ...params] : params);
  });
  let last = 0;
  for (const got of await Promise.all(pending)) for (const g of got) last = Math.max(last, Number(g.seq));
  return last;
}

/**
 * The TxRunner an engine hands to transaction bodies: statements go straight to `sql`; change
 * records wait here until `flush()`, which the engine calls just before COMMIT. A group of bodies
 * sharing one transaction shares one runner; `beginBody`/`dropBody` keep a failed body's records out.
 */
export class BufferedFeedRunner implements TxRunner {
  private rows: ChangeRow[] = [];
  private bodyStart = 0;
  constructor(
    private readonly sql: SqlRunner,
    /** Inserts records into the feed (PostgreSQL takes its feed lock with the first). */
    private readonly insert: (rows: readonly ChangeRow[]) => Promise<number> = (rows) => insertChanges(sql, 'sqlite', rows),
  ) {}

  all<T>(sql: string, params?: readonly Param[]): Promise<T[]> {
    return this.sql.all<T>(sql, params);
  }
  get<T>(sql: string, params?: readonly Param[]): Promise<T | undefined> {
    return this.sql.get<T>(sql, params);
  }
  run(sql: string, params?: readonly Param[]): Promise<{ changes: number }> {
    return this.sql.run(sql, params);
  }
  append(row: ChangeRow): void {
    this.rows.push(row);
  }
  async appendNow(row: ChangeRow): Promise<number> {
    this.rows.push(row);
    return this.flush();
  }

  /** A body starts: what it appends from here on is its own. */
  beginBody(): void {
    this.bodyStart = this.rows.length;
  }
  /** The body failed and its statements were undone: forget its records not yet inserted. */
  dropBody(): void {
    this.rows.length = Math.min(this.rows.length, this.bodyStart);
  }
  /** The transaction was undone: forget everything. */
  clear(): void {
    this.rows = [];
    this.bodyStart = 0;
  }
  /** Inserts the records appended so far, in order; answers the last seq (0 when there were none). */
  async flush(): Promise<number> {
    if (this.rows.length === 0) return 0;
    const rows = this.rows;
    this.clear();
    return this.insert(rows);
  }
}
