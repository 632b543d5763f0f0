// Presence that cannot flood: a client flipping between idle and active makes a few user records,
// not one per report (over HTTP and over the stream), a user coming back is shown at once, and a
// stream sending frames faster than it may is closed with its own close code.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StreamClose } from '../../src-shared/sync/changes';
import { openStream, signIn, startServer, type ApiClient, type TestServer } from '../support/server';

describe('a held report', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer({ demo: { seed: 7, contacts: 10 }, sweepMs: 3_600_000, presenceGapMs: 800 });
  });
  afterAll(() => server.stop());

  it('is applied when the gap ends: a user who went idle again is shown offline then, with one record', async () => {
    const owner = await signIn(server, 'owner@demo.test');
    const agent = await signIn(server, 'agent2@demo.test');
    expect((await agent.post('/api/v1/me/presence', { idle_seconds: 3600 })).body.status).toBe('offline');
    expect((await agent.post('/api/v1/me/presence', { idle_seconds: 0 })).body.status).toBe('online');
    const head = await owner.head();
    // Idle again within the gap: held, still online for now.
    expect((await agent.post('/api/v1/me/presence', { idle_seconds: 3600 })).body.status).toBe('online');
    const deadline = Date.now() + 10_000;
    while ((await owner.get(`/api/v1/users/${agent.userId}`)).body.status !== 'offline') {
      if (Date.now() > deadline) throw new Error('the held report was never applied');
      await new Promise((r) => setTimeout(r, 100));
    }
    const records = await server.store.db.all("SELECT seq FROM changes WHERE entity = 'user' AND entity_id = ? AND seq > ?", [agent.userId, head]);
    expect(records.length).toBe(1);
  });
});

describe('presence reports', () => {
  let server: TestServer;
  let owner: ApiClient;
  beforeAll(async () => {
    server = await startServer({ demo: { seed: 7, contacts: 10 }, sweepMs: 3_600_000 });
    owner = await signIn(server, 'owner@demo.test');
  });
  afterAll(() => server.stop());

  /** The user records written to the feed since `after` (each goes to every client and every later bootstrap). */
  const statusRecords = async (after: number, userId: string) =>
    (await server.store.db.all<{ seq: number }>("SELECT seq FROM changes WHERE entity = 'user' AND entity_id = ? AND seq > ?", [userId, after])).length;

  it('flip-flopping over HTTP makes a few status records, not one per report; the last report is what the user sees once settled', async () => {
    const agent = await signIn(server, 'agent2@demo.test');
    const head = await owner.head();
    for (let i = 0; i < 40; i++) {
      const r = await agent.post('/api/v1/me/presence', { idle_seconds: i % 2 === 0 ? 3600 : 0 });
      expect(r.status).toBe(200);
    }
    expect(await statusRecords(head, agent.userId)).toBeLessThanOrEqual(3);
    // The last report said active: the user is online (coming back is never held).
    expect((await owner.get(`/api/v1/users/${agent.userId}`)).body.status).toBe('online');
  });

  it('a user coming back after going offline is shown online at once', async () => {
    const agent = await signIn(server, 'agent4@demo.test');
    expect((await agent.post('/api/v1/me/presence', { idle_seconds: 3600 })).body.status).toBe('offline');
    expect((await agent.post('/api/v1/me/presence', { idle_seconds: 0 })).body.status).toBe('online');
    expect((await owner.get(`/api/v1/users/${agent.userId}`)).body.status).toBe('online');
  });

  it('flip-flopping over the stream is cut with the too-many-frames close code, after a few records at most', async () => {
    const agent = await signIn(server, 'agent5@demo.test');
    const head = await owner.head();
    const s = await openStream(server, agent, await agent.head());
    for (let i = 0; i < 200; i++) s.send(JSON.stringify({ type: 'presence', idle_seconds: i % 2 === 0 ? 3600 : 0 }));
    await s.until(() => s.closeCode !== null, 10_000, 'the stream to close');
    expect(s.closeCode).toBe(StreamClose.tooManyFrames);
    // Let the frames that were taken finish their writes, then count.
    await new Promise((r) => setTimeout(r, 300));
    expect(await statusRecords(head, agent.userId)).toBeLessThanOrEqual(3);
    // A stream sending at a sane pace is left alone.
    const calm = await openStream(server, agent, await agent.head());
    for (let i = 0; i < 10; i++) calm.send(JSON.stringify({ type: 'ping' }));
    await calm.until(() => calm.frames.filter((f) => f.type === 'heartbeat').length >= 10, 5000, 'ten answers to ten pings');
    expect(calm.closeCode).toBeNull();
    calm.close();
  });
});
