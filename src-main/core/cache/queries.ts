// The queries the views make, over the cache. Lists are paged and sorted by last activity.
import type { InboxKey } from '../../../src-shared/access/visibility';
import type { InboxSummary } from '../../../src-shared/api/routes';
import type { InboxRow, ThreadEntry } from '../../../src-shared/desktop/api';
import { averagesSince, dashboardPeriods, HOUR_MS } from '../../../src-shared/dashboard';
import type { Contact, Conversation, CustomInbox, InboxFilter, Message, Notification, User, WorkspaceSettings } from '../../../src-shared/model';
import type { Cache } from './cache';

type Where = { sql: string; params: unknown[] };
const parse = <T>(rows: { data: string }[]): T[] => rows.map((r) => JSON.parse(r.data) as T);

/** Words of a search box as an FTS5 query: each word a quoted prefix, all must match. */
export function ftsQuery(text: string): string | null {
  const words = text.match(/[\p{L}\p{N}]+/gu);
  if (!words?.length) return null;
  return words.slice(0, 8).map((w) => `"${w}"*`).join(' ');
}

function teamMembers(cache: Cache, teamId: string): string[] {
  return cache.all<{ id: string }>('SELECT id FROM users WHERE team_id = ?', teamId).map((r) => r.id);
}

/**
 * A team's contacts. The unary + keeps SQLite from answering through the assignee index (one lookup
 * per member, then a sort of all of them): walking the activity index in order and filtering gives
 * a page at once.
 */
function inList(column: string, ids: string[]): Where {
  return ids.length ? { sql: `+${column} IN (${ids.map(() => '?').join(', ')})`, params: ids } : { sql: '0', params: [] };
}

function searchWhere(q: string): Where | null {
  const fts = ftsQuery(q);
  if (!fts) return null;
  return {
    sql: `(c.rowid IN (SELECT rowid FROM contacts_fts WHERE contacts_fts MATCH ?)
      OR c.id IN (SELECT m.contact_id FROM messages_fts JOIN messages m ON m.rowid = messages_fts.rowid WHERE messages_fts MATCH ?))`,
    params: [fts, fts],
  };
}

function filterWhere(cache: Cache, me: string, f: InboxFilter): Where[] {
  const out: Where[] = [];
  if (f.status) out.push({ sql: 'c.status = ?', params: [f.status] });
  if (f.assignee === 'me') out.push({ sql: 'c.assignee_id = ?', params: [me] });
  else if (f.assignee === 'unassigned') out.push({ sql: 'c.assignee_id IS NULL', params: [] });
  else if (f.assignee) out.push({ sql: 'c.assignee_id = ?', params: [f.assignee] });
  if (f.team_id) out.push(inList('c.assignee_id', teamMembers(cache, f.team_id)));
  if (f.channel_id) out.push({ sql: 'c.channel_id = ?', params: [f.channel_id] });
  if (f.text) {
    const s = searchWhere(f.text);
    if (s) out.push(s);
  }
  return out;
}

function inboxWhere(cache: Cache, me: string, inbox: InboxKey): Where[] {
  if (inbox === 'all') return [];
  if (inbox === 'mine') return [{ sql: 'c.assignee_id = ?', params: [me] }];
  if (inbox === 'unassigned') return [{ sql: 'c.assignee_id IS NULL', params: [] }];
  if (inbox.startsWith('team:')) return [inList('c.assignee_id', teamMembers(cache, inbox.slice(5)))];
  const custom = cache.get<{ data: string }>('SELECT data FROM custom_inboxes WHERE id = ?', inbox.slice(7));
  if (!custom) return [{ sql: '0', params: [] }];
  return filterWhere(cache, me, (JSON.parse(custom.data) as CustomInbox).filter);
}

const totals = new WeakMap<Cache, { version: number; counts: Map<string, number> }>();
/** COUNT(*) of a list, remembered until a contact, user or custom inbox changes (the list asks for it with every page). */
function countContacts(cache: Cache, w: { sql: string; params: unknown[] }): number {
  let memo = totals.get(cache);
  if (!memo || memo.version !== cache.listVersion) totals.set(cache, (memo = { version: cache.listVersion, counts: new Map() }));
  const key = `${w.sql}\u0000${JSON.stringify(w.params)}`;
  let n = memo.counts.get(key);
  if (n === undefined) {
    n = cache.get<{ n: number }>(`SELECT COUNT(*) AS n FROM contacts c WHERE ${w.sql}`, ...w.params)!.n;
    memo.counts.set(key, n);
  }
  return n;
}

const join = (w: Where[]) => ({ sql: w.length ? w.map((x) => x.sql).join(' AND ') : '1', params: w.flatMap((x) => x.params) });

export function conversations(cache: Cache, me: string, q: { inbox: string; status?: string; q?: string; offset?: number; limit?: number }) {
  const where = inboxWhere(cache, me, q.inbox as InboxKey);
  if (q.status) where.push({ sql: 'c.status = ?', params: [q.status] });
  if (q.q) {
    const s = searchWhere(q.q);
    if (s) where.push(s);
  }
  const w = join(where);
  // The page's rows are found on the index alone, then read: deep offsets skip index entries, not rows.
  const rows = cache.all<{ data: string; pending: number; unread: number }>(
    `SELECT c.data,
       (SELECT COUNT(*) FROM outbox o WHERE o.contact_id = c.id) AS pending,
       EXISTS (SELECT 1 FROM notifications n WHERE n.contact_id = c.id AND n.unread = 1) AS unread
     FROM contacts c WHERE c.rowid IN (
       SELECT c.rowid FROM contacts c WHERE ${w.sql} ORDER BY c.last_activity_at DESC, c.id DESC LIMIT ? OFFSET ?)
     ORDER BY c.last_activity_at DESC, c.id DESC`,
    ...w.params, q.limit ?? 100, q.offset ?? 0,
  );
  const total = countContacts(cache, w);
  const items: InboxRow[] = rows.map((r) => ({ ...(JSON.parse(r.data) as Contact), pending: r.pending, unread: !!r.unread }));
  return { items, total };
}

export function inboxSummaries(cache: Cache, me: string, keys: readonly string[]): (InboxSummary & { unread: boolean })[] {
  const teams = new Map(cache.all<{ id: string; data: string }>('SELECT id, data FROM teams').map((t) => [t.id, (JSON.parse(t.data) as { name: string }).name]));
  const customs = parse<CustomInbox>(cache.all('SELECT data FROM custom_inboxes'));
  const names: Record<string, string> = { all: 'All', mine: 'Mine', unassigned: 'Unassigned' };
  const count = (key: InboxKey) => {
    return countContacts(cache, join([...inboxWhere(cache, me, key), { sql: "c.status = 'open'", params: [] }]));
  };
  const unread = (key: InboxKey) => {
    const w = join([...inboxWhere(cache, me, key), { sql: 'c.id IN (SELECT contact_id FROM notifications WHERE unread = 1)', params: [] }]);
    return !!cache.get(`SELECT 1 FROM contacts c WHERE ${w.sql} LIMIT 1`, ...w.params);
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
  const contact = cache.contact(id);
  if (!contact) return null;
  const conversations = parse<Conversation>(cache.all('SELECT data FROM conversations WHERE contact_id = ? ORDER BY opened_at DESC', id));
  return { contact, conversations };
}

/** Messages, comments and events of a contact in time order, the newest `limit`, with pending and failed writes. */
export function thread(cache: Cache, contactId: string, limit: number): ThreadEntry[] {
  const errors = new Map(
    cache.all<{ client_id: string; kind: string; error: string | null }>("SELECT client_id, kind, error FROM outbox WHERE contact_id = ? AND kind IN ('message', 'comment')", contactId).map((r) => [
      `${r.kind === 'message' ? 'm' : 'k'}_${r.client_id}`,
      r.error,
    ]),
  );
  const rows = cache.all<{ type: string; at: number; id: string; data: string }>(
    `SELECT * FROM (
       SELECT 'message' AS type, created_at AS at, id, data FROM messages WHERE contact_id = ?
       UNION ALL SELECT 'comment', created_at, id, data FROM comments WHERE contact_id = ?
       UNION ALL SELECT 'event', created_at, id, data FROM events WHERE contact_id = ?
     ) ORDER BY at DESC, id DESC LIMIT ?`,
    contactId, contactId, contactId, limit,
  );
  return rows.reverse().map((r): ThreadEntry => {
    const d = JSON.parse(r.data);
    if (r.type === 'message') return { type: 'message', at: r.at, message: { ...d, outbox_error: errors.get(r.id) ?? null } };
    if (r.type === 'comment') return { type: 'comment', at: r.at, comment: { ...d, pending: errors.has(r.id), outbox_error: errors.get(r.id) ?? null } };
    return { type: 'event', at: r.at, event: d };
  });
}

export function search(cache: Cache, q: string, limit: number) {
  const fts = ftsQuery(q);
  if (!fts) return { contacts: [], messages: [] };
  // Newest rows first by rowid: FTS5 walks its index in that order and stops at the limit.
  const contacts = parse<Contact>(
    cache.all(
      `SELECT c.data FROM (SELECT rowid FROM contacts_fts WHERE contacts_fts MATCH ? ORDER BY rowid DESC LIMIT ?) f JOIN contacts c ON c.rowid = f.rowid`,
      fts, limit,
    ),
  ).sort((a, b) => b.last_activity_at - a.last_activity_at);
  const messages = cache
    .all<{ data: string; cdata: string }>(
      `SELECT m.data, c.data AS cdata FROM (SELECT rowid FROM messages_fts WHERE messages_fts MATCH ? ORDER BY rowid DESC LIMIT ?) f
       JOIN messages m ON m.rowid = f.rowid JOIN contacts c ON c.id = m.contact_id ORDER BY m.created_at DESC`,
      fts, limit,
    )
    .map((r) => ({ message: JSON.parse(r.data) as Message, contact_name: (JSON.parse(r.cdata) as Contact).name }));
  return { contacts, messages };
}

export const users = (cache: Cache) => parse<User>(cache.all('SELECT data FROM users ORDER BY name, id'));
export const teams = (cache: Cache) => parse<{ id: string; name: string; created_at: number }>(cache.all('SELECT data FROM teams')).sort((a, b) => a.name.localeCompare(b.name));
export const channels = (cache: Cache) => parse<{ id: string; name: string; kind: 'custom' }>(cache.all('SELECT data FROM channels')).sort((a, b) => a.name.localeCompare(b.name));
export const closingCategories = (cache: Cache) => parse<{ id: string; name: string; position: number }>(cache.all('SELECT data FROM closing_categories ORDER BY position, id'));
export const customInboxes = (cache: Cache) => parse<CustomInbox>(cache.all('SELECT data FROM custom_inboxes')).sort((a, b) => a.name.localeCompare(b.name));
export const settings = (cache: Cache): WorkspaceSettings | null => {
  const r = cache.get<{ data: string }>("SELECT data FROM settings WHERE id = 'workspace'");
  return r ? (JSON.parse(r.data) as WorkspaceSettings) : null;
};
export const user = (cache: Cache, id: string): User | null => {
  const r = cache.get<{ data: string }>('SELECT data FROM users WHERE id = ?', id);
  return r ? (JSON.parse(r.data) as User) : null;
};

export function notifications(cache: Cache, tab: 'new' | 'archived' | 'all', limit: number) {
  const where = tab === 'new' ? 'archived = 0' : tab === 'archived' ? 'archived = 1' : '1';
  const items = parse<Notification>(cache.all(`SELECT data FROM notifications WHERE ${where} ORDER BY created_at DESC, id DESC LIMIT ?`, limit));
  return { items, unread: unreadCount(cache) };
}

export const unreadCount = (cache: Cache) => cache.get<{ n: number }>('SELECT COUNT(*) AS n FROM notifications WHERE unread = 1')!.n;

export function dashboardOpen(cache: Cache, now: number, teamId: string | undefined, limit: number) {
  const s = settings(cache);
  const threshold = (s?.open_too_long_hours ?? 2) * HOUR_MS;
  const w: Where[] = [{ sql: "c.status = 'open'", params: [] }];
  if (teamId) w.push(inList('c.assignee_id', teamMembers(cache, teamId)));
  const j = join(w);
  const rows = cache.all<{ cdata: string; vdata: string }>(
    `SELECT c.data AS cdata, v.data AS vdata FROM contacts c JOIN conversations v ON v.id = c.conversation_id
     WHERE ${j.sql} ORDER BY v.opened_at ASC, v.id ASC LIMIT ?`,
    ...j.params, limit,
  );
  const total = cache.get<{ n: number }>(`SELECT COUNT(*) AS n FROM contacts c WHERE ${j.sql}`, ...j.params)!.n;
  return {
    items: rows.map((r) => {
      const conversation = JSON.parse(r.vdata) as Conversation;
      const openFor = Math.max(0, now - conversation.opened_at);
      return { contact: JSON.parse(r.cdata) as Contact, conversation, open_for_ms: openFor, over_threshold: openFor > threshold };
    }),
    total,
    threshold_hours: s?.open_too_long_hours ?? 2,
  };
}

export function dashboardMembers(cache: Cache, teamId?: string, status?: string) {
  const counts = new Map(
    cache.all<{ a: string; n: number }>("SELECT assignee_id AS a, COUNT(*) AS n FROM contacts WHERE status = 'open' AND assignee_id IS NOT NULL GROUP BY assignee_id").map((r) => [r.a, r.n]),
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
      open: cache.get<{ n: number }>("SELECT COUNT(*) AS n FROM contacts WHERE status = 'open'")!.n,
      unassigned: cache.get<{ n: number }>("SELECT COUNT(*) AS n FROM contacts WHERE status = 'open' AND assignee_id IS NULL")!.n,
      avg_first_response_ms: avg(`${fr} - opened_at`, `${fr} IS NOT NULL AND opened_at >= ?`),
      avg_resolution_ms: avg('closed_at - opened_at', 'closed_at IS NOT NULL AND closed_at >= ?'),
    },
    conversations,
  };
}
