// Settings > Integrations > Webhooks, end to end in Chromium: an Owner adds an endpoint in the app (the
// signing key shown once), sends a test event that reaches a real receiver on 127.0.0.1 signed with
// that key, and sees it delivered in the endpoint's log; pausing and deleting ask first.
import { expect, test } from './support/test';
import type { TestServer } from '../support/server';
import { signatureVerifies, WebhookReceiver } from '../support/webhook-receiver';
import { expectAccessible, signedInApp, startDemoServer, type AppUser } from './support/harness';

let server: TestServer;
let receiver: WebhookReceiver;
let owner: AppUser | undefined;

test.beforeAll(async () => {
  server = await startDemoServer();
  receiver = await WebhookReceiver.start();
});

test.afterAll(async () => {
  await owner?.close();
  await receiver?.close();
  await server?.stop();
});

test('add a webhook, send a test event to a real receiver, and see it in the delivery log', async ({ browser }) => {
  owner = await signedInApp(browser, server, 'owner@demo.test');
  const page = owner.page;
  await page.getByRole('navigation', { name: 'Main' }).getByRole('button', { name: 'Settings' }).click();
  const card = page.getByRole('region', { name: 'Integrations › Webhooks' });
  await expect(card.getByText('No webhooks yet.')).toBeVisible();
  await card.getByLabel('Endpoint URL').fill(receiver.url);
  await card.getByRole('checkbox', { name: 'comment.created' }).check();
  await card.getByRole('button', { name: 'Add webhook' }).click();

  const shown = page.getByRole('dialog', { name: 'Webhook signing key' });
  await expect(shown).toBeVisible();
  const key = (await shown.getByTestId('webhook-signing-key').textContent())!.trim();
  expect(key).toMatch(/^whsec_[A-Za-z0-9_-]{40,}$/);
  await expect(shown.getByRole('button', { name: 'Copy' })).toBeVisible();
  await shown.getByRole('button', { name: 'Done' }).click();
  const row = card.getByRole('row', { name: new RegExp(receiver.url.replace(/[.:/]/g, '\\$&')) });
  await expect(row).toContainText('message.received, comment.created');
  await expect(row).toContainText('Active');
  await expectAccessible(page, 'Settings with a webhook');

  await row.getByRole('button', { name: 'Send test event' }).click();
  await receiver.until(() => receiver.received.length === 1, 'the test event');
  expect(receiver.received[0].body.event_type).toBe('webhook.test');
  expect(signatureVerifies(key, receiver.received[0])).toBe(true);

  await row.getByRole('button', { name: /^Delivery log of / }).click();
  const log = page.getByRole('dialog', { name: `Deliveries to ${receiver.url}` });
  const delivered = log.getByRole('row', { name: /webhook\.test/ });
  await expect(async () => {
    await log.getByRole('button', { name: 'Refresh' }).click();
    await expect(delivered).toContainText('Delivered', { timeout: 1000 });
  }).toPass({ timeout: 15_000 });
  await expect(delivered).toContainText('200');
  await expectAccessible(page, 'the delivery log');
  await log.getByRole('button', { name: 'Close' }).last().click();

  await row.getByRole('button', { name: 'Pause' }).click();
  const confirm = page.getByRole('dialog', { name: `Pause ${receiver.url}?` });
  await confirm.getByRole('button', { name: 'Pause' }).click();
  await expect(row).toContainText('Paused');
  await row.getByRole('button', { name: `Delete ${receiver.url}` }).click();
  await page
    .getByRole('dialog', { name: `Delete ${receiver.url}?` })
    .getByRole('button', { name: 'Delete' })
    .click();
  await expect(card.getByText('No webhooks yet.')).toBeVisible();
});
