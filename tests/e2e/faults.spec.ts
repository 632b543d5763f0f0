// Bad input and faults through the real renderer: a message written while the server is down waits
// as pending and is delivered once when it returns; sign-out with it still unsent asks first; a
// contact's markup renders as plain text.
import { randomUUID } from 'node:crypto';
import { expect, test } from './support/test';
import { DEMO_PASSWORD } from '../../src-server/demo/seed';
import { inbound, signIn, type TestServer } from '../support/server';
import { expectAccessible, openApp, openBySearch, restartServer, signedInApp, startDemoServer, type AppUser } from './support/harness';

test.describe.configure({ mode: 'serial' });

const HOSTILE = '<img src=x onerror=alert(1)>';

let server: TestServer;
let apps: AppUser[] = [];

test.beforeAll(async () => {
  server = await startDemoServer();
});

test.afterAll(async () => {
  for (const a of apps) await a.close();
  apps = [];
  await server?.stop();
});

test('the sign-in screen says in words why an http:// address on another machine or a file: address is refused', async ({ browser }) => {
  const app = await openApp(browser, 'manager@demo.test');
  apps.push(app);
  const { page } = app;
  await page.getByLabel('Email').fill(app.email);
  await page.getByLabel('Password').fill(DEMO_PASSWORD);
  // 0.0.0.0 reaches this machine without being a loopback name: it stands for another host.
  for (const [address, words] of [
    [server.url.replace('127.0.0.1', '0.0.0.0'), /not a secure address \(http:\/\/\): your password would travel unencrypted/],
    ['file:///etc/passwd', /must start with https:\/\//],
  ] as const) {
    await page.getByLabel('Server address').fill(address);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    const alert = page.getByRole('alert');
    await expect(alert).toContainText("This server address can't be used");
    await expect(alert).toContainText(words);
    await expect(alert).not.toContainText(/server_url|Invalid URL/);
    await expect(page.getByLabel('Server address')).toHaveAttribute('aria-invalid', 'true');
  }
  expect(app.host.service.session().state).toBe('signed_out');
});

test('a message written while the server is down shows pending, and is delivered once when it returns', async ({ browser }) => {
  const alice = await signedInApp(browser, server, 'agent1@demo.test');
  apps.push(alice);
  const { page } = alice;
  const meId = alice.host.service.session().user!.id;
  const contact = (
    (await (await signIn(server, 'manager@demo.test')).get('/api/v1/contacts?limit=200')).body.items as {
      id: string;
      name: string;
      assignee_id: string;
      status: string;
    }[]
  ).find((c) => c.assignee_id === meId && c.status === 'open')!;
  await page
    .getByRole('complementary', { name: 'Inboxes' })
    .getByRole('button', { name: /^Mine\b/ })
    .click();
  await openBySearch(page, contact);

  await server.close();
  await expect(page.getByText("You're offline — changes will be sent when the connection returns")).toBeVisible();

  const text = `Written offline ${randomUUID()}`;
  const box = page.getByRole('textbox', { name: `Message to ${contact.name}` });
  await box.fill(text);
  await box.press('Enter');
  const entry = page.locator('li.entry--outgoing').filter({ hasText: text });
  await expect(entry).toBeVisible();
  await expect(entry.locator('.msg-status')).toHaveText('Pending');
  await expectAccessible(page, 'the Messages module offline, with a pending message');

  server = await restartServer(server);
  await expect(entry.locator('.msg-status')).toHaveText(/^(Sent|Delivered|Read)$/, { timeout: 15_000 });
  await expect(page.getByText("You're offline — changes will be sent when the connection returns")).toBeHidden();

  // Exactly one such message on the server, and it stays one.
  const manager = await signIn(server, 'manager@demo.test');
  const count = async () =>
    ((await manager.get(`/api/v1/contacts/${contact.id}/messages?limit=100`)).body.items as { text: string }[]).filter((m) => m.text === text).length;
  expect(await count()).toBe(1);
  await page.waitForTimeout(1000);
  expect(await count()).toBe(1);
  await expect(page.locator('li.entry--outgoing').filter({ hasText: text })).toHaveCount(1);
});

test('an assignment the server refuses is put back, and the conversation and its row say so until dismissed', async ({ browser }) => {
  const manager = await signedInApp(browser, server, 'manager2@demo.test');
  apps.push(manager);
  const { page } = manager;
  const contact = (
    (await (await signIn(server, 'manager@demo.test')).get('/api/v1/contacts?limit=200')).body.items as { id: string; name: string; status: string }[]
  ).find((c) => c.status === 'open')!;
  await page.getByRole('navigation', { name: 'Main' }).getByRole('button', { name: 'Messages' }).click();
  await openBySearch(page, contact);

  // No menu offers a user who does not exist: the write goes to this user's core as the renderer's would.
  const r = await manager.host.service.handle({ kind: 'command', name: 'assign', input: { contact_id: contact.id, assignee_id: 'u_nobody' } });
  expect(r.ok).toBe(true);
  const banner = page.getByRole('alert').filter({ hasText: "Couldn't change the assignee" });
  await expect(banner).toBeVisible();
  const row = page.locator(`[role="option"][data-contact-id="${contact.id}"]`);
  await expect(row.getByText('Not saved')).toBeVisible();
  await expect(row.getByText('Pending')).toHaveCount(0);
  await expectAccessible(page, 'a conversation with a refused write');
  await banner.getByRole('button', { name: 'Dismiss' }).click();
  await expect(banner).toBeHidden();
  await expect(row.getByText('Not saved')).toHaveCount(0);
});

test('sign-out with a message not sent yet asks first, says what it is, and signs out once "Send now" has delivered it', async ({ browser }) => {
  const agent = await signedInApp(browser, server, 'agent3@demo.test');
  apps.push(agent);
  const { page } = agent;
  const meId = agent.host.service.session().user!.id;
  const contact = (
    (await (await signIn(server, 'manager@demo.test')).get('/api/v1/contacts?limit=200')).body.items as {
      id: string;
      name: string;
      assignee_id: string;
      status: string;
    }[]
  ).find((c) => c.assignee_id === meId && c.status === 'open')!;
  await page
    .getByRole('complementary', { name: 'Inboxes' })
    .getByRole('button', { name: /^Mine\b/ })
    .click();
  await openBySearch(page, contact);
  await server.close();
  await expect(page.getByText("You're offline — changes will be sent when the connection returns")).toBeVisible();
  const text = `Before signing out ${randomUUID()}`;
  const box = page.getByRole('textbox', { name: `Message to ${contact.name}` });
  await box.fill(text);
  await box.press('Enter');

  await page.locator('.rail__avatar').click();
  await page.getByRole('button', { name: 'Sign out' }).click();
  const dialog = page.getByRole('dialog', { name: 'Sign out with changes not sent?' });
  await expect(dialog).toContainText(`1 change is not sent yet: a message to ${contact.name}.`);
  await expect(dialog).toContainText(text);
  await expectAccessible(page, 'the sign-out question');
  // Still offline: nothing can be sent, and the dialog says so rather than signing out.
  await dialog.getByRole('button', { name: 'Send now' }).click();
  await expect(dialog).toContainText('1 change could not be sent (the server cannot be reached)');
  expect(agent.host.service.session().state).toBe('ready');

  server = await restartServer(server);
  await expect(page.getByText("You're offline — changes will be sent when the connection returns")).toBeHidden({ timeout: 15_000 });
  await dialog.getByRole('button', { name: 'Send now' }).click();
  await expect(page.getByRole('button', { name: 'Sign in', exact: true })).toBeVisible({ timeout: 15_000 });
  const manager = await signIn(server, 'manager@demo.test');
  expect(
    ((await manager.get(`/api/v1/contacts/${contact.id}/messages?limit=100`)).body.items as { text: string }[]).filter((m) => m.text === text),
  ).toHaveLength(1);
});

test('a contact named like markup, and such a message, render as plain text', async ({ browser }) => {
  const manager = await signedInApp(browser, server, 'manager@demo.test');
  apps.push(manager);
  const { page } = manager;
  const r = await inbound(server, `ext-xss-${randomUUID()}`, `hello ${HOSTILE} there`, undefined, HOSTILE);
  expect(r.status).toBe(200);
  const contactId = r.body.contact_id as string;

  // The Dashboard lists it by its literal name.
  await expect(page.getByRole('main', { name: 'Dashboard' })).toBeVisible();
  await expect(page.getByRole('button', { name: HOSTILE, exact: true })).toBeVisible();

  await page.getByRole('navigation', { name: 'Main' }).getByRole('button', { name: 'Messages' }).click();
  await page
    .getByRole('complementary', { name: 'Inboxes' })
    .getByRole('button', { name: /^All\b/ })
    .click();
  const row = page.locator(`[role="option"][data-contact-id="${contactId}"]`);
  await expect(row.locator('.conv-row__name')).toHaveText(HOSTILE);
  await expect(row.locator('.conv-row__excerpt')).toHaveText(`hello ${HOSTILE} there`);
  await row.click();
  await expect(page.locator('#thread-title')).toHaveText(HOSTILE);
  await expect(page.locator('.bubble__text').filter({ hasText: `hello ${HOSTILE} there` })).toBeVisible();

  // Nothing from it became an element, and nothing ran (an alert would fail the test: support/test.ts).
  await page.waitForTimeout(300);
  expect(await page.locator('img[src="x"]').count()).toBe(0);
  expect(await page.locator('img').evaluateAll((els) => els.filter((e) => (e.getAttribute('src') ?? '') === 'x').length)).toBe(0);
});
