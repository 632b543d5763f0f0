// Supervisor alerts on the supervisor's desk: a breach raised by the server becomes a native OS
// notification through the desktop core's Notifier (notify-send into a real dunst on a private D-Bus
// session), with its own preference and do-not-disturb honoured; a click through the daemon opens
// the conversation.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clientId, inbound, signIn, startServer, type ApiClient, type TestServer } from '../support/server';
import { eventually, signedIn, startDesktop, type TestDesktop } from '../support/desktop';
import { startNotificationSession, type NotificationSession } from '../support/notification-daemon';
import { NotifySendNotifier } from '../../src-main/core/notifications/notify-send-notifier';
import { createOsNotifier } from '../../src-main/core/notifications/os-notifier';
import type { OsAlert } from '../../src-main/core/notifications/notification-center';

/** A rule's minute lasts 300 ms here. */
const MINUTE_MS = 300;

describe('a breach on the supervisor’s desk', () => {
  let session: NotificationSession;
  let server: TestServer;
  let manager: ApiClient;
  let desktop: TestDesktop;
  let notifier: NotifySendNotifier;
  const clicked: OsAlert[] = [];
  const opened: unknown[] = [];

  beforeAll(async () => {
    session = await startNotificationSession();
    server = await startServer({ alertMinuteMsForTests: MINUTE_MS, alertSweepMs: 100, demo: { seed: 5, contacts: 0 } });
    manager = await signIn(server, 'manager@demo.test');
    notifier = createOsNotifier({
      env: session.env,
      onClick: (alert) => {
        clicked.push(alert);
        void desktop.service.activate(alert);
      },
      onError: () => {},
    }) as NotifySendNotifier;
    desktop = await startDesktop({ notifier });
    desktop.service.on('event', (name, payload) => {
      if (name === 'open') opened.push(payload);
    });
    await signedIn(desktop, server.url, 'manager2@demo.test');
  });

  afterAll(async () => {
    notifier?.stop();
    await desktop?.stop();
    await server?.stop();
    await session?.stop();
  });

  const needsAttention = (name: string) => session.notifyCalls().filter((c) => c.summary.startsWith('Needs attention') && c.body.includes(name));
  const inCenter = async (contactId: string) =>
    (await desktop.query('notifications', { tab: 'all', limit: 200 })).items.filter((n) => n.kind === 'needs_attention' && n.contact_id === contactId);

  it('is one native notification per breach, and a click through the daemon opens the conversation', async () => {
    const rules = { client_id: clientId(), open_too_long_minutes: null, first_response_minutes: null, unassigned_minutes: 1, business_hours: null };
    expect((await manager.put('/api/v1/workspace/alert-rules', rules)).status).toBe(200);
    const contactId = (await inbound(server, `alert-os-${clientId()}`, 'hello?', undefined, 'Dana Waiting')).body.contact_id as string;
    await eventually(() => needsAttention('Dana Waiting').length > 0, 10_000, 'the Needs attention notification');
    expect(needsAttention('Dana Waiting')[0]).toMatchObject({ appName: 'IS-Messenger', actions: ['default', 'Open'] });
    expect(needsAttention('Dana Waiting')[0].body).toContain('Unassigned longer than 1 min');
    await new Promise((r) => setTimeout(r, 4 * MINUTE_MS));
    expect(needsAttention('Dana Waiting')).toHaveLength(1);
    expect((await inCenter(contactId))[0]?.alert).toMatchObject({ rule: 'unassigned_too_long', ended_at: null });

    await eventually(async () => (await session.dunstctl('count', 'displayed')).trim() === '1', 2000, 'dunst to show it');
    await session.dunstctl('action', '0');
    await eventually(() => clicked.length === 1, 2000, 'the click to reach the core');
    expect(clicked[0]).toMatchObject({ contactId });
    expect(opened).toEqual([{ contact_id: contactId, comment_id: null, message_id: null }]);
    await eventually(async () => (await inCenter(contactId))[0]?.read_at != null, 2000, 'the item marked read');
  });

  it('keeps quiet under do-not-disturb, and when its own preference is off', async () => {
    await desktop.command('setPrefs', { do_not_disturb: true });
    const quiet = (await inbound(server, `alert-dnd-${clientId()}`, 'hello?', undefined, 'Quiet Please')).body.contact_id as string;
    await eventually(async () => (await inCenter(quiet)).length === 1, 10_000, 'the item in the Notification Center');
    await desktop.command('setPrefs', { do_not_disturb: false });

    const prefs = await desktop.query('prefs');
    await desktop.command('setPrefs', { os_alerts: { ...prefs.os_alerts, needs_attention: false } });
    const off = (await inbound(server, `alert-off-${clientId()}`, 'hello?', undefined, 'Switched Off')).body.contact_id as string;
    await eventually(async () => (await inCenter(off)).length === 1, 10_000, 'the item in the Notification Center');
    await desktop.command('setPrefs', { os_alerts: prefs.os_alerts });

    // The daemon's calls are asynchronous: give them time to arrive, then none came.
    await new Promise((r) => setTimeout(r, 500));
    expect(needsAttention('Quiet Please')).toEqual([]);
    expect(needsAttention('Switched Off')).toEqual([]);
  });
});
