// The closing categories a workspace defines (Owners): added at the end of the list, renamed, moved,
// archived (no longer offered; conversations closed with one keep it) and restored. Every client
// learns of each change through the feed. Runs on SQLite and (in the PostgreSQL pass) on PostgreSQL.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClosingCategory } from '../../src-shared/model';
import { clientId, signIn, startServer, type ApiClient, type TestServer } from '../support/server';

describe('closing categories the workspace defines', () => {
  let server: TestServer;
  let owner: ApiClient;
  let manager: ApiClient;
  beforeAll(async () => {
    server = await startServer();
    owner = await signIn(server, 'owner@demo.test');
    manager = await signIn(server, 'manager@demo.test');
  });
  afterAll(() => server.stop());

  const list = async () => (await manager.get('/api/v1/closing-categories')).body.items as ClosingCategory[];
  const openContact = async () => ((await manager.get('/api/v1/conversations?inbox=all&status=open&limit=1')).body.items as { id: string }[])[0].id;

  it('an Owner adds one at the end, renames it and moves it; names on offer are unique in any letter case; others may not', async () => {
    const before = await list();
    const body = { client_id: clientId(), name: '  Refund issued ' };
    const added = await owner.post('/api/v1/closing-categories', body);
    expect(added.status).toBe(201);
    expect(added.body).toMatchObject({ name: 'Refund issued', archived: false, position: Math.max(...before.map((c) => c.position)) + 1 });
    // The same client_id answers the first result and adds nothing.
    expect((await owner.post('/api/v1/closing-categories', body)).body.id).toBe(added.body.id);
    expect(await list()).toHaveLength(before.length + 1);

    expect((await owner.post('/api/v1/closing-categories', { client_id: clientId(), name: 'REFUND ISSUED' })).status).toBe(409);
    // Two Owners adding the same name at once: one gets it.
    const [a, b] = await Promise.all(['Wrong number', 'wrong NUMBER'].map((name) => owner.post('/api/v1/closing-categories', { client_id: clientId(), name })));
    expect([a.status, b.status].sort()).toEqual([201, 409]);
    expect((await manager.post('/api/v1/closing-categories', { client_id: clientId(), name: 'Managers may not' })).status).toBe(403);
    expect((await owner.post('/api/v1/closing-categories', { client_id: clientId(), name: '   ' })).status).toBe(400);

    const renamed = await owner.patch(`/api/v1/closing-categories/${added.body.id}`, { client_id: clientId(), name: 'Refunded' });
    expect(renamed.body.name).toBe('Refunded');
    const moved = await owner.patch(`/api/v1/closing-categories/${added.body.id}`, { client_id: clientId(), position: 0 });
    expect(moved.status).toBe(200);
    const after = await list();
    expect(after.map((c) => c.id)).toEqual([added.body.id, ...before.map((c) => c.id), (a.status === 201 ? a : b).body.id]);
    expect(after.map((c) => c.position)).toEqual(after.map((_, i) => i));
    expect((await owner.patch('/api/v1/closing-categories/cc_nope', { client_id: clientId(), name: 'x' })).status).toBe(404);
  });

  it('an archived one is no longer accepted to close with; a conversation closed with it keeps it; restoring needs a free name', async () => {
    const cat = (await owner.post('/api/v1/closing-categories', { client_id: clientId(), name: 'Bot traffic' })).body as ClosingCategory;
    const first = await openContact();
    expect((await manager.post(`/api/v1/contacts/${first}/close`, { client_id: clientId(), closing_category_id: cat.id, summary: 'A bot' })).status).toBe(200);

    const head = await manager.head();
    expect((await owner.patch(`/api/v1/closing-categories/${cat.id}`, { client_id: clientId(), archived: true })).body.archived).toBe(true);
    // Still listed (its conversations name it), marked archived; the feed says so to every client.
    expect((await list()).find((c) => c.id === cat.id)?.archived).toBe(true);
    const { changes } = await manager.syncAll(head);
    expect(changes.find((ch) => ch.entity === 'closing_category' && ch.id === cat.id)?.data).toMatchObject({ archived: true });

    const second = await openContact();
    const refused = await manager.post(`/api/v1/contacts/${second}/close`, { client_id: clientId(), closing_category_id: cat.id, summary: 'A bot' });
    expect(refused.status).toBe(400);
    expect(refused.body.message).toMatch(/archived/);
    const history = (await manager.get(`/api/v1/contacts/${first}`)).body.conversations as { status: string; closing_category_id: string | null }[];
    expect(history.some((c) => c.status === 'closed' && c.closing_category_id === cat.id)).toBe(true);

    // Its name is free again; taken, the archived one cannot come back under it.
    const again = await owner.post('/api/v1/closing-categories', { client_id: clientId(), name: 'bot TRAFFIC' });
    expect(again.status).toBe(201);
    expect((await owner.patch(`/api/v1/closing-categories/${cat.id}`, { client_id: clientId(), archived: false })).status).toBe(409);
    expect(
      (await owner.patch(`/api/v1/closing-categories/${cat.id}`, { client_id: clientId(), archived: false, name: 'Bot traffic (old)' })).body,
    ).toMatchObject({ archived: false, name: 'Bot traffic (old)' });
  });
});
