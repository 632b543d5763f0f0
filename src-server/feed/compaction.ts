// Keeping the feed to what clients still need. Two passes, in bounded batches:
// - superseded: an upsert or delete of a row is removed once a later upsert or delete of the same row
//   (for the same user, when targeted) is committed. A client that has not read the older record will
//   read the newer one (it is above the older's seq, and every page and frame goes on from a cursor),
//   and upserts carry the whole row. Visibility records (remove, grant, narrow…) are never superseded.
// - retention: records older than the window go, and the feed's floor rises with them: a cursor below
//   it is answered cursor_too_old and its client bootstraps again from a snapshot (snapshot.ts).
// Neither pass touches a record above the lowest durable position in feed_cursors (another reader of the
// feed, such as a webhook dispatcher, still has to read it). One compactor at a time across instances.
import type { Database, SqlRunner } from '../db/engine';
import { feedFloor, feedHead } from './sync';

/** Records looked at per batch: each batch is one short transaction, so writes go on between them. */
const BATCH_SEQS = 2_000;

/**
 * After each batch, a pause as long as the batch took (at least a few ms): on SQLite a batch holds the
 * event loop while it runs, so a long backlog (the first run after an upgrade) takes at most about half
 * of the server's time, and requests and pushes are served between batches.
 */
async function pauseAfter<T>(work: () => Promise<T>): Promise<T> {
  const t0 = performance.now();
  const value = await work();
  await new Promise((resolve) => setTimeout(resolve, Math.max(5, performance.now() - t0)));
  return value;
}

export const DEFAULT_FEED_RETENTION_DAYS = 30;

export interface CompactionReport {
  /** Records removed because a later record of the same row holds the row's state. */
  superseded: number;
  /** Records removed because they were older than the retention window. */
  pruned: number;
  /** The feed's floor after the run: a cursor below it must bootstrap again. */
  floor: number;
}

async function meta(sql: SqlRunner, key: string): Promise<number> {
  const r = await sql.get<{ value: string }>('SELECT value FROM meta WHERE key = ?', [key]);
  return r ? Number(r.value) : 0;
}

async function setMeta(sql: SqlRunner, key: string, value: number): Promise<void> {
  await sql.run('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value', [key, String(value)]);
}

/** The highest seq compaction may remove: the head, or below it the lowest durable position of another reader. */
async function ceiling(sql: SqlRunner): Promise<number> {
  const head = await feedHead(sql);
  const r = await sql.get<{ p: number | null }>('SELECT MIN(position) AS p FROM feed_cursors');
  return r?.p === null || r?.p === undefined ? head : Math.min(head, Number(r.p));
}

/**
 * The newest record older than `cutoff` (ms) at or below `hi`, found by bisection over seq (records'
 * times follow their seqs), so no index on the time is needed; `lo` when there is none above it.
 */
async function lastBefore(sql: SqlRunner, cutoff: number, lo: number, hi: number): Promise<number> {
  const firstFrom = (s: number) =>
    sql.get<{ seq: number; at: number }>('SELECT seq, at FROM changes WHERE seq >= ? AND seq <= ? ORDER BY seq LIMIT 1', [s, hi]);
  while (lo < hi) {
    const mid = lo + Math.ceil((hi - lo) / 2);
    const r = await firstFrom(mid);
    if (r && Number(r.at) < cutoff) lo = Number(r.seq);
    else hi = mid - 1;
  }
  return lo;
}

export class FeedCompactor {
  private running: Promise<CompactionReport> | null = null;

  constructor(
    private readonly db: Database,
    private readonly clock: () => number,
    private readonly retentionDays = DEFAULT_FEED_RETENTION_DAYS,
  ) {}

  /** One compaction run (a run already under way in this process is joined). */
  run(): Promise<CompactionReport> {
    this.running ??= this.compact().finally(() => (this.running = null));
    return this.running;
  }

  /** A batch under the lock every instance takes for compaction, in one transaction. */
  private batch<T>(fn: (sql: SqlRunner) => Promise<T>): Promise<T> {
    return pauseAfter(() => this.db.exclusive(() => this.db.transaction(fn)));
  }

  private async compact(): Promise<CompactionReport> {
    const report: CompactionReport = { superseded: 0, pruned: 0, floor: 0 };
    // Superseded records: each batch takes the records after the mark and removes the older records of their rows.
    for (;;) {
      const done = await this.batch(async (sql) => {
        const top = await ceiling(sql);
        const mark = await meta(sql, 'feed_compacted');
        if (mark >= top) return true;
        const upto = Math.min(top, mark + BATCH_SEQS);
        // Each row's newest record in the batch removes the older ones (not each record: a row
        // changed a thousand times in a batch would pair every record with every older one).
        const r = await sql.run(
          `DELETE FROM changes WHERE seq IN (
             SELECT o.seq FROM (
               SELECT entity, entity_id, COALESCE(target_user_id, '') AS target, MAX(seq) AS top FROM changes
               WHERE seq > ? AND seq <= ? AND op IN ('upsert', 'delete') GROUP BY entity, entity_id, COALESCE(target_user_id, '')
             ) n JOIN changes o ON o.entity = n.entity AND o.entity_id = n.entity_id AND o.seq < n.top
             WHERE o.op IN ('upsert', 'delete') AND COALESCE(o.target_user_id, '') = n.target)`,
          [mark, upto],
        );
        report.superseded += r.changes;
        await setMeta(sql, 'feed_compacted', upto);
        return false;
      });
      if (done) break;
    }
    // Retention: the floor is raised first, in the transaction of the first batch, so no page reads
    // below it meanwhile; then the records under it go.
    const cutoff = this.clock() - this.retentionDays * 86_400_000;
    const target = await this.batch(async (sql) => {
      const floor = await feedFloor(sql);
      const bound = await lastBefore(sql, cutoff, floor, await ceiling(sql));
      if (bound > floor) await setMeta(sql, 'feed_floor', bound);
      return Math.max(bound, floor);
    });
    for (;;) {
      const removed = await this.batch(async (sql) => {
        const r = await sql.get<{ low: number | null }>('SELECT MIN(seq) AS low FROM changes');
        if (r?.low === null || r?.low === undefined || Number(r.low) > target) return 0;
        return (await sql.run('DELETE FROM changes WHERE seq <= ?', [Math.min(target, Number(r.low) + BATCH_SEQS)])).changes;
      });
      if (removed === 0) break;
      report.pruned += removed;
    }
    report.floor = target;
    return report;
  }
}
