// Real OS notifications on Linux without Electron: the desktop core, signed in to a real server,
// raises them through notify-send into dunst on a private D-Bus session; the test reads the Notify
// calls off the bus and clicks through the daemon, and the click comes back to the core.
import { readdirSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clientId, inbound, signIn, startServer, type ApiClient, type TestServer } from '../support/server';
import { eventually, signedIn, startDesktop, type TestDesktop } from '../support/desktop';
import { startNotificationSession, type NotificationSession, type NotifyCall } from '../support/notification-daemon';
import { NodeNotifier } from '../../src-main/core/notifications/node-notifier';
import { NotifySendNotifier } from '../../src-main/core/notifications/notify-send-notifier';
import { createOsNotifier } from '../../src-main/core/notifications/os-notifier';
import type { OsAlert } from '../../src-main/core/notifications/notification-center';

/** Pids of this process's own notify-send children (from /proc: pid, comm and parent pid). */
function notifySendChildren(): number[] {
  const pids: number[] = [];
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const [, comm, rest] = /^\d+ \((.*)\) (.*)$/s.exec(stat)!;
      if (comm === 'notify-send' && Number(rest.split(' ')[1]) === process.pid) pids.push(Number(pid));
    } catch {
      /* gone meanwhile */
    }
  }
  return pids;
}

const alertFor = (title: string): OsAlert => ({
  notificationId: null,
  title,
  body: 'nobody answers',
  contactId: null,
  commentId: null,
  messageId: null,
  silent: true,
});

const HOSTILE = '<b>bold</b> <a href="x">link</a> & <img src=x onerror=alert(1)>';

describe('OS notifications through a real notification daemon', () => {
  let session: NotificationSession;
  let server: TestServer;
  let manager: ApiClient;
  let desktop: TestDesktop;
  let notifier: NotifySendNotifier;
  const clicked: OsAlert[] = [];
  const opened: unknown[] = [];
  const errors: Error[] = [];

  beforeAll(async () => {
    session = await startNotificationSession();
    server = await startServer();
    manager = await signIn(server, 'manager@demo.test');
    const chosen = createOsNotifier({
      env: session.env,
      onClick: (alert) => {
        clicked.push(alert);
        void desktop.service.activate(alert);
      },
      onError: (err) => errors.push(err),
    });
    expect(chosen, 'on Linux with notify-send installed the OS notifier is notify-send').toBeInstanceOf(NotifySendNotifier);
    notifier = chosen as NotifySendNotifier;
    desktop = await startDesktop({ notifier });
    desktop.service.on('event', (name, payload) => {
      if (name === 'open') opened.push(payload);
    });
    await signedIn(desktop, server.url, 'agent1@demo.test');
  });

  afterAll(async () => {
    notifier?.stop(); // notify-send processes still waiting for an answer
    await desktop?.stop();
    await server?.stop();
    await session?.stop();
  });

  const newCall = async (before: number, what: string): Promise<NotifyCall> => {
    await eventually(() => session.notifyCalls().length > before, 2000, what);
    return session.notifyCalls()[before];
  };

  it('a mention reaches the bus as a Notify call', async () => {
    const me = desktop.service.session().user!;
    const contact = (await desktop.query('conversations', { inbox: 'mine', limit: 1 })).items[0];
    const before = session.notifyCalls().length;
    const r = await manager.post(`/api/v1/contacts/${contact.id}/comments`, {
      client_id: clientId(),
      text: `{{@user.${me.id}}} please send them the latest promotion`,
    });
    expect(r.status).toBe(201);
    const call = await newCall(before, 'the Notify call for the mention');
    expect(call).toMatchObject({ appName: 'IS-Messenger', actions: ['default', 'Open'] });
    expect(call.summary).toContain('Marcus Manager');
    expect(call.body).toContain('please send them the latest promotion');
    // Closed without a click: nothing comes back to the core.
    await session.dunstctl('close-all');
    await new Promise((r) => setTimeout(r, 200));
    expect(clicked).toEqual([]);
  });

  it("a contact's markup arrives escaped, and a click through the daemon opens the conversation and marks the item read", async () => {
    const me = desktop.service.session().user!;
    const sender = `ext-hostile-${clientId()}`;
    const first = await inbound(server, sender, 'hello', undefined, HOSTILE);
    expect(first.status).toBe(200);
    const contactId = first.body.contact_id as string;

    // Assigned to agent1: the Contact Assigned alert carries the contact's name.
    let before = session.notifyCalls().length;
    expect((await manager.post(`/api/v1/contacts/${contactId}/assignee`, { client_id: clientId(), assignee_id: me.id })).status).toBe(200);
    const assigned = await newCall(before, 'the Notify call for the assignment');
    expect(assigned.summary).toContain('Contact assigned');
    await session.dunstctl('close-all');

    // The contact writes in: name and text in the body, escaped for the daemon's markup.
    before = session.notifyCalls().length;
    await inbound(server, sender, HOSTILE);
    const message = await newCall(before, 'the Notify call for the new message');
    for (const call of [assigned, message]) {
      expect(call.body).not.toContain('<');
      expect(call.body).not.toContain('"');
      expect(call.body).toContain('&lt;b&gt;bold&lt;/b&gt; &lt;a href=&quot;x&quot;&gt;link&lt;/a&gt; &amp; &lt;img src=x onerror=alert(1)&gt;');
    }
    expect(message.body.split('&lt;b&gt;bold').length - 1).toBe(2); // the name and the text

    // Click it through the daemon.
    await eventually(async () => (await session.dunstctl('count', 'displayed')).trim() === '1', 2000, 'dunst to show it');
    await session.dunstctl('action', '0');
    await eventually(() => clicked.length === 1, 2000, 'the click to reach the core');
    const alert = clicked[0];
    expect(alert).toMatchObject({ contactId });
    expect(alert.messageId).not.toBeNull();
    expect(opened).toEqual([{ contact_id: contactId, comment_id: null, message_id: alert.messageId }]);
    await eventually(
      async () => (await desktop.query('notifications', { tab: 'all', limit: 100 })).items.find((n) => n.id === alert.notificationId)?.read_at != null,
      2000,
      'the notification marked read',
    );
    expect(errors).toEqual([]);
  });

  it('leaves no notify-send behind: one nobody answers is ended after the timeout, and the rest on stop()', async () => {
    const failures: Error[] = [];
    const quick = new NotifySendNotifier({ env: session.env, timeoutMs: 300, onError: (e) => failures.push(e) });
    const before = session.notifyCalls().length;
    quick.show(alertFor('times out'));
    await newCall(before, 'the Notify call');
    expect(notifySendChildren()).toHaveLength(1);
    await eventually(() => notifySendChildren().length === 0, 2000, 'notify-send ended after the timeout');

    const waiting = new NotifySendNotifier({ env: session.env, onError: (e) => failures.push(e) });
    waiting.show(alertFor('one'));
    waiting.show(alertFor('two'));
    await eventually(() => session.notifyCalls().length === before + 3, 2000, 'both Notify calls');
    expect(notifySendChildren()).toHaveLength(2);
    waiting.stop();
    await eventually(() => notifySendChildren().length === 0, 2000, 'notify-send ended on stop()');
    expect(failures).toEqual([]);
    await session.dunstctl('close-all');
  });

  it('falls back to node-notifier without notify-send, without a session bus, and off Linux', () => {
    expect(createOsNotifier({ env: { ...session.env, PATH: '/nonexistent' } })).toBeInstanceOf(NodeNotifier);
    expect(createOsNotifier({ env: { PATH: session.env.PATH } })).toBeInstanceOf(NodeNotifier);
    expect(createOsNotifier({ env: session.env, platform: 'darwin' })).toBeInstanceOf(NodeNotifier);
  });
});
