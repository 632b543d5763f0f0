// The desktop core on a real workspace of one's own (F17): setting an empty server up, adding a user
// who chooses their password at first sign-in (nothing cached before), and changing one's password.
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient, startServer, type TestServer } from '../support/server';
import { eventually, startDesktop, type TestDesktop } from '../support/desktop';

const OWNER_PASSWORD = 'copper-willow-sunrise';
const AGENT_PASSWORD = 'granite-meadow-violin';

describe('the desktop core on a workspace set up from the app', () => {
  let server: TestServer;
  const desktops: TestDesktop[] = [];
  const desktop = async () => {
    const d = await startDesktop();
    desktops.push(d);
    return d;
  };
  beforeAll(async () => {
    server = await startServer({ demo: false });
  });
  afterAll(async () => {
    for (const d of desktops) await d.stop();
    await server.stop();
  });

  it('sets the workspace up, adds an agent with a one-time password, and the agent chooses a password before anything is cached', async () => {
    const owner = await desktop();
    expect(await owner.query('setupStatus', { server_url: server.url })).toEqual({ needed: true });
    const wrong = owner.command('setUpWorkspace', {
      server_url: server.url,
      code: 'nope-nope',
      workspace_name: 'Acme',
      name: 'Olga Owner',
      email: 'olga@acme.test',
      password: OWNER_PASSWORD,
    });
    await expect(wrong).rejects.toMatchObject({ code: 'forbidden' });
    await owner.command('setUpWorkspace', {
      server_url: server.url,
      code: server.setupCode!,
      workspace_name: 'Acme',
      name: 'Olga Owner',
      email: 'olga@acme.test',
      password: OWNER_PASSWORD,
    });
    await eventually(() => owner.service.session().state === 'ready', 10_000, 'the owner ready');
    expect(owner.service.session().user).toMatchObject({ email: 'olga@acme.test', role: 'owner' });
    expect(await owner.query('setupStatus', { server_url: server.url })).toEqual({ needed: false });

    const team = await owner.command('createTeam', { name: 'Sales' });
    const added = await owner.command('createUser', {
      email: 'ann@acme.test',
      name: 'Ann Agent',
      role: 'agent',
      team_id: team.id,
      restrictions: { contact_visibility: 'user' },
    });
    expect(added.one_time_password).toEqual(expect.any(String));
    await eventually(async () => (await owner.query('users', {})).some((u) => u.email === 'ann@acme.test'), 5000, "the new user in the owner's list");

    const agent = await desktop();
    const session = await agent.command('signIn', { server_url: server.url, email: 'ann@acme.test', password: added.one_time_password! });
    expect(session.state).toBe('password_change');
    expect(session.user?.email).toBe('ann@acme.test');
    // Nothing of the workspace is on disk before the password is chosen.
    expect(existsSync(agent.service.cacheFile)).toBe(false);
    await expect(agent.command('changePassword', { new_password: 'ann@acme.test' })).rejects.toMatchObject({ code: 'invalid_request' });
    expect(agent.service.session().state).toBe('password_change');
    await agent.command('changePassword', { new_password: AGENT_PASSWORD });
    await eventually(() => agent.service.session().state === 'ready', 10_000, 'the agent ready');
    expect((await agent.query('me', {}))?.inboxes).toEqual(['mine']);
    expect((await agent.query('conversations', { inbox: 'mine' })).total).toBe(0);
  });

  it('changes its own password in Profile: the current one is required, and the app stays signed in', async () => {
    const owner = await desktop();
    await owner.command('signIn', { server_url: server.url, email: 'olga@acme.test', password: OWNER_PASSWORD });
    await eventually(() => owner.service.session().state === 'ready', 10_000, 'ready');
    await expect(owner.command('changePassword', { current_password: 'not-my-password', new_password: 'another-long-phrase' })).rejects.toMatchObject({
      code: 'forbidden',
    });
    await owner.command('changePassword', { current_password: OWNER_PASSWORD, new_password: 'another-long-phrase' });
    expect(owner.service.session().state).toBe('ready');
    expect((await owner.query('users', {})).length).toBeGreaterThan(0);
  });

  it("a reset from Settings signs the user's running app out, and signing out ends the session on the server", async () => {
    const owner = await desktop();
    await owner.command('signIn', { server_url: server.url, email: 'olga@acme.test', password: 'another-long-phrase' });
    await eventually(() => owner.service.session().state === 'ready', 10_000, 'ready');
    const agent = desktops[1];
    expect(agent.service.session().state).toBe('ready');
    const ann = (await owner.query('users', {})).find((u) => u.email === 'ann@acme.test')!;
    const reset = await owner.command('resetPassword', { id: ann.id });
    expect(reset.one_time_password).toEqual(expect.any(String));
    await eventually(() => agent.service.session().state === 'signed_out', 5000, "the agent's app signed out");

    const token = owner.store.load();
    const api = new ApiClient(server.url);
    api.token = token;
    expect((await api.get('/api/v1/me')).status).toBe(200);
    await owner.command('signOut', {});
    expect((await api.get('/api/v1/me')).status).toBe(401);
  });
});
