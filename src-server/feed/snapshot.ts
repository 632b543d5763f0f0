// A bootstrap from the tables rather than the feed: what the user may see now, in pages, at a cost
// that follows the workspace's state and not its history. The first page holds everything that
// belongs to no contact; then contacts in id order, each with its conversations, messages, comments,
// events and the user's notifications. The client then follows the feed from the snapshot's epoch
// (the head when it began), skipping the records a page already holds (SnapshotProgress.version).
import { ApiError } from '../../src-shared/api/errors';
import type { ChangeRecord, SnapshotProgress } from '../../src-shared/sync/changes';
import { inList, type Database, type SqlRunner } from '../db/engine';
import { listCustomInboxes } from '../workspace/custom-inboxes';
import { jsonSql, toChannel, toClosingCategory, toContact, toNotification, toTeam, toUser, type ShapedEntity } from '../workspace/rows';
import { getSettings } from '../workspace/settings';
import { loadUserRow, scopeCondition, scopeOf, type ViewerCtx } from '../workspace/viewer';
import { redactsUser } from './records';
import { feedFloor, feedHead } from './sync';
import { pageTurn } from './turns';
import { readAhead, takeReadAhead } from './snapshot-read-ahead';

/** Where a snapshot stands between two pages (the `snapshot` query, base64url JSON). */
interface Position {
  /** The feed's head when the snapshot began: the position the client follows from. */
  e: number;
  /** The last contact id sent; null before the first contact page. */
  k: string | null;
  /** Contacts per page, adjusted to the records they brought so a page holds about `limit` records. */
  n: number;
  done: number;
  total: number;
}

const FIRST_CONTACTS_PER_PAGE = 50;

function decode(token: string): Position {
  try {
    const p = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as Position;
    const ok =
      Number.isSafeInteger(p.e) &&
      p.e >= 0 &&
      (p.k === null || typeof p.k === 'string') &&
      Number.isSafeInteger(p.n) &&
      p.n >= 1 &&
      Number.isSafeInteger(p.done) &&
      Number.isSafeInteger(p.total);
    if (ok) return p;
  } catch {
    // refused below, in words
  }
  throw new ApiError('invalid_request', "snapshot must be 'begin' or the snapshot.next of the page before");
}

const encode = (p: Position): string => Buffer.from(JSON.stringify(p)).toString('base64url');

/** A record's JSON, or several joined by commas: text, or its UTF-8 bytes as the database wrote them. */
type JsonText = string | Buffer;

/** `head`, the texts joined by commas, then `tail`, as UTF-8 bytes: runs of text encoded together, bytes copied as they are. */
function joinJson(head: string, texts: readonly JsonText[], tail: string): Buffer {
  const parts: Buffer[] = [];
  let run = head;
  texts.forEach((t, i) => {
    const comma = i ? ',' : '';
    if (typeof t === 'string') run += comma + t;
    else {
      parts.push(Buffer.from(run + comma), t);
      run = '';
    }
  });
  parts.push(Buffer.from(run + tail));
  return Buffer.concat(parts);
}

/** Rows of one table as the entity's upsert records, at the page's version. */
function upserts(
  entity: ChangeRecord['entity'],
  rows: readonly Record<string, unknown>[],
  map: (r: Record<string, unknown>) => unknown,
  seq: number,
  at: number,
): string[] {
  return rows.map((r) => {
    const contactId = entity === 'contact' ? r.id : (r.contact_id ?? null);
    return JSON.stringify({ seq, entity, op: 'upsert', id: String(r.id), contact_id: contactId === null ? null : String(contactId), data: map(r), at });
  });
}

/** Everything that belongs to no contact, as this viewer is shown it through the feed. */
async function workspaceRecords(sql: SqlRunner, viewer: ViewerCtx, seq: number, at: number): Promise<string[]> {
  const users = await sql.all<Record<string, unknown>>('SELECT * FROM users ORDER BY id');
  const userRecords = users.map((r) => {
    const data = toUser(r as never);
    const shown = redactsUser({ entity: 'user', entity_id: String(r.id) }, viewer.user) ? { ...data, restrictions: null } : data;
    return JSON.stringify({ seq, entity: 'user', op: 'upsert', id: String(r.id), contact_id: null, data: shown, at });
  });
  const settings = JSON.stringify({ seq, entity: 'settings', op: 'upsert', id: 'workspace', contact_id: null, data: await getSettings(sql), at });
  const inboxes = (await listCustomInboxes(sql, viewer)).map((i) =>
    JSON.stringify({ seq, entity: 'custom_inbox', op: 'upsert', id: i.id, contact_id: null, data: i, at }),
  );
  return [
    ...userRecords,
    settings,
    ...upserts('team', await sql.all('SELECT * FROM teams ORDER BY id'), toTeam as never, seq, at),
    ...upserts('closing_category', await sql.all('SELECT * FROM closing_categories ORDER BY id'), toClosingCategory as never, seq, at),
    ...upserts('channel', await sql.all('SELECT * FROM channels ORDER BY id'), toChannel as never, seq, at),
    ...inboxes,
  ];
}

/** What a contact owns, read for a page's contacts: most of a page's records, so the database writes them out (`ownedJsonSql`). */
const OWNED: readonly [entity: ShapedEntity, table: string, order: string][] = [
  ['conversation', 'conversations', 'opened_at'],
  ['message', 'messages', 'created_at'],
  ['comment', 'comments', 'created_at'],
  ['event', 'events', 'created_at'],
];

/**
 * One row per contact of `ids` with its rows of `table` as upsert records, JSON texts joined by
 * commas in the order given (SQLite: as UTF-8 bytes), and how many (each record as `recordJson` writes one; the seq
 * and time are the two parameters before the ids).
 */
function ownedJsonSql(dialect: Database['dialect'], [entity, table, order]: (typeof OWNED)[number], ids: string): string {
  const number = 'CAST(? AS BIGINT)';
  const record =
    dialect === 'sqlite'
      ? `json_object('seq', ${number}, 'entity', '${entity}', 'op', 'upsert', 'id', id, 'contact_id', contact_id, 'data', ${jsonSql(dialect, entity)}, 'at', ${number})`
      : `CAST(json_build_object('seq', ${number}, 'entity', '${entity}', 'op', 'upsert', 'id', id, 'contact_id', contact_id, 'data', ${jsonSql(dialect, entity)}, 'at', ${number}) AS TEXT)`;
  // SQLite hands the text over as its UTF-8 bytes (a BLOB): sent as they are, not decoded here to be encoded again.
  const records = `string_agg(${record}, ',' ORDER BY ${order}, id)`;
  return `SELECT contact_id, COUNT(*) AS n, ${dialect === 'sqlite' ? `CAST(${records} AS BLOB)` : records} AS records FROM ${table} WHERE contact_id IN ${ids} GROUP BY contact_id`;
}

/** One page of contacts after `p.k`, each followed by everything of theirs the viewer may see. */
async function contactRecords(
  sql: Database,
  viewer: ViewerCtx,
  p: Position,
  seq: number,
  at: number,
  slice: <R>(read: () => Promise<R>) => Promise<R>,
): Promise<{ records: JsonText[]; count: number; last: string | null; contacts: number }> {
  const scope = scopeCondition(viewer.scope, 'c.assignee_id');
  const contacts = await slice(() =>
    sql.all<Record<string, unknown>>(`SELECT c.* FROM contacts c WHERE c.id > ? AND ${scope.sql} ORDER BY c.id LIMIT ?`, [p.k ?? '', ...scope.params, p.n]),
  );
  if (!contacts.length) return { records: [], count: 0, last: null, contacts: 0 };
  const last = String(contacts[contacts.length - 1].id);
  // Everything else by the page's contacts, which the rule chose: an IN list walks each contact's rows
  // in its index (a range joined to the rule had SQLite walk every contact of the assignees).
  const ids = inList(contacts.map((c) => String(c.id)));
  const owned = new Map<string, JsonText[]>();
  // Records, not texts: a contact's rows of a table come as one text.
  let count = contacts.length;
  const add = (contactId: string, records: JsonText) => {
    const list = owned.get(contactId);
    if (list) list.push(records);
    else owned.set(contactId, [records]);
  };
  for (const kind of OWNED) {
    const rows = await slice(() =>
      sql.all<{ contact_id: string; n: number; records: JsonText }>(ownedJsonSql(sql.dialect, kind, ids.sql), [seq, at, ...ids.params]),
    );
    for (const r of rows) {
      add(r.contact_id, r.records);
      count += Number(r.n);
    }
  }
  const notes = await slice(() =>
    sql.all<Record<string, unknown>>(`SELECT * FROM notifications WHERE contact_id IN ${ids.sql} AND user_id = ? ORDER BY created_at, id`, [
      ...ids.params,
      viewer.user.id,
    ]),
  );
  for (const row of notes) add(String(row.contact_id), upserts('notification', [row], toNotification as never, seq, at)[0]);
  count += notes.length;
  const records: JsonText[] = [];
  for (const c of contacts) records.push(...upserts('contact', [c], toContact as never, seq, at), ...(owned.get(String(c.id)) ?? []));
  return { records, count, last, contacts: contacts.length };
}

async function visibleContacts(sql: SqlRunner, viewer: ViewerCtx): Promise<number> {
  const scope = scopeCondition(viewer.scope, 'c.assignee_id');
  const r = await sql.get<{ n: number }>(`SELECT COUNT(*) AS n FROM contacts c WHERE ${scope.sql}`, scope.params);
  return Number(r?.n ?? 0);
}

/**
 * One page of a snapshot as a /sync answer (a SyncPage with `snapshot`). A snapshot whose epoch the
 * feed no longer reaches (pruned meanwhile), or from before the user's last visibility reset, is
 * answered must_refetch: the client begins again. The pages after it are read ahead (snapshot-read-ahead.ts).
 */
export async function snapshotPageJson(sql: Database, asked: ViewerCtx, token: string, limit: number, now: number): Promise<string | Buffer> {
  const head = await feedHead(sql);
  const user = (await loadUserRow(sql, asked.user.id)) ?? asked.user;
  const p = positionOf(token, head);
  const refetch = (reason: string) => JSON.stringify({ must_refetch: true, reason });
  if (p.e > head) return refetch('cursor_ahead');
  if (p.e < (await feedFloor(sql))) return refetch('cursor_too_old');
  if (p.e < Number(user.refetch_seq)) return refetch('visibility_reset');
  const page = (await takeReadAhead<ReadPage>(sql, user.id, token, limit)) ?? (await readPage(sql, asked, token, limit, now));
  if (page.next !== null) readAhead(sql, user.id, page.next, limit, { read: (t) => readPage(sql, asked, t, limit, now), nextOf: (r) => r.next });
  return page.json;
}

const positionOf = (token: string, head: number): Position =>
  token === 'begin' ? { e: head, k: null, n: FIRST_CONTACTS_PER_PAGE, done: 0, total: 0 } : decode(token);

/** A page's answer and the token of the page after it (null: the last). */
interface ReadPage {
  json: Buffer;
  next: string | null;
}

/** Reads the page a token names: the head first, then the user's visibility now, then the rows. */
async function readPage(sql: Database, asked: ViewerCtx, token: string, limit: number, now: number): Promise<ReadPage> {
  // The head first: every row read below is at least as new as it (see SnapshotProgress.version).
  const head = await feedHead(sql);
  const user = (await loadUserRow(sql, asked.user.id)) ?? asked.user;
  const viewer: ViewerCtx = { user, scope: await scopeOf(sql, user) };
  const p = positionOf(token, head);
  const page = await pageTurn(async (slice) => {
    if (p.k === null) {
      const records = await slice(() => workspaceRecords(sql, viewer, head, now));
      const total = await slice(() => visibleContacts(sql, viewer));
      return { records, next: { ...p, k: '', total } as Position | null, afterKey: null as string | null };
    }
    const got = await contactRecords(sql, viewer, p, head, now, slice);
    const perContact = got.contacts ? got.count / got.contacts : 1;
    const n = Math.max(1, Math.min(limit, Math.floor(limit / Math.max(1, perContact))));
    const more = got.contacts === p.n;
    return { records: got.records, next: more ? { ...p, k: got.last, n, done: p.done + got.contacts } : null, afterKey: p.k };
  });
  const progress: SnapshotProgress = {
    next: page.next ? encode(page.next) : null,
    after_key: page.afterKey,
    version: head,
    done: page.next?.done ?? p.total,
    total: page.next?.total ?? p.total,
  };
  // Until its last page the cursor stays 0 (a snapshot cut short is resumed from `snapshot.next`,
  // never taken for a complete one); the last page's cursor is the epoch the feed is followed from.
  const next = page.next ? 0 : p.e;
  const hasMore = page.next !== null || head > p.e;
  return {
    json: joinJson(
      '{"must_refetch":false,"changes":[',
      page.records,
      `],"next":${next},"has_more":${hasMore},"head":${head},"epoch":${p.e},"snapshot":${JSON.stringify(progress)}}`,
    ),
    next: progress.next,
  };
}
