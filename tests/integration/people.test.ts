// People (F17): users added with their restrictions from the first moment and a one-time password,
// the password chosen at first sign-in, resets, changing one's own password, and the last Owner.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient, clientId, openStream, signIn, startServer, testEngine, type TestServer } from '../support/server';
import { StreamClose } from '../../src-shared/sync/changes';

const OWN_PASSWORD = 'marble-orchard-kettle';

async function signInWith(server: TestServer, email: string, password: string) {
  const c = new ApiClient(server.url);
  const r = await c.post('/api/v1/auth/sign-in', { email, password });
  if (r.status === 200) {
    c.token = r.body.token;
    c.userId = r.body.user.id;
  }
  return { client: c, answer: r };
}

describe('people', () => {
  let server: TestServer;
  let owner: ApiClient;
  let manager: ApiClient;
  let salesTeam: string;
  beforeAll(async () => {
    server = await startServer({ heartbeatMs: 60_000 });
    owner = await signIn(server, 'owner@demo.test');
    manager = await signIn(server, 'manager@demo.test');
    salesTeam = (await owner.get('/api/v1/teams')).body.items.find((t: { name: string }) => t.name === 'Sales').id;
  });
  afterAll(() => server.stop());

  it('an agent added with "User only" is restricted from the first record anyone receives, and sees nobody else\'s contacts', async () => {
    const from = await owner.head();
    const r = await manager.post('/api/v1/users', {
      client_id: clientId(),
      email: 'rita@demo.test',
      name: 'Rita Restricted',
      role: 'agent',
      team_id: salesTeam,
      restrictions: { contact_visibility: 'user', data_export: true },
    });
    expect(r.status).toBe(201);
    expect(r.body.user).toMatchObject({ role: 'agent', team_id: salesTeam, restrictions: { contact_visibility: 'user', data_export: true } });
    expect(r.body.one_time_password).toMatch(/^[a-z2-9]{4}(-[a-z2-9]{4}){3}$/);
    // Every record of this user in the feed carries the restriction: never a moment unrestricted.
    const records = (await owner.syncAll(from)).changes.filter((c) => c.entity === 'user' && c.id === r.body.user.id);
    expect(records.length).toBeGreaterThan(0);
    for (const rec of records) expect((rec.data as { restrictions: { contact_visibility: string } }).restrictions.contact_visibility).toBe('user');

    const { client: rita, answer } = await signInWith(server, 'rita@demo.test', r.body.one_time_password);
    expect(answer.status).toBe(200);
    expect(answer.body.password_change_required).toBe(true);
    expect((await rita.put('/api/v1/me/password', { current_password: r.body.one_time_password, new_password: OWN_PASSWORD })).status).toBe(200);
    expect((await rita.get('/api/v1/contacts?limit=200')).body.items).toEqual([]);
    expect((await rita.get('/api/v1/me')).body.inboxes).toEqual(['mine']);
  });

  it('Managers add Agents only; Owners add any access level', async () => {
    const asManager = await manager.post('/api/v1/users', { client_id: clientId(), email: 'mo@demo.test', name: 'Mo', role: 'manager' });
    expect(asManager.status).toBe(403);
    expect(asManager.body).toMatchObject({ code: 'forbidden', message: expect.stringMatching(/Agents only/) });
    const asOwner = await owner.post('/api/v1/users', { client_id: clientId(), email: 'mo@demo.test', name: 'Mo', role: 'manager' });
    expect(asOwner.status).toBe(201);
    expect(asOwner.body.user.role).toBe('manager');
    const again = await owner.post('/api/v1/users', { client_id: clientId(), email: 'MO@demo.test', name: 'Mo again', role: 'agent' });
    expect(again.status).toBe(409);
  });

  it('the one-time password is answered once: a replay of the same request answers the user without it', async () => {
    const body = { client_id: clientId(), email: 'once@demo.test', name: 'Once', role: 'agent' };
    const first = await owner.post('/api/v1/users', body);
    expect(first.body.one_time_password).toEqual(expect.any(String));
    const replay = await owner.post('/api/v1/users', body);
    expect(replay.body.user.id).toBe(first.body.user.id);
    expect(replay.body.one_time_password).toBeNull();
    // The replay table holds neither the password nor anything made from it.
    const stored = JSON.stringify(await server.store.db.all('SELECT * FROM idempotency WHERE client_id = ?', [body.client_id]));
    expect(stored).toContain(first.body.user.id);
    expect(stored).not.toContain(first.body.one_time_password);
    expect(stored).not.toContain(first.body.one_time_password.replaceAll('-', ''));
    // The request's fields are the replay's key: other fields under the same client id are refused.
    const other = await owner.post('/api/v1/users', { ...body, name: 'Twice' });
    expect(other.status).toBe(409);
    expect(other.body.code).toBe('idempotency_mismatch');
    // The new user's one-time password is hashed as every password is.
    const [{ password_hash: hash }] = await server.store.db.all<{ password_hash: string }>('SELECT password_hash FROM users WHERE id = ?', [
      first.body.user.id,
    ]);
    expect(hash).toMatch(/^\$argon2id\$/);
  });

  it('until they choose their own password, a new user can do nothing else, not even open the stream', async () => {
    const r = await owner.post('/api/v1/users', { client_id: clientId(), email: 'newbie@demo.test', name: 'Newbie', role: 'agent' });
    const { client: newbie } = await signInWith(server, 'newbie@demo.test', r.body.one_time_password);
    const blocked = await newbie.get('/api/v1/conversations');
    expect(blocked.status).toBe(403);
    expect(blocked.body.message).toMatch(/choose your own password first/i);
    expect((await newbie.get('/api/v1/sync?after=0')).status).toBe(403);
    await expect(openStream(server, newbie, 0)).rejects.toThrow(/403/);
    expect((await newbie.get('/api/v1/me')).body.password_change_required).toBe(true);
    // The rule holds here too, and the new password is not the one given.
    expect((await newbie.put('/api/v1/me/password', { current_password: r.body.one_time_password, new_password: 'newbie@demo.test' })).status).toBe(400);
    expect((await newbie.put('/api/v1/me/password', { current_password: r.body.one_time_password, new_password: r.body.one_time_password })).status).toBe(400);
    expect((await newbie.put('/api/v1/me/password', { current_password: r.body.one_time_password, new_password: OWN_PASSWORD })).status).toBe(200);
    expect((await newbie.get('/api/v1/conversations')).status).toBe(200);
    expect((await newbie.get('/api/v1/me')).body.password_change_required).toBe(false);
    // The one-time password is spent.
    expect((await signInWith(server, 'newbie@demo.test', r.body.one_time_password)).answer.status).toBe(401);
  });

  it("a reset ends the user's sessions and closes their stream at once; the old password stops working", async () => {
    const agent = await signIn(server, 'agent2@demo.test');
    const head = await agent.head();
    const stream = await openStream(server, agent, head);
    const r = await manager.post(`/api/v1/users/${agent.userId}/password-reset`);
    expect(r.status).toBe(200);
    expect(r.body.one_time_password).toEqual(expect.any(String));
    // The heartbeat (which also closes ended sessions) is a minute away: the reset itself closes it.
    await stream.until(() => stream.closeCode !== null, 5000, 'the stream to close');
    expect(stream.closeCode).toBe(StreamClose.signedOut);
    expect((await agent.get('/api/v1/me')).status).toBe(401);
    expect((await signInWith(server, 'agent2@demo.test', 'demo-password')).answer.status).toBe(401);
    const { answer } = await signInWith(server, 'agent2@demo.test', r.body.one_time_password);
    expect(answer.body.password_change_required).toBe(true);
  });

  it('Managers reset Agents only, nobody resets their own, and an Owner resets a Manager', async () => {
    const managerId = manager.userId;
    const ownerId = owner.userId;
    const manager2 = (await owner.get('/api/v1/users')).body.items.find((u: { email: string }) => u.email === 'manager2@demo.test').id;
    expect((await manager.post(`/api/v1/users/${manager2}/password-reset`)).status).toBe(403);
    expect((await manager.post(`/api/v1/users/${ownerId}/password-reset`)).status).toBe(403);
    expect((await manager.post(`/api/v1/users/${managerId}/password-reset`)).status).toBe(403);
    expect((await owner.post(`/api/v1/users/${ownerId}/password-reset`)).status).toBe(403);
    expect((await owner.post(`/api/v1/users/${manager2}/password-reset`)).status).toBe(200);
  });

  it("changing one's own password needs the current one and ends one's other sessions, not this one", async () => {
    const here = await signIn(server, 'agent3@demo.test');
    const laptop = await signIn(server, 'agent3@demo.test');
    const laptopStream = await openStream(server, laptop, await laptop.head());
    const wrong = await here.put('/api/v1/me/password', { current_password: 'not-it-at-all', new_password: OWN_PASSWORD });
    expect(wrong.status).toBe(403);
    expect(wrong.body.message).toMatch(/current password/);
    const common = await here.put('/api/v1/me/password', { current_password: 'demo-password', new_password: 'iloveyou123' });
    expect(common.status).toBe(400);
    expect(common.body.message).toMatch(/too common/);
    expect((await here.put('/api/v1/me/password', { current_password: 'demo-password', new_password: OWN_PASSWORD })).status).toBe(200);
    await laptopStream.until(() => laptopStream.closeCode !== null, 5000, "the other session's stream to close");
    expect((await laptop.get('/api/v1/me')).status).toBe(401);
    expect((await here.get('/api/v1/me')).status).toBe(200);
    expect((await signInWith(server, 'agent3@demo.test', 'demo-password')).answer.status).toBe(401);
    expect((await signInWith(server, 'agent3@demo.test', OWN_PASSWORD)).answer.status).toBe(200);
  });
});

describe('the last Owner', () => {
  let a: TestServer;
  let b: TestServer;
  beforeAll(async () => {
    a = await startServer();
    // On PostgreSQL a second instance: the two Owners act through different servers.
    b = testEngine === 'postgres' ? await startServer({ databaseUrl: a.databaseUrl }) : a;
  });
  afterAll(async () => {
    if (b !== a) await b.stop();
    await a.stop();
  });

  it('an Owner makes another user Owner; two Owners demoting each other at once leave exactly one Owner', async () => {
    const first = await signIn(a, 'owner@demo.test');
    const managerId = (await first.get('/api/v1/users')).body.items.find((u: { email: string }) => u.email === 'manager@demo.test').id;
    const promoted = await first.patch(`/api/v1/users/${managerId}`, { client_id: clientId(), role: 'owner' });
    expect(promoted.status).toBe(200);
    const second = await signIn(b, 'manager@demo.test');
    // Now an Owner: may change workspace settings.
    expect((await second.patch('/api/v1/workspace', { client_id: clientId(), name: 'Two Owners Inc' })).status).toBe(200);

    const [x, y] = await Promise.all([
      first.patch(`/api/v1/users/${managerId}`, { client_id: clientId(), role: 'manager' }),
      second.patch(`/api/v1/users/${first.userId}`, { client_id: clientId(), deactivated: true }),
    ]);
    // One succeeds; the other is refused, however the two interleave (on PostgreSQL, through two
    // instances, only the last-Owner rule stops both succeeding).
    const statuses = [x.status, y.status].sort();
    expect(statuses[0]).toBe(200);
    expect([401, 403, 409]).toContain(statuses[1]);
    const users = (await (x.status === 200 ? first : second).get('/api/v1/users')).body.items as { role: string; deactivated: boolean }[];
    expect(users.filter((u) => u.role === 'owner' && !u.deactivated)).toHaveLength(1);
  });

  it('the last active Owner cannot be demoted or deactivated', async () => {
    const owner = await signIn(a, 'owner@demo.test').catch(() => null);
    // Whichever Owner remains from the race above acts on itself (refused: nobody edits themselves)
    // and the other Owner left is the one it cannot lose.
    const anyOwner = owner ?? (await signIn(a, 'manager@demo.test'));
    const users = (await anyOwner.get('/api/v1/users')).body.items as { id: string; role: string; deactivated: boolean }[];
    const active = users.filter((u) => u.role === 'owner' && !u.deactivated);
    expect(active).toHaveLength(1);
    expect(active[0].id).toBe(anyOwner.userId);
    expect((await anyOwner.patch(`/api/v1/users/${anyOwner.userId}`, { client_id: clientId(), role: 'manager' })).status).toBe(403);
  });
});
