// Multi-row statements' rows (db/engine.ts rowLists): SQLite gets padded VALUES lists, PostgreSQL
// one array literal per column. Both must carry every value exactly, in order; the PostgreSQL pass
// of tests/integration/inbound-batch.test.ts stores awkward texts through them for real.
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { pgArray, rowLists, type Param } from '../../src-server/db/engine';

const rows: Param[][] = [
  ['plain', 1, 'a'],
  ['"quoted", {braced}', 2, null],
  ['back\\slash \\" end\\', 3, 'NULL'],
  [null, 4, ''],
];

describe('rowLists', () => {
  it('SQLite: VALUES lists padded to a power of two with NULL rows, values in order', () => {
    const lists = rowLists('sqlite', rows, ['text', 'bigint', 'text'], 3);
    expect(lists.map((l) => l.values)).toEqual([
      'VALUES (?, CAST(? AS BIGINT), ?), (?, CAST(? AS BIGINT), ?), (?, CAST(? AS BIGINT), ?), (?, CAST(? AS BIGINT), ?)',
      'VALUES (?, CAST(? AS BIGINT), ?)',
    ]);
    expect(lists[0].params).toEqual([...rows[0], ...rows[1], ...rows[2], null, null, null]);
    // What SQLite makes of it: the rows, then the padding row the statements skip.
    const db = new Database(':memory:');
    const got = db
      .prepare(`SELECT column1, column2, column3 FROM (${lists[0].values}) AS v`)
      .raw()
      .all(...lists[0].params);
    expect(got).toEqual([...rows.slice(0, 3), [null, null, null]]);
    db.close();
  });

  it('PostgreSQL: one unnest over one array parameter per column, whatever the number of rows', () => {
    const [list, ...more] = rowLists('postgres', rows, ['text', 'bigint', 'text'], 3);
    expect(more).toEqual([]);
    expect(list.values).toBe(
      'SELECT * FROM unnest(CAST(? AS TEXT[]), CAST(? AS BIGINT[]), CAST(? AS TEXT[])) WITH ORDINALITY AS u (column1, column2, column3, ordinal) ORDER BY ordinal',
    );
    expect(list.params).toEqual(['{"plain","\\"quoted\\", {braced}","back\\\\slash \\\\\\" end\\\\",NULL}', '{1,2,3,4}', '{"a",NULL,"NULL",""}']);
    expect(rowLists('postgres', [], ['text'], 3)).toEqual([]);
  });

  it('pgArray refuses what no array literal can hold', () => {
    expect(() => pgArray([1, Number.NaN])).toThrow(/not a number/);
    expect(pgArray([])).toBe('{}');
  });
});
