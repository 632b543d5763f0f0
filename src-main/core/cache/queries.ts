// The queries the views make, over the cache. Lists are paged and sorted by last activity.
import type { InboxKey } from '../../../src-shared/access/visibility';
import type { InboxSummary } from '../../../src-shared/api/routes';
import type { InboxRow, ListCursor, ThreadEntry } from '../../../src-shared/desktop/api';
import { averagesSince, dashboardPeriods, HOUR_MS } from '../../../src-shared/dashboard';
import type {
  ClosingCategory,
  Comment,
  Contact,
  Conversation,
  CustomInbox,
  InboxFilter,
  Message,
  Notification,
  User,
  WorkspaceSettings,
} from '../../../src-shared/model';
import type { Cache } from './cache';
import type { AlertRule } from '../../../src-shared/alerts';
import { CONTACT_TEXT, ftsQuery, MESSAGE_TEXT, newestMatching } from './text-search';
import { failedWritesOf, localWritesOf } from './outbox-rows';
import { matchesAll } from '../../../src-shared/search-match';
import { atOrAfter, NEWEST_FIRST, OLDEST_FIRST, type ListSql } from './list-positions';
import { JsonText, withMembers } from './json-text';

type Where = { sql: string; params: unknown[] };
const parse = <T>(rows: { data: string }[]): T[] => rows.map((r) => JSON.parse(r.data) as T);
/**
 * A stored entity with fields added, assigned onto the parsed object: a spread copy of a parsed
 * object is a slow clone in V8 that lingers into the next collections (scavenges of several ms on a
 * 100-row page, where assigning costs none).
 */
const withFields = <T, F extends object>(data: string, fields: F): T & F => Object.assign(JSON.parse(data) as T & object, fields) as T & F;
const join = (w: Where[]) => ({ sql: w.length ? w.map((x) => x.sql).join(' AND ') : '1', params: w.flatMap((x) => x.params) });

/**
 * One condition of a conversation list; a list is their conjunction. Those on the assignee, the
 * assignee's team and the status are counted from contact_counts (kept with the rows, migration 2);
 * a channel or a text needs a COUNT(*).
 */
type ListCond =
  | { kind: 'status'; status: string }
  | { kind: 'assignee'; id: string | null }
  | { kind: 'team'; id: string }
  | { kind: 'channel'; id: string }
  | { kind: 'text'; q: string }
  | { kind: 'tag'; name: string }
  | { kind: 'lifecycle'; name: string }
  | { kind: 'field'; slug: string; value: string }
  | { kind: 'nothing' };

function searchWhere(q: string): Where | null {
  const fts = ftsQuery(q);
  if (!fts) return null;
  return {
    sql: `(c.rowid IN (SELECT rowid FROM contacts_fts WHERE contacts_fts MATCH ?)
      OR c.id IN (SELECT m.contact_id FROM messages_fts JOIN messages m ON m.rowid = messages_fts.rowid WHERE messages_fts MATCH ?))`,
    params: [fts, fts],
  };
}

function filterConds(me: string, f: InboxFilter): ListCond[] {
  const out: ListCond[] = [];
  if (f.status) out.push({ kind: 'status', status: f.status });
  if (f.assignee) out.push({ kind: 'assignee', id: f.assignee === 'me' ? me : f.assignee === 'unassigned' ? null : f.assignee });
  if (f.team_id) out.push({ kind: 'team', id: f.team_id });
  if (f.channel_id) out.push({ kind: 'channel', id: f.channel_id });
  if (f.text && ftsQuery(f.text)) out.push({ kind: 'text', q: f.text });
  if (f.tag) out.push({ kind: 'tag', name: f.tag });
  if (f.lifecycle) out.push({ kind: 'lifecycle', name: f.lifecycle });
  if (f.custom_field) out.push({ kind: 'field', slug: f.custom_field.name, value: f.custom_field.value });
  return out;
}

function inboxConds(cache: Cache, me: string, inbox: InboxKey): ListCond[] {
  if (inbox === 'all') return [];
  if (inbox === 'mine') return [{ kind: 'assignee', id: me }];
  if (inbox === 'unassigned') return [{ kind: 'assignee', id: null }];
  if (inbox.startsWith('team:')) return [{ kind: 'team', id: inbox.slice(5) }];
  const custom = cache.entities.get('custom_inbox', inbox.slice(7));
  if (!custom) return [{ kind: 'nothing' }];
  return filterConds(me, custom.filter);
}

/** A list as SQL over `contacts c`. A team is one range of its index (the assignee's team is on the row). */
function listWhere(conds: readonly ListCond[]): Where {
  const parts = conds.map((cond): Where => {
    switch (cond.kind) {
      case 'status':
        return { sql: 'c.status = ?', params: [cond.status] };
      case 'assignee':
        return cond.id === null ? { sql: 'c.assignee_id IS NULL', params: [] } : { sql: 'c.assignee_id = ?', params: [cond.id] };
      case 'team':
        return { sql: 'c.assignee_team_id = ?', params: [cond.id] };
      case 'channel':
        return { sql: 'c.channel_id = ?', params: [cond.id] };
      case 'text':
        return searchWhere(cond.q) ?? { sql: '1', params: [] };
      // Tags, lifecycle and field values travel in the contact's record (its data), as the server set them.
      case 'tag':
        return { sql: "EXISTS (SELECT 1 FROM json_each(c.data, '$.tags') t WHERE lower(t.value) = lower(?))", params: [cond.name] };
      case 'lifecycle':
        return { sql: "lower(json_extract(c.data, '$.lifecycle')) = lower(?)", params: [cond.name] };
      case 'field':
        // The value as a person types it: a tick as true or false, a number as its digits.
        return {
          sql: `EXISTS (SELECT 1 FROM json_each(c.data, '$.custom_fields') f WHERE json_extract(f.value, '$.name') = ?
            AND CASE json_type(f.value, '$.value') WHEN 'true' THEN 'true' WHEN 'false' THEN 'false' ELSE CAST(json_extract(f.value, '$.value') AS TEXT) END = ?)`,
          params: [cond.slug, cond.value],
        };
      case 'nothing':
        return { sql: '0', params: [] };
    }
  });
  return join(parts);
}

/** A list as list-positions.ts keeps it: its SQL, and whether it is a search (its members follow messages). */
const listSql = (conds: readonly ListCond[]): ListSql => ({ ...listWhere(conds), byText: conds.some((c) => c.kind === 'text') });

/** The same list over `contact_counts k`, or null when it has a condition the counts do not keep. */
function countsWhere(conds: readonly ListCond[]): Where | null {
  const parts: Where[] = [];
  for (const cond of conds) {
    if (cond.kind === 'status') parts.push({ sql: 'k.status = ?', params: [cond.status] });
    else if (cond.kind === 'assignee') parts.push({ sql: 'k.assignee_id = ?', params: [cond.id ?? ''] });
    else if (cond.kind === 'team') parts.push({ sql: 'k.assignee_id IN (SELECT id FROM users WHERE team_id = ?)', params: [cond.id] });
    else if (cond.kind === 'nothing') parts.push({ sql: '0', params: [] });
    else return null;
  }
  return join(parts);
}

const totals = new WeakMap<Cache, { version: number; counts: Map<string, number> }>();
/**
 * COUNT(*) of a list the kept counts cannot answer, remembered per Cache.listVersion; once counted, a
 * list (not a search) has it followed through contacts' writes by `cache.positions`, so a page or the
 * sidebar's count after a `changed` event does not scan the contacts again (tens of ms at 100,000).
 */
function countByScan(cache: Cache, list: ListSql): number {
  const w: Where = list;
  const followed = cache.positions.totalOf(list);
  if (followed !== null) return followed;
  let memo = totals.get(cache);
  if (!memo || memo.version !== cache.listVersion) totals.set(cache, (memo = { version: cache.listVersion, counts: new Map() }));
  const key = `${w.sql}\u0000${JSON.stringify(w.params)}`;
  let n = memo.counts.get(key);
  if (n === undefined) {
    n = cache.get<{ n: number }>(`SELECT COUNT(*) AS n FROM contacts c WHERE ${w.sql}`, ...w.params)!.n;
    memo.counts.set(key, n);
  }
  cache.positions.setTotal(list, n);
  return n;
}

/** How many contacts a list holds: a sum of a few kept counts, or a (remembered) scan. */
function countList(cache: Cache, conds: readonly ListCond[]): number {
  const k = countsWhere(conds);
  if (!k) return countByScan(cache, listSql(conds));
  return cache.get<{ n: number }>(`SELECT COALESCE(SUM(k.n), 0) AS n FROM contact_counts k WHERE ${k.sql}`, ...k.params)!.n;
}

/**
 * A row of a list's page as JSON: the contact's stored text (JSON.stringify's, so its last character closes it) with what
 * the list shows beside it: its writes waiting and refused (`o`, the outbox by contact) and whether it has unread notifications.
 */
const LIST_ROW_JSON = `substr(c.data, 1, length(c.data) - 1) || ',"pending":' || COALESCE(o.pending, 0) || ',"failed":' || COALESCE(o.failed, 0)
  || ',"unread":' || CASE WHEN EXISTS (SELECT 1 FROM notifications n WHERE n.contact_id = c.id AND n.unread = 1) THEN 'true' ELSE 'false' END || '}'`;

/**
 * One page of a list as the FROM of its SQL: its rows (`c`) with their outbox marks (`o`). After or before a row, the
 * list's index is entered at that row (keyset); by position, at the list's nearest anchor (list-positions.ts), which
 * needs its total. Rows before a row are read oldest first: the page's SQL orders them newest first again.
 */
function pageFrom(cache: Cache, conds: readonly ListCond[], total: number, p: ListPage, limit: number): Where {
  const w = listWhere(conds);
  const rows = (x: Where, order: string, skip = 0): Where => ({
    // The outbox has no index by contact: read once for the page (it is small but for a long time offline), not once a row.
    sql: `(SELECT c.id, c.last_activity_at, c.data FROM contacts c WHERE ${x.sql} ${order} LIMIT ? OFFSET ?) c
      LEFT JOIN (SELECT contact_id, SUM(state = 'pending') AS pending, SUM(state = 'failed') AS failed FROM outbox GROUP BY contact_id) o
      ON o.contact_id = c.id`,
    params: [...x.params, limit, skip],
  });
  if (p.after) return rows(join([w, { sql: '(c.last_activity_at, c.id) < (?, ?)', params: [p.after.last_activity_at, p.after.id] }]), NEWEST_FIRST);
  if (p.before) return rows(join([w, { sql: '(c.last_activity_at, c.id) > (?, ?)', params: [p.before.last_activity_at, p.before.id] }]), OLDEST_FIRST);
  const { from, skip } = cache.positions.seek(listSql(conds), p.offset ?? 0, total);
  return rows(atOrAfter(w, from), NEWEST_FIRST, skip);
}

export interface ListPage {
  inbox: string;
  status?: string;
  q?: string;
  offset?: number;
  after?: ListCursor;
  before?: ListCursor;
  limit?: number;
}

function listConds(cache: Cache, me: string, p: Pick<ListPage, 'inbox' | 'status' | 'q'>): ListCond[] {
  const conds = inboxConds(cache, me, p.inbox as InboxKey);
  if (p.status) conds.push({ kind: 'status', status: p.status });
  if (p.q && ftsQuery(p.q)) conds.push({ kind: 'text', q: p.q });
  return conds;
}

/**
 * The lists the inbox opens on, walked ahead while the app is idle once the cache is ready: each inbox's open tab, then
 * their closed tabs; the list the user was last on first.
 */
export function expectLists(cache: Cache, me: string, inboxes: readonly string[], last?: { inbox: string; status: string }): void {
  const tabs = [...(last ? [last] : []), ...['open', 'closed'].flatMap((status) => inboxes.map((inbox) => ({ inbox, status })))];
  cache.expectLists(tabs.map((t) => listSql(listConds(cache, me, t))));
}

/** A contact's index in a list (newest first), or null when the list does not hold it. */
export function positionInList(cache: Cache, me: string, p: Pick<ListPage, 'inbox' | 'status' | 'q'>, contactId: string): number | null {
  const list = listSql(listConds(cache, me, p));
  const w: Where = list;
  const row = cache.get<{ at: number; id: string }>(
    `SELECT c.last_activity_at AS at, c.id FROM contacts c WHERE ${w.sql} AND c.id = ?`,
    ...w.params,
    contactId,
  );
  if (!row) return null;
  // Counted from the list's nearest anchor when it is kept (list-positions.ts), not from its first row.
  return cache.positions.rowsBefore(list, { last_activity_at: row.at, id: row.id });
}

/** Messages of a contact looked at for the one a search matched (its newest ones). */
const MATCH_LOOKBACK = 200;

/** The newest message of a contact matching the search, to show instead of its last message. */
function matchingMessage(cache: Cache, contactId: string, q: string): InboxRow['match'] {
  const recent = cache.all<{ data: string }>('SELECT data FROM messages WHERE contact_id = ? ORDER BY created_at DESC LIMIT ?', contactId, MATCH_LOOKBACK);
  for (const r of recent) {
    const m = JSON.parse(r.data) as Message;
    if (matchesAll(m.text, q)) return { text: m.text, direction: m.direction, created_at: m.created_at };
  }
  return null;
}

/**
 * A page of a list, written as JSON from the rows' stored texts: joined by SQLite into one string (a string a row and an
 * object a row, joined here, were most of a page's garbage); a searched list's rows get their matching message here.
 */
export function conversations(cache: Cache, me: string, p: ListPage): JsonText<{ items: InboxRow[]; total: number }> {
  const conds = listConds(cache, me, p);
  // Kept from its first page on (by position or by keyset): walked ahead, its total followed through writes (list-positions.ts).
  cache.positions.asked(listSql(conds));
  const total = countList(cache, conds);
  const from = pageFrom(cache, conds, total, p, p.limit ?? 100);
  const searched = p.q && ftsQuery(p.q) ? p.q : null;
  if (!searched) {
    // (The total cast: better-sqlite3 binds a number as a real, which SQLite would write as 123.0.)
    const page = cache.get<{ page: string }>(
      `SELECT '{"items":[' || COALESCE(group_concat(${LIST_ROW_JSON}, ',' ${NEWEST_FIRST}), '') || '],"total":' || CAST(? AS INTEGER) || '}' AS page
       FROM ${from.sql}`,
      total,
      ...from.params,
    )!.page;
    return new JsonText(page);
  }
  const rows = cache.all<{ id: string; json: string }>(`SELECT c.id, ${LIST_ROW_JSON} AS json FROM ${from.sql} ${NEWEST_FIRST}`, ...from.params);
  const items = rows.map((r) => withMembers(r.json, { match: JSON.stringify(matchingMessage(cache, r.id, searched)) }));
  return new JsonText(`{"items":[${items.join(',')}],"total":${total}}`);
}

export function inboxSummaries(cache: Cache, me: string, keys: readonly string[]): (InboxSummary & { unread: boolean })[] {
  const teams = new Map(
    cache.all<{ id: string; data: string }>('SELECT id, data FROM teams').map((t) => [t.id, (JSON.parse(t.data) as { name: string }).name]),
  );
  const customs = parse<CustomInbox>(cache.all('SELECT data FROM custom_inboxes'));
  const names: Record<string, string> = { all: 'All', mine: 'Mine', unassigned: 'Unassigned' };
  const count = (key: InboxKey) => countList(cache, [...inboxConds(cache, me, key), { kind: 'status', status: 'open' }]);
  // From the unread notifications to their contacts (CROSS JOIN keeps that order): otherwise SQLite walks a team's or the
  // unassigned's index entry by entry looking for one (a few ms each at 100,000 contacts, after every change).
  const unread = (key: InboxKey) => {
    const w = listWhere(inboxConds(cache, me, key));
    return !!cache.get(`SELECT 1 FROM notifications n CROSS JOIN contacts c ON c.id = n.contact_id WHERE n.unread = 1 AND ${w.sql} LIMIT 1`, ...w.params);
  };
  const out: (InboxSummary & { unread: boolean })[] = keys.map((key) => {
    const team = key.startsWith('team:') ? teams.get(key.slice(5)) : undefined;
    return { key, name: team ?? names[key] ?? key, kind: team ? 'team' : (key as 'all'), open_count: count(key as InboxKey), unread: unread(key as InboxKey) };
  });
  for (const c of customs.sort((a, b) => a.name.localeCompare(b.name))) {
    out.push({ key: `custom:${c.id}`, name: c.name, kind: 'custom', open_count: count(`custom:${c.id}`), unread: unread(`custom:${c.id}`) });
  }
  return out;
}

export function contactDetail(cache: Cache, id: string) {
  const contact = cache.entities.get('contact', id);
  if (!contact) return null;
  const conversations = parse<Conversation>(cache.all('SELECT data FROM conversations WHERE contact_id = ? ORDER BY opened_at DESC', id));
  // (A refused message or comment shows in the thread, where it was written.)
  const failed_writes = failedWritesOf(cache, id);
  return { contact, conversations, failed_writes };
}

/** Messages, comments and events of a contact in time order, the newest `limit`, with pending and failed writes. */
export function thread(cache: Cache, contactId: string, limit: number): ThreadEntry[] {
  // A message or comment written here and not yet accepted: its id is the one its outbox row created.
  const local = new Map<string, { outbox_id: string; outbox_error: string | null }>();
  for (const r of localWritesOf(cache, contactId)) {
    for (const u of JSON.parse(r.undo) as { entity: string; id: string }[]) {
      if (u.entity === 'message' || u.entity === 'comment') local.set(u.id, { outbox_id: r.client_id, outbox_error: r.error });
    }
  }
  const rows = cache.all<{ type: string; at: number; id: string; data: string }>(
    `SELECT * FROM (
       SELECT 'message' AS type, created_at AS at, id, data FROM messages WHERE contact_id = ?
       UNION ALL SELECT 'comment', created_at, id, data FROM comments WHERE contact_id = ?
       UNION ALL SELECT 'event', created_at, id, data FROM events WHERE contact_id = ?
     ) ORDER BY at DESC, id DESC LIMIT ?`,
    contactId,
    contactId,
    contactId,
    limit,
  );
  return rows.reverse().map((r): ThreadEntry => {
    const outbox = local.get(r.id) ?? { outbox_id: null, outbox_error: null };
    if (r.type === 'message') return { type: 'message', at: r.at, message: withFields<Message, typeof outbox>(r.data, outbox) };
    if (r.type === 'comment')
      return { type: 'comment', at: r.at, comment: withFields<Comment, typeof outbox & { pending: boolean }>(r.data, { pending: local.has(r.id), ...outbox }) };
    return { type: 'event', at: r.at, event: JSON.parse(r.data) };
  });
}

/** Contacts and messages matching a search box, written as JSON from the rows' stored texts. */
export function search(cache: Cache, q: string, limit: number): JsonText<{ contacts: Contact[]; messages: { message: Message; contact_name: string }[] }> {
  const fts = ftsQuery(q);
  if (!fts) return new JsonText('{"contacts":[],"messages":[]}');
  // The newest matching rows by rowid, without FTS5 gathering a common word's every row first (newestMatching).
  const contacts = cache.all<{ data: string }>(
    'SELECT c.data FROM contacts c WHERE c.rowid IN (SELECT value FROM json_each(?)) ORDER BY c.last_activity_at DESC, c.rowid DESC',
    JSON.stringify(newestMatching(cache, CONTACT_TEXT, q, limit)),
  );
  const messages = cache.all<{ data: string; name: string }>(
    `SELECT m.data, c.data->>'name' AS name FROM messages m JOIN contacts c ON c.id = m.contact_id
     WHERE m.rowid IN (SELECT value FROM json_each(?)) ORDER BY m.created_at DESC`,
    JSON.stringify(newestMatching(cache, MESSAGE_TEXT, q, limit)),
  );
  return new JsonText(
    `{"contacts":[${contacts.map((r) => r.data).join(',')}],"messages":[${messages.map((r) => `{"message":${r.data},"contact_name":${JSON.stringify(r.name)}}`).join(',')}]}`,
  );
}

export const users = (cache: Cache) => parse<User>(cache.all('SELECT data FROM users ORDER BY name, id'));
export const teams = (cache: Cache) =>
  parse<{ id: string; name: string; created_at: number }>(cache.all('SELECT data FROM teams')).sort((a, b) => a.name.localeCompare(b.name));
export const channels = (cache: Cache) =>
  parse<{ id: string; name: string; kind: 'custom' }>(cache.all('SELECT data FROM channels')).sort((a, b) => a.name.localeCompare(b.name));
/** The workspace's closing categories, archived ones too (cached before archiving existed: not archived). */
export const closingCategories = (cache: Cache): ClosingCategory[] =>
  parse<ClosingCategory>(cache.all('SELECT data FROM closing_categories ORDER BY position, id')).map((c) => ({ ...c, archived: c.archived ?? false }));
export const customInboxes = (cache: Cache) => parse<CustomInbox>(cache.all('SELECT data FROM custom_inboxes')).sort((a, b) => a.name.localeCompare(b.name));
export const settings = (cache: Cache): WorkspaceSettings | null => cache.entities.get('settings', 'workspace');
export const user = (cache: Cache, id: string): User | null => cache.entities.get('user', id);

export function notifications(cache: Cache, tab: 'new' | 'archived' | 'all', limit: number) {
  const where = tab === 'new' ? 'archived = 0' : tab === 'archived' ? 'archived = 1' : '1';
  const items = parse<Notification>(cache.all(`SELECT data FROM notifications WHERE ${where} ORDER BY created_at DESC, id DESC LIMIT ?`, limit));
  return { items, unread: unreadCount(cache) };
}

export const unreadCount = (cache: Cache) => cache.get<{ n: number }>('SELECT COUNT(*) AS n FROM notifications WHERE unread = 1')!.n;

/** The notifications in New (not archived), to archive them all. */
export const newNotifications = (cache: Cache) => parse<Notification>(cache.all('SELECT data FROM notifications WHERE archived = 0'));

/** The ids of a contact's unread notifications. */
export const unreadNotificationsOf = (cache: Cache, contactId: string) =>
  cache.all<{ id: string }>('SELECT id FROM notifications WHERE contact_id = ? AND unread = 1', contactId).map((n) => n.id);

/** The breaches still open that this supervisor was told of (Needs attention items not ended), by contact. */
export function openBreaches(cache: Cache): Map<string, { rule: AlertRule; due_at: number }[]> {
  const items = parse<Notification>(
    cache.all("SELECT data FROM notifications WHERE json_extract(data, '$.kind') = 'needs_attention' AND json_extract(data, '$.alert.ended_at') IS NULL"),
  );
  const out = new Map<string, { rule: AlertRule; due_at: number }[]>();
  for (const n of items) {
    if (!n.alert || n.contact_id === null) continue;
    const list = out.get(n.contact_id) ?? [];
    if (!list.some((b) => b.rule === n.alert!.rule)) list.push({ rule: n.alert.rule, due_at: n.alert.due_at });
    out.set(n.contact_id, list);
  }
  return out;
}

/** How many breaches are open (the tray badge of a supervisor). */
export const openBreachCount = (cache: Cache) => [...openBreaches(cache).values()].reduce((n, list) => n + list.length, 0);

/**
 * The Contacts widget: open conversations breaking an alert rule first (the longest overdue first),
 * then the rest, longest open first; for a team or one assignee (an agent, or 'unassigned').
 */
export function dashboardOpen(cache: Cache, now: number, filter: { teamId?: string; assignee?: string }, limit: number) {
  const s = settings(cache);
  const conds: ListCond[] = [{ kind: 'status', status: 'open' }];
  if (filter.teamId) conds.push({ kind: 'team', id: filter.teamId });
  if (filter.assignee) conds.push({ kind: 'assignee', id: filter.assignee === 'unassigned' ? null : filter.assignee });
  const j = listWhere(conds);
  const breaches = openBreaches(cache);
  const read = (extra: Where, n: number) =>
    cache.all<{ cdata: string; vdata: string }>(
      `SELECT c.data AS cdata, v.data AS vdata FROM contacts c JOIN conversations v ON v.id = c.conversation_id
       WHERE ${j.sql} AND ${extra.sql} ORDER BY v.opened_at ASC, v.id ASC LIMIT ?`,
      ...j.params,
      ...extra.params,
      n,
    );
  const ids = [...breaches.keys()];
  const breached: Where = ids.length ? { sql: `c.id IN (${ids.map(() => '?').join(', ')})`, params: ids } : { sql: '0', params: [] };
  const first = read(breached, limit);
  const rest = read({ sql: `NOT (${breached.sql})`, params: breached.params }, limit - first.length);
  const overdue = (contactId: string) => now - Math.min(...(breaches.get(contactId) ?? []).map((b) => b.due_at));
  const rows = [...first, ...rest].map((r) => {
    const contact = JSON.parse(r.cdata) as Contact;
    const conversation = JSON.parse(r.vdata) as Conversation;
    const list = breaches.get(contact.id) ?? [];
    return { contact, conversation, open_for_ms: Math.max(0, now - conversation.opened_at), over_threshold: list.length > 0, breaches: list };
  });
  rows.sort((a, b) => (b.breaches.length ? overdue(b.contact.id) : -1) - (a.breaches.length ? overdue(a.contact.id) : -1));
  return { items: rows, total: countList(cache, conds), threshold_hours: s?.open_too_long_hours ?? 2 };
}

export function dashboardMembers(cache: Cache, teamId?: string, status?: string) {
  const counts = new Map(
    cache.all<{ a: string; n: number }>("SELECT assignee_id AS a, n FROM contact_counts WHERE status = 'open' AND assignee_id <> ''").map((r) => [r.a, r.n]),
  );
  return users(cache)
    .filter((u) => !u.deactivated && (!teamId || u.team_id === teamId) && (!status || u.status === status))
    .map((u) => ({ user: u, open_assigned: counts.get(u.id) ?? 0 }));
}

export function dashboardSummary(cache: Cache, now: number, tzOffsetMinutes: number) {
  const periods = dashboardPeriods(now, tzOffsetMinutes);
  const conversations = {} as Record<keyof typeof periods, { opened: number; closed: number }>;
  for (const [k, [from, to]] of Object.entries(periods) as [keyof typeof periods, readonly [number, number]][]) {
    const opened = cache.get<{ n: number }>('SELECT COUNT(*) AS n FROM conversations WHERE opened_at >= ? AND opened_at < ?', from, to)!.n;
    const closed = cache.get<{ n: number }>('SELECT COUNT(*) AS n FROM conversations WHERE closed_at >= ? AND closed_at < ?', from, to)!.n;
    conversations[k] = { opened, closed };
  }
  const since = averagesSince(now, tzOffsetMinutes);
  const avg = (expr: string, where: string) => {
    const r = cache.get<{ v: number | null }>(`SELECT AVG(${expr}) AS v FROM conversations WHERE ${where}`, since);
    return r?.v === null || r?.v === undefined ? null : Math.round(r.v);
  };
  const fr = "json_extract(data, '$.first_response_at')";
  return {
    figures: {
      open: countList(cache, [{ kind: 'status', status: 'open' }]),
      unassigned: countList(cache, [
        { kind: 'status', status: 'open' },
        { kind: 'assignee', id: null },
      ]),
      avg_first_response_ms: avg(`${fr} - opened_at`, `${fr} IS NOT NULL AND opened_at >= ?`),
      avg_resolution_ms: avg('closed_at - opened_at', 'closed_at IS NOT NULL AND closed_at >= ?'),
    },
    conversations,
  };
}
