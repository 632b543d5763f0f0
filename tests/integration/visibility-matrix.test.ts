// The one visibility rule (PRODUCT.md, issue 2 point 5), proved on every server path.
// Five viewers: owner, manager, an unrestricted agent, a "User only" agent and a "User's team" agent.
// For each, the contacts they may see are computed from the server's own data (the owner's view of
// every contact and every user's team) with the shared rule, and every route, the sync feed, the
// Notification Center and the live stream must agree with it exactly.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canSeeContact, inboxesFor, type Viewer } from '../../src-shared/access/visibility';
import { formatMention } from '../../src-shared/mentions';
import type { Contact, Notification, User } from '../../src-shared/model';
import type { ChangeRecord } from '../../src-shared/sync/changes';
import { clientId, inbound, openStream, signIn, startServer, type Answer, type ApiClient, type StreamClient, type TestServer } from '../support/server';

type SeatName = 'owner' | 'manager' | 'agent' | 'userOnly' | 'team';

interface Seat {
  name: SeatName;
  email: string;
  client: ApiClient;
  stream: StreamClient;
  /** The cursor the seat had synced to before the restrictions were turned on. */
  cursor: number;
}

const SEATS: Record<SeatName, string> = {
  owner: 'owner@demo.test',
  manager: 'manager@demo.test',
  agent: 'agent1@demo.test', // unrestricted, team Sales
  userOnly: 'agent2@demo.test', // "User only", team Support
  team: 'agent4@demo.test', // "User's team", team Sales (with the manager, agent1, agent7, agent10)
};
const RESTRICTED: SeatName[] = ['userOnly', 'team'];
const NONEXISTENT = 'c_does-not-exist';

interface World {
  contacts: Map<string, Contact>;
  users: Map<string, User>;
  teamIds: string[];
}

const sorted = (xs: Iterable<string>) => [...xs].sort();

/** Every page of a paged list, checking that no item appears twice. */
async function pageAll<T extends { id: string }>(client: ApiClient, path: string, limit: number): Promise<T[]> {
  const out: T[] = [];
  let cursor: string | null = null;
  for (let pages = 0; ; pages++) {
    if (pages > 500) throw new Error(`${path} does not stop paging`);
    const sep = path.includes('?') ? '&' : '?';
    const r: Answer = await client.get(`${path}${sep}limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
    if (r.status !== 200) throw new Error(`${path} answered ${r.status}: ${JSON.stringify(r.body)}`);
    out.push(...r.body.items);
    cursor = r.body.next_cursor;
    if (!cursor) break;
  }
  const ids = out.map((i) => i.id);
  expect(new Set(ids).size, `${path} repeats items across pages`).toBe(ids.length);
  return out;
}

/** Runs fn over items, n at a time. */
async function inBatches<T, R>(items: readonly T[], n: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = [];
  for (let i = 0; i < items.length; i += n) out.push(...(await Promise.all(items.slice(i, i + n).map(fn))));
  return out;
}

describe('one visibility rule on every path: owner, manager, unrestricted, "User only" and "User\'s team" agents', () => {
  let server: TestServer;
  const seats = {} as Record<SeatName, Seat>;
  let owner: ApiClient;
  let customInboxId = '';
  /** The world right after the restrictions were turned on, before the live changes. */
  let before: World;

  const loadWorld = async (): Promise<World> => {
    const contacts = await pageAll<Contact>(owner, '/api/v1/contacts', 200);
    const users = (await owner.get('/api/v1/users')).body.items as User[];
    const teams = (await owner.get('/api/v1/teams')).body.items as { id: string }[];
    return { contacts: new Map(contacts.map((c) => [c.id, c])), users: new Map(users.map((u) => [u.id, u])), teamIds: teams.map((t) => t.id) };
  };
  const viewerOf = (w: World, userId: string): Viewer => {
    const u = w.users.get(userId)!;
    return { id: u.id, role: u.role, team_id: u.team_id, restrictions: { contact_visibility: u.restrictions!.contact_visibility } };
  };
  const membersOf = (w: World) => (teamId: string) => [...w.users.values()].filter((u) => u.team_id === teamId).map((u) => u.id);
  /** The shared rule over the server's real data: the contacts this user may see. */
  const visibleTo = (w: World, userId: string): Set<string> =>
    new Set([...w.contacts.values()].filter((c) => canSeeContact(viewerOf(w, userId), c, membersOf(w))).map((c) => c.id));
  const assignedTo = (w: World, userId: string | null) => sorted([...w.contacts.values()].filter((c) => c.assignee_id === userId).map((c) => c.id));
  const idOf = (s: SeatName) => seats[s].client.userId;

  /** Which contacts an inbox holds, given what the viewer may see. */
  const inboxContents = (w: World, userId: string, key: string, vis: Set<string>): string[] => {
    const members = key.startsWith('team:') ? membersOf(w)(key.slice(5)) : [];
    return sorted(
      [...vis].filter((id) => {
        const a = w.contacts.get(id)!.assignee_id;
        if (key === 'all') return true;
        if (key === 'mine') return a === userId;
        if (key === 'unassigned') return a === null;
        if (key.startsWith('team:')) return a !== null && members.includes(a);
        if (key === `custom:${customInboxId}`) return w.contacts.get(id)!.status === 'open';
        throw new Error(`no expectation for inbox ${key}`);
      }),
    );
  };

  beforeAll(async () => {
    server = await startServer();
    for (const [name, email] of Object.entries(SEATS) as [SeatName, string][]) {
      const client = await signIn(server, email);
      const { next } = await client.syncAll(0, 2000);
      const stream = await openStream(server, client, next);
      seats[name] = { name, email, client, stream, cursor: next };
    }
    owner = seats.owner.client;
    // A shared custom inbox (open conversations) that every viewer may open.
    const ci = await owner.post('/api/v1/custom-inboxes', {
      client_id: clientId(),
      name: 'Everything open',
      filter: { status: 'open' },
      sharing: 'shared',
      shared_user_ids: Object.values(seats).map((s) => s.client.userId),
      shared_team_ids: [],
    });
    expect(ci.status).toBe(201);
    customInboxId = ci.body.id;
  });

  afterAll(async () => {
    for (const s of Object.values(seats)) s.stream?.close();
    await server?.stop();
  });

  // ---------------------------------------------------------------------------------------------
  // Checks shared by the tests below, each against the expected sets of a given world.

  async function checkLists(w: World) {
    const everyone = await pageAll<Contact>(owner, `/api/v1/contacts?q=${encodeURIComponent('the')}`, 200);
    expect(everyone.length).toBeGreaterThan(10);
    for (const seat of Object.values(seats)) {
      const me = idOf(seat.name);
      const vis = visibleTo(w, me);
      const who = `${seat.name} (${seat.email})`;

      // The contacts list, paged in small pages.
      const listed = await pageAll<Contact>(seat.client, '/api/v1/contacts', 7);
      expect(sorted(listed.map((c) => c.id)), `${who}: GET /contacts`).toEqual(sorted(vis));

      // Search: a word in many messages, and each contact's unique phone number.
      const found = await pageAll<Contact>(seat.client, `/api/v1/contacts?q=${encodeURIComponent('the')}`, 9);
      expect(sorted(found.map((c) => c.id)), `${who}: GET /contacts?q=the`).toEqual(sorted(everyone.map((c) => c.id).filter((id) => vis.has(id))));
      const phoned = [...w.contacts.values()].filter((c) => c.phone).slice(0, 40);
      await inBatches(phoned, 10, async (c) => {
        const r = await seat.client.get(`/api/v1/contacts?q=${encodeURIComponent(c.phone!)}`);
        expect(r.status).toBe(200);
        expect(
          r.body.items.map((x: Contact) => x.id),
          `${who}: search for the phone of ${c.id}`,
        ).toEqual(vis.has(c.id) ? [c.id] : []);
      });

      // Inboxes: the ones the rule allows list exactly their contacts; the others answer 403.
      const allowed = inboxesFor(viewerOf(w, me), w.teamIds) as string[];
      const me_ = await seat.client.get('/api/v1/me');
      expect(me_.body.inboxes, `${who}: /me inboxes`).toEqual(allowed);
      const candidates = ['all', 'mine', 'unassigned', ...w.teamIds.map((t) => `team:${t}`)];
      for (const key of [...candidates, `custom:${customInboxId}`]) {
        if (!allowed.includes(key) && !key.startsWith('custom:')) {
          const r = await seat.client.get(`/api/v1/conversations?inbox=${key}`);
          expect(r.status, `${who}: inbox ${key} should be refused`).toBe(403);
          expect(r.body.code).toBe('forbidden');
          continue;
        }
        const items = await pageAll<Contact>(seat.client, `/api/v1/conversations?inbox=${key}`, 25);
        expect(sorted(items.map((c) => c.id)), `${who}: inbox ${key}`).toEqual(inboxContents(w, me, key, vis));
        const open = await pageAll<Contact>(seat.client, `/api/v1/conversations?inbox=${key}&status=open`, 50);
        expect(sorted(open.map((c) => c.id)), `${who}: inbox ${key}, open`).toEqual(
          inboxContents(w, me, key, vis).filter((id) => w.contacts.get(id)!.status === 'open'),
        );
        const searched = await pageAll<Contact>(seat.client, `/api/v1/conversations?inbox=${key}&q=the`, 50);
        const everyoneIds = new Set(everyone.map((c) => c.id));
        expect(sorted(searched.map((c) => c.id)), `${who}: inbox ${key}, q=the`).toEqual(inboxContents(w, me, key, vis).filter((id) => everyoneIds.has(id)));
      }

      // The inbox counts.
      const inboxes = (await seat.client.get('/api/v1/inboxes')).body.items as { key: string; open_count: number }[];
      expect(
        inboxes.map((i) => i.key),
        `${who}: /inboxes`,
      ).toEqual([...allowed, `custom:${customInboxId}`]);
      for (const i of inboxes) {
        expect(i.open_count, `${who}: open count of ${i.key}`).toBe(
          inboxContents(w, me, i.key, vis).filter((id) => w.contacts.get(id)!.status === 'open').length,
        );
      }
    }
  }

  const READS = (id: string) => [
    `/api/v1/contacts/${id}`,
    `/api/v1/contacts/${id}/thread`,
    `/api/v1/contacts/${id}/messages`,
    `/api/v1/contacts/${id}/comments`,
  ];

  async function checkReads(w: World) {
    for (const seat of Object.values(seats)) {
      const vis = visibleTo(w, idOf(seat.name));
      const missing = await Promise.all(READS(NONEXISTENT).map((p) => seat.client.get(p)));
      for (const m of missing) expect(m.status).toBe(404);
      const wrong: string[] = [];
      await inBatches([...w.contacts.keys()], 8, async (id) => {
        const answers = await Promise.all(READS(id).map((p) => seat.client.get(p)));
        answers.forEach((r, i) => {
          const path = READS(id)[i];
          if (vis.has(id)) {
            if (r.status !== 200) return wrong.push(`${path} answered ${r.status}, expected 200`);
            const items: { contact_id?: string; message?: { contact_id: string }; comment?: { contact_id: string }; event?: { contact_id: string } }[] =
              i === 0 ? [r.body.contact] : r.body.items;
            for (const it of items) {
              const cid = i === 0 ? (it as { id?: string }).id : (it.contact_id ?? it.message?.contact_id ?? it.comment?.contact_id ?? it.event?.contact_id);
              if (cid !== id) wrong.push(`${path} carries an item of ${cid}`);
            }
          } else if (r.status !== 404 || JSON.stringify(r.body) !== JSON.stringify(missing[i].body)) {
            wrong.push(`${path} answered ${r.status} ${JSON.stringify(r.body)}, expected the nonexistent contact's 404`);
          }
        });
      });
      expect(wrong, `${seat.name}: per-contact reads`).toEqual([]);
    }
  }

  /** The whole feed from 0: nothing of a contact the user may not see, except its removal; a cache built from it holds exactly the visible contacts. */
  async function checkFeed(w: World) {
    for (const seat of Object.values(seats)) {
      const me = idOf(seat.name);
      const vis = visibleTo(w, me);
      const { changes } = await seat.client.syncAll(0, 700);
      const leaks: string[] = [];
      const cache = new Set<string>();
      for (const r of changes) {
        if (r.contact_id !== null && r.op !== 'remove' && !vis.has(r.contact_id)) leaks.push(`${r.entity} ${r.op} ${r.id} of ${r.contact_id}`);
        if (r.op === 'remove' && r.entity !== 'contact') leaks.push(`remove of a ${r.entity}`);
        if (r.entity === 'notification' && r.op === 'upsert' && (r.data as Notification).user_id !== me) leaks.push(`someone else's notification ${r.id}`);
        if (r.entity === 'contact') {
          if (r.op === 'upsert') cache.add(r.id);
          else cache.delete(r.id);
        }
      }
      expect(leaks, `${seat.name}: sync from 0`).toEqual([]);
      expect(sorted(cache), `${seat.name}: the contacts a cache built from the feed holds`).toEqual(sorted(vis));
    }
  }

  async function checkNotifications(w: World) {
    for (const seat of Object.values(seats)) {
      const me = idOf(seat.name);
      const vis = visibleTo(w, me);
      const wrong: string[] = [];
      for (const tab of ['new', 'archived', 'all']) {
        const items = await pageAll<Notification>(seat.client, `/api/v1/notifications?tab=${tab}`, 20);
        for (const n of items) {
          if (n.user_id !== me) wrong.push(`${tab}: ${n.id} belongs to ${n.user_id}`);
          if (n.contact_id !== null && !vis.has(n.contact_id)) wrong.push(`${tab}: ${n.id} is about hidden contact ${n.contact_id}`);
        }
        if (tab === 'new') {
          const unread = (await seat.client.get('/api/v1/notifications?tab=new')).body.unread;
          expect(unread, `${seat.name}: unread count`).toBe(items.filter((n) => n.read_at === null).length);
        }
      }
      expect(wrong, `${seat.name}: notifications`).toEqual([]);
    }
  }

  // ---------------------------------------------------------------------------------------------

  it('turning a restriction on removes exactly the lost contacts, from the feed and the running stream', async () => {
    const all = (await loadWorld()).contacts;
    // Before: both agents are unrestricted and see everything.
    for (const s of RESTRICTED) {
      expect(sorted((await pageAll<Contact>(seats[s].client, '/api/v1/contacts', 200)).map((c) => c.id))).toEqual(sorted(all.keys()));
    }
    for (const [s, v] of [
      ['userOnly', 'user'],
      ['team', 'team'],
    ] as const) {
      const r = await owner.patch(`/api/v1/users/${idOf(s)}`, { client_id: clientId(), restrictions: { contact_visibility: v } });
      expect(r.status).toBe(200);
      expect(r.body.restrictions.contact_visibility).toBe(v);
    }
    before = await loadWorld();

    for (const s of RESTRICTED) {
      const seat = seats[s];
      const vis = visibleTo(before, idOf(s));
      const lost = sorted([...before.contacts.keys()].filter((id) => !vis.has(id)));
      // The matrix is not trivial: each restricted agent keeps some contacts and loses many.
      expect(vis.size).toBeGreaterThan(0);
      expect(lost.length).toBeGreaterThan(vis.size);
      if (s === 'team') expect([...vis].some((id) => before.contacts.get(id)!.assignee_id !== idOf(s))).toBe(true);

      const { changes } = await seat.client.syncAll(seat.cursor, 500);
      const removes = changes.filter((r) => r.op === 'remove').map((r) => r.id);
      expect(removes.length, `${s}: one removal per lost contact`).toBe(lost.length);
      expect(sorted(removes), `${s}: the feed removes exactly the lost contacts`).toEqual(lost);
      expect(changes.filter((r) => r.op !== 'remove' && r.contact_id !== null && !vis.has(r.contact_id))).toEqual([]);

      const pushedRemoves = () => seat.stream.changes.filter((r) => r.op === 'remove').map((r) => r.id);
      await seat.stream.until(() => pushedRemoves().length >= lost.length, 2000, `${s}: the pushed removals`);
      expect(sorted(pushedRemoves()), `${s}: the stream pushes exactly the removals`).toEqual(lost);
      expect(seat.stream.changes.filter((r) => r.op !== 'remove' && r.contact_id !== null)).toEqual([]);
    }
    for (const s of ['owner', 'manager', 'agent'] as const) expect(seats[s].stream.changes.filter((r) => r.op === 'remove')).toEqual([]);
  });

  it('lists, search, inboxes and counts show each viewer exactly the contacts the rule allows', async () => {
    await checkLists(before);
  });

  it('every per-contact read answers 404 for a hidden contact, the same answer as for a contact that does not exist', async () => {
    await checkReads(before);
  });

  it('every per-contact write answers 404 for a hidden contact, and changes nothing', async () => {
    const writes = (id: string, me: string): [string, string, unknown][] => [
      ['PATCH', `/api/v1/contacts/${id}`, { client_id: clientId(), name: 'Stolen lead' }],
      ['POST', `/api/v1/contacts/${id}/messages`, { client_id: clientId(), text: 'Hi, I can offer you a better price' }],
      ['POST', `/api/v1/contacts/${id}/comments`, { client_id: clientId(), text: 'mine now' }],
      ['POST', `/api/v1/contacts/${id}/assignee`, { client_id: clientId(), assignee_id: me }],
      ['POST', `/api/v1/contacts/${id}/close`, { client_id: clientId(), closing_category_id: null, summary: 'closed by someone who cannot see it' }],
      ['POST', `/api/v1/contacts/${id}/open`, { client_id: clientId() }],
    ];
    const headBefore = await owner.head();
    for (const s of RESTRICTED) {
      const seat = seats[s];
      const me = idOf(s);
      const vis = visibleTo(before, me);
      const hidden = [...before.contacts.keys()].filter((id) => !vis.has(id));
      const missing = await Promise.all(writes(NONEXISTENT, me).map(([m, p, b]) => seat.client.request(m, p, b)));
      for (const m of missing) expect(m.status).toBe(404);
      const wrong: string[] = [];
      await inBatches(hidden, 6, async (id) => {
        const ws = writes(id, me);
        const answers = await Promise.all(ws.map(([m, p, b]) => seat.client.request(m, p, b)));
        answers.forEach((r, i) => {
          if (r.status !== 404 || JSON.stringify(r.body) !== JSON.stringify(missing[i].body)) {
            wrong.push(`${ws[i][0]} ${ws[i][1]} answered ${r.status} ${JSON.stringify(r.body)}`);
          }
        });
      });
      expect(wrong, `${s}: writes on hidden contacts`).toEqual([]);
    }
    // Nothing was written: no contact changed, and the feed holds nothing new about any contact.
    const after = await loadWorld();
    expect(after.contacts).toEqual(before.contacts);
    const { changes } = await owner.syncAll(headBefore);
    expect(changes.filter((r) => r.contact_id !== null)).toEqual([]);
  });

  it('the sync feed from 0 carries nothing of a hidden contact, and the Notification Center nothing either', async () => {
    await checkFeed(before);
    await checkNotifications(before);
  });

  it('live changes by other users and by contacts are pushed to exactly the viewers who may see them', async () => {
    const w = before;
    const [agent2, agent3, agent5, agent6, agent7, agent10] = ['u_agent2', 'u_agent3', 'u_agent5', 'u_agent6', 'u_agent7', 'u_agent10'];
    expect(idOf('userOnly')).toBe(agent2);
    const own = assignedTo(w, agent2);
    expect(own.length, 'the "User only" agent needs three contacts of their own').toBeGreaterThanOrEqual(3);
    const unassigned = assignedTo(w, null);
    expect(unassigned.length).toBeGreaterThanOrEqual(2);
    const c = {
      userOnlyOwn: own[0], // agent2's
      userOnlyAway: own[1], // agent2's, reassigned to agent3
      teamMate: assignedTo(w, agent7)[0], // Sales: the team agent sees it
      teamAway: assignedTo(w, agent10)[0], // Sales, reassigned to agent6 (Onboarding)
      onboarding: assignedTo(w, agent3)[0], // nobody restricted sees it
      toManager: assignedTo(w, agent3)[1], // Onboarding, reassigned to the manager (Sales)
      toUserOnly: assignedTo(w, agent5)[0], // Support, reassigned to agent2
      unassigned: unassigned[0],
      firstReply: unassigned[1], // agent1 replies first and becomes the assignee (Sales)
    };
    for (const id of Object.values(c)) expect(id, JSON.stringify(c)).toBeTruthy();
    expect(new Set(Object.values(c)).size).toBe(Object.values(c).length);
    const marks = Object.fromEntries(Object.values(seats).map((s) => [s.name, s.stream.changes.length])) as Record<SeatName, number>;
    const ext = (id: string) => `ext-${Number(id.slice(2))}`; // the demo contacts' channel sender ids
    const ok = (r: { status: number; body: unknown }, status = 200) => expect(r.status, JSON.stringify(r.body)).toBe(status);

    // Contacts write in: on visible and hidden contacts alike, and a brand-new sender.
    ok(await inbound(server, ext(c.userOnlyOwn), 'Is my order shipped yet?'));
    ok(await inbound(server, ext(c.teamMate), 'Can I get a quote for 40 seats?'));
    ok(await inbound(server, ext(c.unassigned), 'Hello? Anyone there?'));
    ok(await inbound(server, ext(c.onboarding), 'How do I set up my account?'));
    const fresh = await inbound(server, 'visibility-new-sender', 'First time writing in', undefined, 'Newcomer Nina');
    ok(fresh);
    const newContact = fresh.body.contact_id as string;
    // Comments with mentions: of users who may see the contact and of users who may not.
    const m1 = await seats.manager.client.post(`/api/v1/contacts/${c.onboarding}/comments`, {
      client_id: clientId(),
      text: `${formatMention(agent2)} ${formatMention('u_agent1')} ${formatMention('u_agent4')} please follow up`,
    });
    ok(m1, 201);
    const m2 = await seats.manager.client.post(`/api/v1/contacts/${c.teamMate}/comments`, {
      client_id: clientId(),
      text: `${formatMention(agent2)} ${formatMention('u_agent4')} send them the latest promotion`,
    });
    ok(m2, 201);
    // Close by the owner, reopen by the team agent (who may see it).
    ok(await owner.post(`/api/v1/contacts/${c.teamMate}/close`, { client_id: clientId(), closing_category_id: null, summary: 'quote sent' }));
    ok(await seats.team.client.post(`/api/v1/contacts/${c.teamMate}/open`, { client_id: clientId() }));
    // The "User only" agent works on their own contact.
    ok(await seats.userOnly.client.patch(`/api/v1/contacts/${c.userOnlyOwn}`, { client_id: clientId(), name: 'Renamed by their agent' }));
    ok(await seats.userOnly.client.post(`/api/v1/contacts/${c.userOnlyOwn}/messages`, { client_id: clientId(), text: 'It ships tomorrow.' }), 201);
    ok(await seats.userOnly.client.post(`/api/v1/contacts/${c.userOnlyOwn}/comments`, { client_id: clientId(), text: 'asked twice already' }), 201);
    // The unrestricted agent edits a contact the restricted ones cannot see, and replies first to an unassigned one.
    ok(await seats.agent.client.patch(`/api/v1/contacts/${c.onboarding}`, { client_id: clientId(), email: 'moved@example.com' }));
    ok(await seats.agent.client.post(`/api/v1/contacts/${c.firstReply}/messages`, { client_id: clientId(), text: 'Hi! How can I help?' }), 201);
    // Reassignments: into and out of the restricted agents' sight.
    const assign = async (id: string, to: string) =>
      ok(await seats.manager.client.post(`/api/v1/contacts/${id}/assignee`, { client_id: clientId(), assignee_id: to }));
    await assign(c.toUserOnly, agent2);
    await assign(c.userOnlyAway, agent3);
    await assign(c.teamAway, agent6);
    await assign(c.toManager, 'u_manager');
    // A marker every viewer sees: once it arrives, everything before it has been pushed.
    const marker = `Acme Demo (marker ${clientId()})`;
    ok(await owner.patch('/api/v1/workspace', { client_id: clientId(), name: marker }));
    for (const seat of Object.values(seats)) {
      await seat.stream.until(
        () => seat.stream.changes.some((r) => r.entity === 'settings' && (r.data as { name?: string }).name === marker),
        3000,
        `${seat.name}: the marker`,
      );
    }

    const after = await loadWorld();
    expect(after.contacts.get(c.firstReply)!.assignee_id).toBe('u_agent1');
    const touched = [...Object.values(c), newContact];
    for (const seat of Object.values(seats)) {
      const me = idOf(seat.name);
      const visBefore = visibleTo(w, me);
      const visAfter = visibleTo(after, me);
      const pushed = seat.stream.changes.slice(marks[seat.name]);
      const about = new Set(pushed.filter((r) => r.contact_id !== null && r.op !== 'remove').map((r) => r.contact_id!));
      const removed = pushed.filter((r) => r.op === 'remove').map((r) => r.id);
      expect(sorted(about), `${seat.name}: the contacts pushed`).toEqual(sorted(touched.filter((id) => visAfter.has(id))));
      expect(sorted(removed), `${seat.name}: the removals pushed`).toEqual(sorted(touched.filter((id) => visBefore.has(id) && !visAfter.has(id))));
      const notes = pushed.filter((r) => r.entity === 'notification').map((r) => r.data as Notification);
      expect(
        notes.filter((n) => n.user_id !== me || (n.contact_id !== null && !visAfter.has(n.contact_id))),
        `${seat.name}: pushed notifications`,
      ).toEqual([]);
    }
    // The scenario means something: each restricted agent gained one contact and lost one.
    expect(removedOf('userOnly')).toEqual([c.userOnlyAway]);
    expect(removedOf('team')).toEqual([c.teamAway]);
    expect(visibleTo(after, agent2).has(c.toUserOnly) && !visibleTo(w, agent2).has(c.toUserOnly)).toBe(true);
    expect(visibleTo(after, 'u_agent4').has(c.toManager) && visibleTo(after, 'u_agent4').has(c.firstReply)).toBe(true);

    // A gained contact arrives with its whole history.
    const gained = seats.userOnly.stream.changes.slice(marks.userOnly).filter((r) => r.contact_id === c.toUserOnly && r.entity === 'message');
    const history = await pageAll<{ id: string }>(owner, `/api/v1/contacts/${c.toUserOnly}/messages`, 200);
    expect(sorted(new Set(gained.map((r) => r.id)))).toEqual(sorted(history.map((m) => m.id)));

    // Mentions: only users who may see the contact are notified.
    const mentionNotes = (s: SeatName) =>
      seats[s].stream.changes
        .slice(marks[s])
        .filter((r) => r.entity === 'notification')
        .map((r) => r.data as Notification)
        .filter((n) => n.kind === 'comment_mention');
    expect(mentionNotes('userOnly')).toEqual([]);
    expect(mentionNotes('agent').map((n) => n.comment_id)).toEqual([m1.body.id]);
    expect(mentionNotes('team').map((n) => n.comment_id)).toEqual([m2.body.id]);
    for (const s of ['userOnly', 'team', 'agent'] as const) {
      const listed = await pageAll<Notification>(seats[s].client, '/api/v1/notifications?tab=all', 50);
      // Notified: mentioned, and able to see the comment's contact.
      const expected = [
        { id: m1.body.id as string, contact: c.onboarding, mentioned: [agent2, 'u_agent1', 'u_agent4'] },
        { id: m2.body.id as string, contact: c.teamMate, mentioned: [agent2, 'u_agent4'] },
      ]
        .filter((k) => k.mentioned.includes(idOf(s)) && visibleTo(after, idOf(s)).has(k.contact))
        .map((k) => k.id);
      expect(sorted(listed.filter((n) => n.kind === 'comment_mention').map((n) => n.comment_id!)), `${s}: mention notifications`).toEqual(sorted(expected));
    }
    // The comments still record who was mentioned (the owner sees them).
    const ownerComments = await pageAll<{ id: string; mentions: string[] }>(owner, `/api/v1/contacts/${c.onboarding}/comments`, 100);
    expect(ownerComments.find((k) => k.id === m1.body.id)!.mentions).toContain(agent2);

    // The "User only" agent is told of their own contact's new message and of the contact assigned to them.
    const agent2Notes = seats.userOnly.stream.changes
      .slice(marks.userOnly)
      .filter((r) => r.entity === 'notification')
      .map((r) => r.data as Notification);
    expect(agent2Notes.some((n) => n.kind === 'new_message_assigned' && n.contact_id === c.userOnlyOwn)).toBe(true);
    expect(agent2Notes.some((n) => n.kind === 'contact_assigned' && n.contact_id === c.toUserOnly)).toBe(true);

    before = after;

    function removedOf(s: SeatName) {
      return seats[s].stream.changes
        .slice(marks[s])
        .filter((r) => r.op === 'remove')
        .map((r) => r.id);
    }
  });

  it('after the live changes every read path, the feed and the Notification Center agree with the rule again', async () => {
    const w = await loadWorld();
    await checkLists(w);
    await checkReads(w);
    await checkFeed(w);
    await checkNotifications(w);
  });

  it('a contact reassigned away takes its notifications with it: gone from every tab and the unread count, and 404 to act on', async () => {
    const seat = seats.userOnly;
    const me = idOf('userOnly');
    const w = await loadWorld();
    // One of their demo contacts (its channel sender id is known) they have no notification about yet.
    const noted = new Set((await pageAll<Notification>(seat.client, '/api/v1/notifications?tab=all', 50)).map((n) => n.contact_id));
    const contact = assignedTo(w, me).find((id) => /^c_\d{5}$/.test(id) && !noted.has(id))!;
    expect(contact).toBeTruthy();
    const unreadBefore = (await seat.client.get('/api/v1/notifications?tab=new')).body.unread as number;
    const { next } = await seat.client.syncAll(0, 2000);

    ok(await inbound(server, `ext-${Number(contact.slice(2))}`, 'Any news on my refund?'));
    const k = await seats.manager.client.post(`/api/v1/contacts/${contact}/comments`, { client_id: clientId(), text: `${formatMention(me)} call them today` });
    expect(k.status).toBe(201);
    const mine = (await pageAll<Notification>(seat.client, '/api/v1/notifications?tab=new', 50)).filter((n) => n.contact_id === contact && n.read_at === null);
    expect(mine.map((n) => n.kind).sort()).toEqual(['comment_mention', 'new_message_assigned']);
    const unreadWith = (await seat.client.get('/api/v1/notifications?tab=new')).body.unread as number;
    expect(unreadWith).toBe(unreadBefore + 2);

    const r = await seats.manager.client.post(`/api/v1/contacts/${contact}/assignee`, { client_id: clientId(), assignee_id: 'u_agent3' });
    expect(r.status).toBe(200);
    await seat.stream.until(() => seat.stream.changes.some((x) => x.op === 'remove' && x.id === contact && x.seq > next), 2000, 'the removal push');
    for (const tab of ['new', 'archived', 'all']) {
      const items = await pageAll<Notification>(seat.client, `/api/v1/notifications?tab=${tab}`, 50);
      expect(
        items.filter((n) => n.contact_id === contact),
        `tab ${tab}`,
      ).toEqual([]);
    }
    expect((await seat.client.get('/api/v1/notifications?tab=new')).body.unread).toBe(unreadBefore);
    for (const action of ['read', 'archive']) {
      const nobody = await seat.client.post(`/api/v1/notifications/n_does-not-exist/${action}`, { client_id: clientId() });
      expect(nobody.status).toBe(404);
      for (const n of mine) {
        const a = await seat.client.post(`/api/v1/notifications/${n.id}/${action}`, { client_id: clientId() });
        expect(a.status, `${action} ${n.id}`).toBe(404);
        expect(a.body).toEqual(nobody.body);
      }
    }
    // Archive all archives what the user sees, and only that.
    const visibleNew = (await pageAll<Notification>(seat.client, '/api/v1/notifications?tab=new', 50)).length;
    const archived = await seat.client.post('/api/v1/notifications/archive-all', { client_id: clientId() });
    expect(archived.body.archived).toBe(visibleNew);
    // The feed since the reassignment: the removal, and nothing else of that contact.
    const { changes } = await seat.client.syncAll(next);
    const ofContact = changes.filter((x: ChangeRecord) => x.contact_id === contact);
    expect(ofContact.map((x) => x.op)).toEqual(['remove']);

    function ok(a: { status: number; body: unknown }) {
      expect(a.status, JSON.stringify(a.body)).toBe(200);
    }
  });

  it('mentions and unassigned-message alerts reach only users who may see the contact, and do not surface when it later becomes visible', async () => {
    // Everyone asks for New Message (unassigned) alerts.
    for (const s of ['agent', 'userOnly', 'team'] as const) {
      const r = await seats[s].client.put('/api/v1/me/preferences', { client_id: clientId(), notifications: { new_message_unassigned: true } });
      expect(r.status).toBe(200);
    }
    const w = await loadWorld();
    const demo = (id: string) => /^c_\d{5}$/.test(id);
    const x = assignedTo(w, null).filter(demo).at(-1)!; // unassigned
    const [y1, y2] = assignedTo(w, 'u_agent9').filter(demo); // Onboarding: hidden from both restricted agents
    for (const id of [x, y1, y2]) expect(id).toBeTruthy();
    for (const s of RESTRICTED) for (const id of [x, y1, y2]) expect(visibleTo(w, idOf(s)).has(id)).toBe(false);
    const marks = Object.fromEntries(Object.values(seats).map((s) => [s.name, s.stream.changes.length])) as Record<SeatName, number>;

    expect((await inbound(server, `ext-${Number(x.slice(2))}`, 'Is anyone on duty tonight?')).status).toBe(200);
    const k1 = await seats.manager.client.post(`/api/v1/contacts/${y1}/comments`, {
      client_id: clientId(),
      text: `${formatMention('u_agent2')} take this one`,
    });
    const k2 = await seats.manager.client.post(`/api/v1/contacts/${y2}/comments`, {
      client_id: clientId(),
      text: `${formatMention('u_agent4')} take this one`,
    });
    expect([k1.status, k2.status]).toEqual([201, 201]);
    // The unrestricted agent is alerted of the unassigned message; the restricted agents of nothing.
    await seats.agent.stream.until(
      () =>
        seats.agent.stream.changes
          .slice(marks.agent)
          .some((r) => r.entity === 'notification' && (r.data as Notification).kind === 'new_message_unassigned' && r.contact_id === x),
      2000,
      'the unassigned alert',
    );
    // The contacts become visible to the restricted agents afterwards.
    const assign = (id: string, to: string) => seats.manager.client.post(`/api/v1/contacts/${id}/assignee`, { client_id: clientId(), assignee_id: to });
    expect((await assign(x, 'u_agent2')).status).toBe(200);
    expect((await assign(y1, 'u_agent2')).status).toBe(200);
    expect((await assign(y2, 'u_agent10')).status).toBe(200); // Sales: the team agent gains it
    for (const [s, ids] of [
      ['userOnly', [x, y1]],
      ['team', [y2]],
    ] as const) {
      const seat = seats[s];
      await seat.stream.until(
        () => ids.every((id) => seat.stream.changes.slice(marks[s]).some((r) => r.entity === 'contact' && r.id === id)),
        2000,
        `${s}: the gained contacts`,
      );
      const listed = await pageAll<Notification>(seat.client, '/api/v1/notifications?tab=all', 50);
      const pushed = seat.stream.changes
        .slice(marks[s])
        .filter((r) => r.entity === 'notification')
        .map((r) => r.data as Notification);
      const fed = (await seat.client.syncAll(0, 2000)).changes.filter((r) => r.entity === 'notification').map((r) => r.data as Notification);
      for (const [where, notes] of [
        ['list', listed],
        ['stream', pushed],
        ['feed', fed],
      ] as const) {
        const kinds = notes.filter((n) => n.contact_id !== null && (ids as readonly string[]).includes(n.contact_id)).map((n) => `${n.contact_id}:${n.kind}`);
        // Only the assignment itself, for the agent it was assigned to.
        const expected = s === 'userOnly' ? [`${x}:contact_assigned`, `${y1}:contact_assigned`] : [];
        expect(sorted(new Set(kinds)), `${s}: ${where}`).toEqual(sorted(expected));
      }
    }
  });

  it('team changes move a "User\'s team" agent\'s sight: exactly the lost contacts are removed and the gained ones arrive', async () => {
    const seat = seats.team;
    const me = idOf('team');
    const steps: [string, string][] = [
      ['u_agent7', 't_support'], // a team mate leaves Sales
      [me, 't_onboarding'], // the agent moves to Onboarding
      [me, 't_sales'], // and back
      ['u_agent7', 't_sales'], // the team mate comes back
    ];
    for (const [userId, teamId] of steps) {
      const w0 = await loadWorld();
      const cursor = (await seat.client.syncAll(0, 2000)).next;
      const mark = seat.stream.changes.length;
      const r = await owner.patch(`/api/v1/users/${userId}`, { client_id: clientId(), team_id: teamId });
      expect(r.status).toBe(200);
      const w1 = await loadWorld();
      const was = visibleTo(w0, me);
      const now = visibleTo(w1, me);
      const lost = sorted([...was].filter((id) => !now.has(id)));
      const gained = sorted([...now].filter((id) => !was.has(id)));
      const step = `${userId} to ${teamId}`;
      expect(lost.length + gained.length, `${step} changes what the agent sees`).toBeGreaterThan(0);

      const { changes } = await seat.client.syncAll(cursor, 2000);
      expect(sorted(changes.filter((c) => c.op === 'remove').map((c) => c.id)), `${step}: removals in the feed`).toEqual(lost);
      expect(sorted(changes.filter((c) => c.entity === 'contact' && c.op === 'upsert').map((c) => c.id)), `${step}: contacts gained in the feed`).toEqual(
        gained,
      );
      expect(changes.filter((c) => c.contact_id !== null && c.op !== 'remove' && !now.has(c.contact_id))).toEqual([]);
      await seat.stream.until(
        () => {
          const pushed = seat.stream.changes.slice(mark);
          return (
            lost.every((id) => pushed.some((c) => c.op === 'remove' && c.id === id)) &&
            gained.every((id) => pushed.some((c) => c.entity === 'contact' && c.id === id))
          );
        },
        2000,
        `${step}: the pushes`,
      );
      const pushed = seat.stream.changes.slice(mark);
      expect(sorted(pushed.filter((c) => c.op === 'remove').map((c) => c.id)), `${step}: removals pushed`).toEqual(lost);
      expect(pushed.filter((c) => c.contact_id !== null && c.op !== 'remove' && !now.has(c.contact_id))).toEqual([]);

      const listed = await pageAll<Contact>(seat.client, '/api/v1/contacts', 50);
      expect(sorted(listed.map((c) => c.id)), `${step}: GET /contacts`).toEqual(sorted(now));
      const allowed = inboxesFor(viewerOf(w1, me), w1.teamIds) as string[];
      expect((await seat.client.get('/api/v1/me')).body.inboxes).toEqual(allowed);
      for (const t of w1.teamIds) {
        const r2 = await seat.client.get(`/api/v1/conversations?inbox=team:${t}&limit=200`);
        if (allowed.includes(`team:${t}`)) {
          expect(r2.status).toBe(200);
          expect(sorted(r2.body.items.map((c: Contact) => c.id)), `${step}: team:${t}`).toEqual(inboxContents(w1, me, `team:${t}`, now));
        } else expect(r2.status, `${step}: team:${t} is not theirs`).toBe(403);
      }
    }
  });

  it('Dashboard and Reports answer 403 to every agent, and their rows follow the rule for supervisors', async () => {
    const to = Date.now() + 1000;
    const paths = [
      '/api/v1/dashboard',
      '/api/v1/dashboard/open-conversations',
      '/api/v1/dashboard/members',
      `/api/v1/reports/users?from=0&to=${to}`,
      `/api/v1/reports/leaderboard?metric=messages_sent&from=0&to=${to}`,
    ];
    for (const s of ['agent', 'userOnly', 'team'] as const) {
      for (const p of paths) {
        const r = await seats[s].client.get(p);
        expect(r.status, `${s}: ${p}`).toBe(403);
        expect(r.body.code).toBe('forbidden');
      }
    }
    const w = await loadWorld();
    for (const s of ['owner', 'manager'] as const) {
      for (const p of paths) expect((await seats[s].client.get(p)).status, `${s}: ${p}`).toBe(200);
      const vis = visibleTo(w, idOf(s));
      const open = sorted([...w.contacts.values()].filter((c) => c.status === 'open' && vis.has(c.id)).map((c) => c.id));
      const rows: { contact: Contact }[] = [];
      let cursor: string | null = null;
      do {
        const r: Answer = await seats[s].client.get(`/api/v1/dashboard/open-conversations?limit=13${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
        expect(r.status).toBe(200);
        rows.push(...r.body.items);
        cursor = r.body.next_cursor;
      } while (cursor);
      expect(sorted(rows.map((r) => r.contact.id)), `${s}: the Contacts widget`).toEqual(open);
      const summary = (await seats[s].client.get('/api/v1/dashboard')).body;
      expect(summary.figures.open).toBe(open.length);
      expect(summary.figures.unassigned).toBe(open.filter((id) => w.contacts.get(id)!.assignee_id === null).length);
    }
  });
});
