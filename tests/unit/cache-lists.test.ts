// The cache's conversation lists against plain SQL over the same rows: kept counts, the assignee's
// team on each contact, and every way of asking for a page (by position from either end, after a
// row, before a row) give exactly the list, through assignments, closes, removals and team moves.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Cache } from '../../src-main/core/cache/cache';
import * as q from '../../src-main/core/cache/queries';
import { queries, type ListCursor } from '../../src-shared/desktop/api';

const ME = 'u_me';
const TEAMS = ['t_a', 't_b'];
const USERS = [ME, 'u_1', 'u_2', 'u_3', 'u_4'];

let dir: string;
let cache: Cache;
let seed = 7;
const rnd = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)];

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'ism-lists-'));
  cache = Cache.open(join(dir, 'c.sqlite'));
});
afterEach(() => {
  cache.close();
  rmSync(dir, { recursive: true, force: true });
});

const user = (id: string, team: string | null) => cache.entities.put('user', { id, name: id, team_id: team, role: 'agent' });
/** Few distinct times, so rows tie on last_activity_at and the id decides. */
const contact = (i: number, assignee: string | null, status: 'open' | 'closed') =>
  cache.entities.put('contact', {
    id: `c_${i}`,
    name: `Contact ${i}`,
    phone: null,
    email: null,
    channel_id: 'ch',
    assignee_id: assignee,
    status,
    conversation_id: null,
    last_activity_at: 1000 + Math.floor(rnd() * 40),
    last_message: null,
    last_message_direction: null,
    created_at: 1,
  });

function seedContacts(n: number): void {
  USERS.forEach((u, i) => user(u, TEAMS[i % 2]));
  // An assignee the cache does not know (yet): in no team.
  for (let i = 0; i < n; i++) contact(i, pick([...USERS, null, 'u_later']), pick(['open', 'closed'] as const));
}

const LISTS = [
  { inbox: 'all' },
  { inbox: 'all', status: 'open' },
  { inbox: 'mine', status: 'closed' },
  { inbox: 'unassigned' },
  { inbox: 'team:t_a' },
  { inbox: 'team:t_b', status: 'open' },
] as const;

/** The list as plain SQL: the team through the users table, sorted in full. */
function expected(list: (typeof LISTS)[number]): string[] {
  const where = ['1'];
  const params: unknown[] = [];
  if (list.inbox === 'mine') (where.push('c.assignee_id = ?'), params.push(ME));
  if (list.inbox === 'unassigned') where.push('c.assignee_id IS NULL');
  if (list.inbox.startsWith('team:')) (where.push('c.assignee_id IN (SELECT id FROM users WHERE team_id = ?)'), params.push(list.inbox.slice(5)));
  if ('status' in list) (where.push('c.status = ?'), params.push(list.status));
  return cache
    .all<{ id: string }>(`SELECT id FROM contacts c WHERE ${where.join(' AND ')} ORDER BY last_activity_at DESC, id DESC`, ...params)
    .map((r) => r.id);
}

const page = (list: (typeof LISTS)[number], at: { offset?: number; after?: ListCursor; before?: ListCursor }, limit: number) =>
  q.conversations(cache, ME, { ...list, ...at, limit }).value();
const cursor = (r: { last_activity_at: number; id: string }): ListCursor => ({ last_activity_at: r.last_activity_at, id: r.id });

function checkLists(): void {
  for (const list of LISTS) {
    const want = expected(list);
    const limit = 7;
    expect(page(list, {}, limit).total, JSON.stringify(list)).toBe(want.length);
    // By position, every page (the second half is counted from the end), and past the end.
    for (let offset = 0; offset <= want.length + limit; offset += 3) {
      expect(
        page(list, { offset }, limit).items.map((r) => r.id),
        `${JSON.stringify(list)} offset ${offset}`,
      ).toEqual(want.slice(offset, offset + limit));
    }
    // Forward after the last row of each page, and backward before the first.
    const forward: string[] = [];
    for (let p = page(list, {}, limit).items; p.length; p = page(list, { after: cursor(p[p.length - 1]) }, limit).items) forward.push(...p.map((r) => r.id));
    expect(forward).toEqual(want);
    const backward: string[] = [];
    const lastStart = Math.max(0, want.length - limit);
    for (let p = page(list, { offset: lastStart }, limit).items; p.length; p = page(list, { before: cursor(p[0]) }, limit).items)
      backward.unshift(...p.map((r) => r.id));
    expect(backward).toEqual(want);
  }
}

function checkKeptColumns(): void {
  const wrongTeam = cache.get<{ n: number }>(
    'SELECT COUNT(*) AS n FROM contacts c LEFT JOIN users u ON u.id = c.assignee_id WHERE c.assignee_team_id IS NOT u.team_id',
  )!.n;
  expect(wrongTeam).toBe(0);
  const counted = cache.all("SELECT COALESCE(assignee_id, '') AS a, status AS s, COUNT(*) AS n FROM contacts GROUP BY 1, 2 ORDER BY 1, 2");
  expect(cache.all('SELECT assignee_id AS a, status AS s, n FROM contact_counts WHERE n > 0 ORDER BY 1, 2')).toEqual(counted);
}

describe('conversation lists', () => {
  it('page by position, after a row and before a row, with kept totals, through changes', () => {
    seedContacts(120);
    checkKeptColumns();
    checkLists();
    for (let round = 0; round < 4; round++) {
      for (let k = 0; k < 40; k++) {
        const id = Math.floor(rnd() * 140);
        const existing = cache.entities.get('contact', `c_${id}`);
        if (existing && rnd() < 0.15) cache.removeContact(existing.id);
        else contact(id, pick([...USERS, null]), pick(['open', 'closed'] as const));
      }
      // Someone changes team, leaves, or joins after their contacts arrived.
      user(pick(USERS), pick([...TEAMS, null]));
      if (round === 1) cache.applyChanges([{ seq: 1, entity: 'user', op: 'delete', id: 'u_3', contact_id: null, data: null, at: 1 }], 0);
      if (round === 2) user('u_later', 't_b');
      checkKeptColumns();
      checkLists();
    }
  });

  it('answer the built-in totals without a scan, and a custom inbox with a channel by counting', () => {
    seedContacts(60);
    const open = expected({ inbox: 'all', status: 'open' }).length;
    expect(q.dashboardSummary(cache, 2000, 0).figures.open).toBe(open);
    cache.entities.put('custom_inbox', {
      id: 'ci',
      owner_id: ME,
      name: 'Channel',
      filter: { channel_id: 'ch', status: 'open' },
      sharing: 'private',
      shared_user_ids: [],
      shared_team_ids: [],
      created_at: 1,
    });
    const custom = q.conversations(cache, ME, { inbox: 'custom:ci', limit: 5 }).value();
    expect(custom.total).toBe(open);
    expect(
      q
        .conversations(cache, ME, { inbox: 'custom:ci', offset: open - 2, limit: 5 })
        .value()
        .items.map((r) => r.id),
    ).toEqual(expected({ inbox: 'all', status: 'open' }).slice(open - 2));
  });

  it("write each page as the stored rows' JSON with their writes waiting and refused and their unread notifications, byte for byte", () => {
    seedContacts(80);
    const ids = cache.all<{ id: string }>('SELECT id FROM contacts ORDER BY id').map((r) => r.id);
    // Writes waiting and refused for some contacts (several for a few), unread and read notifications for others.
    ids.forEach((id, i) => {
      for (let k = 0; k < i % 4; k++)
        cache.run(
          "INSERT INTO outbox (client_id, kind, contact_id, body, state, undo, created_at) VALUES (?, 'assign', ?, '{}', ?, '[]', 1)",
          `w_${i}_${k}`,
          id,
          k % 2 ? 'failed' : 'pending',
        );
      if (i % 3 === 0)
        cache.run('INSERT INTO notifications (id, contact_id, created_at, unread, archived, data) VALUES (?, ?, 1, ?, 0, ?)', `n_${i}`, id, i % 2, '{}');
    });
    const marks = (id: string) => {
      const i = ids.indexOf(id);
      const pending = Math.ceil((i % 4) / 2);
      return `"pending":${pending},"failed":${(i % 4) - pending},"unread":${i % 3 === 0 && i % 2 === 1}`;
    };
    const stored = new Map(cache.all<{ id: string; data: string }>('SELECT id, data FROM contacts').map((r) => [r.id, r.data]));
    const text = (rows: string[], total: number) =>
      `{"items":[${rows.map((id) => `${stored.get(id)!.slice(0, -1)},${marks(id)}}`).join(',')}],"total":${total}}`;
    for (const list of LISTS) {
      const want = expected(list);
      for (const offset of [0, 5, want.length - 3, want.length + 2])
        expect(q.conversations(cache, ME, { ...list, offset, limit: 9 }).text).toBe(text(want.slice(Math.max(0, offset), offset + 9), want.length));
      if (want.length < 12) continue;
      const at = (i: number) => cursor(JSON.parse(stored.get(want[i])!) as { last_activity_at: number; id: string });
      expect(q.conversations(cache, ME, { ...list, after: at(2), limit: 9 }).text).toBe(text(want.slice(3, 12), want.length));
      expect(q.conversations(cache, ME, { ...list, before: at(11), limit: 9 }).text).toBe(text(want.slice(2, 11), want.length));
    }
  });

  it('are empty after must_refetch wipes the cache', () => {
    seedContacts(30);
    cache.wipeData();
    expect(cache.all('SELECT * FROM contact_counts WHERE n <> 0')).toEqual([]);
    expect(q.conversations(cache, ME, { inbox: 'all', limit: 10 }).value()).toEqual({ items: [], total: 0 });
  });
});

describe('the conversations query', () => {
  it('takes one of a position, a row to go on after, or a row to go back before', () => {
    const parse = (input: object) => queries.conversations.input.safeParse({ inbox: 'all', ...input }).success;
    const row = { last_activity_at: 5, id: 'c_1' };
    expect([parse({}), parse({ offset: 200 }), parse({ after: row }), parse({ before: row })]).toEqual([true, true, true, true]);
    expect([
      parse({ after: row, before: row }),
      parse({ offset: 100, after: row }),
      parse({ after: { id: 'c_1' } }),
      parse({ before: { ...row, id: 'not an id!' } }),
    ]).toEqual([false, false, false, false]);
  });
});
