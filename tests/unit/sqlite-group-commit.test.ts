// The SQLite layer's group commit: transactions queued together share one COMMIT, yet each stays
// atomic and none is answered before its data is committed. And the checkpointer thread keeps the
// WAL from growing while the writer keeps writing.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SqliteDatabase, WAL_SIZE_LIMIT_BYTES } from '../../src-server/db/sqlite';

let dir: string;
let db: SqliteDatabase;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'ism-sqlite-'));
  db = new SqliteDatabase(join(dir, 'test.sqlite'));
  db.execScript('CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT NOT NULL UNIQUE)');
});

afterEach(async () => {
  await db.close();
  rmSync(dir, { recursive: true, force: true });
});

const count = async () => Number((await db.get<{ n: number }>('SELECT COUNT(*) AS n FROM t'))!.n);

describe('group commit', () => {
  it('rolls back a failing transaction alone; the others of its group commit', async () => {
    const results = await Promise.allSettled([
      db.transaction(async (tx) => tx.run("INSERT INTO t (v) VALUES ('a')")),
      db.transaction(async (tx) => {
        await tx.run("INSERT INTO t (v) VALUES ('b')");
        throw new Error('changed my mind');
      }),
      db.transaction(async (tx) => {
        await tx.run("INSERT INTO t (v) VALUES ('c')");
        await tx.run("INSERT INTO t (v) VALUES ('a')"); // breaks UNIQUE: this one fails, 'c' goes too
      }),
      db.transaction(async (tx) => tx.run("INSERT INTO t (v) VALUES ('d')")),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'rejected', 'fulfilled']);
    expect((await db.all<{ v: string }>('SELECT v FROM t ORDER BY v')).map((r) => r.v)).toEqual(['a', 'd']);
  });

  it('answers a transaction only once its data is committed (a reader sees it)', async () => {
    const seen = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        db
          .transaction(async (tx) => tx.run('INSERT INTO t (v) VALUES (?)', [`v${i}`]))
          .then(async () => {
            return (await db.get('SELECT v FROM t WHERE v = ?', [`v${i}`])) !== undefined;
          }),
      ),
    );
    expect(seen.every(Boolean)).toBe(true);
    expect(await count()).toBe(20);
  });

  it('never shows a read what an open transaction wrote, and shows it once committed (reads between transactions use the writer)', async () => {
    await db.transaction(async (tx) => tx.run("INSERT INTO t (v) VALUES ('before')"));
    let wrote!: () => void;
    let finish!: () => void;
    const written = new Promise<void>((r) => (wrote = r));
    const gate = new Promise<void>((r) => (finish = r));
    const open = db.transaction(async (tx) => {
      await tx.run("INSERT INTO t (v) VALUES ('pending')");
      await tx.run("DELETE FROM t WHERE v = 'before'");
      wrote();
      await gate; // the body awaits with its writes uncommitted
    });
    await written;
    expect((await db.all<{ v: string }>('SELECT v FROM t ORDER BY v')).map((r) => r.v)).toEqual(['before']);
    finish();
    await open;
    expect((await db.all<{ v: string }>('SELECT v FROM t ORDER BY v')).map((r) => r.v)).toEqual(['pending']);
  });

  it('runs transactions one at a time, in the order they were asked for', async () => {
    const order: number[] = [];
    await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        db.transaction(async (tx) => {
          order.push(i);
          await tx.run('INSERT INTO t (v) VALUES (?)', [`v${i}`]);
          await new Promise((r) => setTimeout(r, 1)); // a body may await; the next waits for it
          order.push(i);
        }),
      ),
    );
    expect(order).toEqual(Array.from({ length: 10 }, (_, i) => [i, i]).flat());
  });

  it('keeps the WAL small while the writer writes, without the writer checkpointing', async () => {
    expect(await db.checkpointerReady()).toBe(true);
    // The writer cuts the WAL back when it starts over (where the checkpointer keeps up, the WAL
    // never grows near the limit, so this is said here rather than seen below).
    expect(await db.transaction(async (tx) => tx.get<{ journal_size_limit: number }>('PRAGMA journal_size_limit'))).toEqual({
      journal_size_limit: WAL_SIZE_LIMIT_BYTES,
    });
    const big = 'x'.repeat(3000);
    const walRestarts = () => readFileSync(join(dir, 'test.sqlite-wal')).readUInt32BE(12);
    // 60 transactions of ~100 pages, 25 ms apart, then more until the WAL starts over within one (a
    // busy machine can hold the checkpointer back), but never near the writer's own backstop.
    for (let k = 0; k < 200; k++) {
      const before = walRestarts();
      await db.transaction(async (tx) => {
        for (let i = 0; i < 50; i++) await tx.run('INSERT INTO t (v) VALUES (?)', [`${k}-${i}-${big}`]);
      });
      await new Promise((r) => setTimeout(r, 25));
      if (k >= 60 && walRestarts() > before) break;
    }
    // The writer's own backstop is at 20,000 pages, far above what this writes: without the
    // checkpointer thread the WAL would never start over and would hold every page written. The WAL
    // header counts its restarts (the checkpoint sequence number, bytes 12-15).
    const written = Number((await db.get<{ n: number }>('SELECT page_count AS n FROM pragma_page_count()'))!.n);
    const wal = readFileSync(join(dir, 'test.sqlite-wal'));
    const restarts = walRestarts();
    expect(written).toBeGreaterThan(5000);
    expect(restarts).toBeGreaterThanOrEqual(1);
    // It just started over: the file was cut back to the limit, and holds at most one transaction
    // more (however long a busy machine held the checkpointer back before).
    expect(wal.length).toBeLessThanOrEqual(WAL_SIZE_LIMIT_BYTES + 200 * 4120);
    expect(wal.length / 4120).toBeLessThan(written);
    expect((await count()) % 50).toBe(0);
    expect(await count()).toBeGreaterThanOrEqual(3000);
  });
});
