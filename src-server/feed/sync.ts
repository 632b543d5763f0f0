// Serving the change feed to one user: the visibility rule applied to every record, grants expanded
// into the contact's history, internal records (reset, session_end) never served.
import type { ChangeRecord, MustRefetchReason } from '../../src-shared/sync/changes';
import { scopeAllows, showsRestrictions, type VisibilityScope } from '../../src-shared/access/visibility';
import type { Role } from '../../src-shared/model';
import type { ChangeRow, SqlRunner } from '../db/engine';
import { loadUserRow, scopeCondition, scopeOf, type ViewerCtx } from '../workspace/store';
import { pageTurn, SLICE_ROWS } from './turns';
import { toComment, toContact, toConversation, toEvent, toMessage, toNotification } from '../workspace/rows';

/** A record of the `changes` table as read back, with its seq. */
export interface FeedRow extends ChangeRow {
  seq: number;
  entity: ChangeRecord['entity'];
}

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

/** Whether this viewer is shown a user record without its restrictions (Agents see other users' names, teams and status, not what they may see). */
export function redactsUser(row: Pick<FeedRow, 'entity' | 'entity_id'>, viewer: { id: string; role: Role }): boolean {
  return row.entity === 'user' && !showsRestrictions(viewer, row.entity_id);
}

function redactedData(data: string | null): string | null {
  return data === null ? null : JSON.stringify({ ...(JSON.parse(data) as object), restrictions: null });
}

/** A grant becomes upserts of the contact and all of its history the user may see, at the grant's seq. */
export async function expandGrant(sql: SqlRunner, row: FeedRow, userId: string): Promise<ChangeRecord[]> {
  const contactId = row.entity_id;
  const c = await sql.get<Record<string, unknown>>('SELECT * FROM contacts WHERE id = ?', [contactId]);
  if (!c) return [];
  const rec = (entity: ChangeRecord['entity'], id: string, data: unknown): ChangeRecord => ({
    seq: Number(row.seq),
    entity,
    op: 'upsert',
    id,
    contact_id: contactId,
    data,
    at: Number(row.at),
  });
  const out: ChangeRecord[] = [rec('contact', contactId, toContact(c))];
  for (const r of await sql.all('SELECT * FROM conversations WHERE contact_id = ? ORDER BY opened_at', [contactId])) {
    out.push(rec('conversation', String(r.id), toConversation(r)));
  }
  for (const r of await sql.all('SELECT * FROM messages WHERE contact_id = ? ORDER BY created_at, id', [contactId])) {
    out.push(rec('message', String(r.id), toMessage(r)));
  }
  for (const r of await sql.all('SELECT * FROM comments WHERE contact_id = ? ORDER BY created_at, id', [contactId])) {
    out.push(rec('comment', String(r.id), toComment(r)));
  }
  for (const r of await sql.all('SELECT * FROM events WHERE contact_id = ? ORDER BY created_at, id', [contactId])) {
    out.push(rec('event', String(r.id), toEvent(r)));
  }
  for (const r of await sql.all('SELECT * FROM notifications WHERE contact_id = ? AND user_id = ? ORDER BY created_at, id', [
    contactId,
    userId,
  ])) {
    out.push(rec('notification', String(r.id), toNotification(r)));
  }
  return out;
}

export async function feedHead(sql: SqlRunner): Promise<number> {
  const r = await sql.get<{ head: number | null }>('SELECT MAX(seq) AS head FROM changes');
  return Number(r?.head ?? 0);
}

export async function feedFloor(sql: SqlRunner): Promise<number> {
  const r = await sql.get<{ value: string }>("SELECT value FROM meta WHERE key = 'feed_floor'");
  return r ? Number(r.value) : 0;
}

/** A record as JSON straight from its row: the stored data is already JSON, so it is not parsed again. */
export function recordJson(row: FeedRow, redact = false): string {
  const data = redact ? redactedData(row.data) : row.data;
  return `{"seq":${Number(row.seq)},"entity":"${row.entity}","op":"${row.op}","id":${JSON.stringify(row.entity_id)},"contact_id":${row.contact_id === null ? 'null' : JSON.stringify(row.contact_id)},"data":${data ?? 'null'},"at":${Number(row.at)}}`;
}

type PageRows = { mustRefetch: MustRefetchReason } | { rows: FeedRow[]; next: number; hasMore: boolean; head: number; epoch: number; viewer: ViewerCtx };

/**
 * Whether a cursor predates the user's last visibility reset: its data was chosen under visibility
 * since replaced. A cursor from a bootstrap begun after the reset comes with an epoch after it.
 */
function beforeReset(viewer: ViewerCtx, after: number, epoch: number | undefined): boolean {
  const reset = Number(viewer.user.refetch_seq);
  return after > 0 && after < reset && (epoch === undefined || epoch < reset);
}

async function pageRows(sql: SqlRunner, asked: ViewerCtx, after: number, limit: number, asEpoch: number | undefined): Promise<PageRows> {
  const head = await feedHead(sql);
  // What the user may see, read after the head: a team move or a restriction committed before the
  // head is then already in the scope that filters the page (with several instances on PostgreSQL,
  // one may commit between this request's sign-in check and here).
  const user = (await loadUserRow(sql, asked.user.id)) ?? asked.user;
  const viewer: ViewerCtx = { user, scope: await scopeOf(sql, user) };
  if (after > head) return { mustRefetch: 'cursor_ahead' };
  if (beforeReset(viewer, after, asEpoch)) return { mustRefetch: 'visibility_reset' };
  if (after > 0 && after < (await feedFloor(sql))) return { mustRefetch: 'cursor_too_old' };
  // A bootstrap's data is chosen as of now: its epoch is the head (see SyncPage.epoch).
  const epoch = after === 0 ? head : (asEpoch ?? Number(viewer.user.refetch_seq));
  const cond = feedCondition(viewer, after, epoch);
  // Read in bounded slices, one turn each (turns.ts): one client's 5,000-record page does not hold
  // the event loop, and many clients' pages advance side by side.
  const rows = await pageTurn(async (slice) => {
    const out: FeedRow[] = [];
    let from = after;
    for (;;) {
      const want = Math.min(SLICE_ROWS, limit - out.length);
      const got = await slice(() =>
        sql.all<FeedRow>(
          `SELECT ch.* FROM changes ch LEFT JOIN contacts c ON c.id = ch.contact_id
           WHERE ch.seq > ? AND ch.seq <= ? AND ${cond.sql}
           ORDER BY ch.seq LIMIT ?`,
          [from, head, ...cond.params, want],
        ),
      );
      for (const r of got) out.push(r);
      if (got.length < want || out.length >= limit) return out;
      from = Number(got[got.length - 1].seq);
    }
  });
  const hasMore = rows.length === limit;
  return { rows, hasMore, head, next: hasMore ? Number(rows[rows.length - 1].seq) : head, epoch, viewer };
}

/** A page's records as JSON text (comma-separated), built from the stored JSON without parsing it. */
type PageJson = { mustRefetch: MustRefetchReason } | { changes: string; count: number; next: number; hasMore: boolean; head: number; epoch: number };

/** One page of the feed for a user, as JSON text: the bootstrap's and the stream catch-up's hot path. */
export async function pageJson(sql: SqlRunner, viewer: ViewerCtx, after: number, limit: number, epoch?: number): Promise<PageJson> {
  const p = await pageRows(sql, viewer, after, limit, epoch);
  if ('mustRefetch' in p) return p;
  const parts: string[] = [];
  for (const row of p.rows) {
    if (row.op === 'grant') for (const rec of await expandGrant(sql, row, viewer.user.id)) parts.push(JSON.stringify(rec));
    else parts.push(recordJson(row, redactsUser(row, p.viewer.user)));
  }
  return { changes: parts.join(','), count: parts.length, next: p.next, hasMore: p.hasMore, head: p.head, epoch: p.epoch };
}

/** The same page as the /sync answer's JSON text. */
export async function syncPageJson(sql: SqlRunner, viewer: ViewerCtx, after: number, limit: number, epoch?: number): Promise<string> {
  const p = await pageJson(sql, viewer, after, limit, epoch);
  if ('mustRefetch' in p) return JSON.stringify({ must_refetch: true, reason: p.mustRefetch });
  return `{"must_refetch":false,"changes":[${p.changes}],"next":${p.next},"has_more":${p.hasMore},"head":${p.head},"epoch":${p.epoch}}`;
}
