// Notification Center items. Created in the same transaction as their cause.
import { ApiError } from '../../src-shared/api/errors';
import type { NotificationKind } from '../../src-shared/model';
import type { SqlRunner } from '../db/engine';
import { toNotification } from './rows';
import { newId } from './ids';
import { scopeCondition, type ViewerCtx } from './viewer';
import type { Tx } from './tx';
import { decodeCursor, encodeCursor } from './paging';
import { excerptOf } from '../../src-shared/excerpt';

export { excerptOf };

export interface NewNotification {
  userId: string;
  kind: NotificationKind;
  /** null: about no contact (webhook_paused). */
  contactId: string | null;
  conversationId: string | null;
  commentId?: string | null;
  messageId?: string | null;
  actorId: string | null;
  excerpt: string;
}

/** A Notification Center item (mentions, assignments). New-message items are written by ingest, which collapses them. */
export async function createNotification(tx: Tx, n: NewNotification): Promise<void> {
  await tx.writeRow(
    'notification',
    `INSERT INTO notifications (id, user_id, kind, contact_id, conversation_id, comment_id, message_id, actor_id, excerpt, count, created_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?) RETURNING *`,
    [newId('n'), n.userId, n.kind, n.contactId, n.conversationId, n.commentId ?? null, n.messageId ?? null, n.actorId, n.excerpt, tx.now],
  );
}

/** The viewer's items they may see: about a contact they see, or about no contact (a paused webhook). */
const VISIBLE_ITEM = (cond: { sql: string }): string => `(n.contact_id IS NULL OR (c.id IS NOT NULL AND ${cond.sql}))`;

const TAB_CONDITION = {
  new: 'n.archived_at IS NULL',
  archived: 'n.archived_at IS NOT NULL',
  all: '1 = 1',
} as const;

export async function listNotifications(sql: SqlRunner, viewer: ViewerCtx, tab: keyof typeof TAB_CONDITION, cursor: string | undefined, limit: number) {
  const cond = scopeCondition(viewer.scope, 'c.assignee_id');
  const after = decodeCursor(cursor);
  const rows = await sql.all<Record<string, unknown>>(
    `SELECT n.* FROM notifications n LEFT JOIN contacts c ON c.id = n.contact_id
     WHERE n.user_id = ? AND ${TAB_CONDITION[tab]} AND ${VISIBLE_ITEM(cond)}
       ${after ? 'AND (n.created_at < ? OR (n.created_at = ? AND n.id < ?))' : ''}
     ORDER BY n.created_at DESC, n.id DESC LIMIT ?`,
    [viewer.user.id, ...cond.params, ...(after ? [after.at, after.at, after.id] : []), limit + 1],
  );
  const page = rows.slice(0, limit).map(toNotification);
  const unread = await sql.get<{ n: number }>(
    `SELECT COUNT(*) AS n FROM notifications n LEFT JOIN contacts c ON c.id = n.contact_id
     WHERE n.user_id = ? AND n.read_at IS NULL AND n.archived_at IS NULL AND ${VISIBLE_ITEM(cond)}`,
    [viewer.user.id, ...cond.params],
  );
  const last = page[page.length - 1];
  return {
    items: page,
    next_cursor: rows.length > limit && last ? encodeCursor(last.created_at, last.id) : null,
    unread: Number(unread?.n ?? 0),
  };
}

/** The viewer's own notification, if its contact is visible to them; 404 otherwise. */
export async function ownVisibleNotification(tx: Tx, viewer: ViewerCtx, id: string) {
  const cond = scopeCondition(viewer.scope, 'c.assignee_id');
  const row = await tx.sql.get<Record<string, unknown>>(
    `SELECT n.* FROM notifications n LEFT JOIN contacts c ON c.id = n.contact_id WHERE n.id = ? AND n.user_id = ? AND ${VISIBLE_ITEM(cond)}`,
    [id, viewer.user.id, ...cond.params],
  );
  if (!row) throw new ApiError('not_found', 'notification not found');
  return row;
}

export async function markRead(tx: Tx, viewer: ViewerCtx, id: string) {
  await ownVisibleNotification(tx, viewer, id);
  await tx.run('UPDATE notifications SET read_at = COALESCE(read_at, ?) WHERE id = ?', [tx.now, id]);
  return toNotification((await tx.emitRow('notification', id)) as never);
}

export async function archive(tx: Tx, viewer: ViewerCtx, id: string) {
  await ownVisibleNotification(tx, viewer, id);
  await tx.run('UPDATE notifications SET read_at = COALESCE(read_at, ?), archived_at = COALESCE(archived_at, ?) WHERE id = ?', [tx.now, tx.now, id]);
  return toNotification((await tx.emitRow('notification', id)) as never);
}

export async function archiveAll(tx: Tx, viewer: ViewerCtx): Promise<number> {
  const cond = scopeCondition(viewer.scope, 'c.assignee_id');
  const rows = await tx.sql.all<{ id: string }>(
    `SELECT n.id FROM notifications n LEFT JOIN contacts c ON c.id = n.contact_id
     WHERE n.user_id = ? AND n.archived_at IS NULL AND ${VISIBLE_ITEM(cond)}`,
    [viewer.user.id, ...cond.params],
  );
  for (const r of rows) {
    await tx.run('UPDATE notifications SET read_at = COALESCE(read_at, ?), archived_at = ? WHERE id = ?', [tx.now, tx.now, r.id]);
    await tx.emitRow('notification', r.id);
  }
  return rows.length;
}
