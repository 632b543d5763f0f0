import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient, clientId, inbound, openStream, signIn, startServer, type TestServer } from '../support/server';
import type { ChangeRecord } from '../../src-shared/sync/changes';

describe('the change feed and the live stream', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer({ heartbeatMs: 300 });
  });
  afterAll(() => server.stop());

  it('bootstraps from after=0 in pages, with strictly increasing seqs and progress', async () => {
    const manager = await signIn(server, 'manager@demo.test');
    const first = (await manager.get('/api/v1/sync?after=0&limit=500')).body;
    expect(first.must_refetch).toBe(false);
    expect(first.has_more).toBe(true);
    expect(first.head).toBeGreaterThan(first.next);
    const { changes } = await manager.syncAll(0, 500);
    for (let i = 1; i < changes.length; i++) expect(changes[i].seq).toBeGreaterThan(changes[i - 1].seq);
    const contacts = new Set(changes.filter((c) => c.entity === 'contact').map((c) => c.id));
    const listed = (await manager.get('/api/v1/contacts?limit=200')).body.items.length;
    expect(contacts.size).toBe(listed);
  });

  it('pushes each new inbound message to a manager on the open stream, in the order written', async () => {
    const manager = await signIn(server, 'manager@demo.test');
    const { next } = await manager.syncAll();
    const stream = await openStream(server, manager, next);
    // Pushed, not found by a later sync: each arrives on the stream opened before it was written.
    // How soon after its commit is a figure of npm run bench:server (push latency), not a test.
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const text = `Is the blue one in stock? (${i})`;
      const r = await inbound(server, 'ext-1', text);
      expect(r.status).toBe(200);
      ids.push(r.body.message_id);
      await stream.until(() => stream.changes.some((c) => c.entity === 'message' && c.id === r.body.message_id), 15_000, 'the message push');
      const rec = stream.changes.find((c) => c.id === r.body.message_id)!;
      expect((rec.data as { text: string }).text).toBe(text);
    }
    const pushed = stream.changes.filter((c) => c.entity === 'message' && ids.includes(c.id)).map((c) => c.id);
    expect(pushed).toEqual(ids);
    expect(stream.closeCode).toBeNull();
    stream.close();
  });

  it('frames are gap-free: each starts where the last ended, and heartbeats carry the cursor', async () => {
    const agent = await signIn(server, 'agent2@demo.test');
    const { next } = await agent.syncAll();
    const stream = await openStream(server, agent, next);
    for (let i = 0; i < 5; i++) await inbound(server, `ext-${i + 2}`, `message ${i}`);
    await stream.until(() => stream.frames.filter((f) => f.type === 'heartbeat').length >= 2, 3000, 'heartbeats');
    let cursor = next;
    for (const f of stream.frames) {
      if (f.type === 'changes') {
        expect(f.after).toBe(cursor);
        cursor = f.upto;
      }
      if (f.type === 'heartbeat') {
        expect(f.head).toBeGreaterThanOrEqual(cursor);
        cursor = f.head;
      }
    }
    stream.close();
  });

  it('resumes from a cursor: what was missed while disconnected arrives on reconnect', async () => {
    const manager = await signIn(server, 'manager@demo.test');
    const { next } = await manager.syncAll();
    const r = await inbound(server, 'ext-9', 'written while you were away');
    const stream = await openStream(server, manager, next);
    await stream.until(() => stream.changes.some((c) => c.id === r.body.message_id), 2000, 'the missed message');
    stream.close();
  });

  it('answers must_refetch for a cursor ahead of the feed', async () => {
    const manager = await signIn(server, 'manager@demo.test');
    const r = await manager.get('/api/v1/sync?after=999999999&limit=10');
    expect(r.body).toEqual({ must_refetch: true, reason: 'cursor_ahead' });
  });

  it('closes the stream on sign-out, and on deactivation, saying which', async () => {
    const agent = await signIn(server, 'agent3@demo.test');
    const stream = await openStream(server, agent, (await agent.syncAll()).next);
    expect((await agent.post('/api/v1/auth/sign-out')).status).toBe(200);
    await stream.until(() => stream.closeCode !== null, 15_000, 'close after sign-out');
    expect(stream.closeCode).toBe(4001);
    expect((await agent.get('/api/v1/me')).status).toBe(401);

    const owner = await signIn(server, 'owner@demo.test');
    const agent4 = await signIn(server, 'agent4@demo.test');
    const s4 = await openStream(server, agent4, (await agent4.syncAll()).next);
    const users = (await owner.get('/api/v1/users')).body.items as { id: string; email: string }[];
    const id4 = users.find((u) => u.email === 'agent4@demo.test')!.id;
    expect((await owner.patch(`/api/v1/users/${id4}`, { client_id: clientId(), deactivated: true })).status).toBe(200);
    await s4.until(() => s4.closeCode !== null, 15_000, 'close after deactivation');
    expect(s4.closeCode).toBe(4003);
    expect((await agent4.get('/api/v1/me')).status).toBe(401);
    const again = await new ApiClient(server.url).post('/api/v1/auth/sign-in', { email: 'agent4@demo.test', password: 'demo-password' });
    expect(again.status).toBe(403);
  });

  it('closes a stream whose session is gone however it ended, within a heartbeat', async () => {
    // A session row removed without its sign-out record (as if the stream had read past that record
    // while catching up): the heartbeat's check closes the stream all the same.
    const agent = await signIn(server, 'agent6@demo.test');
    const stream = await openStream(server, agent, (await agent.syncAll()).next);
    await stream.until(() => stream.frames.some((f) => f.type === 'heartbeat'), 3000, 'the stream to be live');
    const [{ n }] = await server.store.db.all<{ n: number }>('SELECT COUNT(*) AS n FROM sessions WHERE user_id = ?', [agent.userId]);
    expect(Number(n)).toBe(1);
    await server.store.db.run('DELETE FROM sessions WHERE user_id = ?', [agent.userId]);
    await stream.until(() => stream.closeCode !== null, 15_000, 'close after the session went');
    expect(stream.closeCode).toBe(4001);
  });

  it("tells a restricted agent's feed and stream to remove exactly the contacts they lost, and grants history on assignment", async () => {
    const owner = await signIn(server, 'owner@demo.test');
    const agent = await signIn(server, 'agent5@demo.test');
    const boot = await agent.syncAll();
    const seenBefore = new Set(boot.changes.filter((c) => c.entity === 'contact').map((c) => c.id));
    const stream = await openStream(server, agent, boot.next);
    expect((await owner.patch(`/api/v1/users/${agent.userId}`, { client_id: clientId(), restrictions: { contact_visibility: 'user' } })).status).toBe(200);
    const mine = new Set(((await agent.get('/api/v1/conversations?inbox=mine&limit=200')).body.items as { id: string }[]).map((c) => c.id));
    const lost = [...seenBefore].filter((id) => !mine.has(id)).sort();
    await stream.until(() => stream.changes.filter((c) => c.op === 'remove').length >= lost.length, 2000, 'removals');
    const removed = (cs: ChangeRecord[]) =>
      cs
        .filter((c) => c.op === 'remove')
        .map((c) => c.id)
        .sort();
    expect(removed(stream.changes)).toEqual(lost);
    expect(removed((await agent.syncAll(boot.next)).changes)).toEqual(lost);

    // A contact assigned to them arrives whole: the contact, its conversations and its messages.
    const someone = lost[0];
    const before = stream.changes.length;
    expect((await owner.post(`/api/v1/contacts/${someone}/assignee`, { client_id: clientId(), assignee_id: agent.userId })).status).toBe(200);
    await stream.until(() => stream.changes.slice(before).some((c) => c.entity === 'message' && c.contact_id === someone), 2000, 'the granted history');
    const granted = stream.changes.slice(before).filter((c) => c.contact_id === someone);
    const messages = (await agent.get(`/api/v1/contacts/${someone}/messages?limit=500`)).body.items as { id: string }[];
    for (const m of messages) expect(granted.some((g) => g.entity === 'message' && g.id === m.id)).toBe(true);
    stream.close();
  });
});

describe('the stream after a visibility change made while nobody was connected', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer({ heartbeatMs: 50, demo: { seed: 7, contacts: 20 } });
  });
  afterAll(() => server.stop());

  it('a "User\'s team" agent who reconnects after a team mate left gets nothing more of that mate\'s contacts', async () => {
    const owner = await signIn(server, 'owner@demo.test');
    const agent = await signIn(server, 'agent5@demo.test');
    const users = (await owner.get('/api/v1/users')).body.items as { id: string; role: string; team_id: string | null }[];
    const team = users.find((u) => u.id === agent.userId)!.team_id;
    const mate = users.find((u) => u.role === 'agent' && u.team_id === team && u.id !== agent.userId)!;
    const otherTeam = users.find((u) => u.team_id !== null && u.team_id !== team)!.team_id;
    const [theirs, mine] = ((await owner.get('/api/v1/contacts?limit=2')).body.items as { id: string }[]).map((c) => c.id);
    const ok = (r: { status: number }) => expect([200, 201]).toContain(r.status);
    ok(await owner.patch(`/api/v1/users/${agent.userId}`, { client_id: clientId(), restrictions: { contact_visibility: 'team' } }));
    ok(await owner.post(`/api/v1/contacts/${theirs}/assignee`, { client_id: clientId(), assignee_id: mate.id }));
    ok(await owner.post(`/api/v1/contacts/${mine}/assignee`, { client_id: clientId(), assignee_id: agent.userId }));

    // Connected and live (heartbeats come only once caught up), the hub reads what the agent may see
    // and keeps it (for up to a second: what follows takes a fraction of that).
    const first = await openStream(server, agent, (await agent.syncAll()).next);
    await first.until(() => first.frames.some((f) => f.type === 'heartbeat'), 3000, 'the first stream to be live');
    ok(await owner.patch(`/api/v1/users/${mate.id}`, { client_id: clientId(), name: 'Renamed Mate' }));
    await first.until(() => first.changes.some((c) => c.entity === 'user' && c.id === mate.id), 3000, 'the rename');
    const last = first.frames.filter((f) => f.type === 'changes' || f.type === 'heartbeat').at(-1)!;
    const cursor = last.type === 'changes' ? last.upto : last.type === 'heartbeat' ? last.head : 0;
    first.close();
    for (const deadline = Date.now() + 3000; server.hub.connections > 0;) {
      if (Date.now() > deadline) throw new Error('timed out waiting for the hub to see the stream closed');
      await new Promise((r) => setTimeout(r, 5));
    }

    // With nobody connected, the mate moves to another team: the agent loses their contact.
    ok(await owner.patch(`/api/v1/users/${mate.id}`, { client_id: clientId(), team_id: otherTeam }));
    const second = await openStream(server, agent, cursor);
    await second.until(() => second.changes.some((c) => c.op === 'remove' && c.id === theirs), 3000, 'the removal');
    const mark = second.frames.length;
    await second.until(() => second.frames.slice(mark).some((f) => f.type === 'heartbeat'), 3000, 'the second stream to be live');

    // Writes to the lost contact must not reach the agent; one to their own contact does.
    ok(await owner.post(`/api/v1/contacts/${theirs}/comments`, { client_id: clientId(), text: 'not for agent5' }));
    ok(await owner.post(`/api/v1/contacts/${mine}/comments`, { client_id: clientId(), text: 'for agent5' }));
    await second.until(() => second.changes.some((c) => c.entity === 'comment' && c.contact_id === mine), 3000, 'the comment on their own contact');
    const removedAt = second.changes.findIndex((c) => c.op === 'remove' && c.id === theirs);
    expect(second.changes.slice(removedAt + 1).filter((c) => c.contact_id === theirs)).toEqual([]);
    second.close();
  });
});
