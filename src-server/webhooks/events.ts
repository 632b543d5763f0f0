// Change records as respond.io's webhook events, in the /v2 shapes. A message, comment or thread event
// record is one event; a contact record is compared with the contact's previous record in the feed
// (none: contact.created; other tags: contact.tag.updated; other details: contact.updated; activity
// alone: nothing). Each event's id is derived from its record, so a retry or a replay carries the same.
import { createHash } from 'node:crypto';
import type { Contact } from '../../src-shared/model';
import type { WebhookEventType } from '../../src-shared/api/webhooks';
import type { SqlRunner } from '../db/engine';
import type { UserRow } from '../workspace/rows';
import type { Store } from '../workspace/store';
import { contactShapes, messageShapes, seconds, userShapes } from '../v2/shapes';
import { numbersFor } from '../v2/numbers';
import type { QueuedEvent } from './endpoints';

/** A row of the change feed as the dispatcher reads it. */
export interface FeedEventRow {
  seq: number;
  entity: string;
  op: string;
  entity_id: string;
  contact_id: string | null;
  target_user_id: string | null;
  data: string | null;
  at: number;
}

export interface BuiltEvent extends QueuedEvent {
  seq: number;
  type: WebhookEventType;
}

type Row = Record<string, unknown>;

/** An event id from the record and the event it gives, shaped as a UUID. */
function eventIdOf(seq: number, type: WebhookEventType): string {
  const h = createHash('sha256').update(`${seq}:${type}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

const THREAD_EVENTS: Record<string, WebhookEventType> = {
  assigned: 'contact.assignee.updated',
  unassigned: 'contact.assignee.updated',
  opened: 'conversation.opened',
  closed: 'conversation.closed',
};

/** A contact's first record comes this soon after its creation (an inbound contact is created at its message's time). */
const CREATED_WITHIN_MS = 60_000;

const same = (a: unknown, b: unknown) => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
/** A contact's profile as compared: a record from before any tag or field has none of them. */
const profileOf = (c: Contact) => ({ ...c, tags: c.tags ?? [], lifecycle: c.lifecycle ?? null, custom_fields: c.custom_fields ?? [] });

/** A contact's latest record among those already read (the records are read in feed order). */
type LatestContacts = Map<string, Contact>;

async function previousContact(sql: SqlRunner, row: FeedEventRow, latest: LatestContacts): Promise<Contact | null> {
  const known = latest.get(row.contact_id!);
  if (known) return known;
  const prev = await sql.get<{ data: string }>(
    `SELECT data FROM changes WHERE contact_id = ? AND seq < ? AND entity = 'contact' AND op = 'upsert' AND target_user_id IS NULL ORDER BY seq DESC LIMIT 1`,
    [row.contact_id, row.seq],
  );
  return prev ? (JSON.parse(prev.data) as Contact) : null;
}

/** The event types a change record stands for (most stand for none). */
async function typesOf(sql: SqlRunner, row: FeedEventRow, latest: LatestContacts): Promise<WebhookEventType[]> {
  if (row.op !== 'upsert' || row.target_user_id !== null || row.contact_id === null || row.data === null) return [];
  const data = JSON.parse(row.data) as Row;
  switch (row.entity) {
    case 'message':
      return [data.direction === 'incoming' ? 'message.received' : 'message.sent'];
    case 'comment':
      return ['comment.created'];
    case 'event': {
      const type = THREAD_EVENTS[String(data.kind)];
      return type ? [type] : [];
    }
    case 'contact': {
      const before = await previousContact(sql, row, latest);
      latest.set(row.contact_id, data as unknown as Contact);
      // No earlier record: a new contact, or (for one made long before) its records were compacted
      // away, and what changed cannot be told.
      if (!before) return row.at - Number(data.created_at) < CREATED_WITHIN_MS ? ['contact.created'] : [];
      const [was, now] = [profileOf(before), profileOf(data as unknown as Contact)];
      const types: WebhookEventType[] = [];
      if (!same(was.tags, now.tags)) types.push('contact.tag.updated');
      if ((['name', 'phone', 'email', 'lifecycle', 'custom_fields'] as const).some((k) => !same(was[k], now[k]))) types.push('contact.updated');
      return types;
    }
    default:
      return [];
  }
}

const byId = async (sql: SqlRunner, table: string, ids: Iterable<string>): Promise<Map<string, Row>> => {
  const list = [...new Set(ids)];
  if (list.length === 0) return new Map();
  const rows = await sql.all<Row>(`SELECT * FROM ${table} WHERE id IN (${list.map(() => '?').join(', ')})`, list);
  return new Map(rows.map((r) => [String(r.id), r]));
};

/** respond.io's conversation fields for opened and closed events; times in Unix seconds. */
function conversationShape(c: Row, categories: Map<string, Row>) {
  const category = typeof c.closing_category_id === 'string' ? categories.get(c.closing_category_id) : undefined;
  return {
    status: c.status === 'open' ? 'open' : 'close',
    conversationOpenedAt: seconds(c.opened_at),
    conversationClosedAt: c.closed_at === null || c.closed_at === undefined ? null : seconds(c.closed_at),
    category: category ? String(category.name) : null,
    summary: (c.closing_summary as string | null) ?? null,
  };
}

/**
 * The events of these change records (in feed order), each with its body as sent. Records of contacts
 * that no longer exist give none. Bodies show the rows as they are when the events are built.
 */
export async function buildEvents(store: Store, rows: readonly FeedEventRow[]): Promise<BuiltEvent[]> {
  const sql = store.db;
  const typed: { row: FeedEventRow; data: Row; type: WebhookEventType }[] = [];
  const latest: LatestContacts = new Map();
  for (const row of rows) for (const type of await typesOf(sql, row, latest)) typed.push({ row, data: JSON.parse(row.data!) as Row, type });
  if (typed.length === 0) return [];
  // A write that creates a contact records it after its conversation and message: its contact.created
  // goes first, so a receiver knows the contact before anything that happens to it.
  for (let i = 0; i < typed.length; i++) {
    if (typed[i].type !== 'contact.created') continue;
    let j = i;
    while (j > 0 && typed[j - 1].row.contact_id === typed[i].row.contact_id && typed[j - 1].row.at === typed[i].row.at) j--;
    if (j < i) typed.splice(j, 0, ...typed.splice(i, 1));
  }

  const idsOf = (entity: string) => typed.filter((t) => t.row.entity === entity).map((t) => t.row.entity_id);
  const [contacts, messages, comments, events] = await Promise.all([
    byId(
      sql,
      'contacts',
      typed.map((t) => t.row.contact_id!),
    ),
    byId(sql, 'messages', idsOf('message')),
    byId(sql, 'comments', idsOf('comment')),
    byId(sql, 'events', idsOf('event')),
  ]);
  const actorOf = (t: (typeof typed)[number]): string | null => {
    const r =
      t.row.entity === 'message' ? messages.get(t.row.entity_id) : t.row.entity === 'comment' ? comments.get(t.row.entity_id) : events.get(t.row.entity_id);
    const id = t.row.entity === 'event' ? r?.actor_id : r?.author_id;
    return typeof id === 'string' ? id : null;
  };
  const conversationIds = [...events.values()].map((e) => e.conversation_id).filter((id): id is string => typeof id === 'string');
  const [users, conversations, categories] = await Promise.all([
    byId(
      sql,
      'users',
      typed.map(actorOf).filter((id): id is string => id !== null),
    ),
    byId(sql, 'conversations', conversationIds),
    sql.all<Row>('SELECT * FROM closing_categories').then((r) => new Map(r.map((c) => [String(c.id), c]))),
  ]);
  // Numbers first, in one write per entity, so the shapes below only read them.
  await numbersFor(store, 'message', [...messages.keys()]);
  const contactList = [...contacts.values()];
  const [contactShaped, userShaped] = await Promise.all([contactShapes(store, contactList), userShapes(store, [...users.values()] as unknown as UserRow[])]);
  const contactShape = new Map(contactList.map((c, i) => [String(c.id), contactShaped[i]]));
  const userShape = new Map([...users.keys()].map((id, i) => [id, userShaped[i]]));

  // Message shapes by contact: a few reads per contact, not per message.
  const messageShape = new Map<string, Awaited<ReturnType<typeof messageShapes>>[number]>();
  const messagesByContact = new Map<string, Row[]>();
  for (const t of typed) {
    const m = t.row.entity === 'message' ? messages.get(t.row.entity_id) : undefined;
    if (m && contactShape.has(t.row.contact_id!)) messagesByContact.set(t.row.contact_id!, [...(messagesByContact.get(t.row.contact_id!) ?? []), m]);
  }
  await Promise.all(
    [...messagesByContact].map(async ([contactId, rows]) => {
      const channelId = (contacts.get(contactId)!.channel_id as string | null) ?? null;
      const shaped = await messageShapes(store, contactShape.get(contactId)!.id, channelId, rows);
      rows.forEach((m, i) => messageShape.set(String(m.id), shaped[i]));
    }),
  );

  const out: BuiltEvent[] = [];
  for (const t of typed) {
    const contactId = t.row.contact_id!;
    const contact = contactShape.get(contactId);
    if (!contact) continue;
    const actor = actorOf(t);
    const body: Record<string, unknown> = {
      event_type: t.type,
      event_id: eventIdOf(t.row.seq, t.type),
      timestamp: seconds(t.row.at),
      contact,
    };
    if (t.row.entity === 'message') {
      const m = messageShape.get(t.row.entity_id);
      if (!m) continue;
      body.message = m;
    }
    if (t.row.entity === 'comment') {
      const c = comments.get(t.row.entity_id);
      if (!c) continue;
      body.comment = { text: String(c.text), contactId: contact.id, created_at: seconds(c.created_at) };
    }
    if (t.type === 'conversation.opened' || t.type === 'conversation.closed') {
      const e = events.get(t.row.entity_id);
      const c = typeof e?.conversation_id === 'string' ? conversations.get(e.conversation_id) : undefined;
      if (c) body.conversation = conversationShape(c, categories);
    }
    if (actor && userShape.has(actor)) body.user = userShape.get(actor);
    out.push({ seq: t.row.seq, eventId: String(body.event_id), type: t.type, lane: contactId, body: JSON.stringify(body) });
  }
  return out;
}
