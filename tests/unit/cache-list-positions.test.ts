// Pages of a conversation list by position (as the list asks after a `changed` event) start at the
// list's anchors (list-positions.ts), which contacts' writes move instead of walking the list again:
// against plain SQL over the same rows, every page stays exactly the list while contacts move,
// close, change hands, arrive and go, users change team, messages arrive and writes are undone.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Cache } from '../../src-main/core/cache/cache';
import * as q from '../../src-main/core/cache/queries';

const ME = 'u_me';
const TEAMS = ['t_a', 't_b'];
const USERS = [ME, 'u_1', 'u_2', 'u_3'];
const LISTS = [
  { inbox: 'all' },
  { inbox: 'all', status: 'open' },
  { inbox: 'mine', status: 'closed' },
  { inbox: 'unassigned', status: 'open' },
  { inbox: 'team:t_a' },
  { inbox: 'all', q: 'wanted' },
  // A custom inbox on a channel: its total is a count of the rows (no kept counts), followed through writes once its pages are asked.
  { inbox: 'custom:ci_second' },
] as const;
type List = (typeof LISTS)[number];

let dir: string;
let cache: Cache;
let seed = 11;
const rnd = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)];

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'ism-positions-'));
  // Anchors 7 rows apart: a few hundred contacts give each list dozens of them.
  cache = Cache.open(join(dir, 'c.sqlite'), { listStep: 7 });
});
afterEach(() => {
  cache.close();
  rmSync(dir, { recursive: true, force: true });
});

const user = (id: string, team: string | null) => cache.entities.put('user', { id, name: id, team_id: team, role: 'agent' });
/** Few distinct times, so rows tie on last_activity_at and the id decides. */
const contact = (i: number) =>
  cache.entities.put('contact', {
    id: `c_${i}`,
    name: `Contact ${i}${rnd() < 0.3 ? ' wanted' : ''}`,
    phone: null,
    email: null,
    channel_id: pick(['ch', 'ch_second']),
    tags: rnd() < 0.3 ? [pick(['VIP', 'vip', 'late'])] : [],
    assignee_id: pick([...USERS, null]),
    status: pick(['open', 'closed']),
    conversation_id: null,
    last_activity_at: 1000 + Math.floor(rnd() * 60),
    last_message: null,
    last_message_direction: null,
    created_at: 1,
  });
const secondChannelInbox = () =>
  cache.entities.put('custom_inbox', {
    id: 'ci_second',
    owner_id: ME,
    name: 'Second channel, open',
    filter: { channel_id: 'ch_second', status: 'open' },
    sharing: 'private',
    shared_user_ids: [],
    shared_team_ids: [],
    created_at: 1,
  });
const message = (i: number) =>
  cache.entities.put('message', {
    id: `m_${i}`,
    contact_id: `c_${Math.floor(rnd() * 300)}`,
    conversation_id: 'v',
    direction: 'incoming',
    text: rnd() < 0.5 ? 'wanted' : 'other',
    status: 'delivered',
    fail_reason: null,
    author_id: null,
    created_at: 5,
  });

/** The list as plain SQL, sorted in full. */
/** A contact's write in a transaction that then fails: SQLite undoes it, and the lists must forget it too. */
function undoneWrite(i: number): void {
  expect(() =>
    cache.tx(() => {
      contact(i);
      throw new Error('undone');
    }),
  ).toThrow('undone');
}

function expected(list: List): string[] {
  const where = ['1'];
  const params: unknown[] = [];
  if (list.inbox === 'mine') (where.push('c.assignee_id = ?'), params.push(ME));
  if (list.inbox === 'unassigned') where.push('c.assignee_id IS NULL');
  if (list.inbox.startsWith('team:')) (where.push('c.assignee_id IN (SELECT id FROM users WHERE team_id = ?)'), params.push(list.inbox.slice(5)));
  if (list.inbox === 'custom:ci_second') where.push("c.channel_id = 'ch_second' AND c.status = 'open'");
  if ('status' in list) (where.push('c.status = ?'), params.push(list.status));
  if ('q' in list) where.push(`(c.data->>'name' LIKE '% wanted' OR c.id IN (SELECT m.contact_id FROM messages m WHERE m.data->>'text' = 'wanted'))`);
  return cache
    .all<{ id: string }>(`SELECT id FROM contacts c WHERE ${where.join(' AND ')} ORDER BY last_activity_at DESC, id DESC`, ...params)
    .map((r) => r.id);
}

function checkPageAt(list: List, offset: number): void {
  const want = expected(list);
  const page = q.conversations(cache, ME, { ...list, offset, limit: 5 }).value();
  expect({ total: page.total, ids: page.items.map((r) => r.id) }, `${JSON.stringify(list)} at ${offset}`).toEqual({
    total: want.length,
    ids: want.slice(offset, offset + 5),
  });
}

describe('conversation lists by position', () => {
  it('show exactly the rows at each position while contacts, users and messages change between pages', () => {
    USERS.forEach((u, i) => user(u, TEAMS[i % 2]));
    secondChannelInbox();
    for (let i = 0; i < 300; i++) contact(i);
    for (let i = 0; i < 40; i++) message(i);
    // Every list walked through once, so each has its anchors before anything moves.
    for (const list of LISTS) for (let offset = 0; offset <= expected(list).length; offset += 11) checkPageAt(list, offset);
    for (let k = 0; k < 400; k++) {
      const r = rnd();
      if (r < 0.7) contact(Math.floor(rnd() * 330));
      else if (r < 0.75) cache.removeContact(`c_${Math.floor(rnd() * 330)}`);
      else if (r < 0.8) user(pick(USERS), pick([...TEAMS, null]));
      else if (r < 0.85) {
        // A message can bring its contact into a searched list, whose anchors a page far down made.
        const searched = LISTS[5];
        checkPageAt(searched, expected(searched).length - 1);
        message(1000 + k);
        for (let i = 0; i < 3; i++) checkPageAt(searched, Math.floor(rnd() * (expected(searched).length + 3)));
      } else if (r < 0.9) undoneWrite(Math.floor(rnd() * 330));
      // The lists walked ahead a few rows at a time between writes (anchors left by the walk, and where it goes on, follow them).
      cache.positions.walkSome(3);
      // Pages from anywhere in the list, nearer its start or its end, and past it.
      const list = pick(LISTS);
      checkPageAt(list, Math.floor(rnd() * (expected(list).length + 3)));
    }
  });
});

describe('a custom inbox counted by its rows', () => {
  it('answers a page after a contact changes without counting its rows again, with the right total', () => {
    USERS.forEach((u, i) => user(u, TEAMS[i % 2]));
    secondChannelInbox();
    for (let i = 0; i < 300; i++) contact(i);
    const list = { inbox: 'custom:ci_second' } as const;
    const counts = () => {
      const get = vi.spyOn(cache, 'get');
      try {
        checkPageAt(list, 0);
        return get.mock.calls.filter(([sql]) => /COUNT\(\*\)/.test(sql)).length;
      } finally {
        get.mockRestore();
      }
    };
    expect(counts()).toBe(1);
    for (let k = 0; k < 50; k++) {
      // Contacts arrive, move, change channel or status (each is a `changed` event the list refreshes on).
      contact(Math.floor(rnd() * 330));
      expect(counts()).toBe(0);
    }
    // Something not followed row by row (a removal): counted again.
    cache.removeContact('c_1');
    expect(counts()).toBe(1);
  });
});

describe("the sidebar's counts", () => {
  const CUSTOM = [
    { id: 'ci_second', filter: { channel_id: 'ch_second', status: 'open' } },
    { id: 'ci_vip', filter: { tag: 'vip' } },
    { id: 'ci_team_ch', filter: { team_id: 't_a', channel_id: 'ch' } },
    { id: 'ci_mine_late', filter: { assignee: 'me', tag: 'late' } },
  ] as const;
  const KEYS = ['all', 'mine', 'unassigned', 'team:t_a', 'team:t_b'];
  const customInbox = (c: (typeof CUSTOM)[number]) =>
    cache.entities.put('custom_inbox', {
      id: c.id,
      owner_id: ME,
      name: c.id,
      filter: c.filter,
      sharing: 'private',
      shared_user_ids: [],
      shared_team_ids: [],
      created_at: 1,
    });
  /** Each inbox's open conversations, as plain SQL over the rows. */
  const truth = () => {
    const n = (where: string, ...params: unknown[]) =>
      cache.get<{ n: number }>(`SELECT COUNT(*) AS n FROM contacts c WHERE c.status = 'open' AND ${where}`, ...params)!.n;
    const team = 'c.assignee_id IN (SELECT id FROM users WHERE team_id = ?)';
    const tagged = "EXISTS (SELECT 1 FROM json_each(c.data->'tags') t WHERE lower(t.value) = ?)";
    return {
      all: n('1'),
      mine: n('c.assignee_id = ?', ME),
      unassigned: n('c.assignee_id IS NULL'),
      'team:t_a': n(team, 't_a'),
      'team:t_b': n(team, 't_b'),
      'custom:ci_second': n("c.channel_id = 'ch_second'"),
      'custom:ci_vip': n(tagged, 'vip'),
      'custom:ci_team_ch': n(`${team} AND c.channel_id = 'ch'`, 't_a'),
      'custom:ci_mine_late': n(`c.assignee_id = ? AND ${tagged}`, ME, 'late'),
    };
  };
  /** Whether each inbox holds a contact with an unread notification (its dot), as plain SQL. */
  const unreadTruth = () => {
    const has = (where: string, ...params: unknown[]) =>
      !!cache.get(`SELECT 1 FROM contacts c WHERE ${where} AND c.id IN (SELECT contact_id FROM notifications WHERE unread = 1)`, ...params);
    return {
      all: has('1'),
      mine: has('c.assignee_id = ?', ME),
      unassigned: has('c.assignee_id IS NULL'),
      'team:t_a': has("c.assignee_id IN (SELECT id FROM users WHERE team_id = 't_a')"),
    };
  };
  const notification = (k: number) =>
    cache.entities.put('notification', {
      id: `n_${k % 7}`,
      contact_id: `c_${Math.floor(rnd() * 360)}`,
      kind: 'new_message',
      created_at: k,
      read_at: rnd() < 0.5 ? null : k,
      archived_at: null,
    });
  /** The sidebar as the app asks it, with how many statements counted rows of the contacts table. */
  const sidebar = () => {
    const get = vi.spyOn(cache, 'get');
    try {
      const counts = Object.fromEntries(q.inboxSummaries(cache, ME, KEYS).map((s) => [s.key, s.open_count]));
      return { counts, scans: get.mock.calls.filter(([sql]) => /COUNT\(\*\) AS n FROM contacts/.test(sql)).length };
    } finally {
      get.mockRestore();
    }
  };
  const narrow = (assignees: string[]) =>
    cache.applyChanges(
      [{ seq: cache.cursor + 1, entity: 'user', op: 'narrow', id: ME, contact_id: null, data: { assignee_ids: assignees }, at: 1 }],
      cache.cursor + 1,
    );

  beforeEach(() => {
    USERS.forEach((u, i) => user(u, TEAMS[i % 2]));
    CUSTOM.forEach(customInbox);
    for (let i = 0; i < 300; i++) contact(i);
  });

  it('are exactly the open conversations of each inbox while contacts, users, inboxes and visibility change', async () => {
    for (let k = 0; k < 600; k++) {
      const r = rnd();
      if (r < 0.7) contact(Math.floor(rnd() * 360));
      else if (r < 0.74) cache.removeContact(`c_${Math.floor(rnd() * 360)}`);
      else if (r < 0.78) user(pick(USERS), pick([...TEAMS, null]));
      else if (r < 0.8) {
        message(1000 + k);
        notification(k);
        const dots = Object.fromEntries(q.inboxSummaries(cache, ME, KEYS).map((s) => [s.key, s.unread]));
        expect({ all: dots.all, mine: dots.mine, unassigned: dots.unassigned, 'team:t_a': dots['team:t_a'] }).toEqual(unreadTruth());
      } else if (r < 0.82) customInbox(pick(CUSTOM));
      else if (r < 0.84) {
        // A narrowed visibility: a large share of the contacts goes by a rewrite of the file, in a worker (writers wait for it).
        narrow(USERS.filter(() => rnd() < 0.8));
        expect(sidebar().counts).toEqual(truth());
        await cache.idle();
      } else if (r < 0.86) {
        // A bulk load (as a must_refetch's rebuild writes): contacts arrive without the lists following them.
        cache.beginBulkLoad();
        for (let i = 0; i < 5; i++) contact(Math.floor(rnd() * 360));
        expect(sidebar().counts).toEqual(truth());
        cache.endBulkLoad();
      } else if (r < 0.9) undoneWrite(Math.floor(rnd() * 360));
      else if (r < 0.92) {
        // A batch of records from the feed: the contacts' writes and removals in one transaction.
        const ids = [Math.floor(rnd() * 360), Math.floor(rnd() * 360)];
        const seq = cache.cursor;
        const c = cache.entities.get('contact', `c_${ids[0]}`);
        cache.applyChanges(
          [
            ...(c
              ? [{ seq: seq + 1, entity: 'contact' as const, op: 'upsert' as const, id: c.id, contact_id: c.id, data: { ...c, status: 'open' }, at: 1 }]
              : []),
            { seq: seq + 2, entity: 'contact', op: 'remove', id: `c_${ids[1]}`, contact_id: `c_${ids[1]}`, data: null, at: 1 },
          ],
          seq + 2,
        );
      }
      if (rnd() < 0.5) expect(sidebar().counts, `after step ${k}`).toEqual(truth());
    }
    expect(sidebar().counts).toEqual(truth());
  });

  it("are answered after a contact's write without counting the contacts again", () => {
    // The first sidebar counts each custom inbox (the kept counts cannot answer them); the built-in inboxes never need to.
    expect(sidebar().scans).toBe(CUSTOM.length);
    for (let k = 0; k < 60; k++) {
      // A message arrives (the contact moves up, may reopen), a conversation closes, changes hands, is tagged.
      const c = cache.entities.get('contact', `c_${Math.floor(rnd() * 300)}`)!;
      cache.entities.put('contact', {
        ...c,
        last_activity_at: 2000 + k,
        status: pick(['open', 'closed']),
        assignee_id: pick([...USERS, null]),
        channel_id: pick(['ch', 'ch_second']),
        tags: rnd() < 0.5 ? ['VIP'] : ['late'],
      });
      const s = sidebar();
      expect(s.counts).toEqual(truth());
      expect(s.scans).toBe(0);
    }
    // A removal is not followed row by row: counted again.
    cache.removeContact('c_1');
    expect(sidebar().scans).toBe(CUSTOM.length);
  });
});

describe("a conversation's position in its list", () => {
  it('is counted from the anchors of a walked list, exactly, while contacts move', () => {
    USERS.forEach((u, i) => user(u, TEAMS[i % 2]));
    secondChannelInbox();
    for (let i = 0; i < 300; i++) contact(i);
    const lists = [{ inbox: 'all' }, { inbox: 'custom:ci_second' }, { inbox: 'team:t_a', status: 'open' }] as const;
    for (const list of lists) {
      q.conversations(cache, ME, { ...list, offset: 0, limit: 5 });
    }
    while (cache.positions.walkSome(13));
    let [indexes, counted] = [0, 0];
    for (let k = 0; k < 200; k++) {
      contact(Math.floor(rnd() * 330));
      const list = pick(lists);
      const want = expected(list);
      const id = rnd() < 0.9 && want.length ? pick(want) : `c_${Math.floor(rnd() * 330)}`;
      const get = vi.spyOn(cache, 'get');
      let index: number | null;
      try {
        index = q.positionInList(cache, ME, list, id);
        const counts = get.mock.calls.flatMap(([sql], i) => (/COUNT\(\*\)/.test(sql) ? [(get.mock.results[i].value as { n: number }).n] : []));
        if (index !== null) (expect(counts.length).toBe(1), (indexes += index), (counted += counts[0]));
      } finally {
        get.mockRestore();
      }
      expect(index, `${id} in ${JSON.stringify(list)}`).toBe(want.includes(id) ? want.indexOf(id) : null);
    }
    // Counted from the nearest anchor before the row (7 rows apart when walked, moved by the writes since): not from the list's first row.
    expect(counted * 4).toBeLessThan(indexes);
  });
});

describe('a long conversation list', () => {
  /** 60,000 contacts, one a second, written straight into the table (the lists read nothing else). */
  const longList = () => {
    cache.close();
    cache = Cache.open(join(dir, 'long.sqlite'));
    cache.run(`WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 59999)
      INSERT INTO contacts (id, status, last_activity_at, data)
      SELECT 'c_' || i, 'open', 1000 * i, json_object('id', 'c_' || i, 'name', 'Contact ' || i, 'phone', NULL, 'email', NULL, 'channel_id', NULL, 'assignee_id', NULL,
        'status', 'open', 'conversation_id', NULL, 'last_activity_at', 1000 * i, 'last_message', NULL, 'last_message_direction', NULL, 'created_at', 1) FROM n`);
  };
  const truth = (offset: number) =>
    cache.all<{ id: string }>('SELECT id FROM contacts ORDER BY last_activity_at DESC, id DESC LIMIT 100 OFFSET ?', offset).map((r) => r.id);
  /** A page by position, with how many rows the anchors were looked for over (the statements that walk a list, `LIMIT 1 OFFSET n`). */
  const pageWalking = (offset: number, list: { inbox: string; status?: string } = { inbox: 'all' }) => {
    const get = vi.spyOn(cache, 'get');
    try {
      const ids = q
        .conversations(cache, ME, { ...list, offset, limit: 100 })
        .value()
        .items.map((r) => r.id);
      const walked = get.mock.calls.filter(([sql]) => /LIMIT 1 OFFSET/.test(sql)).reduce((n, call) => n + Number(call[call.length - 1]), 0);
      return { ids, walked };
    } finally {
      get.mockRestore();
    }
  };

  it('shows a page from its middle, after a change, without walking the rows before it again', () => {
    longList();
    const middle = 30_000;
    // Jumped to once, then the list changes: a contact above that page gets a new message.
    q.conversations(cache, ME, { inbox: 'all', offset: middle, limit: 100 });
    cache.entities.put('contact', { ...cache.entities.get('contact', 'c_100')!, last_activity_at: 1e9 });
    const page = pageWalking(middle);
    expect(page.ids).toEqual(truth(middle));
    // The rows before it are not walked again: it starts from the anchor kept at 30,000, moved by the write (OFFSET walked 30,000).
    expect(page.walked).toBeLessThan(1000);
  });

  // Walked ahead: a list asked is walked to its end in slices while the app is idle, leaving anchors every step.
  it('shows a page far down, after a change, without walking the rows before it, once its first page was asked and the app was idle', async () => {
    longList();
    // The first page, as the app asks it when the inbox opens (through the service, which times each query).
    cache.timed('conversations', () => q.conversations(cache, ME, { inbox: 'all', offset: 0, limit: 100 }));
    expect(cache.positions.walking).toBe(true);
    // Walked in slices while nothing else is asked.
    await vi.waitFor(() => expect(cache.positions.walking).toBe(false), { timeout: 60_000, interval: 50 });
    // A contact far down the list gets a message: every row after it moves down one.
    cache.entities.put('contact', { ...cache.entities.get('contact', 'c_100')!, last_activity_at: 1e9 });
    const far = pageWalking(30_000);
    expect(far.ids).toEqual(truth(30_000));
    expect(far.walked).toBe(0);
  });

  it('is walked ahead when it was only scrolled by keyset, and its anchors then stand for every position', () => {
    longList();
    const first = q.conversations(cache, ME, { inbox: 'all', offset: 0, limit: 100 }).value().items;
    const last = first[first.length - 1];
    q.conversations(cache, ME, { inbox: 'all', after: { last_activity_at: last.last_activity_at, id: last.id }, limit: 100 });
    let slices = 0;
    while (cache.positions.walkSome()) slices++;
    // A hundred rows a slice.
    expect(slices).toBe(599);
    for (const offset of [0, 999, 1000, 1001, 31_337, 59_950]) {
      const page = pageWalking(offset);
      expect(page.ids, `at ${offset}`).toEqual(truth(offset));
      // (Past the last anchor, nearer the list's end, a page is found back from the end: less than a step.)
      expect(page.walked, `at ${offset}`).toBeLessThan(1000);
    }
  });

  /** The walk ahead to its end: each slice, the list it read (its conditions and their values) and how many rows. */
  const walkAll = () => {
    const all = vi.spyOn(cache, 'all');
    const slices: { list: string; rows: number }[] = [];
    try {
      for (let more = true; more;) {
        more = cache.positions.walkSome();
        const i = all.mock.calls.length - 1;
        const [sql, ...params] = all.mock.calls[i] as [string, ...unknown[]];
        const conds = /WHERE (.*?)(?: AND \(c\.last_activity_at, c\.id\) <=.*)? ORDER BY/.exec(sql)![1];
        const values = params.slice(0, -1).filter((p) => typeof p === 'string' && !p.startsWith('c_'));
        slices.push({ list: `${conds} ${JSON.stringify(values)}`, rows: (all.mock.results[i].value as unknown[]).length });
      }
    } finally {
      all.mockRestore();
    }
    const lists = slices.map((x) => x.list).filter((l, i, xs) => xs.indexOf(l) === i);
    // The last slice of a list reads one row past it, where the walk would go on.
    return { lists, rows: lists.map((l) => slices.filter((x) => x.list === l).reduce((n, x) => n + Math.min(x.rows, 100), 0)) };
  };

  it('walks the lists the inbox opens on ahead once ready, after the lists asked, and their pages far down then walk nothing', () => {
    longList();
    // The app is ready: its inboxes' lists are expected (the last place first), and one list is asked meanwhile.
    q.expectLists(cache, ME, ['all', 'unassigned', 'mine'], { inbox: 'unassigned', status: 'open' });
    q.conversations(cache, ME, { inbox: 'all', limit: 100 });
    const walked = walkAll();
    // In order, each to its end: the list asked, then the last place, then the other inboxes' open tabs, then their closed ones.
    expect(walked.lists).toEqual([
      '1 []',
      'c.assignee_id IS NULL AND c.status = ? ["open"]',
      'c.status = ? ["open"]',
      'c.assignee_id = ? AND c.status = ? ["u_me","open"]',
      'c.status = ? ["closed"]',
      'c.assignee_id IS NULL AND c.status = ? ["closed"]',
      'c.assignee_id = ? AND c.status = ? ["u_me","closed"]',
    ]);
    // Each contact once in each list holding it (all 60,000 are open and unassigned).
    expect(walked.rows).toEqual([60_000, 60_000, 60_000, 0, 0, 0, 0]);
    // A page far down an expected list, never asked before, starts from an anchor: no row walked to it.
    const far = pageWalking(30_000, { inbox: 'unassigned', status: 'open' });
    expect(far.ids).toEqual(truth(30_000));
    expect(far.walked).toBe(0);
  });

  it('expects no more lists than it keeps, and pushes out none asked', () => {
    longList();
    for (const status of ['open', 'closed']) for (const inbox of ['all', 'mine', 'unassigned']) q.conversations(cache, ME, { inbox, status, limit: 1 });
    q.expectLists(cache, ME, ['all', 'mine', 'unassigned', 'team:t_a', 'team:t_b', 'team:t_c']);
    // Eight lists kept: the six asked, and room for the first two expected that were not asked (two teams' open tabs).
    expect(walkAll().lists.sort()).toEqual(
      [
        'c.status = ? ["open"]',
        'c.status = ? ["closed"]',
        'c.assignee_id IS NULL AND c.status = ? ["open"]',
        'c.assignee_id IS NULL AND c.status = ? ["closed"]',
        'c.assignee_id = ? AND c.status = ? ["u_me","open"]',
        'c.assignee_id = ? AND c.status = ? ["u_me","closed"]',
        'c.assignee_team_id = ? AND c.status = ? ["t_a","open"]',
        'c.assignee_team_id = ? AND c.status = ? ["t_b","open"]',
      ].sort(),
    );
  });

  it('without the walk ahead, a page far down walks the list to it (what the walk saves)', () => {
    longList();
    const far = pageWalking(30_000);
    expect(far.ids).toEqual(truth(30_000));
    expect(far.walked).toBeGreaterThanOrEqual(25_000);
  });
});
