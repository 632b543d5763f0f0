import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, signIn, type TestServer } from '../support/server';

describe('the demo workspace on an empty database', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer({ demo: { seed: 42, contacts: 500 } });
  });
  afterAll(() => server.stop());

  it('answers /health', async () => {
    const r = await fetch(`${server.url}/health`);
    expect(r.status).toBe(200);
  });

  it('has an owner, two managers and at least ten agents in at least three teams, all able to sign in', async () => {
    const owner = await signIn(server, 'owner@demo.test');
    const users = (await owner.get('/api/v1/users')).body.items as { role: string; team_id: string | null; email: string }[];
    expect(users.filter((u) => u.role === 'owner')).toHaveLength(1);
    expect(users.filter((u) => u.role === 'manager').length).toBeGreaterThanOrEqual(2);
    const agents = users.filter((u) => u.role === 'agent');
    expect(agents.length).toBeGreaterThanOrEqual(10);
    expect(new Set(agents.map((a) => a.team_id)).size).toBeGreaterThanOrEqual(3);
    for (const email of ['manager@demo.test', 'manager2@demo.test', 'agent1@demo.test', 'agent10@demo.test']) {
      await expect(signIn(server, email)).resolves.toBeTruthy();
    }
  });

  it('has at least 500 contacts with histories: open and closed, long-open, unassigned, and some for every agent', async () => {
    const owner = await signIn(server, 'owner@demo.test');
    const contacts: { id: string; status: string; assignee_id: string | null }[] = [];
    let cursor: string | null = null;
    do {
      const r: { body: { items: typeof contacts; next_cursor: string | null } } = await owner.get(
        `/api/v1/contacts?limit=200${cursor ? `&cursor=${cursor}` : ''}`,
      );
      contacts.push(...r.body.items);
      cursor = r.body.next_cursor;
    } while (cursor);
    expect(contacts.length).toBeGreaterThanOrEqual(500);
    expect(contacts.some((c) => c.status === 'open')).toBe(true);
    expect(contacts.some((c) => c.status === 'closed')).toBe(true);
    expect(contacts.some((c) => c.assignee_id === null)).toBe(true);
    const users = (await owner.get('/api/v1/users')).body.items as { id: string; role: string }[];
    for (const a of users.filter((u) => u.role === 'agent')) expect(contacts.some((c) => c.assignee_id === a.id)).toBe(true);

    const longest = (await owner.get('/api/v1/dashboard/open-conversations?limit=5')).body;
    expect(longest.items[0].open_for_ms).toBeGreaterThan(10 * 3600_000);
    expect(longest.items[0].over_threshold).toBe(true);
    const thread = (await owner.get(`/api/v1/contacts/${longest.items[0].contact.id}/thread`)).body.items as { type: string }[];
    expect(thread.some((t) => t.type === 'message')).toBe(true);
    expect(thread.some((t) => t.type === 'event')).toBe(true);
    expect((await owner.get('/api/v1/closing-categories')).body.items.length).toBeGreaterThanOrEqual(3);
  });

  it('has no history in the future', async () => {
    const manager = await signIn(server, 'manager@demo.test');
    const { changes } = await manager.syncAll(0, 5000);
    const now = Date.now();
    const times = changes.flatMap((c) => {
      const d = c.data as Record<string, unknown> | null;
      return d
        ? (['created_at', 'opened_at', 'closed_at', 'last_activity_at'] as const).map((k) => d[k]).filter((v): v is number => typeof v === 'number')
        : [];
    });
    expect(times.length).toBeGreaterThan(1000);
    expect(Math.max(...times)).toBeLessThanOrEqual(now);
  });

  it('is the same workspace for the same seed', async () => {
    const other = await startServer({ demo: { seed: 42, contacts: 500 } });
    const different = await startServer({ demo: { seed: 43, contacts: 500 } });
    try {
      const shape = async (s: TestServer) => {
        const c = await signIn(s, 'owner@demo.test');
        const items = (await c.get('/api/v1/contacts?limit=200')).body.items as Record<string, unknown>[];
        return items.map((x) => [x.id, x.name, x.assignee_id, x.status, x.last_message]);
      };
      expect(await shape(other)).toEqual(await shape(server));
      expect(await shape(different)).not.toEqual(await shape(server));
      // Not the channel's secret: nobody can work it out from the seed.
      expect(other.demo!.channel.secret).toMatch(/^[0-9a-f]{32}$/);
      expect(other.demo!.channel.secret).not.toBe(server.demo!.channel.secret);
    } finally {
      await other.stop();
      await different.stop();
    }
  });
});
