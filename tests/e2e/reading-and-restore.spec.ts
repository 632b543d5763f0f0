// Reading is reading, restore where I was, and the smaller things a user notices: the real renderer
// in Chromium through host mode, against the real core, cache file and server.
import { randomUUID } from 'node:crypto';
import type { Page } from '@playwright/test';
import { expect, test } from './support/test';
import { ApiClient, inbound, signIn, type TestServer } from '../support/server';
import { coreQuery, eventually, openBySearch, restartServer, signedInApp, startDemoServer, unreadOf, type AppUser } from './support/harness';

let server: TestServer;
let managerApi: ApiClient;
const apps: AppUser[] = [];

test.beforeAll(async () => {
  server = await startDemoServer();
  managerApi = await signIn(server, 'manager@demo.test');
});

test.afterAll(async () => {
  for (const a of apps.splice(0)) await a.close();
  await server?.stop();
});

async function openMessages(page: Page): Promise<void> {
  await page.getByRole('navigation', { name: 'Main' }).getByRole('button', { name: 'Messages' }).click();
  await expect(page.getByRole('main', { name: 'Messages' })).toBeVisible();
}

async function openByName(page: Page, contact: { id: string; name: string }): Promise<void> {
  await openBySearch(page, contact);
  await page.getByRole('searchbox', { name: 'Search conversations' }).fill('');
}

test('a message arriving in the conversation on screen is read: no unread dot, the bell does not go up', async ({ browser }) => {
  const alice = await signedInApp(browser, server, 'agent1@demo.test');
  apps.push(alice);
  const { page } = alice;
  const me = alice.host.service.session().user!.id;
  const sender = `e2e-reader-${randomUUID()}`;
  const first = await inbound(server, sender, 'Hello, anyone?', undefined, 'Rosa Reading');
  const contactId = first.body.contact_id as string;
  expect((await managerApi.post(`/api/v1/contacts/${contactId}/assignee`, { client_id: randomUUID(), assignee_id: me })).status).toBe(200);
  await openMessages(page);
  await page
    .getByRole('complementary', { name: 'Inboxes' })
    .getByRole('button', { name: /^Mine\b/ })
    .click();
  await openByName(page, { id: contactId, name: 'Rosa Reading' });
  await page.bringToFront();
  await eventually(async () => (await unreadOf(page)) === 0 && alice.host.service.unreadCount() === 0, 15_000, 'what is on screen read');

  const text = `Are you still there? ${randomUUID()}`;
  await inbound(server, sender, text);
  await expect(page.locator('li.entry--incoming').filter({ hasText: text })).toBeVisible();
  // Give the unread count every chance to go up: it must not.
  await page.waitForTimeout(800);
  expect(await unreadOf(page)).toBe(0);
  const row = page.locator(`[role="option"][data-contact-id="${contactId}"]`);
  await expect(row).toHaveAttribute('aria-selected', 'true');
  await expect(row.locator('.conv-row__unread')).toHaveCount(0);
});

test('opened from the Dashboard, the conversation is shown and highlighted in the list, even far down it', async ({ browser }) => {
  const manager = await signedInApp(browser, server, 'manager@demo.test');
  apps.push(manager);
  const { page } = manager;
  // The list was left on the Closed tab: an open conversation opened from the Dashboard is not in it.
  await openMessages(page);
  await page.getByRole('group', { name: 'Show conversations' }).getByRole('button', { name: 'Closed' }).click();
  await page.getByRole('navigation', { name: 'Main' }).getByRole('button', { name: 'Dashboard' }).click();
  // The conversation open longest is usually one of the quietest: far down a newest-first list.
  const table = page.getByRole('table', { name: /Open conversations, longest open first/ });
  const rows = table.locator('tbody tr');
  await expect(rows.first()).toBeVisible();
  const name = (await rows.last().locator('.dash-contact button, button').first().innerText()).trim();
  await rows.last().getByRole('button', { name, exact: true }).click();
  await expect(page.locator('#thread-title')).toHaveText(name);
  const selected = page.locator('[role="option"][aria-selected="true"]');
  await expect(selected).toBeVisible();
  await expect(selected).toContainText(name);
  await expect(selected).toBeInViewport();
  await expect(page.getByRole('group', { name: 'Show conversations' }).getByRole('button', { name: 'Open' })).toHaveAttribute('aria-pressed', 'true');
});

test('a draft, the inbox and the conversation survive a reload and a restart of the app', async ({ browser }) => {
  const bob = await signedInApp(browser, server, 'agent2@demo.test');
  apps.push(bob);
  const { page } = bob;
  const me = bob.host.service.session().user!.id;
  const contacts = (await managerApi.get('/api/v1/contacts?limit=200')).body.items as { id: string; name: string; assignee_id: string; status: string }[];
  const mine = contacts.filter((c) => c.assignee_id === me && contacts.filter((x) => x.name === c.name).length === 1);
  const [a, b] = mine;
  await openMessages(page);
  await page
    .getByRole('complementary', { name: 'Inboxes' })
    .getByRole('button', { name: /^Mine\b/ })
    .click();
  await openByName(page, a);
  const draftA = `Half a reply ${randomUUID()}`;
  await page.getByRole('textbox', { name: `Message to ${a.name}` }).fill(draftA);
  await openByName(page, b);
  const draftB = `Another thought ${randomUUID()}`;
  await page.getByRole('textbox', { name: `Message to ${b.name}` }).fill(draftB);
  // Saved in the cache a moment after typing.
  await eventually(
    async () => (await coreQuery(bob, 'drafts', {})).filter((d) => d.text === draftA || d.text === draftB).length === 2,
    15_000,
    'both drafts saved',
  );
  await eventually(async () => (await coreQuery(bob, 'place', {}))?.contact_id === b.id, 15_000, 'the place saved');

  await page.reload();
  await expect(page.locator('#thread-title')).toHaveText(b.name, { timeout: 15_000 });
  await expect(page.getByRole('complementary', { name: 'Inboxes' }).getByRole('button', { name: /^Mine\b/ })).toHaveAttribute('aria-current', 'true');
  await expect(page.getByRole('textbox', { name: `Message to ${b.name}` })).toHaveValue(draftB);
  await openByName(page, a);
  await expect(page.getByRole('textbox', { name: `Message to ${a.name}` })).toHaveValue(draftA);
  await eventually(async () => (await coreQuery(bob, 'place', {}))?.contact_id === a.id, 15_000, 'the place saved');

  // A restart of the app: its core stops and starts again on the same cache file.
  await bob.host.service.shutdown();
  await bob.host.service.start();
  await page.reload();
  await expect(page.locator('#thread-title')).toHaveText(a.name, { timeout: 15_000 });
  await expect(page.getByRole('textbox', { name: `Message to ${a.name}` })).toHaveValue(draftA);
});

test('a search shows the matching message with the match marked, as text', async ({ browser }) => {
  const manager = await signedInApp(browser, server, 'manager2@demo.test');
  apps.push(manager);
  const { page } = manager;
  const word = `Zebraparcel${Date.now() % 100000}`;
  const sender = `e2e-search-${randomUUID()}`;
  const first = await inbound(server, sender, `Where is my ${word}, it was due <b>Monday</b>?`, undefined, 'Sid Search');
  await inbound(server, sender, 'Thanks, bye');
  await openMessages(page);
  await page.getByRole('searchbox', { name: 'Search conversations' }).fill(word.slice(0, 9));
  const row = page.locator(`[role="option"][data-contact-id="${first.body.contact_id}"]`);
  await expect(row.locator('.conv-row__excerpt')).toContainText(`Where is my ${word}, it was due <b>Monday</b>?`);
  await expect(row.locator('mark.search-hit')).toHaveText(word);
  await expect(row.locator('b')).toHaveCount(0);
});

test('a new custom inbox filtering on Open opens on the Open tab, whichever tab the list was on', async ({ browser }) => {
  const manager = await signedInApp(browser, server, 'manager2@demo.test');
  apps.push(manager);
  const { page } = manager;
  await openMessages(page);
  await page.getByRole('group', { name: 'Show conversations' }).getByRole('button', { name: 'Closed' }).click();
  await page.getByRole('button', { name: 'New custom inbox' }).click();
  const dialog = page.getByRole('dialog');
  await dialog.getByLabel('Name').fill(`Open ones ${randomUUID().slice(0, 6)}`);
  await dialog.getByLabel('Status').selectOption('open');
  await dialog.getByRole('button', { name: 'Create inbox' }).click();
  await expect(page.getByRole('group', { name: 'Show conversations' }).getByRole('button', { name: 'Open' })).toHaveAttribute('aria-pressed', 'true');
  await expect(page.locator('[role="option"]').first()).toBeVisible();
});

test('offline, an assignment says what will happen when the connection returns', async ({ browser }) => {
  const manager = await signedInApp(browser, server, 'owner@demo.test');
  apps.push(manager);
  const { page } = manager;
  const contact = (
    (await managerApi.get('/api/v1/contacts?limit=200')).body.items as { id: string; name: string; status: string; assignee_id: string | null }[]
  ).find((c, _, all) => c.status === 'open' && c.assignee_id !== 'u_manager' && all.filter((x) => x.name === c.name).length === 1)!;
  await openMessages(page);
  await openByName(page, contact);
  await server.close();
  await expect(page.getByText("You're offline — changes will be sent when the connection returns")).toBeVisible();
  await page
    .locator('.thread-header')
    .getByRole('button', { name: /^(Assigned to|Unassigned)/ })
    .click();
  await page.getByRole('combobox', { name: 'Search teammates' }).fill('Marcus');
  await page.getByRole('combobox', { name: 'Search teammates' }).press('Enter');
  await expect(page.getByText('Will assign to Marcus Manager when back online')).toBeVisible();
  await expect(page.getByText('Assigned to Marcus Manager', { exact: true })).toHaveCount(0);
  server = await restartServer(server);
});
