// The PostgreSQL engine's group commit: bodies asked for together share one transaction, yet each
// stays atomic (one that fails leaves no trace, the others commit), none is answered before its data
// is committed, and the change records of a group reach the feed in the order they were appended.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PostgresDatabase } from '../../src-server/db/postgres';
import { migratePostgres } from '../../src-server/db/migrations';
import type { ChangeRow } from '../../src-server/db/engine';
import { createTestDatabase, testEngine } from '../support/server';

if (testEngine !== 'postgres')
  console.log('[postgres-group-commit] SKIPPED in the SQLite pass: it runs in the PostgreSQL pass of npm test (npm run test:postgres)');
// The SQLite engine's group commit has its own test (tests/unit/sqlite-group-commit.test.ts).
describe.skipIf(testEngine !== 'postgres')(
  testEngine === 'postgres'
    ? 'group commit on PostgreSQL'
    : 'group commit on PostgreSQL (skipped in the SQLite pass: it runs in the PostgreSQL pass of npm test)',
  () => {
    let database: { url: string; drop(): Promise<void> };
    let db: PostgresDatabase;
    beforeAll(async () => {
      database = await createTestDatabase();
      db = new PostgresDatabase(database.url);
      await migratePostgres(db);
      await db.run('CREATE TABLE t (v TEXT PRIMARY KEY)');
    });
    afterAll(async () => {
      await db?.close();
      await database?.drop();
    });

    const record = (id: string): ChangeRow => ({ entity: 'team', op: 'upsert', entity_id: id, contact_id: null, target_user_id: null, data: null, at: 1 });
    const feed = async (prefix: string) =>
      (await db.all<{ seq: number; entity_id: string }>('SELECT seq, entity_id FROM changes WHERE entity_id LIKE ? ORDER BY seq', [`${prefix}%`])).map(
        (r) => r.entity_id,
      );

    it('rolls back a failing body alone: its rows and records are gone, the others of its group commit', async () => {
      const results = await Promise.allSettled([
        db.transaction(async (tx) => {
          await tx.run("INSERT INTO t (v) VALUES ('a1')");
          tx.append(record('a-1'));
        }),
        db.transaction(async (tx) => {
          await tx.run("INSERT INTO t (v) VALUES ('a2')");
          tx.append(record('a-2'));
          throw new Error('changed my mind');
        }),
        db.transaction(async (tx) => {
          tx.append(record('a-3'));
          await tx.run("INSERT INTO t (v) VALUES ('a1')"); // the first body's key: this one fails
        }),
        db.transaction(async (tx) => {
          await tx.run("INSERT INTO t (v) VALUES ('a4')");
          tx.append(record('a-4'));
        }),
      ]);
      expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'rejected', 'fulfilled']);
      expect((await db.all<{ v: string }>("SELECT v FROM t WHERE v LIKE 'a%' ORDER BY v")).map((r) => r.v)).toEqual(['a1', 'a4']);
      expect(await feed('a-')).toEqual(['a-1', 'a-4']);
    });

    it('answers a body only once its data is committed, and the feed holds every record in the order appended', async () => {
      const seen = await Promise.all(
        Array.from({ length: 40 }, (_, i) =>
          db
            .transaction(async (tx) => {
              await tx.run('INSERT INTO t (v) VALUES (?)', [`b${i}`]);
              tx.append(record(`b-${String(i).padStart(2, '0')}-1`));
              tx.append(record(`b-${String(i).padStart(2, '0')}-2`));
            })
            .then(async () => (await db.get('SELECT v FROM t WHERE v = ?', [`b${i}`])) !== undefined),
        ),
      );
      expect(seen.every(Boolean)).toBe(true);
      const ids = await feed('b-');
      expect(ids).toEqual(Array.from({ length: 40 }, (_, i) => [`b-${String(i).padStart(2, '0')}-1`, `b-${String(i).padStart(2, '0')}-2`]).flat());
    });

    it('appendNow answers the seq inside the transaction, after the records appended before it', async () => {
      const seq = await db.transaction(async (tx) => {
        tx.append(record('c-1'));
        const s = await tx.appendNow(record('c-2'));
        tx.append(record('c-3'));
        return s;
      });
      const rows = await db.all<{ seq: number; entity_id: string }>("SELECT seq, entity_id FROM changes WHERE entity_id LIKE 'c-%' ORDER BY seq");
      expect(rows.map((r) => r.entity_id)).toEqual(['c-1', 'c-2', 'c-3']);
      expect(rows[1].seq).toBe(seq);
    });

    it("a body's rows and its change records commit in one transaction, also when the records take several inserts", async () => {
      const ids = Array.from({ length: 1200 }, (_, i) => `e-${String(i).padStart(4, '0')}`);
      await db.transaction(async (tx) => {
        await tx.run("INSERT INTO t (v) VALUES ('e1')");
        for (const id of ids) tx.append(record(id));
      });
      // xmin: the transaction that wrote each row (one, if the inserts went before the COMMIT).
      const data = await db.get<{ x: string }>("SELECT xmin::text AS x FROM t WHERE v = 'e1'");
      const written = await db.all<{ x: string }>("SELECT DISTINCT xmin::text AS x FROM changes WHERE entity_id LIKE 'e-%'");
      expect(written.map((r) => r.x)).toEqual([data!.x]);
      expect(await feed('e-')).toEqual(ids);
    });

    it('a second instance inserting records waits for the first to commit: seqs follow commit order', async () => {
      const other = new PostgresDatabase(database.url);
      try {
        let release!: () => void;
        const held = new Promise<void>((r) => (release = r));
        let firstHolds!: () => void;
        const holding = new Promise<void>((r) => (firstHolds = r));
        // The first takes the feed lock (its first insert of records) and keeps its transaction open.
        const first = db.transaction(async (tx) => {
          await tx.appendNow(record('d-first'));
          firstHolds();
          await held;
        });
        await holding;
        let secondDone = false;
        const second = other.transaction(async (tx) => tx.appendNow(record('d-second'))).then((seq) => ((secondDone = true), seq));
        await new Promise((r) => setTimeout(r, 300));
        expect(secondDone).toBe(false); // blocked on the lock, before drawing a seq
        release();
        await first;
        const secondSeq = await second;
        const rows = await db.all<{ seq: number; entity_id: string }>("SELECT seq, entity_id FROM changes WHERE entity_id LIKE 'd-%' ORDER BY seq");
        expect(rows.map((r) => r.entity_id)).toEqual(['d-first', 'd-second']);
        expect(rows[1].seq).toBe(secondSeq);
      } finally {
        await other.close();
      }
    });
  },
);
