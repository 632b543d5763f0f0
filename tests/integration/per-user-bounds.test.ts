// Bounded per-user resources: custom inboxes per user and shared inboxes per team answer 409
// limit_reached beyond their bound, the inbox list at the bound still counts every inbox right,
// a sign-in beyond the sessions bound ends the oldest session, and streams per user are capped.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { STREAM_PATH } from '../../src-shared/sync/changes';
import { MAX_CUSTOM_INBOXES_PER_USER, MAX_SHARED_INBOXES_PER_AUDIENCE } from '../../src-server/workspace/custom-inboxes';
import { MAX_SESSIONS_PER_USER } from '../../src-server/workspace/users';
import { clientId, openStream, signIn, startServer, type ApiClient, type TestServer } from '../support/server';

describe('per-user bounds', () => {
  let server: TestServer;
  let owner: ApiClient;
  let manager: ApiClient;
  let manager2: ApiClient;
  beforeAll(async () => {
    server = await startServer({ demo: { seed: 7, contacts: 40 }, sweepMs: 3_600_000, maxStreamsPerUser: 3 });
    owner = await signIn(server, 'owner@demo.test');
    manager = await signIn(server, 'manager@demo.test');
    manager2 = await signIn(server, 'manager2@demo.test');
  });
  afterAll(() => server.stop());

  const inbox = (c: ApiClient, name: string, extra: Record<string, unknown> = {}) =>
    c.post('/api/v1/custom-inboxes', { client_id: clientId(), name, filter: { status: 'open' }, sharing: 'private', ...extra });

  it('a user may own a bounded number of custom inboxes: one more answers 409 limit_reached', async () => {
    for (let i = 0; i < MAX_CUSTOM_INBOXES_PER_USER; i++) expect((await inbox(owner, `mine ${i}`)).status).toBe(201);
    const over = await inbox(owner, 'one too many');
    expect(over.status).toBe(409);
    expect(over.body.code).toBe('limit_reached');
    expect(over.body.message).toMatch(/at most \d+ custom inboxes/);
    expect((await owner.get('/api/v1/custom-inboxes')).body.items.length).toBe(MAX_CUSTOM_INBOXES_PER_USER);
  });

  it('a team is shown a bounded number of shared inboxes, and its members list them all with right counts', async () => {
    const sales = (await owner.get('/api/v1/teams')).body.items.find((t: { name: string }) => t.name === 'Sales');
    const agent = await signIn(server, 'agent1@demo.test');
    const half = MAX_SHARED_INBOXES_PER_AUDIENCE / 2;
    const shared = (n: number) => ({
      sharing: 'shared',
      shared_team_ids: [sales.id],
      filter: { status: 'open', assignee: n % 2 ? 'unassigned' : agent.userId },
    });
    for (let i = 0; i < half; i++) expect((await inbox(manager, `team ${i}`, shared(i))).status).toBe(201);
    for (let i = half; i < MAX_SHARED_INBOXES_PER_AUDIENCE; i++) expect((await inbox(manager2, `team ${i}`, shared(i))).status).toBe(201);
    const over = await inbox(manager2, 'team over', shared(0));
    expect(over.status).toBe(409);
    expect(over.body.code).toBe('limit_reached');
    // Sharing an existing private inbox with the team is the same bound.
    const priv = await inbox(manager2, 'private one');
    const widen = await manager2.patch(`/api/v1/custom-inboxes/${priv.body.id}`, { client_id: clientId(), sharing: 'shared', shared_team_ids: [sales.id] });
    expect(widen.status).toBe(409);
    expect(widen.body.code).toBe('limit_reached');

    const list = (await agent.get('/api/v1/inboxes')).body.items as { key: string; kind: string; open_count: number }[];
    const customs = list.filter((i) => i.kind === 'custom');
    expect(customs.length).toBe(MAX_SHARED_INBOXES_PER_AUDIENCE);
    for (const key of [customs[0].key, customs[1].key, 'all', 'unassigned']) {
      const items = (await agent.get(`/api/v1/conversations?inbox=${key}&status=open&limit=200`)).body.items;
      expect(list.find((i) => i.key === key)!.open_count).toBe(items.length);
    }
  });

  it('inboxes filtered by text count what their lists show: a message, a name, no match, a text no message can hold', async () => {
    const contacts = (await manager.get('/api/v1/conversations?inbox=all&status=open&limit=5')).body.items as { id: string; name: string }[];
    const thread = (await manager.get(`/api/v1/contacts/${contacts[0].id}/messages?limit=5`)).body.items as { text: string }[];
    const word = thread.map((m) => m.text.split(' ').find((w) => w.length > 4)).find(Boolean)!;
    const texts = [word.toUpperCase(), contacts[1].name.slice(0, 4), 'zz-no-such-text', `${word}\u001f${word}`];
    const keys: string[] = [];
    for (const text of texts) {
      const r = await inbox(manager, `text ${text}`, { filter: { status: 'open', text } });
      expect(r.status).toBe(201);
      keys.push(`custom:${r.body.id}`);
    }
    const list = (await manager.get('/api/v1/inboxes')).body.items as { key: string; open_count: number }[];
    const counts = keys.map((key) => list.find((i) => i.key === key)!.open_count);
    const shown = [];
    for (const key of keys) shown.push((await manager.get(`/api/v1/conversations?inbox=${key}&status=open&limit=200`)).body.items.length);
    expect(counts).toEqual(shown);
    expect(counts[0]).toBeGreaterThan(0);
    expect(counts[2]).toBe(0);
  });

  it(`a sign-in beyond ${MAX_SESSIONS_PER_USER} sessions ends the oldest one`, async () => {
    const first = await signIn(server, 'agent6@demo.test');
    const rest: ApiClient[] = [];
    for (let i = 0; i < MAX_SESSIONS_PER_USER; i++) rest.push(await signIn(server, 'agent6@demo.test'));
    expect((await first.get('/api/v1/me')).status).toBe(401);
    for (const c of [rest[0], rest[rest.length - 1]]) expect((await c.get('/api/v1/me')).status).toBe(200);
    const n = await server.store.db.get<{ n: number }>('SELECT COUNT(*) AS n FROM sessions WHERE user_id = ?', [first.userId]);
    expect(Number(n?.n)).toBe(MAX_SESSIONS_PER_USER);
  });

  it('streams per user are capped: one more is refused with 429 {code, message}', async () => {
    const agent = await signIn(server, 'agent7@demo.test');
    const head = await agent.head();
    const open = [await openStream(server, agent, head), await openStream(server, agent, head), await openStream(server, agent, head)];
    const refused = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const ws = new WebSocket(`${server.url.replace('http', 'ws')}${STREAM_PATH}?after=${head}`, { headers: { authorization: `Bearer ${agent.token}` } });
      ws.on('unexpected-response', (_req, res) => {
        let body = '';
        res.on('data', (d) => (body += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      });
      ws.on('open', () => reject(new Error('a fourth stream was taken')));
      ws.on('error', () => {});
    });
    expect(refused.status).toBe(429);
    expect(JSON.parse(refused.body)).toMatchObject({ code: 'rate_limited' });
    open[0].close();
    for (let i = 0; i < 250 && server.hub.connections > 2; i++) await new Promise((r) => setTimeout(r, 20));
    const again = await openStream(server, agent, head);
    again.close();
    for (const s of open) s.close();
  });
});
