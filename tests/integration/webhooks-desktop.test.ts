// An endpoint that keeps failing is paused, and the Owner's desktop says so: a signed-in desktop core
// (real cache file) gets the Notification Center item, about no contact, and raises the OS
// notification through a real notification daemon (dunst).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clientId, inbound, signIn, startServer, type TestServer } from '../support/server';
import { eventually, signedIn, startDesktop, type TestDesktop } from '../support/desktop';
import { startNotificationSession, type NotificationSession } from '../support/notification-daemon';
import { createOsNotifier } from '../../src-main/core/notifications/os-notifier';
import { NotifySendNotifier } from '../../src-main/core/notifications/notify-send-notifier';
import { WebhookReceiver } from '../support/webhook-receiver';

describe('a paused webhook on the Owner’s desk', () => {
  let session: NotificationSession;
  let server: TestServer;
  let desktop: TestDesktop;
  let notifier: NotifySendNotifier;
  let receiver: WebhookReceiver;

  beforeAll(async () => {
    session = await startNotificationSession();
    server = await startServer({ webhookSchedule: { firstRetryMs: 20, maxRetryMs: 50, giveUpAfterMs: 60_000, pauseAfterMs: 300, claimMs: 3000 } });
    receiver = await WebhookReceiver.start(() => 500);
    notifier = createOsNotifier({ env: session.env, onClick: () => {}, onError: () => {} }) as NotifySendNotifier;
    desktop = await startDesktop({ notifier });
    await signedIn(desktop, server.url, 'owner@demo.test');
  });

  afterAll(async () => {
    notifier?.stop();
    await desktop?.stop();
    await receiver?.close();
    await server?.stop();
    await session?.stop();
  });

  it('the Owner gets a Notification Center item and an OS notification naming the endpoint', async () => {
    const owner = await signIn(server, 'owner@demo.test');
    const added = await owner.post('/api/v1/webhooks', { client_id: clientId(), url: receiver.url, events: ['message.received'] });
    expect(added.status).toBe(201);
    const before = session.notifyCalls().length;
    expect((await inbound(server, 'never-delivered', 'are you there?')).status).toBe(200);

    const paused = async () => (await desktop.query('notifications', { tab: 'new', limit: 50 })).items.filter((n) => n.kind === 'webhook_paused');
    await eventually(async () => (await paused()).length === 1, 15_000, 'the webhook_paused item in the desktop');
    const [item] = await paused();
    expect(item.contact_id).toBeNull();
    expect(item.excerpt).toContain(`${receiver.url} failed for 24 hours and was paused`);

    await eventually(
      () =>
        session
          .notifyCalls()
          .slice(before)
          .some((c) => c.summary.includes('Webhook paused')),
      5000,
      'the Notify call',
    );
    const call = session
      .notifyCalls()
      .slice(before)
      .find((c) => c.summary.includes('Webhook paused'))!;
    expect(call.body).toContain(receiver.url);
  });
});
