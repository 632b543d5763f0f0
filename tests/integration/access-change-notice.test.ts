// An agent is told when their access changes (F16): their running app says in one line who changed
// what; other agents are not shown it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clientId, signIn, startServer, type ApiClient, type TestServer } from '../support/server';
import { eventually, signedIn, startDesktop, type TestDesktop } from '../support/desktop';

describe('an agent told of a change to their access', () => {
  let server: TestServer;
  let manager: ApiClient;
  let desktop: TestDesktop;
  beforeAll(async () => {
    server = await startServer({ demo: { seed: 5, contacts: 30 } });
    manager = await signIn(server, 'manager@demo.test');
    desktop = await startDesktop();
    await signedIn(desktop, server.url, 'agent1@demo.test');
  });
  afterAll(async () => {
    await desktop?.stop();
    await server?.stop();
  });

  it('says who restricted them and to what, in one line, and only to them', async () => {
    const me = desktop.service.session().user!;
    expect(desktop.service.session().notice).toBeNull();
    const r = await manager.patch(`/api/v1/users/${me.id}`, { client_id: clientId(), restrictions: { contact_visibility: 'user', data_export: true } });
    expect(r.status).toBe(200);
    await eventually(() => desktop.service.session().notice?.kind === 'access_changed', 5000, 'the notice');
    const manager1 = server.demo!.users.find((u) => u.email === 'manager@demo.test')!;
    expect(desktop.service.session().notice?.message).toBe(
      `${manager1.name} changed your access: Restrict Contact Visibility: User only, data export: restricted.`,
    );

    // Other agents see their teammate's name and team, not what changed in their access.
    const other = await signIn(server, 'agent2@demo.test');
    const seen = ((await other.get('/api/v1/users')).body.items as { id: string; access_change?: unknown }[]).find((u) => u.id === me.id)!;
    expect(seen.access_change ?? null).toBeNull();
    const { changes } = await other.syncAll();
    const records = changes.filter((c) => c.entity === 'user' && c.id === me.id);
    expect(records.every((c) => (c.data as { access_change?: unknown }).access_change == null)).toBe(true);

    // Dismissed, and a later change of team is said again.
    await desktop.command('dismissNotice', {});
    const support = (await manager.get('/api/v1/teams')).body.items.find((t: { name: string }) => t.name === 'Support') as { id: string };
    expect((await manager.patch(`/api/v1/users/${me.id}`, { client_id: clientId(), team_id: support.id })).status).toBe(200);
    await eventually(() => desktop.service.session().notice?.message === `${manager1.name} changed your access: team: Support.`, 5000, 'the second notice');
  });
});
