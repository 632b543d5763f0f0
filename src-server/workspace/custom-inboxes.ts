// Custom inboxes: saved filters, private to their owner or shared with users and teams.
// Their feed records go only to their audience.
import { ApiError } from '../../src-shared/api/errors';
import type { BodyOf } from '../../src-shared/api/routes';
import type { CustomInbox } from '../../src-shared/model';
import type { SqlRunner } from '../db/engine';
import { customInboxShared } from './conversations';
import { toCustomInbox } from './rows';
import { newId } from './ids';
import type { Tx } from './tx';
import type { ViewerCtx } from './viewer';

/** Custom inboxes one user may own. */
export const MAX_CUSTOM_INBOXES_PER_USER = 50;
/** Shared custom inboxes one team, or one user, may be shared with (what their inbox list shows). */
export const MAX_SHARED_INBOXES_PER_AUDIENCE = 50;

/** 409 limit_reached when this inbox would take its owner, or a team or user it is shared with, past a bound. */
async function checkBounds(
  tx: Tx,
  ownerId: string,
  inbox: Pick<CustomInbox, 'sharing' | 'shared_user_ids' | 'shared_team_ids'>,
  id: string | null,
): Promise<void> {
  if (id === null) {
    const own = await tx.sql.get<{ n: number }>('SELECT COUNT(*) AS n FROM custom_inboxes WHERE owner_id = ?', [ownerId]);
    if (Number(own?.n) >= MAX_CUSTOM_INBOXES_PER_USER) {
      throw new ApiError('limit_reached', `a user may have at most ${MAX_CUSTOM_INBOXES_PER_USER} custom inboxes: delete one first`);
    }
  }
  if (inbox.sharing !== 'shared' || (!inbox.shared_team_ids.length && !inbox.shared_user_ids.length)) return;
  const others = await tx.sql.all<{ shared_user_ids: string; shared_team_ids: string }>(
    "SELECT shared_user_ids, shared_team_ids FROM custom_inboxes WHERE sharing = 'shared' AND id <> ?",
    [id ?? ''],
  );
  const count = (key: 'shared_user_ids' | 'shared_team_ids', target: string) => others.filter((o) => (JSON.parse(o[key]) as string[]).includes(target)).length;
  for (const t of inbox.shared_team_ids) {
    if (count('shared_team_ids', t) >= MAX_SHARED_INBOXES_PER_AUDIENCE) {
      throw new ApiError(
        'limit_reached',
        `a team may be shown at most ${MAX_SHARED_INBOXES_PER_AUDIENCE} shared custom inboxes: share this one with fewer teams, or unshare another`,
      );
    }
  }
  for (const u of inbox.shared_user_ids) {
    if (count('shared_user_ids', u) >= MAX_SHARED_INBOXES_PER_AUDIENCE) {
      throw new ApiError(
        'limit_reached',
        `a user may be shown at most ${MAX_SHARED_INBOXES_PER_AUDIENCE} custom inboxes shared with them: share this one with fewer people, or unshare another`,
      );
    }
  }
}

async function audience(sql: SqlRunner, inbox: CustomInbox): Promise<Set<string>> {
  const ids = new Set<string>([inbox.owner_id]);
  if (inbox.sharing === 'shared') {
    for (const u of inbox.shared_user_ids) ids.add(u);
    for (const t of inbox.shared_team_ids) {
      for (const r of await sql.all<{ id: string }>('SELECT id FROM users WHERE team_id = ?', [t])) ids.add(r.id);
    }
  }
  return ids;
}

async function publish(tx: Tx, inbox: CustomInbox | null, id: string, before: Set<string>): Promise<void> {
  const now = inbox ? await audience(tx.sql, inbox) : new Set<string>();
  for (const u of before) if (!now.has(u)) tx.emit('custom_inbox', 'delete', id, null, null, u);
  for (const u of now) tx.emit('custom_inbox', 'upsert', id, null, inbox, u);
}

export async function listCustomInboxes(sql: SqlRunner, viewer: ViewerCtx): Promise<CustomInbox[]> {
  const rows = await sql.all<Record<string, unknown>>('SELECT * FROM custom_inboxes ORDER BY name, id');
  return rows.map(toCustomInbox).filter((i) => customInboxShared(i, viewer.user));
}

async function ownInbox(tx: Tx, viewer: ViewerCtx, id: string): Promise<CustomInbox> {
  const row = await tx.sql.get<Record<string, unknown>>('SELECT * FROM custom_inboxes WHERE id = ?', [id]);
  const inbox = row ? toCustomInbox(row) : null;
  if (!inbox || !customInboxShared(inbox, viewer.user)) throw new ApiError('not_found', 'custom inbox not found');
  if (inbox.owner_id !== viewer.user.id) throw new ApiError('forbidden', 'only its owner edits a custom inbox');
  return inbox;
}

export async function createCustomInbox(tx: Tx, viewer: ViewerCtx, body: BodyOf<'createCustomInbox'>): Promise<CustomInbox> {
  await checkBounds(tx, viewer.user.id, body, null);
  const id = newId('ci');
  await tx.run(
    `INSERT INTO custom_inboxes (id, owner_id, name, filter, sharing, shared_user_ids, shared_team_ids, created_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    [
      id,
      viewer.user.id,
      body.name,
      JSON.stringify(body.filter),
      body.sharing,
      JSON.stringify(body.shared_user_ids),
      JSON.stringify(body.shared_team_ids),
      tx.now,
    ],
  );
  const inbox = toCustomInbox((await tx.sql.get('SELECT * FROM custom_inboxes WHERE id = ?', [id]))!);
  await publish(tx, inbox, id, new Set());
  return inbox;
}

export async function updateCustomInbox(tx: Tx, viewer: ViewerCtx, id: string, body: BodyOf<'updateCustomInbox'>): Promise<CustomInbox> {
  const inbox = await ownInbox(tx, viewer, id);
  const before = await audience(tx.sql, inbox);
  const next: CustomInbox = {
    ...inbox,
    ...(body.name !== undefined && { name: body.name }),
    ...(body.filter !== undefined && { filter: body.filter }),
    ...(body.sharing !== undefined && { sharing: body.sharing }),
    ...(body.shared_user_ids !== undefined && { shared_user_ids: body.shared_user_ids }),
    ...(body.shared_team_ids !== undefined && { shared_team_ids: body.shared_team_ids }),
  };
  await checkBounds(tx, viewer.user.id, next, id);
  await tx.run('UPDATE custom_inboxes SET name = ?, filter = ?, sharing = ?, shared_user_ids = ?, shared_team_ids = ? WHERE id = ?', [
    next.name,
    JSON.stringify(next.filter),
    next.sharing,
    JSON.stringify(next.shared_user_ids),
    JSON.stringify(next.shared_team_ids),
    id,
  ]);
  await publish(tx, next, id, before);
  return next;
}

export async function deleteCustomInbox(tx: Tx, viewer: ViewerCtx, id: string): Promise<void> {
  const inbox = await ownInbox(tx, viewer, id);
  const before = await audience(tx.sql, inbox);
  await tx.run('DELETE FROM custom_inboxes WHERE id = ?', [id]);
  await publish(tx, null, id, before);
}
