// Teams (F17): create, rename, delete (empty, or with its members moved to another team or to none);
// a move reaches every affected "User's team" agent's stream.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clientId, openStream, signIn, startServer, type ApiClient, type TestServer } from '../support/server';

interface U {
  id: string;
  email: string;
  team_id: string | null;
}

describe('teams', () => {
  let server: TestServer;
  let owner: ApiClient;
  let manager: ApiClient;
  const teamId = async (name: string) => ((await owner.get('/api/v1/teams')).body.items as { id: string; name: string }[]).find((t) => t.name === name)?.id;
  const users = async () => (await owner.get('/api/v1/users')).body.items as U[];
  beforeAll(async () => {
    server = await startServer({ heartbeatMs: 60_000 });
    owner = await signIn(server, 'owner@demo.test');
    manager = await signIn(server, 'manager@demo.test');
  });
  afterAll(() => server.stop());

  it('Owners and Managers create and rename teams; names are unique; Agents may not', async () => {
    const agent = await signIn(server, 'agent1@demo.test');
    expect((await agent.post('/api/v1/teams', { client_id: clientId(), name: 'Rogue' })).status).toBe(403);
    const created = await manager.post('/api/v1/teams', { client_id: clientId(), name: 'Renewals' });
    expect(created.status).toBe(201);
    expect((await owner.post('/api/v1/teams', { client_id: clientId(), name: 'renewals' })).status).toBe(409);
    const renamed = await owner.patch(`/api/v1/teams/${created.body.id}`, { client_id: clientId(), name: 'Retention' });
    expect(renamed.status).toBe(200);
    expect(renamed.body.name).toBe('Retention');
    expect((await owner.patch(`/api/v1/teams/${created.body.id}`, { client_id: clientId(), name: 'Sales' })).status).toBe(409);
    expect((await agent.patch(`/api/v1/teams/${created.body.id}`, { client_id: clientId(), name: 'Mine now' })).status).toBe(403);
    // Empty: deleted as it is.
    expect((await manager.request('DELETE', `/api/v1/teams/${created.body.id}?client_id=${clientId()}`)).status).toBe(200);
    expect(await teamId('Retention')).toBeUndefined();
  });

  it('a team with members is deleted only with somewhere for them to go; the move reaches "User\'s team" agents\' streams', async () => {
    const onboarding = (await teamId('Onboarding'))!;
    const support = (await teamId('Support'))!;
    const before = await users();
    const watcherRow = before.find((u) => u.email === 'agent5@demo.test')!;
    expect(watcherRow.team_id).toBe(support);
    expect((await owner.patch(`/api/v1/users/${watcherRow.id}`, { client_id: clientId(), restrictions: { contact_visibility: 'team' } })).status).toBe(200);
    const watcher = await signIn(server, 'agent5@demo.test');
    const onboardingMembers = before.filter((u) => u.team_id === onboarding).map((u) => u.id);
    const supportMembers = before.filter((u) => u.team_id === support && u.id !== watcherRow.id).map((u) => u.id);
    const all = (await owner.get('/api/v1/contacts?limit=200')).body.items as { id: string; assignee_id: string | null }[];
    const onboardingContact = all.find((c) => c.assignee_id !== null && onboardingMembers.includes(c.assignee_id))!;
    const supportContact = all.find((c) => c.assignee_id !== null && supportMembers.includes(c.assignee_id))!;
    expect(onboardingContact && supportContact).toBeTruthy();
    const seen = async () => new Set(((await watcher.get('/api/v1/contacts?limit=200')).body.items as { id: string }[]).map((c) => c.id));
    expect((await seen()).has(onboardingContact.id)).toBe(false);

    const stream = await openStream(server, watcher, await watcher.head());
    const refused = await manager.request('DELETE', `/api/v1/teams/${onboarding}?client_id=${clientId()}`);
    expect(refused.status).toBe(409);
    expect(refused.body.message).toMatch(/move them to another team or to none/);

    // Onboarding's members join Support: the watcher gains their contacts, live.
    expect((await manager.request('DELETE', `/api/v1/teams/${onboarding}?client_id=${clientId()}&members_to=${support}`)).status).toBe(200);
    await stream.until(
      () => stream.changes.some((c) => c.entity === 'contact' && c.id === onboardingContact.id && c.op === 'upsert'),
      5000,
      "the moved members' contact",
    );
    expect((await users()).filter((u) => onboardingMembers.includes(u.id)).every((u) => u.team_id === support)).toBe(true);
    expect(await teamId('Onboarding')).toBeUndefined();
    expect((await seen()).has(onboardingContact.id)).toBe(true);

    // Support's members go to no team: the watcher keeps only their own contacts.
    expect((await owner.request('DELETE', `/api/v1/teams/${support}?client_id=${clientId()}&members_to=none`)).status).toBe(200);
    await stream.until(() => stream.changes.some((c) => c.op === 'remove' && c.id === supportContact.id), 5000, "the removal of a former teammate's contact");
    expect((await seen()).has(supportContact.id)).toBe(false);
    expect((await users()).find((u) => u.id === watcherRow.id)!.team_id).toBeNull();
    expect((await watcher.get('/api/v1/me')).body.inboxes).toEqual(['mine']);
  });
});
