// Serving the change feed to one user: the visibility rule applied to every record, grants expanded
// into the contact's history, internal records (reset, session_end) never served.
import { ApiError } from '../../src-shared/api/errors';
import type { MustRefetchReason } from '../../src-shared/sync/changes';
import { scopeAllows, type VisibilityScope } from '../../src-shared/access/visibility';
import type { SqlRunner } from '../db/engine';
import { loadUserRow, scopeCondition, scopeOf, type ViewerCtx } from '../workspace/viewer';
import { pageTurn, SLICE_ROWS } from './turns';
import { recordsJson, type FeedRow } from './records';

/**
 * The feed as SQL: what `recordVisible` says, for paging in the database.
 * The target test is written as COALESCE (null or this user) rather than `IS NULL OR =`: SQLite
 * would answer the OR through the target index, collecting every untargeted record after the cursor
 * and sorting them by seq for each page (about 0.4 s a page on a million records). As an expression
 * it walks the feed in seq order and stops at the page's limit.
 *
 * A removal is served only to a client that held the contact at its cursor: not before the client's
 * data was chosen (its epoch: a bootstrap sends only what the user sees now, so the contacts lost
 * before it began were never sent), and not when the contact was granted after the cursor (that
 * grant, of a contact no longer visible, was not served). Otherwise a client would learn the ids of
 * contacts it never had. A narrow record, likewise, only after the epoch: a bootstrap already holds
 * only what the user sees now.
 */
function feedCondition(viewer: ViewerCtx, after: number, epoch: number): { sql: string; params: (string | number)[] } {
  const scope = scopeCondition(viewer.scope, 'c.assignee_id');
  return {
    sql: `COALESCE(ch.target_user_id, ?) = ?
      AND ch.op <> 'session_end' AND ch.op <> 'reset'
      AND ((ch.contact_id IS NULL AND (ch.op <> 'narrow' OR ch.seq > ?))
        OR (ch.op = 'remove' AND ch.seq > ? AND NOT EXISTS (SELECT 1 FROM changes g
          WHERE g.contact_id = ch.contact_id AND g.seq > ? AND g.seq < ch.seq AND g.op = 'grant' AND g.target_user_id = ?))
        OR (ch.op <> 'remove' AND ch.op <> 'narrow' AND ${scope.sql}))`,
    params: [viewer.user.id, viewer.user.id, epoch, epoch, after, viewer.user.id, ...(scope.params as string[])],
  };
}

/**
 * The same rule for one record in memory (the stream's path). `assigneeOf` gives the contact's
 * current assignee. A removal passes whatever the assignee: the caller withholds one whose grant it
 * did not send.
 */
export function recordVisible(
  row: Pick<FeedRow, 'op' | 'contact_id' | 'target_user_id'>,
  userId: string,
  scope: VisibilityScope,
  assigneeOf: (contactId: string) => string | null | undefined,
): boolean {
  if (row.target_user_id !== null && row.target_user_id !== userId) return false;
  if (row.op === 'session_end' || row.op === 'reset') return false;
  if (row.contact_id === null || row.op === 'remove') return true;
  const assignee = assigneeOf(row.contact_id);
  if (assignee === undefined) return false; // the contact is gone
  return scopeAllows(scope, assignee);
}

/** The feed's newest seq; never below its floor, though compaction may have removed every record up to it. */
export async function feedHead(sql: SqlRunner): Promise<number> {
  const r = await sql.get<{ head: number | null; floor: string | null }>(
    "SELECT (SELECT MAX(seq) FROM changes) AS head, (SELECT value FROM meta WHERE key = 'feed_floor') AS floor",
  );
  return Math.max(Number(r?.head ?? 0), Number(r?.floor ?? 0));
}

/** The lowest cursor the feed still serves: records at or below it may have been pruned (compaction.ts). */
export async function feedFloor(sql: SqlRunner): Promise<number> {
  const r = await sql.get<{ value: string }>("SELECT value FROM meta WHERE key = 'feed_floor'");
  return r ? Number(r.value) : 0;
}

type Refused = { mustRefetch: MustRefetchReason };
/** A page of the feed (see SyncPage), or why the client must refetch. */
export type FeedPage = Refused | { records: string[]; next: number; hasMore: boolean; head: number; epoch: number };

/**
 * Whether a cursor predates the user's last visibility reset: its data was chosen under visibility
 * since replaced. A cursor from a bootstrap begun after the reset comes with an epoch after it.
 */
function beforeReset(viewer: ViewerCtx, after: number, epoch: number | undefined): boolean {
  const reset = Number(viewer.user.refetch_seq);
  return after > 0 && after < reset && (epoch === undefined || epoch < reset);
}

/** One page of the feed for a user, its records as JSON texts. after=0 is the bootstrap. */
export async function feedPage(sql: SqlRunner, asked: ViewerCtx, after: number, limit: number, asEpoch?: number): Promise<FeedPage> {
  const head = await feedHead(sql);
  // What the user may see, read after the head: a team move or a restriction committed before the
  // head is then already in the scope that filters the page (with several instances on PostgreSQL,
  // one may commit between this request's sign-in check and here).
  const user = (await loadUserRow(sql, asked.user.id)) ?? asked.user;
  const viewer: ViewerCtx = { user, scope: await scopeOf(sql, user) };
  if (after > head) return { mustRefetch: 'cursor_ahead' };
  if (beforeReset(viewer, after, asEpoch)) return { mustRefetch: 'visibility_reset' };
  // (after=0 included: a replay from the start is whole only while nothing was pruned.)
  if (after < (await feedFloor(sql))) return { mustRefetch: 'cursor_too_old' };
  // A bootstrap's data is chosen as of now: its epoch is the head (see SyncPage.epoch).
  const epoch = after === 0 ? head : (asEpoch ?? Number(viewer.user.refetch_seq));
  const cond = feedCondition(viewer, after, epoch);
  // Read and written as JSON in bounded slices, one turn each (turns.ts): one client's 5,000-record
  // page does not hold the event loop, nor does turning it into records, and many clients' pages
  // advance side by side.
  return pageTurn(async (slice) => {
    const records: string[] = [];
    let rows = 0;
    let last = after;
    for (;;) {
      const want = Math.min(SLICE_ROWS, limit - rows);
      const got = await slice(async () => {
        const read = await sql.all<FeedRow>(
          `SELECT ch.* FROM changes ch LEFT JOIN contacts c ON c.id = ch.contact_id
           WHERE ch.seq > ? AND ch.seq <= ? AND ${cond.sql}
           ORDER BY ch.seq LIMIT ?`,
          [last, head, ...cond.params, want],
        );
        for (const r of await recordsJson(sql, read, viewer.user)) records.push(r);
        return read;
      });
      rows += got.length;
      if (got.length) last = Number(got[got.length - 1].seq);
      if (got.length < want || rows >= limit) break;
    }
    const hasMore = rows === limit;
    return { records, hasMore, head, next: hasMore ? last : head, epoch };
  });
}

/** The same page as a /sync answer (a SyncPage), written from the records' JSON without parsing it: the bootstrap's hot path. */
export async function syncPageJson(sql: SqlRunner, viewer: ViewerCtx, after: number, limit: number, epoch?: number): Promise<string> {
  const p = await feedPage(sql, viewer, after, limit, epoch);
  // An app from before snapshots bootstraps by replaying the feed: once pruned, it cannot.
  if ('mustRefetch' in p && after === 0) throw new ApiError('invalid_request', 'this app is too old for this workspace: update it to download the workspace');
  if ('mustRefetch' in p) return JSON.stringify({ must_refetch: true, reason: p.mustRefetch });
  return `{"must_refetch":false,"changes":[${p.records.join(',')}],"next":${p.next},"has_more":${p.hasMore},"head":${p.head},"epoch":${p.epoch}}`;
}
