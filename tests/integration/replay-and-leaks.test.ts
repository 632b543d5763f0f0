// Issue 11 points 1 and 2, as an attacker with an agent's account would probe them: replayed and
// reused client ids, what sync and the stream tell a restricted agent, and what /health and /users
// tell anyone. Each probe is reproduced against a real server and must now be refused.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Contact, User } from '../../src-shared/model';
import type { ChangeRecord } from '../../src-shared/sync/changes';
import { clientId, openStream, signIn, startServer, type ApiClient, type TestServer } from '../support/server';

describe('replays, client ids and what the feed tells a client', () => {
  let server: TestServer;
  let owner: ApiClient;
  let manager: ApiClient;
  beforeAll(async () => {
    server = await startServer();
    owner = await signIn(server, 'owner@demo.test');
    manager = await signIn(server, 'manager@demo.test');
  });
  afterAll(() => server.stop());

  const restrict = async (userId: string, contact_visibility: 'off' | 'user' | 'team') =>
    expect((await owner.patch(`/api/v1/users/${userId}`, { client_id: clientId(), restrictions: { contact_visibility } })).status).toBe(200);
  const assign = async (contactId: string, assigneeId: string | null) =>
    expect((await manager.post(`/api/v1/contacts/${contactId}/assignee`, { client_id: clientId(), assignee_id: assigneeId })).status).toBe(200);
  const mine = async (agent: ApiClient): Promise<Contact[]> => (await agent.get('/api/v1/conversations?inbox=mine&limit=200')).body.items;
  /** A contact assigned to neither of these users. */
  const someoneElses = async (...userIds: string[]): Promise<Contact> =>
    ((await owner.get('/api/v1/contacts?limit=200')).body.items as Contact[]).find((c) => c.assignee_id !== null && !userIds.includes(c.assignee_id))!;
  const removals = (changes: ChangeRecord[]) => changes.filter((c) => c.op === 'remove').map((c) => c.id);

  it('a replay on a contact the agent may no longer see answers 404, not the stored answer with its details', async () => {
    const agent = await signIn(server, 'agent5@demo.test');
    await restrict(agent.userId, 'user');
    const [contact] = await mine(agent);
    const first = { client_id: clientId(), assignee_id: agent.userId };
    const assigned = await agent.post(`/api/v1/contacts/${contact.id}/assignee`, first);
    expect(assigned.status).toBe(200);
    expect(assigned.body.id).toBe(contact.id);
    const message = { client_id: clientId(), text: 'Your order ships today' };
    expect((await agent.post(`/api/v1/contacts/${contact.id}/messages`, message)).status).toBe(201);
    // While the agent still sees the contact, a replay answers the first result and writes nothing.
    const again = await agent.post(`/api/v1/contacts/${contact.id}/messages`, message);
    expect(again.status).toBe(201);
    expect(again.body.id).toBe((await agent.post(`/api/v1/contacts/${contact.id}/messages`, message)).body.id);
    const thread = (await owner.get(`/api/v1/contacts/${contact.id}/messages?limit=200`)).body.items as { text: string }[];
    expect(thread.filter((m) => m.text === message.text)).toHaveLength(1);

    // The contact goes to another agent: this "User only" agent loses it.
    const other = (await owner.get('/api/v1/users')).body.items.find((u: User) => u.email === 'agent6@demo.test') as User;
    await assign(contact.id, other.id);
    const fresh = await agent.post(`/api/v1/contacts/${contact.id}/assignee`, { client_id: clientId(), assignee_id: agent.userId });
    expect(fresh.status).toBe(404);
    for (const [path, body] of [
      [`/api/v1/contacts/${contact.id}/assignee`, first],
      [`/api/v1/contacts/${contact.id}/messages`, message],
    ] as const) {
      const replay = await agent.post(path, body);
      expect(replay.status, path).toBe(404);
      expect(replay.body).toEqual(fresh.body);
      expect(JSON.stringify(replay.body)).not.toContain(contact.name);
    }
  });

  it('a client id reused on another route or target answers 409, and with other content 409 idempotency_mismatch', async () => {
    const agent = await signIn(server, 'agent3@demo.test');
    const [a, b] = await mine(agent);
    const used = { client_id: clientId(), text: 'First note' };
    expect((await agent.post(`/api/v1/contacts/${a.id}/comments`, used)).status).toBe(201);

    const otherTarget = await agent.post(`/api/v1/contacts/${b?.id ?? (await someoneElses()).id}/comments`, used);
    expect(otherTarget.status).toBe(409);
    expect(otherTarget.body).toMatchObject({ code: 'conflict', message: expect.stringContaining('client_id') });
    const otherRoute = await agent.post(`/api/v1/contacts/${a.id}/messages`, used);
    expect(otherRoute.status).toBe(409);
    expect(otherRoute.body.code).toBe('conflict');
    const otherText = await agent.post(`/api/v1/contacts/${a.id}/comments`, { ...used, text: 'Something else' });
    expect(otherText.status).toBe(409);
    expect(otherText.body).toMatchObject({ code: 'idempotency_mismatch', message: expect.stringContaining('client_id') });
    // Nothing was written by any of them.
    const comments = (await owner.get(`/api/v1/contacts/${a.id}/comments?limit=200`)).body.items as { text: string }[];
    expect(comments.filter((c) => c.text === 'First note' || c.text === 'Something else')).toHaveLength(1);
  });

  it("another user's client id is a new write: the answer does not depend on what that user wrote", async () => {
    const writer = await signIn(server, 'agent7@demo.test');
    const prober = await signIn(server, 'agent8@demo.test');
    const [theirs] = await mine(writer);
    const [own] = await mine(prober);
    const shared = clientId();
    const written = await writer.post(`/api/v1/contacts/${theirs.id}/comments`, { client_id: shared, text: 'Call them back at five' });
    expect(written.status).toBe(201);
    const sentWith = clientId();
    const sent = await writer.post(`/api/v1/contacts/${theirs.id}/messages`, { client_id: sentWith, text: 'Hello' });
    expect(sent.status).toBe(201);

    // The prober reuses the writer's client ids, as if it had learnt or guessed them: each is a
    // write of its own, answered 201 exactly as with a client id nobody used.
    const comment = await prober.post(`/api/v1/contacts/${own.id}/comments`, { client_id: shared, text: 'Probe' });
    expect(comment.status).toBe(201);
    expect(comment.body.id).not.toBe(written.body.id);
    const message = await prober.post(`/api/v1/contacts/${own.id}/messages`, { client_id: sentWith, text: 'Probe' });
    expect(message.status).toBe(201);
    expect(message.body.id).not.toBe(sent.body.id);
    // No id says which client id made it.
    expect(written.body.id).not.toContain(shared);
    expect(sent.body.id).not.toContain(sentWith);
  });

  it('a "User only" agent\'s first sync, in any number of pages, carries no removals, and none for contacts it never had', async () => {
    const agent = await signIn(server, 'agent9@demo.test');
    // The agent sees everything, then is restricted: the feed holds a removal for each contact it lost.
    await restrict(agent.userId, 'user');
    const ownIds = new Set((await mine(agent)).map((c) => c.id));
    for (const limit of [5000, 25]) {
      const { changes } = await agent.syncAll(0, limit);
      expect(removals(changes), `bootstrap in pages of ${limit}`).toEqual([]);
      const contacts = changes.filter((c) => c.entity === 'contact').map((c) => c.id);
      expect(new Set(contacts)).toEqual(ownIds);
    }
    const cursor = (await agent.syncAll(0)).next;

    // A contact granted and taken away again after the agent's cursor: the agent never had it.
    const passing = await someoneElses(agent.userId);
    const before = passing.assignee_id;
    await assign(passing.id, agent.userId);
    await assign(passing.id, before);
    const { changes } = await agent.syncAll(cursor);
    expect(changes.filter((c) => c.contact_id === passing.id || c.id === passing.id)).toEqual([]);
    // The stream catching up from that cursor says the same.
    const stream = await openStream(server, agent, cursor);
    const probe = await owner.patch(`/api/v1/users/${agent.userId}`, { client_id: clientId(), name: 'Agent Nine' });
    expect(probe.status).toBe(200);
    await stream.until(() => stream.changes.some((c) => c.entity === 'user' && c.id === agent.userId), 10_000, 'the rename');
    expect(stream.changes.filter((c) => c.contact_id === passing.id || c.id === passing.id)).toEqual([]);
    stream.close();

    // A contact it had and lost after the cursor is still removed.
    const [kept] = await mine(agent);
    const from = (await agent.syncAll(cursor)).next;
    await assign(kept.id, before);
    expect(removals((await agent.syncAll(from)).changes)).toEqual([kept.id]);
  });

  it('a live stream sends no removal of a contact granted and taken away before the grant could be sent', async () => {
    // Delivery rounds a second apart: the grant and the removal are delivered in one round, when the
    // contact is no longer the agent's, so the grant is not sent.
    const slow = await startServer({ streamRoundMs: 1000 });
    try {
      const boss = await signIn(slow, 'manager@demo.test');
      const agent = await signIn(slow, 'agent9@demo.test');
      expect((await boss.patch(`/api/v1/users/${agent.userId}`, { client_id: clientId(), restrictions: { contact_visibility: 'user' } })).status).toBe(200);
      const stream = await openStream(slow, agent, (await agent.syncAll(0)).next);
      const passing = ((await boss.get('/api/v1/contacts?limit=200')).body.items as Contact[]).find(
        (c) => c.assignee_id !== null && c.assignee_id !== agent.userId,
      )!;
      // A round starts now; what follows waits for the next.
      expect((await agent.put('/api/v1/me/status', { client_id: clientId(), status: 'busy' })).status).toBe(200);
      for (const assignee of [agent.userId, passing.assignee_id]) {
        expect((await boss.post(`/api/v1/contacts/${passing.id}/assignee`, { client_id: clientId(), assignee_id: assignee })).status).toBe(200);
      }
      expect((await agent.put('/api/v1/me/status', { client_id: clientId(), status: 'online' })).status).toBe(200);
      await stream.until(
        () => stream.changes.some((c) => c.entity === 'user' && c.id === agent.userId && (c.data as User).chosen_status === 'online'),
        10_000,
        'the last status',
      );
      const about = stream.changes.filter((c) => c.id === passing.id || c.contact_id === passing.id);
      // Either it was sent and then removed, or nothing of it at all.
      expect(about.length === 0 || about[0].op !== 'remove', JSON.stringify(about)).toBe(true);
      stream.close();
    } finally {
      await slow.stop();
    }
  });

  it('a restricted agent reactivated after losing contacts while deactivated does not keep them: its cursor must refetch', async () => {
    const agent = await signIn(server, 'agent10@demo.test');
    await restrict(agent.userId, 'user');
    const first = await agent.get('/api/v1/sync?after=0&limit=5000');
    const { next: cursor, epoch } = first.body;
    const [lost] = await mine(agent);
    expect((await owner.patch(`/api/v1/users/${agent.userId}`, { client_id: clientId(), deactivated: true })).status).toBe(200);
    await assign(lost.id, null);
    expect((await owner.patch(`/api/v1/users/${agent.userId}`, { client_id: clientId(), deactivated: false })).status).toBe(200);

    const back = await signIn(server, 'agent10@demo.test');
    const resumed = await back.get(`/api/v1/sync?after=${cursor}&limit=5000&epoch=${epoch}`);
    expect(resumed.status).toBe(200);
    const keptIt = !resumed.body.must_refetch && !removals(resumed.body.changes).includes(lost.id);
    expect(keptIt, 'the resumed client would keep a contact it lost while deactivated').toBe(false);
    // Its new bootstrap holds only what it sees now.
    const { changes } = await back.syncAll(0);
    expect(changes.some((c) => c.id === lost.id || c.contact_id === lost.id)).toBe(false);
  });

  it('/health tells nobody the feed head', async () => {
    const r = await fetch(`${server.url}/health`);
    expect(r.status).toBe(200);
    expect(await r.json()).toEqual({ ok: true });
  });

  it("agents see other users' names, teams and status, not their restrictions; Owners and Managers see them", async () => {
    const agent = await signIn(server, 'agent11@demo.test');
    await restrict(agent.userId, 'user');
    const target = (await owner.get('/api/v1/users')).body.items.find((u: User) => u.email === 'agent12@demo.test') as User;
    await restrict(target.id, 'team');
    const cursor = (await agent.syncAll(0)).next;
    const stream = await openStream(server, agent, cursor);
    const unrestricted = await signIn(server, 'agent1@demo.test');
    const unrestrictedStream = await openStream(server, unrestricted, (await unrestricted.syncAll(0)).next);
    const managerStream = await openStream(server, manager, (await manager.syncAll(0)).next);

    const listed = (await agent.get('/api/v1/users')).body.items as User[];
    const seen = listed.find((u) => u.id === target.id)!;
    expect(seen).toMatchObject({ name: target.name, team_id: target.team_id, status: expect.any(String), restrictions: null });
    expect(listed.filter((u) => u.id !== agent.userId).every((u) => u.restrictions === null)).toBe(true);
    expect(listed.find((u) => u.id === agent.userId)!.restrictions).not.toBeNull();
    expect((await agent.get(`/api/v1/users/${target.id}`)).body.restrictions).toBeNull();
    expect((await manager.get(`/api/v1/users/${target.id}`)).body.restrictions.contact_visibility).toBe('team');
    expect(((await manager.get('/api/v1/users')).body.items as User[]).find((u) => u.id === target.id)!.restrictions!.contact_visibility).toBe('team');

    // The feed: from the start, and live.
    const userRecords = (changes: ChangeRecord[], id: string) =>
      changes.filter((c) => c.entity === 'user' && c.id === id && c.op === 'upsert').map((c) => c.data as User);
    const boot = await agent.syncAll(0);
    expect(userRecords(boot.changes, target.id).length).toBeGreaterThan(0);
    expect(boot.changes.filter((c) => c.entity === 'user' && c.id !== agent.userId).every((c) => (c.data as User).restrictions === null)).toBe(true);
    expect(userRecords(boot.changes, agent.userId).every((u) => u.restrictions !== null)).toBe(true);
    await restrict(target.id, 'user');
    await managerStream.until(() => userRecords(managerStream.changes, target.id).length > 0, 10_000, "the manager's record");
    expect(userRecords(managerStream.changes, target.id).at(-1)!.restrictions!.contact_visibility).toBe('user');
    for (const s of [stream, unrestrictedStream]) {
      await s.until(() => userRecords(s.changes, target.id).length > 0, 10_000, "the agent's record");
      expect(userRecords(s.changes, target.id).every((u) => u.restrictions === null)).toBe(true);
    }
    for (const s of [stream, unrestrictedStream, managerStream]) s.close();
  });

  it("an Agent made a Manager is then shown everyone's restrictions, and a Manager made an Agent no longer is", async () => {
    const agent = await signIn(server, 'agent2@demo.test');
    const restricted = (await owner.get('/api/v1/users')).body.items.find((u: User) => u.email === 'agent12@demo.test') as User;
    const cursor = (await agent.syncAll(0)).next;
    expect((await owner.patch(`/api/v1/users/${agent.userId}`, { client_id: clientId(), role: 'manager' })).status).toBe(200);
    const promoted = (await agent.syncAll(cursor)).changes.filter((c) => c.entity === 'user' && c.id === restricted.id);
    expect(promoted.at(-1)?.data).toMatchObject({ restrictions: { contact_visibility: expect.any(String) } });

    const from = (await agent.syncAll(0)).next;
    expect((await owner.patch(`/api/v1/users/${agent.userId}`, { client_id: clientId(), role: 'agent' })).status).toBe(200);
    const demoted = (await agent.syncAll(from)).changes.filter((c) => c.entity === 'user' && c.id === restricted.id);
    expect(demoted.at(-1)?.data).toMatchObject({ restrictions: null });
  });
});
