// The custom channel: contacts' inbound messages, signed with the channel's secret, written in
// batches (one transaction and a handful of statements for every message that arrived meanwhile).
import { createHmac, timingSafeEqual } from 'node:crypto';
import { ApiError } from '../../src-shared/api/errors';
import type { BodyOf } from '../../src-shared/api/routes';
import { scopeAllows, visibilityScope } from '../../src-shared/access/visibility';
import type { NotificationKind } from '../../src-shared/model';
import { rowLists, type ColumnType, type Param, type SqlRunner } from '../db/engine';
import { excerptOf } from './notifications';
import { prefsOf, type UserRow } from './rows';
import { newId } from './ids';
import type { Store } from './store';
import type { Tx } from './tx';

const SIGNATURE_PREFIX = 'sha256=';

export function signBody(secret: string, rawBody: string | Buffer): string {
  return `${SIGNATURE_PREFIX}${createHmac('sha256', secret).update(rawBody).digest('hex')}`;
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
  // The digests compared as bytes: no hex text made of the expected one, nor a buffer of either text.
  const expected = createHmac('sha256', secret).update(rawBody).digest();
  if (!timingSafeEqual(expected, Buffer.from(signature.slice(SIGNATURE_PREFIX.length), 'hex'))) throw new ApiError('unauthorized', 'signature does not match');
}

/** One inbound message, as the channel delivered it (signature checked). */
export interface Inbound {
  channelId: string;
  body: BodyOf<'inbound'>;
  /** When the server received it (ms); the message's time. Default: the transaction's. */
  receivedAt?: number;
}

export interface InboundResult {
  contact_id: string;
  conversation_id: string;
  message_id: string;
}

type Row = Record<string, unknown>;

/** Rows per multi-row statement on SQLite (a few thousand parameters at most); PostgreSQL takes any number (see rowLists). */
const MAX_ROWS = 256;

/**
 * Runs `statement(values)` for the rows, `values` being a row source of them (see rowLists: the
 * statement must skip rows of NULLs), and answers every row the statements return. Every statement
 * is issued at once, in order: an engine runs one connection's statements in the order issued, and
 * a pipelining one sends them together.
 */
async function chunked(tx: Tx, rows: readonly Param[][], columns: readonly ColumnType[], statement: (values: string) => string): Promise<Row[]> {
  const lists = rowLists(tx.dialect, rows, columns, MAX_ROWS);
  return (await Promise.all(lists.map(({ values, params }) => tx.sql.all<Row>(statement(values), params)))).flat();
}

/**
 * Rows of a statement that locks existing rows (an update, an upsert), sorted by the key columns
 * given: two server instances writing batches that share contacts then lock them in the same order
 * instead of deadlocking (which PostgreSQL detects only after a second).
 */
function inLockOrder(rows: Param[][], key: readonly number[]): Param[][] {
  return rows.sort((a, b) => {
    for (const k of key) {
      const x = String(a[k]);
      const y = String(b[k]);
      if (x !== y) return x < y ? -1 : 1;
    }
    return 0;
  });
}

/** One contact's share of a batch: its row before, and what the batch writes for it. */
interface ContactWork {
  row: Row;
  /** Preferences of the contact's assignee, when it has one who is not deactivated. */
  assigneePrefs: string | null;
  /** The open conversation, or the one this batch opens. */
  conversationId: string;
  opensConversation: boolean;
  eventId: string | null;
  messages: { id: string; text: string; channelMessageId: string; at: number }[];
}

/**
 * Writes a batch of inbound messages in the caller's transaction and answers each one's ids, in
 * order. Per message, as if each were written alone in arrival order: the sender becomes a contact
 * the first time (keyed by channel and sender id), a closed contact gets a new open conversation
 * (with its "opened" event), the message is stored, the contact shows it as its last activity, and
 * the New Message notifications are created or collapsed into the unread one. A message the channel
 * delivers again (same message id from the same sender) is a no-op that answers the first one's ids.
 *
 * The statements are per batch, not per message: one read finds every sender's contact, earlier
 * deliveries and the assignees' preferences; then one multi-row write per table. Change records
 * follow per contact: its conversation and event, its messages, the contact, its notifications.
 */
async function ingestMany(tx: Tx, items: readonly Inbound[]): Promise<InboundResult[]> {
  const results: (InboundResult | null)[] = items.map(() => null);
  if (items.length === 0) return [];

  // 1. One read: each sender's contact, whether its message was delivered before, the assignee's
  // preferences. The lookups are subqueries, which both engines run per row through the unique
  // indexes (a join could be planned as a scan of a contact's every message). Beside it, who asked
  // to hear of unassigned contacts' messages (an index lookup, asked whether needed or not: sent
  // together with the first, it costs no round trip of its own).
  // On PostgreSQL the read locks the contacts, in id order: what the batch writes is decided from
  // this read (a conversation closed meanwhile by another instance must not be reopened by a stale
  // row), and two instances' batches sharing contacts lock them in one order (no deadlock). The
  // lock is the one an update takes, so other batches' foreign-key checks go on. SQLite has one
  // writer and no such locks.
  const [found, askingUnassigned] = await Promise.all([
    chunked(
      tx,
      items.map((it, i) => [i, it.channelId, it.body.sender.id, it.body.message.id]),
      ['integer', 'text', 'text', 'text'],
      (values) =>
        `WITH req (i, channel_id, external_id, channel_message_id) AS (${values})
         SELECT req.i AS req_i, c.*,
           (SELECT m.id FROM messages m WHERE m.contact_id = c.id AND m.channel_message_id = req.channel_message_id) AS seen_id,
           (SELECT m.conversation_id FROM messages m WHERE m.contact_id = c.id AND m.channel_message_id = req.channel_message_id) AS seen_conversation_id,
           (SELECT a.notify_prefs FROM users a WHERE a.id = c.assignee_id AND a.deactivated = 0) AS assignee_prefs
         FROM req JOIN contacts c ON c.channel_id = req.channel_id AND c.external_id = req.external_id
         ${tx.dialect === 'postgres' ? 'ORDER BY c.id FOR NO KEY UPDATE OF c' : ''}`,
    ),
    usersAskingForUnassigned(tx.sql),
  ]);
  const work = new Map<string, ContactWork>();
  const seen = new Map<number, { id: string; conversationId: string }>();
  for (const f of found) {
    const { req_i: reqI, seen_id: seenId, seen_conversation_id: seenConversationId, assignee_prefs: prefs, ...row } = f;
    const i = Number(reqI);
    if (seenId) seen.set(i, { id: String(seenId), conversationId: String(seenConversationId) });
    const key = senderKey(items[i]);
    if (!work.has(key)) work.set(key, newWork(row, (prefs as string | null) ?? null));
  }

  // 2. Senders never seen become contacts (closed, unassigned), one row each however many messages they sent.
  const newContacts: Param[][] = [];
  for (const it of items) {
    const key = senderKey(it);
    if (work.has(key)) continue;
    const {
      channelId,
      body: { sender },
    } = it;
    const row = [
      newId('c'),
      sender.name?.trim() || sender.phone || `Contact ${sender.id}`,
      sender.phone ?? null,
      sender.email ?? null,
      channelId,
      sender.id,
      tx.now,
      tx.now,
    ];
    newContacts.push(row);
    work.set(key, newWork({ id: row[0], status: 'closed', conversation_id: null, assignee_id: null, last_activity_at: null }, null));
  }

  // 3. Each message, in arrival order, against its contact; a redelivery answers the first delivery.
  const firstDelivery = new Map<string, number>();
  items.forEach((it, i) => {
    const w = work.get(senderKey(it))!;
    const contactId = String(w.row.id);
    const earlier = seen.get(i);
    if (earlier) {
      results[i] = { contact_id: contactId, conversation_id: earlier.conversationId, message_id: earlier.id };
      return;
    }
    const deliveryKey = `${senderKey(it)}\u0000${it.body.message.id}`;
    const first = firstDelivery.get(deliveryKey);
    if (first !== undefined) {
      results[i] = results[first];
      return;
    }
    firstDelivery.set(deliveryKey, i);
    const message = { id: newId('m'), text: it.body.message.text, channelMessageId: it.body.message.id, at: it.receivedAt ?? tx.now };
    w.messages.push(message);
    results[i] = { contact_id: contactId, conversation_id: w.conversationId, message_id: message.id };
  });
  // Contacts in the order of their first message in the batch.
  const touched = [...new Set(items.map((it) => work.get(senderKey(it))!))].filter((w) => w.messages.length > 0);
  if (touched.length === 0) return results as InboundResult[];
  for (const w of touched) {
    const lastActivity = w.row.last_activity_at;
    const times = increasingTimes(
      w.messages.map((m) => m.at),
      lastActivity === null ? -Infinity : Number(lastActivity),
      tx.now + MAX_AHEAD_MS,
    );
    w.messages.forEach((m, j) => (m.at = times[j]));
  }

  // 4. New Message notifications: to the assignee, or for an unassigned contact to everyone who may see it and asked.
  const wanted: NewMessageNote[] = [];
  for (const w of touched) {
    const assignee = (w.row.assignee_id as string | null) ?? null;
    const users = assignee ? (w.assigneePrefs !== null && prefsOf({ notify_prefs: w.assigneePrefs }).new_message_assigned ? [assignee] : []) : askingUnassigned;
    const last = w.messages[w.messages.length - 1];
    for (const userId of users) {
      wanted.push({
        userId,
        kind: assignee ? 'new_message_assigned' : 'new_message_unassigned',
        contactId: String(w.row.id),
        conversationId: w.conversationId,
        messageId: last.id,
        excerpt: excerptOf(last.text),
        count: w.messages.length,
      });
    }
  }

  // 5. The writes, one statement per table, all issued together in this order (new contacts before
  // the rows referring to them): contacts, conversations opened and their events (at the first
  // message's time), messages, the contacts' new state, the notifications.
  const opening = touched.filter((w) => w.opensConversation);
  const contactRows = inLockOrder(
    touched.map((w) => {
      const last = w.messages[w.messages.length - 1];
      return [String(w.row.id), w.conversationId, Math.max(last.at, Number(w.row.last_activity_at)), excerptOf(last.text)];
    }),
    [0],
  );
  const [, conversationRows, eventRows, messageRows, contactRowsAfter, notifications] = await Promise.all([
    chunked(
      tx,
      // (In key order: two instances inserting the same new senders wait rather than deadlock.)
      inLockOrder(newContacts, [4, 5]),
      ['text', 'text', 'text', 'text', 'text', 'text', 'bigint', 'bigint'],
      (values) =>
        `INSERT INTO contacts (id, name, phone, email, channel_id, external_id, status, last_activity_at, created_at)
         SELECT column1, column2, column3, column4, column5, column6, 'closed', column7, column8 FROM (${values}) AS v
         WHERE column1 IS NOT NULL RETURNING id`,
    ),
    chunked(
      tx,
      opening.map((w) => [w.conversationId, String(w.row.id), w.messages[0].at]),
      ['text', 'text', 'bigint'],
      (values) =>
        `INSERT INTO conversations (id, contact_id, status, opened_at)
         SELECT column1, column2, 'open', column3 FROM (${values}) AS v WHERE column1 IS NOT NULL RETURNING *`,
    ),
    chunked(
      tx,
      opening.map((w) => [(w.eventId = newId('e')), String(w.row.id), w.conversationId, w.messages[0].at]),
      ['text', 'text', 'text', 'bigint'],
      (values) =>
        `INSERT INTO events (id, contact_id, conversation_id, kind, created_at)
         SELECT column1, column2, column3, 'opened', column4 FROM (${values}) AS v WHERE column1 IS NOT NULL RETURNING *`,
    ),
    chunked(
      tx,
      touched.flatMap((w) => w.messages.map((m) => [m.id, String(w.row.id), w.conversationId, m.text, m.channelMessageId, m.at])),
      ['text', 'text', 'text', 'text', 'text', 'bigint'],
      (values) =>
        `INSERT INTO messages (id, contact_id, conversation_id, direction, text, status, channel_message_id, created_at)
         SELECT column1, column2, column3, 'incoming', column4, 'delivered', column5, column6 FROM (${values}) AS v
         WHERE column1 IS NOT NULL RETURNING *`,
    ),
    chunked(
      tx,
      contactRows,
      ['text', 'text', 'bigint', 'text'],
      (values) =>
        `UPDATE contacts SET status = 'open', conversation_id = v.column2, last_activity_at = v.column3, last_message = v.column4,
           last_message_direction = 'incoming'
         FROM (${values}) AS v WHERE contacts.id = v.column1 RETURNING *`,
    ),
    upsertNewMessageNotes(tx, wanted),
  ]);
  const conversations = byId(conversationRows);
  const events = byId(eventRows);
  const messages = byId(messageRows);
  const contacts = byId(contactRowsAfter);

  // 6. The change records, contact by contact.
  for (const w of touched) {
    const contactId = String(w.row.id);
    if (w.opensConversation) {
      tx.upserted('conversation', conversations.get(w.conversationId)!);
      tx.upserted('event', events.get(w.eventId!)!);
    }
    for (const m of w.messages) tx.upserted('message', messages.get(m.id)!);
    tx.upserted('contact', contacts.get(contactId)!);
    for (const n of notifications.get(contactId) ?? []) tx.upserted('notification', n);
  }
  return results as InboundResult[];
}

/**
 * A contact's messages show in the order they were stored (a thread sorts by time, then by id, which
 * is random): each keeps the time it was received, unless that is not after the time before it (the
 * previous message of the batch, or for the first the contact's last activity): then it takes the
 * next millisecond, though never past `ceiling`. So several arriving within one millisecond, in one
 * batch or in two, keep their order, and so does a message received by an instance whose clock is a
 * little behind another's.
 */
function increasingTimes(arrivals: readonly number[], after = -Infinity, ceiling = Infinity): number[] {
  const out: number[] = [];
  let last = after;
  for (const at of arrivals) out.push((last = Math.max(at, Math.min(last + 1, ceiling))));
  return out;
}

/**
 * How far past its transaction's time a message's time may be moved (increasingTimes): another
 * instance's clock may be a little ahead, but a clock far ahead must not carry a contact's thread
 * into the future, where replies (stamped with their own transaction's time) would sort before it.
 */
const MAX_AHEAD_MS = 1000;

/** A sender is a contact of one channel. */
const senderKey = (it: Inbound) => `${it.channelId}\u0000${it.body.sender.id}`;

function newWork(row: Row, assigneePrefs: string | null): ContactWork {
  const open = row.status === 'open' && row.conversation_id ? String(row.conversation_id) : null;
  return { row, assigneePrefs, conversationId: open ?? newId('cv'), opensConversation: open === null, eventId: null, messages: [] };
}

function byId(rows: Row[]): Map<string, Row> {
  return new Map(rows.map((r) => [String(r.id), r]));
}

/**
 * The active users who asked for New Message (unassigned) items and may see unassigned contacts. The
 * preferences are JSON as setPreferences writes it; the condition (word for word that of the partial
 * index users_asking_unassigned, server migration 2) finds the few that ask without reading every
 * user, and prefsOf confirms each. Only an unrestricted scope includes unassigned contacts, and
 * whether a scope is unrestricted does not depend on team members, so none are read.
 */
async function usersAskingForUnassigned(sql: SqlRunner): Promise<string[]> {
  const users = await sql.all<UserRow>(
    `SELECT id, role, team_id, contact_visibility, notify_prefs FROM users WHERE deactivated = 0 AND notify_prefs LIKE '%"new_message_unassigned":true%'`,
  );
  return users
    .filter((u) => prefsOf(u).new_message_unassigned)
    .filter((u) =>
      scopeAllows(
        visibilityScope({ id: u.id, role: u.role, team_id: u.team_id, restrictions: { contact_visibility: u.contact_visibility } }, () => []),
        null,
      ),
    )
    .map((u) => u.id);
}

/** The condition of the unique index notifications_unread_new (server migration 2), word for word. */
const UNREAD_NEW_MESSAGE = "read_at IS NULL AND archived_at IS NULL AND kind IN ('new_message_assigned', 'new_message_unassigned')";

interface NewMessageNote {
  userId: string;
  kind: Extract<NotificationKind, 'new_message_assigned' | 'new_message_unassigned'>;
  contactId: string;
  conversationId: string;
  messageId: string;
  excerpt: string;
  /** Messages this batch adds to the item. */
  count: number;
}

/**
 * New-message items collapse into the user's unread item for that contact (a chatty contact is one
 * line): one upsert on the index that allows one such unread item per user, contact and kind.
 * Answers the rows by contact.
 */
async function upsertNewMessageNotes(tx: Tx, wanted: NewMessageNote[]): Promise<Map<string, Row[]>> {
  const byContact = new Map<string, Row[]>();
  const rows = await chunked(
    tx,
    inLockOrder(
      wanted.map((n) => [newId('n'), n.userId, n.kind, n.contactId, n.conversationId, n.messageId, n.excerpt, n.count, tx.now]),
      [1, 3, 2],
    ),
    ['text', 'text', 'text', 'text', 'text', 'text', 'text', 'integer', 'bigint'],
    (values) =>
      `INSERT INTO notifications (id, user_id, kind, contact_id, conversation_id, comment_id, message_id, actor_id, excerpt, count, created_at)
       SELECT column1, column2, column3, column4, column5, NULL, column6, NULL, column7, column8, column9 FROM (${values}) AS v
       WHERE column1 IS NOT NULL
       ON CONFLICT (user_id, contact_id, kind) WHERE ${UNREAD_NEW_MESSAGE}
       DO UPDATE SET count = notifications.count + excluded.count, excerpt = excluded.excerpt, message_id = excluded.message_id,
         conversation_id = excluded.conversation_id, created_at = excluded.created_at
       RETURNING *`,
  );
  for (const r of rows) {
    const list = byContact.get(String(r.contact_id));
    if (list) list.push(r);
    else byContact.set(String(r.contact_id), [r]);
  }
  return byContact;
}

/** One inbound message written alone (in the caller's transaction). */
export async function ingest(tx: Tx, channelId: string, body: BodyOf<'inbound'>): Promise<InboundResult> {
  return (await ingestMany(tx, [{ channelId, body }]))[0];
}

/** At most this many inbound messages share one batch. */
const MAX_BATCH = 256;
/**
 * Batches start at least this far apart (ms). A batch costs something whatever its size: a handful
 * of statements, a commit, and after it a round of the stream, the alert check and the webhook
 * dispatcher. At 1,000 messages/s, batches formed only while the one before was written held about
 * two messages each; spaced so, about ten. A message after a quiet spell is written at once.
 */
const DEFAULT_BATCH_SPACING_MS = 10;

/**
 * Gathers inbound messages into batches: while one batch is being written, and until `spacingMs`
 * after it started, the messages that arrive wait for the next, so a busy server writes many per
 * transaction and a quiet one writes each at once (within one turn of the event loop). If a batch
 * fails, its messages are written again each on its own, so a bad one fails alone and the others
 * are answered.
 */
export class InboundBatcher {
  private pending: { item: Inbound; resolve: (r: InboundResult) => void; reject: (err: unknown) => void }[] = [];
  private running = false;
  private scheduled = false;
  private lastStart = -Infinity;

  constructor(
    private readonly store: Store,
    private readonly spacingMs = DEFAULT_BATCH_SPACING_MS,
  ) {}

  submit(channelId: string, body: BodyOf<'inbound'>): Promise<InboundResult> {
    return new Promise((resolve, reject) => {
      this.pending.push({ item: { channelId, body, receivedAt: this.store.clock() }, resolve, reject });
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.running || this.scheduled || this.pending.length === 0) return;
    this.scheduled = true;
    const run = () => {
      this.scheduled = false;
      void this.runBatch();
    };
    const wait = this.lastStart + this.spacingMs - performance.now();
    if (wait > 0) setTimeout(run, wait);
    else setImmediate(run);
  }

  private async runBatch(): Promise<void> {
    if (this.running) return;
    this.running = true;
    this.lastStart = performance.now();
    const batch = this.pending.splice(0, MAX_BATCH);
    // Each sender's messages get increasing times here already, so that they keep their order also
    // when written one by one below.
    const bySender = new Map<string, typeof batch>();
    for (const b of batch) {
      const same = bySender.get(senderKey(b.item));
      if (same) same.push(b);
      else bySender.set(senderKey(b.item), [b]);
    }
    for (const items of bySender.values()) {
      const times = increasingTimes(items.map((b) => b.item.receivedAt!));
      items.forEach((b, j) => (b.item.receivedAt = times[j]));
    }
    try {
      const results = await this.store.write((tx) =>
        ingestMany(
          tx,
          batch.map((b) => b.item),
        ),
      );
      batch.forEach((b, i) => b.resolve(results[i]));
    } catch (err) {
      if (batch.length === 1) batch[0].reject(err);
      else {
        // One sender's messages one after another (each takes its time after the one before it,
        // which must be stored first); different senders' at once.
        await Promise.all(
          [...bySender.values()].map(async (items) => {
            for (const b of items) {
              await this.store.write(async (tx) => (await ingestMany(tx, [b.item]))[0]).then(b.resolve, b.reject);
            }
          }),
        );
      }
    } finally {
      this.running = false;
      this.schedule();
    }
  }
}
