// /v2 messages, assignee, conversation status and comments: the workspace's own commands, run as the
// token's actor, so threads, notifications and reports show "API · <token name>".
import { ApiError } from '../../src-shared/api/errors';
import { formatMention } from '../../src-shared/mentions';
import * as conv from '../workspace/conversations';
import { newId } from '../workspace/ids';
import type { Store } from '../workspace/store';
import type { V2Handlers } from './context';
import { requireContact } from './identifiers';
import { idOfNumber, numberOf, numbersFor, requireId } from './numbers';
import { pageOf } from './paging';
import { messageShapes, seconds } from './shapes';

/** Commands carry a client id (the idempotency key); a /v2 request is its own, once. */
const apiClientId = () => newId('api');

/** A user by number, by email, or a number sent as text; active people only. */
async function assigneeId(store: Store, assignee: number | string): Promise<string> {
  const asNumber = typeof assignee === 'number' ? assignee : /^[0-9]{1,15}$/.test(assignee) ? Number(assignee) : null;
  const id =
    asNumber !== null
      ? await idOfNumber(store, 'user', asNumber)
      : ((await store.db.get<{ id: string }>('SELECT id FROM users WHERE lower(email) = lower(?) AND api_token_id IS NULL', [assignee]))?.id ?? null);
  const user = id ? await store.db.get<{ id: string }>('SELECT id FROM users WHERE id = ? AND deactivated = 0 AND api_token_id IS NULL', [id]) : undefined;
  if (!user) throw new ApiError('not_found', `assignee: no active user ${assignee}`);
  return user.id;
}

/** {{@user.<number>}} mentions (as /v2 numbers users) to the workspace's own ids. */
async function mentionsByNumber(store: Store, text: string): Promise<string> {
  const nums = [...new Set([...text.matchAll(/\{\{@user\.([0-9]{1,15})\}\}/g)].map((m) => Number(m[1])))];
  let out = text;
  for (const n of nums) {
    const id = await requireId(store, 'user', n, 'text: mentions user');
    out = out.replaceAll(`{{@user.${n}}}`, formatMention(id));
  }
  return out;
}

export const conversationHandlers: V2Handlers<'v2SendMessage' | 'v2ListMessages' | 'v2GetMessage' | 'v2Assign' | 'v2ConversationStatus' | 'v2AddComment'> = {
  v2SendMessage: async (c) => {
    const contact = await requireContact(c.store, c.store.db, c.params.identifier);
    const channelId = (contact.channel_id as string | null) ?? null;
    if (c.body.channelId != null) {
      const wanted = await idOfNumber(c.store, 'channel', c.body.channelId);
      if (wanted === null || wanted !== channelId) throw new ApiError('not_found', `channelId: the contact has no channel ${c.body.channelId}`);
    }
    const message = await c.store.write((tx) => conv.sendMessage(tx, c.viewer, String(contact.id), c.body.message.text, apiClientId()));
    const nums = await numbersFor(c.store, 'message', [message.id]);
    return { contactId: await numberOf(c.store, 'contact', String(contact.id)), messageId: nums.get(message.id)! };
  },
  v2ListMessages: async (c) => {
    const contact = await requireContact(c.store, c.store.db, c.params.identifier);
    const contactId = String(contact.id);
    let after: { at: number; id: string } | null = null;
    if (c.query.cursorId !== undefined) {
      const id = await requireId(c.store, 'message', c.query.cursorId, 'cursorId: message');
      const m = await c.store.db.get<{ created_at: number }>('SELECT created_at FROM messages WHERE id = ? AND contact_id = ?', [id, contactId]);
      if (!m) throw new ApiError('not_found', `cursorId: message ${c.query.cursorId} not found`);
      after = { at: Number(m.created_at), id };
    }
    const rows = await c.store.db.all(
      `SELECT * FROM messages WHERE contact_id = ? ${after ? 'AND (created_at < ? OR (created_at = ? AND id < ?))' : ''} ORDER BY created_at DESC, id DESC LIMIT ?`,
      [contactId, ...(after ? [after.at, after.at, after.id] : []), c.query.limit + 1],
    );
    let before: number | null | undefined;
    if (after) {
      const prior = await c.store.db.all<{ id: string }>(
        'SELECT id FROM messages WHERE contact_id = ? AND (created_at > ? OR (created_at = ? AND id >= ?)) ORDER BY created_at, id LIMIT ?',
        [contactId, after.at, after.at, after.id, c.query.limit + 1],
      );
      before = prior.length <= c.query.limit ? null : await numberOf(c.store, 'message', prior[c.query.limit].id);
    }
    const contactNum = await numberOf(c.store, 'contact', contactId);
    const items = await messageShapes(c.store, contactNum, (contact.channel_id as string | null) ?? null, rows.slice(0, c.query.limit));
    return pageOf(c.req, c.query, items, rows.length > c.query.limit, (m) => m.messageId, before);
  },
  v2GetMessage: async (c) => {
    const contact = await requireContact(c.store, c.store.db, c.params.identifier);
    const id = await requireId(c.store, 'message', c.params.messageId, 'message');
    const row = await c.store.db.get('SELECT * FROM messages WHERE id = ? AND contact_id = ?', [id, String(contact.id)]);
    if (!row) throw new ApiError('not_found', `message ${c.params.messageId} not found for this contact`);
    const contactNum = await numberOf(c.store, 'contact', String(contact.id));
    return (await messageShapes(c.store, contactNum, (contact.channel_id as string | null) ?? null, [row]))[0];
  },
  v2Assign: async (c) => {
    const contact = await requireContact(c.store, c.store.db, c.params.identifier);
    const to = c.body.assignee === null ? null : await assigneeId(c.store, c.body.assignee);
    await c.store.write((tx) => conv.assign(tx, c.viewer, String(contact.id), to));
    return { contactId: await numberOf(c.store, 'contact', String(contact.id)) };
  },
  v2ConversationStatus: async (c) => {
    const contact = await requireContact(c.store, c.store.db, c.params.identifier);
    const contactId = String(contact.id);
    if (c.body.status === 'open') {
      await c.store.write((tx) => conv.reopen(tx, c.viewer, contactId));
    } else {
      const category = c.body.category?.trim();
      const found = category
        ? await c.store.db.get<{ id: string }>('SELECT id FROM closing_categories WHERE lower(name) = lower(?) AND archived = 0', [category])
        : undefined;
      if (category && !found) throw new ApiError('invalid_request', `category: no closing category called ${JSON.stringify(category)}`);
      await c.store.write((tx) =>
        conv.close(tx, c.viewer, contactId, { client_id: apiClientId(), closing_category_id: found?.id ?? null, summary: c.body.summary ?? null }),
      );
    }
    return { contactId: await numberOf(c.store, 'contact', contactId) };
  },
  v2AddComment: async (c) => {
    const contact = await requireContact(c.store, c.store.db, c.params.identifier);
    const text = await mentionsByNumber(c.store, c.body.text);
    const comment = await c.store.write((tx) => conv.addComment(tx, c.viewer, String(contact.id), text, apiClientId()));
    return { contactId: await numberOf(c.store, 'contact', String(contact.id)), text: c.body.text, created_at: seconds(comment.created_at) };
  },
};
