// Supervisor alerts on the desktop: the Dashboard's Contacts widget puts conversations breaking a rule
// first, with the rule and since when, filters by agent, and the tray badge counts the breaches still
// open; all from the supervisor's own cache, kept current by the server's Needs attention items.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clientId, inbound, signIn, startServer, type ApiClient, type TestServer } from '../support/server';
import { eventually, signedIn, startDesktop, type TestDesktop } from '../support/desktop';
import { trayState } from '../../src-main/electron/badge';

const MINUTE_MS = 300;

describe('breaches on the supervisor’s Dashboard and tray', () => {
  let server: TestServer;
  let manager: ApiClient;
  let desktop: TestDesktop;
  const unreadEvents: unknown[] = [];

  beforeAll(async () => {
    server = await startServer({ alertMinuteMsForTests: MINUTE_MS, alertSweepMs: 100, demo: { seed: 5, contacts: 30 } });
    manager = await signIn(server, 'manager@demo.test');
    desktop = await startDesktop();
    desktop.service.on('event', (name, payload) => {
      if (name === 'unread') unreadEvents.push(payload);
    });
    await signedIn(desktop, server.url, 'manager2@demo.test');
  });
  afterAll(async () => {
    await desktop?.stop();
    await server?.stop();
  });

  it('lists the breaching conversation first with its rule, filters by agent, and counts it on the tray until it ends', async () => {
    const agent = server.demo!.users.find((u) => u.email === 'agent3@demo.test')!;
    const contactId = (await inbound(server, `desk-${clientId()}`, 'anyone?', undefined, 'Newest Contact')).body.contact_id as string;
    expect((await manager.post(`/api/v1/contacts/${contactId}/assignee`, { client_id: clientId(), assignee_id: agent.id })).status).toBe(200);
    // Before any rule: the newest conversation is last (longest open first), and no row stands out.
    await eventually(async () => (await desktop.query('dashboardOpen', { limit: 200 })).items.some((r) => r.contact.id === contactId), 5000, 'the contact');
    const before = await desktop.query('dashboardOpen', { limit: 200 });
    expect(before.items[0].contact.id).not.toBe(contactId);
    expect(before.items.filter((r) => r.over_threshold)).toEqual([]);

    const rules = { client_id: clientId(), open_too_long_minutes: null, first_response_minutes: 1, unassigned_minutes: null, business_hours: null };
    expect((await manager.put('/api/v1/workspace/alert-rules', rules)).status).toBe(200);
    await eventually(
      async () => (await desktop.query('dashboardOpen', { limit: 200 })).items.find((r) => r.contact.id === contactId)?.over_threshold === true,
      10_000,
      'the row to break the rule',
    );
    const after = await desktop.query('dashboardOpen', { limit: 200 });
    const breaking = after.items.filter((r) => r.over_threshold);
    // Breaking rows come first, and only they stand out.
    expect(after.items.slice(0, breaking.length)).toEqual(breaking);
    const row = after.items.find((r) => r.contact.id === contactId)!;
    expect(row.breaches).toEqual([{ rule: 'first_response_overdue', due_at: expect.any(Number) }]);

    const mine = await desktop.query('dashboardOpen', { assignee: agent.id, limit: 200 });
    expect(mine.items.length).toBeGreaterThan(0);
    expect(mine.items.every((r) => r.contact.assignee_id === agent.id)).toBe(true);
    expect(mine.items[0].contact.id).toBe(contactId);

    const open = breaking.reduce((n, r) => n + (r.breaches?.length ?? 0), 0);
    await eventually(() => trayState(unreadEvents.at(-1)).badge === open, 5000, 'the tray to count the open breaches');
    expect(trayState(unreadEvents.at(-1)).tooltip).toContain(`${open} conversation`);

    // The agent replies: the breach ends, the row no longer stands out, the tray counts one fewer.
    const agentApi = await signIn(server, 'agent3@demo.test');
    expect((await agentApi.post(`/api/v1/contacts/${contactId}/messages`, { client_id: clientId(), text: 'On it' })).status).toBe(201);
    await eventually(() => trayState(unreadEvents.at(-1)).badge === open - 1, 10_000, 'the tray to count one fewer');
    const ended = (await desktop.query('dashboardOpen', { limit: 200 })).items.find((r) => r.contact.id === contactId)!;
    expect(ended.over_threshold).toBe(false);
    expect(ended.breaches).toEqual([]);
  });

  it('an agent’s tray counts unread notifications, as before', () => {
    expect(trayState({ count: 4 })).toEqual({ badge: 4, tooltip: 'IS-Messenger: 4 unread notifications' });
    expect(trayState({ count: 4, attention: 1 })).toEqual({ badge: 1, tooltip: 'IS-Messenger: 1 conversation needs attention, 4 unread notifications' });
  });
});
