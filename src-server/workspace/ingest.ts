// The custom channel: a contact's inbound message, signed with the channel's secret.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { ApiError } from '../../src-shared/api/errors';
import type { BodyOf } from '../../src-shared/api/routes';
import type { SqlRunner } from '../db/engine';
import { receiveMessage } from './conversations';
import { newId, type Tx } from './store';

export function signBody(secret: string, rawBody: string | Buffer): string {
  return `sha256=${createHmac('sha256', secret).update(rawBody).digest('hex')}`;
}

/**
 * Channel secrets by database and channel id. A channel's secret never changes and channels are
 * never deleted (no route does either), so a secret read once stays right: an inbound message then
 * costs no read before its transaction. Unknown ids are not remembered (another instance may create
 * the channel a moment later).
 */
const secrets = new WeakMap<SqlRunner, Map<string, string>>();

async function channelSecret(sql: SqlRunner, channelId: string): Promise<string | undefined> {
  let known = secrets.get(sql);
  if (!known) secrets.set(sql, (known = new Map()));
  const hit = known.get(channelId);
  if (hit !== undefined) return hit;
  const ch = await sql.get<{ secret: string }>('SELECT secret FROM channels WHERE id = ?', [channelId]);
  if (ch) known.set(channelId, ch.secret);
  return ch?.secret;
}

/** Checks X-Signature against the channel's secret; 404 for an unknown channel, 401 for a bad signature. */
export async function verifyInbound(sql: SqlRunner, channelId: string, rawBody: string, signature: string | undefined): Promise<void> {
  const secret = await channelSecret(sql, channelId);
  if (secret === undefined) throw new ApiError('not_found', 'channel not found');
  if (!signature || !/^sha256=[0-9a-f]{64}$/.test(signature)) {
    throw new ApiError('unauthorized', 'X-Signature must be sha256=<hex HMAC-SHA256 of the raw body with the channel secret>');
  }
  const expected = Buffer.from(signBody(secret, rawBody));
  const actual = Buffer.from(signature);
  if (expected.length !== actual.length || !timingSafeEqual(expected, actual)) throw new ApiError('unauthorized', 'signature does not match');
}

export async function ingest(tx: Tx, channelId: string, body: BodyOf<'inbound'>) {
  const { sender, message } = body;
  // One read: the sender's contact, whether this message was delivered before (the channel's
  // message id makes a redelivery a no-op), and the preferences of the contact's assignee.
  const found = await tx.sql.get<Record<string, unknown> & { seen_id: string | null; seen_conversation_id: string | null; assignee_prefs: string | null }>(
    `SELECT c.*, m.id AS seen_id, m.conversation_id AS seen_conversation_id, a.notify_prefs AS assignee_prefs FROM contacts c
     LEFT JOIN messages m ON m.contact_id = c.id AND m.channel_message_id = ?
     LEFT JOIN users a ON a.id = c.assignee_id AND a.deactivated = 0
     WHERE c.channel_id = ? AND c.external_id = ?`,
    [message.id, channelId, sender.id],
  );
  let contact: Record<string, unknown>;
  let assigneePrefs: string | null = null;
  if (found) {
    const { seen_id: seenId, seen_conversation_id: seenConversationId, assignee_prefs: prefs, ...row } = found;
    if (seenId) return { contact_id: String(row.id), conversation_id: String(seenConversationId), message_id: seenId };
    contact = row;
    assigneePrefs = prefs;
  } else {
    contact = (await tx.sql.get<Record<string, unknown>>(
      `INSERT INTO contacts (id, name, phone, email, channel_id, external_id, status, last_activity_at, created_at)
       VALUES (?, ?, ?, ?, ?, ?, 'closed', ?, ?) RETURNING *`,
      [newId('c'), sender.name?.trim() || sender.phone || `Contact ${sender.id}`, sender.phone ?? null, sender.email ?? null, channelId, sender.id, tx.now, tx.now],
    ))!;
  }
  const r = await receiveMessage(tx, contact, message.text, message.id, assigneePrefs);
  return { contact_id: String(contact.id), conversation_id: r.conversationId, message_id: r.messageId };
}
