// A feed row as the records one viewer is sent, as JSON text: the stored data is already JSON, so
// it is not parsed again; a grant becomes the contact's history; Agents get other users' records
// without their restrictions. /sync pages, the stream's catch-up and its live frames all use this.
import type { ChangeRecord } from '../../src-shared/sync/changes';
import { showsRestrictions } from '../../src-shared/access/visibility';
import type { Role } from '../../src-shared/model';
import type { ChangeRow, SqlRunner } from '../db/engine';
import { toComment, toContact, toConversation, toEvent, toMessage, toNotification } from '../workspace/rows';

/** A record of the `changes` table as read back, with its seq. */
export interface FeedRow extends ChangeRow {
  seq: number;
  entity: ChangeRecord['entity'];
}

export type Reader = { id: string; role: Role };

/** Whether this viewer is shown a user record without its restrictions (Agents see other users' names, teams and status, not what they may see). */
export function redactsUser(row: Pick<FeedRow, 'entity' | 'entity_id'>, viewer: Reader): boolean {
  return row.entity === 'user' && !showsRestrictions(viewer, row.entity_id);
}

function redactedData(data: string | null): string | null {
  return data === null ? null : JSON.stringify({ ...(JSON.parse(data) as object), restrictions: null, access_change: null });
}

/** A record as JSON straight from its row. */
export function recordJson(row: FeedRow, redact = false): string {
  const data = redact ? redactedData(row.data) : row.data;
  return `{"seq":${Number(row.seq)},"entity":"${row.entity}","op":"${row.op}","id":${JSON.stringify(row.entity_id)},"contact_id":${row.contact_id === null ? 'null' : JSON.stringify(row.contact_id)},"data":${data ?? 'null'},"at":${Number(row.at)}}`;
}

/** A grant becomes upserts of the contact and all of its history the user may see, at the grant's seq (none when the contact is gone). */
export async function grantJson(sql: SqlRunner, row: FeedRow, userId: string): Promise<string[]> {
  const contactId = row.entity_id;
  const c = await sql.get<Record<string, unknown>>('SELECT * FROM contacts WHERE id = ?', [contactId]);
  if (!c) return [];
  const rec = (entity: ChangeRecord['entity'], id: string, data: unknown): string =>
    JSON.stringify({ seq: Number(row.seq), entity, op: 'upsert', id, contact_id: contactId, data, at: Number(row.at) } satisfies ChangeRecord);
  const out: string[] = [rec('contact', contactId, toContact(c))];
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
  for (const r of await sql.all('SELECT * FROM notifications WHERE contact_id = ? AND user_id = ? ORDER BY created_at, id', [contactId, userId])) {
    out.push(rec('notification', String(r.id), toNotification(r)));
  }
  return out;
}

/** The records of visible feed rows for this viewer, as JSON texts, grants expanded. */
export async function recordsJson(sql: SqlRunner, rows: readonly FeedRow[], viewer: Reader): Promise<string[]> {
  const out: string[] = [];
  for (const row of rows) {
    if (row.op === 'grant') out.push(...(await grantJson(sql, row, viewer.id)));
    else out.push(recordJson(row, redactsUser(row, viewer)));
  }
  return out;
}
