import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clientId, inbound, signIn, startServer, type ApiClient, type TestServer } from '../support/server';

describe('responding, comments, notifications and idempotent writes', () => {
  let server: TestServer;
  let owner: ApiClient;
  let manager: ApiClient;
  let alice: ApiClient;
  let bob: ApiClient;
  beforeAll(async () => {
    server = await startServer();
    owner = await signIn(server, 'owner@demo.test');
    manager = await signIn(server, 'manager@demo.test');
    alice = await signIn(server, 'agent1@demo.test');
    bob = await signIn(server, 'agent2@demo.test');
  });
  afterAll(() => server.stop());

  const messageCount = async (contactId: string) => (await owner.get(`/api/v1/contacts/${contactId}/messages?limit=500`)).body.items.length;

  it('a message sent three times with one client_id is stored once, and each answer is the first', async () => {
    const contact = (await alice.get('/api/v1/conversations?inbox=mine&limit=1')).body.items[0];
    const before = await messageCount(contact.id);
    const body = { client_id: clientId(), text: 'Here is the price list.' };
    const answers = [
      await alice.post(`/api/v1/contacts/${contact.id}/messages`, body),
      await alice.post(`/api/v1/contacts/${contact.id}/messages`, body),
      await alice.post(`/api/v1/contacts/${contact.id}/messages`, body),
    ];
    expect(answers.map((a) => a.status)).toEqual([201, 201, 201]);
    expect(new Set(answers.map((a) => a.body.id)).size).toBe(1);
    expect(await messageCount(contact.id)).toBe(before + 1);
    const reused = await alice.post(`/api/v1/contacts/${contact.id}/comments`, { client_id: body.client_id, text: 'x' });
    expect(reused.status).toBe(409);
  });

  it('a new contact writing in opens a conversation in Unassigned; the first agent to reply is assigned', async () => {
    const r = await inbound(server, 'new-visitor-1', 'Hello, anyone there?', 'msg-1', 'Nina New');
    expect(r.status).toBe(200);
    const again = await inbound(server, 'new-visitor-1', 'Hello, anyone there?', 'msg-1', 'Nina New');
    expect(again.body.message_id).toBe(r.body.message_id);
    const unassigned = (await manager.get('/api/v1/conversations?inbox=unassigned&status=open&limit=200')).body.items as { id: string; name: string }[];
    expect(unassigned.find((c) => c.id === r.body.contact_id)?.name).toBe('Nina New');
    await bob.post(`/api/v1/contacts/${r.body.contact_id}/messages`, { client_id: clientId(), text: 'Hi Nina, Bob here.' });
    await alice.post(`/api/v1/contacts/${r.body.contact_id}/messages`, { client_id: clientId(), text: 'And Alice.' });
    const detail = (await owner.get(`/api/v1/contacts/${r.body.contact_id}`)).body;
    expect(detail.contact.assignee_id).toBe(bob.userId);
    expect(detail.conversations[0].first_responder_id).toBe(bob.userId);
    const thread = (await owner.get(`/api/v1/contacts/${r.body.contact_id}/thread`)).body.items as { type: string; at: number; event?: { kind: string } }[];
    expect(thread.map((t) => (t.type === 'event' ? t.event!.kind : t.type))).toEqual(['message', 'message', 'assigned', 'message', 'opened']);
    for (let i = 1; i < thread.length; i++) expect(thread[i - 1].at).toBeGreaterThanOrEqual(thread[i].at);
  });

  it('a mention notifies the mentioned user (never the author); reading and archiving work', async () => {
    const contact = (await alice.get('/api/v1/conversations?inbox=mine&limit=1')).body.items[0];
    const unreadBefore = (await alice.get('/api/v1/notifications')).body.unread;
    const c = await manager.post(`/api/v1/contacts/${contact.id}/comments`, {
      client_id: clientId(),
      text: `{{@user.${alice.userId}}} please send them the latest promotion {{@user.${manager.userId}}}`,
    });
    expect(c.status).toBe(201);
    expect(c.body.mentions).toEqual([alice.userId, manager.userId]);
    const list = (await alice.get('/api/v1/notifications')).body;
    expect(list.unread).toBe(unreadBefore + 1);
    const n = list.items[0];
    expect(n).toMatchObject({ kind: 'comment_mention', contact_id: contact.id, comment_id: c.body.id, actor_id: manager.userId });
    expect(n.excerpt).toContain('please send them the latest promotion');
    expect(n.excerpt).toContain('@Alice');
    expect((await manager.get('/api/v1/notifications?tab=all&limit=200')).body.items.some((x: { comment_id: string }) => x.comment_id === c.body.id)).toBe(
      false,
    );
    expect((await alice.post(`/api/v1/notifications/${n.id}/read`, { client_id: clientId() })).body.read_at).not.toBeNull();
    expect((await alice.get('/api/v1/notifications')).body.unread).toBe(unreadBefore);
    expect((await alice.post(`/api/v1/notifications/${n.id}/archive`, { client_id: clientId() })).body.archived_at).not.toBeNull();
    expect((await alice.get('/api/v1/notifications?tab=archived')).body.items.some((x: { id: string }) => x.id === n.id)).toBe(true);
    expect((await alice.get('/api/v1/notifications?tab=new&limit=200')).body.items.some((x: { id: string }) => x.id === n.id)).toBe(false);
    expect((await bob.post(`/api/v1/notifications/${n.id}/read`, { client_id: clientId() })).status).toBe(404);
    await alice.post('/api/v1/notifications/archive-all', { client_id: clientId() });
    expect((await alice.get('/api/v1/notifications')).body).toMatchObject({ items: [], unread: 0 });
  });

  it('a comment longer than 1,000 characters, or mentioning a stranger, is refused and stores nothing', async () => {
    const contact = (await alice.get('/api/v1/conversations?inbox=mine&limit=1')).body.items[0];
    const count = async () => (await owner.get(`/api/v1/contacts/${contact.id}/comments?limit=500`)).body.items.length;
    const before = await count();
    expect((await manager.post(`/api/v1/contacts/${contact.id}/comments`, { client_id: clientId(), text: 'x'.repeat(1001) })).status).toBe(400);
    expect((await manager.post(`/api/v1/contacts/${contact.id}/comments`, { client_id: clientId(), text: '{{@user.nobody}} hi' })).status).toBe(400);
    expect((await manager.post(`/api/v1/contacts/${contact.id}/comments`, { client_id: clientId(), text: 'x'.repeat(1000) })).status).toBe(201);
    expect(await count()).toBe(before + 1);
  });

  it('assigning notifies the new assignee unless they assigned themselves; new messages notify the assignee, collapsed per contact', async () => {
    const r = await inbound(server, 'new-visitor-2', 'I want to buy 20 licences', undefined, 'Omar Order');
    const id = r.body.contact_id;
    await manager.post(`/api/v1/contacts/${id}/assignee`, { client_id: clientId(), assignee_id: alice.userId });
    let items = (await alice.get('/api/v1/notifications')).body.items as { kind: string; contact_id: string; count: number }[];
    expect(items.filter((n) => n.contact_id === id).map((n) => n.kind)).toEqual(['contact_assigned']);
    await inbound(server, 'new-visitor-2', 'Are you there?');
    await inbound(server, 'new-visitor-2', 'Hello??');
    items = (await alice.get('/api/v1/notifications')).body.items;
    const nm = items.filter((n) => n.contact_id === id && n.kind === 'new_message_assigned');
    expect(nm).toHaveLength(1);
    expect(nm[0].count).toBe(2);
    await bob.post(`/api/v1/contacts/${id}/assignee`, { client_id: clientId(), assignee_id: bob.userId });
    expect(
      (await bob.get('/api/v1/notifications?tab=all&limit=200')).body.items.some(
        (n: { contact_id: string; kind: string }) => n.contact_id === id && n.kind === 'contact_assigned',
      ),
    ).toBe(false);
  });

  it('unassigned new messages notify only the users who turned that on', async () => {
    expect(
      (await manager.put('/api/v1/me/preferences', { client_id: clientId(), notifications: { new_message_unassigned: true } })).body.notifications
        .new_message_unassigned,
    ).toBe(true);
    const r = await inbound(server, 'new-visitor-3', 'Price?');
    const has = async (c: ApiClient) =>
      (await c.get('/api/v1/notifications?limit=200')).body.items.some((n: { contact_id: string }) => n.contact_id === r.body.contact_id);
    expect(await has(manager)).toBe(true);
    expect(await has(owner)).toBe(false);
  });

  it('closing takes a closing note (required when the workspace says so); reopening never makes two open conversations', async () => {
    const r = await inbound(server, 'new-visitor-4', 'Thanks, all good');
    const id = r.body.contact_id;
    const cats = (await owner.get('/api/v1/closing-categories')).body.items;
    await owner.request('PATCH', '/api/v1/workspace', { client_id: clientId(), closing_note_required: true });
    expect((await manager.post(`/api/v1/contacts/${id}/close`, { client_id: clientId() })).status).toBe(400);
    const closed = await manager.post(`/api/v1/contacts/${id}/close`, { client_id: clientId(), closing_category_id: cats[0].id, summary: 'Answered' });
    expect(closed.status).toBe(200);
    expect(closed.body.conversation).toMatchObject({ status: 'closed', closing_category_id: cats[0].id, closing_summary: 'Answered' });
    expect((await manager.post(`/api/v1/contacts/${id}/close`, { client_id: clientId(), closing_category_id: cats[0].id, summary: 'x' })).status).toBe(409);
    expect((await manager.post(`/api/v1/contacts/${id}/open`, { client_id: clientId() })).status).toBe(200);
    expect((await manager.post(`/api/v1/contacts/${id}/open`, { client_id: clientId() })).status).toBe(409);
    await inbound(server, 'new-visitor-4', 'one more thing');
    const convs = (await owner.get(`/api/v1/contacts/${id}`)).body.conversations as { status: string }[];
    expect(convs.filter((c) => c.status === 'open')).toHaveLength(1);
    expect(convs).toHaveLength(2);
    await owner.request('PATCH', '/api/v1/workspace', { client_id: clientId(), closing_note_required: false });
  });

  it('custom inboxes: private ones stay private, shared ones reach their audience', async () => {
    const mine = await manager.post('/api/v1/custom-inboxes', {
      client_id: clientId(),
      name: 'Unassigned open',
      filter: { status: 'open', assignee: 'unassigned' },
      sharing: 'private',
    });
    expect(mine.status).toBe(201);
    const shared = await manager.post('/api/v1/custom-inboxes', {
      client_id: clientId(),
      name: 'Alice open',
      filter: { status: 'open', assignee: alice.userId },
      sharing: 'shared',
      shared_user_ids: [bob.userId],
    });
    const names = async (c: ApiClient) => ((await c.get('/api/v1/custom-inboxes')).body.items as { name: string }[]).map((i) => i.name).sort();
    expect(await names(manager)).toEqual(['Alice open', 'Unassigned open']);
    expect(await names(bob)).toEqual(['Alice open']);
    expect(await names(alice)).toEqual([]);
    const list = (await bob.get(`/api/v1/conversations?inbox=custom:${shared.body.id}&limit=200`)).body.items as { assignee_id: string; status: string }[];
    expect(list.length).toBeGreaterThan(0);
    for (const c of list) expect(c).toMatchObject({ assignee_id: alice.userId, status: 'open' });
    expect((await alice.get(`/api/v1/conversations?inbox=custom:${mine.body.id}`)).status).toBe(404);
    expect((await bob.patch(`/api/v1/custom-inboxes/${shared.body.id}`, { client_id: clientId(), name: 'mine now' })).status).toBe(403);
  });

  it('activity status: chosen online/busy, offline after the inactivity timeout, back to the chosen one on return, offline at sign-out', async () => {
    const carla = await signIn(server, 'agent3@demo.test');
    expect((await carla.put('/api/v1/me/status', { client_id: clientId(), status: 'busy' })).body.status).toBe('busy');
    expect((await carla.post('/api/v1/me/presence', { idle_seconds: 16 * 60 })).body.status).toBe('offline');
    expect((await carla.post('/api/v1/me/presence', { idle_seconds: 1 })).body.status).toBe('busy');
    await carla.post('/api/v1/auth/sign-out');
    expect((await owner.get(`/api/v1/users/${carla.userId}`)).body.status).toBe('offline');
  });

  it('nobody edits their own access; managers manage agents only', async () => {
    expect((await manager.patch(`/api/v1/users/${manager.userId}`, { client_id: clientId(), role: 'owner' })).status).toBe(403);
    expect((await manager.patch(`/api/v1/users/${owner.userId}`, { client_id: clientId(), role: 'agent' })).status).toBe(403);
    expect((await alice.patch(`/api/v1/users/${bob.userId}`, { client_id: clientId(), role: 'manager' })).status).toBe(403);
    expect(
      (await manager.patch(`/api/v1/users/${bob.userId}`, { client_id: clientId(), restrictions: { data_export: true } })).body.restrictions.data_export,
    ).toBe(true);
  });
});

describe('the Dashboard and Reports', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer();
  });
  afterAll(() => server.stop());

  it('shows open conversations longest first, key figures that add up, and per-user report rows', async () => {
    const manager = await signIn(server, 'manager@demo.test');
    const rows = (await manager.get('/api/v1/dashboard/open-conversations?limit=200')).body.items as { open_for_ms: number; contact: { status: string } }[];
    for (let i = 1; i < rows.length; i++) expect(rows[i - 1].open_for_ms).toBeGreaterThanOrEqual(rows[i].open_for_ms);
    const summary = (await manager.get('/api/v1/dashboard')).body;
    expect(summary.figures.open).toBe(rows.length);
    const unassignedOpen = (await manager.get('/api/v1/conversations?inbox=unassigned&status=open&limit=200')).body.items.length;
    expect(summary.figures.unassigned).toBe(unassignedOpen);
    expect(summary.conversations.last_30_days.opened).toBeGreaterThanOrEqual(summary.conversations.last_14_days.opened);
    expect(summary.conversations.last_14_days.opened).toBeGreaterThanOrEqual(summary.conversations.today.opened);
    const members = (await manager.get('/api/v1/dashboard/members')).body.items as { user: { id: string }; open_assigned: number }[];
    const total = members.reduce((s, m) => s + m.open_assigned, 0);
    expect(total).toBe(summary.figures.open - summary.figures.unassigned);

    const alice = await signIn(server, 'agent1@demo.test');
    const to = Date.now() + 1000;
    const from = to - 90 * 86_400_000;
    const before = (await manager.get(`/api/v1/reports/users?from=${from}&to=${to}`)).body.items.find((r: { user_id: string }) => r.user_id === alice.userId);
    const contact = (await alice.get('/api/v1/conversations?inbox=mine&limit=1')).body.items[0];
    await alice.post(`/api/v1/contacts/${contact.id}/messages`, { client_id: clientId(), text: 'hi' });
    await alice.post(`/api/v1/contacts/${contact.id}/comments`, { client_id: clientId(), text: 'note' });
    const after = (await manager.get(`/api/v1/reports/users?from=${from}&to=${Date.now() + 1000}`)).body.items.find(
      (r: { user_id: string }) => r.user_id === alice.userId,
    );
    expect(after.messages_sent).toBe(before.messages_sent + 1);
    expect(after.comments_added).toBe(before.comments_added + 1);
    const board = (await manager.get(`/api/v1/reports/leaderboard?metric=messages_sent&from=${from}&to=${Date.now() + 1000}`)).body.items as {
      messages_sent: number;
    }[];
    expect(board.length).toBeLessThanOrEqual(10);
    for (let i = 1; i < board.length; i++) expect(board[i - 1].messages_sent).toBeGreaterThanOrEqual(board[i].messages_sent);
    expect((await alice.get('/api/v1/dashboard')).status).toBe(403);
    expect((await alice.get(`/api/v1/reports/users?from=${from}&to=${to}`)).status).toBe(403);
  });
});
