// Contacts and their conversations: inboxes, search, the thread, and the commands on it
// (send, comment, assign, close, reopen).
import { ApiError } from '../../src-shared/api/errors';
import { canUseInbox, inboxesFor, scopeAllows, type InboxKey } from '../../src-shared/access/visibility';
import type { BodyOf, InboxSummary, QueryOf, ThreadItem } from '../../src-shared/api/routes';
import { mentionsToNames, parseMentions } from '../../src-shared/mentions';
import { commentIdFor, messageIdFor, type Comment, type Contact, type Conversation, type Message, type InboxFilter } from '../../src-shared/model';
import type { Database, Param, SqlRunner } from '../db/engine';
import { createNotification, excerptOf } from './notifications';
import { decodeCursor, encodeCursor } from './paging';
import { toComment, toContact, toConversation, toCustomInbox, toEvent, toMessage, type UserRow } from './rows';
import { getSettings } from './settings';
import { newId } from './ids';
import { atLifecycle, taggedWith, withFieldValue } from './profile-conditions';
import { scopeCondition, scopeOf, teamMemberIds, visibleContact, type ViewerCtx } from './viewer';
import type { Tx } from './tx';
import { reconcileContactAssignee } from './visibility-changes';

export type Where = { sql: string; params: Param[] };

function escapeLike(s: string): string {
  return s.replace(/[\\%_]/g, (c) => `\\${c}`);
}

/**
 * A contact whose name, phone, email or one of whose messages holds `q`. `texts`: where each
 * contact's messages are read from, row by row (the messages table), or as one text per contact
 * (`t.texts`, see MESSAGE_TEXTS), which the inbox counts read once for all their filters.
 */
export function searchCondition(q: string, texts: 'messages' | 'joined' = 'messages'): Where {
  const like = `%${escapeLike(q.toLowerCase())}%`;
  // Joined, a match could span two messages only through their separator: a text holding it is searched row by row.
  const message =
    texts === 'joined' && !q.includes(TEXT_SEPARATOR)
      ? "t.texts LIKE ? ESCAPE '\\'"
      : "EXISTS (SELECT 1 FROM messages m WHERE m.contact_id = c.id AND LOWER(m.text) LIKE ? ESCAPE '\\')";
  return {
    sql: `(LOWER(c.name) LIKE ? ESCAPE '\\' OR LOWER(COALESCE(c.phone, '')) LIKE ? ESCAPE '\\' OR LOWER(COALESCE(c.email, '')) LIKE ? ESCAPE '\\'
      OR ${message})`,
    params: [like, like, like, like],
  };
}

/** Between two messages in `t.texts`: a character no filter holds in practice (see searchCondition). */
const TEXT_SEPARATOR = '\u001f';

/**
 * Each listed contact's messages as one lower-case text (`t.texts`), for `where` (on contacts c):
 * with many text filters, lowering and scanning every message once per filter was most of an inbox
 * list's time.
 */
function messageTexts(dialect: Database['dialect'], where: Where): Where {
  const joined = dialect === 'postgres' ? 'string_agg(LOWER(m.text), ?)' : 'group_concat(LOWER(m.text), ?)';
  return {
    sql: `LEFT JOIN (SELECT m.contact_id, ${joined} AS texts FROM messages m
      WHERE m.contact_id IN (SELECT c.id FROM contacts c WHERE ${where.sql}) GROUP BY m.contact_id) t ON t.contact_id = c.id`,
    params: [TEXT_SEPARATOR, ...where.params],
  };
}

async function teamIds(sql: SqlRunner): Promise<string[]> {
  return (await sql.all<{ id: string }>('SELECT id FROM teams ORDER BY name, id')).map((r) => r.id);
}

async function customInboxFor(sql: SqlRunner, viewer: ViewerCtx, id: string) {
  const row = await sql.get<Record<string, unknown>>('SELECT * FROM custom_inboxes WHERE id = ?', [id]);
  const inbox = row ? toCustomInbox(row) : null;
  if (!inbox || !customInboxShared(inbox, viewer.user)) throw new ApiError('not_found', 'custom inbox not found');
  return inbox;
}

export function customInboxShared(
  inbox: { owner_id: string; sharing: string; shared_user_ids: string[]; shared_team_ids: string[] },
  user: Pick<UserRow, 'id' | 'team_id'>,
): boolean {
  if (inbox.owner_id === user.id) return true;
  if (inbox.sharing !== 'shared') return false;
  return inbox.shared_user_ids.includes(user.id) || (user.team_id !== null && inbox.shared_team_ids.includes(user.team_id));
}

async function filterConditions(sql: SqlRunner, viewer: ViewerCtx, f: InboxFilter, texts: 'messages' | 'joined' = 'messages'): Promise<Where[]> {
  const out: Where[] = [];
  if (f.status) out.push({ sql: 'c.status = ?', params: [f.status] });
  if (f.assignee === 'me') out.push({ sql: 'c.assignee_id = ?', params: [viewer.user.id] });
  else if (f.assignee === 'unassigned') out.push({ sql: 'c.assignee_id IS NULL', params: [] });
  else if (f.assignee) out.push({ sql: 'c.assignee_id = ?', params: [f.assignee] });
  if (f.team_id) out.push(await teamCondition(sql, f.team_id));
  if (f.channel_id) out.push({ sql: 'c.channel_id = ?', params: [f.channel_id] });
  if (f.tag) out.push(taggedWith([f.tag]));
  if (f.lifecycle) out.push(atLifecycle([f.lifecycle]));
  if (f.custom_field) out.push(withFieldValue(f.custom_field.name, f.custom_field.value));
  if (f.text) out.push(searchCondition(f.text, texts));
  return out;
}

async function teamCondition(sql: SqlRunner, teamId: string): Promise<Where> {
  const members = await teamMemberIds(sql, teamId);
  return members.length ? { sql: `c.assignee_id IN (${members.map(() => '?').join(', ')})`, params: members } : { sql: '1 = 0', params: [] };
}

/** The conditions of an inbox for this viewer, the visibility rule always among them. */
async function inboxConditions(sql: SqlRunner, viewer: ViewerCtx, inbox: InboxKey): Promise<Where[]> {
  const conds: Where[] = [scopeCondition(viewer.scope, 'c.assignee_id')];
  if (!canUseInbox({ ...viewer.user, restrictions: { contact_visibility: viewer.user.contact_visibility } }, inbox, await teamIds(sql))) {
    throw new ApiError('forbidden', `inbox ${inbox} is not available to this user`);
  }
  if (inbox === 'mine') conds.push({ sql: 'c.assignee_id = ?', params: [viewer.user.id] });
  else if (inbox === 'unassigned') conds.push({ sql: 'c.assignee_id IS NULL', params: [] });
  else if (inbox.startsWith('team:')) conds.push(await teamCondition(sql, inbox.slice(5)));
  else if (inbox.startsWith('custom:')) {
    const custom = await customInboxFor(sql, viewer, inbox.slice(7));
    conds.push(...(await filterConditions(sql, viewer, custom.filter)));
  }
  return conds;
}

async function pageContacts(sql: SqlRunner, conds: Where[], cursor: string | undefined, limit: number) {
  const after = decodeCursor(cursor);
  if (after) conds.push({ sql: '(c.last_activity_at < ? OR (c.last_activity_at = ? AND c.id < ?))', params: [after.at, after.at, after.id] });
  const rows = await sql.all<Record<string, unknown>>(
    `SELECT c.* FROM contacts c WHERE ${conds.map((c) => c.sql).join(' AND ')}
     ORDER BY c.last_activity_at DESC, c.id DESC LIMIT ?`,
    [...conds.flatMap((c) => c.params), limit + 1],
  );
  const items = rows.slice(0, limit).map(toContact);
  const last = items[items.length - 1];
  return { items, next_cursor: rows.length > limit && last ? encodeCursor(last.last_activity_at, last.id) : null };
}

export async function listConversations(sql: SqlRunner, viewer: ViewerCtx, q: QueryOf<'listConversations'>) {
  const conds = await inboxConditions(sql, viewer, q.inbox as InboxKey);
  if (q.status) conds.push({ sql: 'c.status = ?', params: [q.status] });
  if (q.q) conds.push(searchCondition(q.q));
  return pageContacts(sql, conds, q.cursor, q.limit);
}

export async function listContacts(sql: SqlRunner, viewer: ViewerCtx, q: QueryOf<'listContacts'>) {
  const conds: Where[] = [scopeCondition(viewer.scope, 'c.assignee_id')];
  if (q.q) conds.push(searchCondition(q.q));
  return pageContacts(sql, conds, q.cursor, q.limit);
}

export async function inboxSummaries(sql: SqlRunner, viewer: ViewerCtx, dialect: Database['dialect']): Promise<InboxSummary[]> {
  const teams = await sql.all<{ id: string; name: string }>('SELECT id, name FROM teams ORDER BY name, id');
  const keys = inboxesFor(
    { ...viewer.user, restrictions: { contact_visibility: viewer.user.contact_visibility } },
    teams.map((t) => t.id),
  );
  const customs = (await sql.all<Record<string, unknown>>('SELECT * FROM custom_inboxes ORDER BY name, id'))
    .map(toCustomInbox)
    .filter((i) => customInboxShared(i, viewer.user));
  // Every inbox counted in one statement (one pass over the viewer's open contacts), not one per inbox:
  // a user shown many custom inboxes lists them as fast as a few.
  const scope = scopeCondition(viewer.scope, 'c.assignee_id');
  const inboxConds: Where[][] = [];
  for (const key of keys) inboxConds.push((await inboxConditions(sql, viewer, key)).slice(1));
  for (const c of customs) inboxConds.push(await filterConditions(sql, viewer, c.filter, 'joined'));
  const columns = inboxConds.map((conds, i) =>
    conds.length ? `SUM(CASE WHEN ${conds.map((w) => `(${w.sql})`).join(' AND ')} THEN 1 ELSE 0 END) AS n${i}` : `COUNT(*) AS n${i}`,
  );
  const listed: Where = { sql: `${scope.sql} AND c.status = 'open'`, params: scope.params };
  const texts = customs.some((c) => c.filter.text) ? messageTexts(dialect, listed) : { sql: '', params: [] };
  const counts = await sql.get<Record<string, number | null>>(`SELECT ${columns.join(', ')} FROM contacts c ${texts.sql} WHERE ${listed.sql}`, [
    ...inboxConds.flatMap((conds) => conds.flatMap((w) => w.params)),
    ...texts.params,
    ...listed.params,
  ]);
  const countOf = (i: number) => Number(counts?.[`n${i}`] ?? 0);
  const out: InboxSummary[] = [];
  const names: Record<string, string> = { all: 'All', mine: 'Mine', unassigned: 'Unassigned' };
  keys.forEach((key, i) => {
    const team = key.startsWith('team:') ? teams.find((t) => t.id === key.slice(5)) : undefined;
    out.push({ key, name: team ? team.name : names[key], kind: team ? 'team' : (key as 'all' | 'mine' | 'unassigned'), open_count: countOf(i) });
  });
  customs.forEach((c, j) => out.push({ key: `custom:${c.id}`, name: c.name, kind: 'custom', open_count: countOf(keys.length + j) }));
  return out;
}

export async function contactDetail(sql: SqlRunner, viewer: ViewerCtx, id: string) {
  const contact = toContact(await visibleContact(sql, viewer, id));
  const conversations = (await sql.all('SELECT * FROM conversations WHERE contact_id = ? ORDER BY opened_at DESC, id DESC', [id])).map(toConversation);
  return { contact, conversations };
}

export async function updateContact(tx: Tx, viewer: ViewerCtx, id: string, body: BodyOf<'updateContact'>): Promise<Contact> {
  await visibleContact(tx.sql, viewer, id);
  const sets: string[] = [];
  const params: Param[] = [];
  for (const k of ['name', 'phone', 'email'] as const) {
    if (body[k] !== undefined) (sets.push(`${k} = ?`), params.push(body[k] ?? null));
  }
  if (sets.length) await tx.run(`UPDATE contacts SET ${sets.join(', ')} WHERE id = ?`, [...params, id]);
  return (await tx.emitRow('contact', id)) as Contact;
}

type Table = 'messages' | 'comments' | 'events';
async function pageOf(sql: SqlRunner, table: Table, contactId: string, cursor: string | undefined, limit: number) {
  const after = decodeCursor(cursor);
  return sql.all<Record<string, unknown>>(
    `SELECT * FROM ${table} WHERE contact_id = ? ${after ? 'AND (created_at < ? OR (created_at = ? AND id < ?))' : ''}
     ORDER BY created_at DESC, id DESC LIMIT ?`,
    [contactId, ...(after ? [after.at, after.at, after.id] : []), limit + 1],
  );
}

function paged<T>(rows: Record<string, unknown>[], limit: number, map: (r: Record<string, unknown>) => T, key: (t: T) => [number, string]) {
  const items = rows.slice(0, limit).map(map);
  const last = items[items.length - 1];
  return { items, next_cursor: rows.length > limit && last ? encodeCursor(...key(last)) : null };
}

export async function listMessages(sql: SqlRunner, viewer: ViewerCtx, contactId: string, cursor: string | undefined, limit: number) {
  await visibleContact(sql, viewer, contactId);
  return paged(await pageOf(sql, 'messages', contactId, cursor, limit), limit, toMessage, (m) => [m.created_at, m.id]);
}

export async function listComments(sql: SqlRunner, viewer: ViewerCtx, contactId: string, cursor: string | undefined, limit: number) {
  await visibleContact(sql, viewer, contactId);
  return paged(await pageOf(sql, 'comments', contactId, cursor, limit), limit, toComment, (c) => [c.created_at, c.id]);
}

/** Messages, comments and events merged newest first; a page's cursor continues all three. */
export async function thread(sql: SqlRunner, viewer: ViewerCtx, contactId: string, cursor: string | undefined, limit: number) {
  await visibleContact(sql, viewer, contactId);
  const [m, c, e] = await Promise.all([
    pageOf(sql, 'messages', contactId, cursor, limit),
    pageOf(sql, 'comments', contactId, cursor, limit),
    pageOf(sql, 'events', contactId, cursor, limit),
  ]);
  const all: ThreadItem[] = [
    ...m.map((r) => ({ type: 'message' as const, at: Number(r.created_at), message: toMessage(r) })),
    ...c.map((r) => ({ type: 'comment' as const, at: Number(r.created_at), comment: toComment(r) })),
    ...e.map((r) => ({ type: 'event' as const, at: Number(r.created_at), event: toEvent(r) })),
  ];
  const idOf = (t: ThreadItem) => (t.type === 'message' ? t.message.id : t.type === 'comment' ? t.comment.id : t.event.id);
  all.sort((a, b) => b.at - a.at || (idOf(b) < idOf(a) ? -1 : idOf(b) > idOf(a) ? 1 : 0));
  const items = all.slice(0, limit);
  const last = items[items.length - 1];
  return { items, next_cursor: all.length > limit && last ? encodeCursor(last.at, idOf(last)) : null };
}

async function addEvent(
  tx: Tx,
  contactId: string,
  conversationId: string | null,
  kind: 'assigned' | 'unassigned' | 'opened' | 'closed',
  actorId: string | null,
  extra: { assignee_id?: string | null; closing_category_id?: string | null; closing_summary?: string | null } = {},
): Promise<void> {
  await tx.writeRow(
    'event',
    `INSERT INTO events (id, contact_id, conversation_id, kind, actor_id, assignee_id, closing_category_id, closing_summary, created_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING *`,
    [newId('e'), contactId, conversationId, kind, actorId, extra.assignee_id ?? null, extra.closing_category_id ?? null, extra.closing_summary ?? null, tx.now],
  );
}

/** Opens a conversation for the contact (there is never a second open one). */
async function openConversation(tx: Tx, contactId: string, actorId: string | null): Promise<string> {
  const id = newId('cv');
  await tx.writeRow('conversation', "INSERT INTO conversations (id, contact_id, status, opened_at) VALUES (?, ?, 'open', ?) RETURNING *", [
    id,
    contactId,
    tx.now,
  ]);
  await tx.run("UPDATE contacts SET status = 'open', conversation_id = ?, last_activity_at = ? WHERE id = ?", [id, tx.now, contactId]);
  await addEvent(tx, contactId, id, 'opened', actorId);
  return id;
}

async function openConversationId(tx: Tx, contact: Record<string, unknown>): Promise<string | null> {
  return contact.status === 'open' && contact.conversation_id ? String(contact.conversation_id) : null;
}

/** Sets the assignee, with its event, visibility changes and the assignee's notification. */
async function setAssignee(tx: Tx, contact: Record<string, unknown>, assigneeId: string | null, actorId: string | null): Promise<void> {
  const before = (contact.assignee_id as string | null) ?? null;
  if (before === assigneeId) return;
  const contactId = String(contact.id);
  await tx.run('UPDATE contacts SET assignee_id = ? WHERE id = ?', [assigneeId, contactId]);
  const conversationId = (contact.conversation_id as string | null) ?? null;
  await addEvent(tx, contactId, conversationId, assigneeId ? 'assigned' : 'unassigned', actorId, { assignee_id: assigneeId });
  await reconcileContactAssignee(tx, contactId, before, assigneeId);
  if (assigneeId && assigneeId !== actorId) {
    const actor = actorId ? await tx.sql.get<{ name: string }>('SELECT name FROM users WHERE id = ?', [actorId]) : undefined;
    await createNotification(tx, {
      userId: assigneeId,
      kind: 'contact_assigned',
      contactId,
      conversationId,
      actorId,
      excerpt: excerptOf(`${actor?.name ?? 'Someone'} assigned ${String(contact.name)} to you`),
    });
  }
}

/** The id a user's client_id gives (see messageIdFor); taken only if this user used the client_id before, which `command()` answers first. */
async function claimId(tx: Tx, table: 'messages' | 'comments', id: Promise<string>): Promise<string> {
  const claimed = await id;
  if (await tx.sql.get(`SELECT id FROM ${table} WHERE id = ?`, [claimed])) throw new ApiError('conflict', 'client_id was already used; use a new one');
  return claimed;
}

export async function sendMessage(tx: Tx, viewer: ViewerCtx, contactId: string, text: string, clientId: string): Promise<Message> {
  const contact = await visibleContact(tx.sql, viewer, contactId);
  const id = await claimId(tx, 'messages', messageIdFor(viewer.user.id, clientId));
  const conversationId = (await openConversationId(tx, contact)) ?? (await openConversation(tx, contactId, viewer.user.id));
  await tx.run(
    `INSERT INTO messages (id, contact_id, conversation_id, direction, text, status, author_id, created_at)
     VALUES (?, ?, ?, 'outgoing', ?, 'sent', ?, ?)`,
    [id, contactId, conversationId, text, viewer.user.id, tx.now],
  );
  await tx.run('UPDATE conversations SET first_response_at = ?, first_responder_id = ? WHERE id = ? AND first_response_at IS NULL', [
    tx.now,
    viewer.user.id,
    conversationId,
  ]);
  await tx.run("UPDATE contacts SET last_activity_at = ?, last_message = ?, last_message_direction = 'outgoing' WHERE id = ?", [
    tx.now,
    excerptOf(text),
    contactId,
  ]);
  // The first user to reply to an unassigned contact becomes its assignee (not a Developer API token's actor).
  if (contact.assignee_id === null && !viewer.user.api_token_id)
    await setAssignee(tx, { ...contact, conversation_id: conversationId }, viewer.user.id, viewer.user.id);
  const message = (await tx.emitRow('message', id)) as Message;
  await tx.emitRow('conversation', conversationId);
  await tx.emitRow('contact', contactId);
  return message;
}

export async function addComment(tx: Tx, viewer: ViewerCtx, contactId: string, text: string, clientId: string): Promise<Comment> {
  const contact = await visibleContact(tx.sql, viewer, contactId);
  const mentioned = parseMentions(text);
  const users = new Map<string, UserRow>();
  for (const uid of mentioned) {
    const u = await tx.sql.get<UserRow>('SELECT * FROM users WHERE id = ? AND deactivated = 0', [uid]);
    if (!u) throw new ApiError('invalid_request', `text: mentions ${uid}, who is not a user of this workspace`);
    users.set(uid, u);
  }
  const id = await claimId(tx, 'comments', commentIdFor(viewer.user.id, clientId));
  const conversationId = (contact.conversation_id as string | null) ?? null;
  await tx.run('INSERT INTO comments (id, contact_id, conversation_id, author_id, text, mentions, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)', [
    id,
    contactId,
    conversationId,
    viewer.user.id,
    text,
    JSON.stringify(mentioned),
    tx.now,
  ]);
  const comment = (await tx.emitRow('comment', id)) as Comment;
  const names = new Map([...users.values()].map((u) => [u.id, u.name]));
  const excerpt = excerptOf(mentionsToNames(text, (uid) => names.get(uid)));
  for (const u of users.values()) {
    if (u.id === viewer.user.id) continue;
    // Only users who may see the contact are told of it.
    if (!scopeAllows(await scopeOf(tx.sql, u), (contact.assignee_id as string | null) ?? null)) continue;
    await createNotification(tx, {
      userId: u.id,
      kind: 'comment_mention',
      contactId,
      conversationId,
      commentId: id,
      actorId: viewer.user.id,
      excerpt,
    });
  }
  return comment;
}

export async function assign(tx: Tx, viewer: ViewerCtx, contactId: string, assigneeId: string | null): Promise<Contact> {
  const contact = await visibleContact(tx.sql, viewer, contactId);
  if (assigneeId) {
    const u = await tx.sql.get('SELECT id FROM users WHERE id = ? AND deactivated = 0', [assigneeId]);
    if (!u) throw new ApiError('invalid_request', `assignee_id: no active user ${assigneeId}`);
  }
  await setAssignee(tx, contact, assigneeId, viewer.user.id);
  return (await tx.emitRow('contact', contactId)) as Contact;
}

export async function close(tx: Tx, viewer: ViewerCtx, contactId: string, body: BodyOf<'close'>) {
  const contact = await visibleContact(tx.sql, viewer, contactId);
  const conversationId = await openConversationId(tx, contact);
  if (!conversationId) throw new ApiError('conflict', 'this contact has no open conversation');
  const settings = await getSettings(tx.sql);
  const summary = body.summary?.trim() ? body.summary.trim() : null;
  if (settings.closing_note_required && (!body.closing_category_id || !summary)) {
    throw new ApiError('invalid_request', 'a closing note (category and summary) is required to close a conversation');
  }
  if (body.closing_category_id) {
    const cat = await tx.sql.get<{ archived: number }>('SELECT archived FROM closing_categories WHERE id = ?', [body.closing_category_id]);
    if (!cat) throw new ApiError('invalid_request', `closing_category_id: no category ${body.closing_category_id}`);
    if (Number(cat.archived))
      throw new ApiError('invalid_request', `closing_category_id: the category ${body.closing_category_id} is archived; choose another`);
  }
  await tx.run("UPDATE conversations SET status = 'closed', closed_at = ?, closed_by = ?, closing_category_id = ?, closing_summary = ? WHERE id = ?", [
    tx.now,
    viewer.user.id,
    body.closing_category_id,
    summary,
    conversationId,
  ]);
  await tx.run("UPDATE contacts SET status = 'closed', last_activity_at = ? WHERE id = ?", [tx.now, contactId]);
  await addEvent(tx, contactId, conversationId, 'closed', viewer.user.id, {
    closing_category_id: body.closing_category_id,
    closing_summary: summary,
  });
  const conversation = (await tx.emitRow('conversation', conversationId)) as Conversation;
  const c = (await tx.emitRow('contact', contactId)) as Contact;
  return { contact: c, conversation };
}

export async function reopen(tx: Tx, viewer: ViewerCtx, contactId: string) {
  const contact = await visibleContact(tx.sql, viewer, contactId);
  if (await openConversationId(tx, contact)) throw new ApiError('conflict', 'this contact already has an open conversation');
  const conversationId = await openConversation(tx, contactId, viewer.user.id);
  const c = (await tx.emitRow('contact', contactId)) as Contact;
  const conversation = toConversation((await tx.sql.get('SELECT * FROM conversations WHERE id = ?', [conversationId]))!);
  return { contact: c, conversation };
}
