// The three supervision stories of PRODUCT.md, end to end: the real renderer in Chromium through
// host mode, each user with their own core and cache, against the real server; the mention reaches
// a real notification daemon (dunst on a private D-Bus session) and its activation comes back.
import { randomUUID } from 'node:crypto';
import { expect, test } from './support/test';
import { createOsNotifier, type OsNotifier } from '../../src-main/core/notifications/os-notifier';
import { startNotificationSession, type NotificationSession, type NotifyCall } from '../support/notification-daemon';
import { ApiClient, inbound, signIn, type TestServer } from '../support/server';
import {
  eventually,
  expectAccessible,
  openApp,
  openFromAllInbox,
  signedInApp,
  signInThroughUi,
  snap,
  startDemoServer,
  unreadOf,
  type AppUser,
} from './support/harness';

test.describe.configure({ mode: 'serial' });

interface ApiContact {
  id: string;
  name: string;
  assignee_id: string | null;
  status: 'open' | 'closed';
}

let server: TestServer;
let session: NotificationSession;
let managerApi: ApiClient;
let users: { id: string; email: string; name: string }[];
let contacts: ApiContact[];
let manager: AppUser;
let alice: AppUser;
let aliceNotifier: OsNotifier;
const notifierErrors: Error[] = [];

const userByEmail = (email: string) => users.find((u) => u.email === email)!;
/** A name that belongs to exactly one contact, so a search for it finds that one. */
const uniqueName = (c: ApiContact) => contacts.filter((x) => x.name === c.name).length === 1;
/** "3 h 12 m", "45 m", "2 d 4 h" → milliseconds. */
function parseDuration(text: string): number {
  const unit: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
  return [...text.matchAll(/(\d+) (s|m|h|d)\b/g)].reduce((sum, m) => sum + Number(m[1]) * unit[m[2]], 0);
}

test.beforeAll(async () => {
  [session, server] = await Promise.all([startNotificationSession(), startDemoServer()]);
  managerApi = await signIn(server, 'manager@demo.test');
  users = (await managerApi.get('/api/v1/users')).body.items;
  contacts = (await managerApi.get('/api/v1/contacts?limit=200')).body.items;
});

test.afterAll(async () => {
  aliceNotifier?.stop();
  await manager?.close();
  await alice?.close();
  await server?.stop();
  await session?.stop();
});

test('story 1: the Dashboard shows the longest-open conversation first, and one click opens it', async ({ browser }) => {
  manager = await openApp(browser, 'manager@demo.test');
  await signInThroughUi(manager, server.url, async (page) => {
    await snap(page, 'sign-in');
    await expectAccessible(page, 'the sign-in view');
  });
  const { page } = manager;

  // The server's own answer: the conversation open longest, how long, and whose it is.
  const truth = (await managerApi.get('/api/v1/dashboard/open-conversations?limit=1')).body.items[0];
  const assignee = users.find((u) => u.id === truth.contact.assignee_id);

  await expect(page.getByRole('main', { name: 'Dashboard' })).toBeVisible();
  const table = page.getByRole('table', { name: /Open conversations, longest open first/ });
  const top = table.locator('tbody tr').first();
  await expect(top.getByRole('button', { name: truth.contact.name, exact: true })).toBeVisible();
  await expect(top.locator('.dash-assignee__name')).toHaveText(assignee?.name ?? 'A former user');
  const shown = (await top.locator('.dash-duration').innerText()).trim();
  expect(shown).toMatch(/^\d+ (h \d+ m|h|m|d \d+ h|d)\b/);
  expect(Math.abs(parseDuration(shown) - truth.open_for_ms)).toBeLessThan(2 * 3_600_000 > truth.open_for_ms ? 120_000 : 3_600_000);
  await snap(page, 'dashboard');
  await expectAccessible(page, 'the Dashboard');

  // One click: the Messages module with that conversation and its thread.
  await top.getByRole('button', { name: truth.contact.name, exact: true }).click();
  await expect(page.getByRole('main', { name: 'Messages' })).toBeVisible();
  await expect(page.locator('#thread-title')).toHaveText(truth.contact.name);
  const thread = page.getByRole('region', { name: `Conversation with ${truth.contact.name}` });
  await expect(thread.locator('li.entry').first()).toBeVisible();
  const serverThread = (await managerApi.get(`/api/v1/contacts/${truth.contact.id}/messages?limit=5`)).body.items as { id: string; text: string }[];
  expect(serverThread.length).toBeGreaterThan(0);
  await expect(thread.locator(`#message-${serverThread[0].id}`)).toContainText(serverThread[0].text);
  await snap(page, 'inbox-conversation');
  await expectAccessible(page, 'the Messages module with a conversation');
});

test("story 2: a mention reaches the agent's bell, Notification Center and OS; activating it opens the comment", async ({ browser }) => {
  const aliceUser = userByEmail('agent1@demo.test');
  expect(aliceUser.name).toMatch(/^Alice /);
  alice = await signedInApp(browser, server, 'agent1@demo.test', {
    notifierFor: (host) =>
      (aliceNotifier = createOsNotifier({ env: session.env, onClick: (alert) => void host().service.activate(alert), onError: (e) => notifierErrors.push(e) })),
  });
  const contact = contacts.find((c) => c.assignee_id === aliceUser.id && c.status === 'open' && uniqueName(c))!;
  expect(contact, 'an open contact of Alice with a name of its own').toBeTruthy();

  // The manager opens that conversation through search.
  const { page } = manager;
  await openFromAllInbox(page, contact);

  const unreadBefore = await unreadOf(alice.page);
  await session.dunstctl('close-all');
  const callsBefore = session.notifyCalls().length;

  // The comment, with Alice picked from the mention picker.
  await page.getByRole('tab', { name: 'Comment' }).click();
  const box = page.getByRole('textbox', { name: 'Comment for your team' });
  await box.pressSequentially('@Ali');
  const picker = page.getByRole('listbox', { name: 'Mention a teammate' });
  await expect(picker.getByRole('option', { name: new RegExp(aliceUser.name) })).toBeVisible();
  await snap(page, 'mention-picker');
  await expectAccessible(page, 'the mention picker');
  await picker.getByRole('option', { name: new RegExp(aliceUser.name) }).click();
  await expect(box).toHaveValue(`@${aliceUser.name} `);
  await box.pressSequentially('please send them the latest promotion');
  await box.press('Enter');
  const thread = page.getByRole('region', { name: `Conversation with ${contact.name}` });
  await expect(thread.locator('li.entry--comment').last()).toContainText(`@${aliceUser.name} please send them the latest promotion`);

  // The OS notification on the bus, and one more unread on Alice's bell, while her app runs (how
  // soon, a second by PRODUCT.md: mention-to-notification latency in npm run bench:desktop).
  await eventually(() => session.notifyCalls().length > callsBefore, 15_000, 'the Notify call');
  const call: NotifyCall = session.notifyCalls()[callsBefore];
  expect(call.summary).toContain('Marcus Manager');
  expect(call.body).toContain('please send them the latest promotion');
  await expect.poll(() => unreadOf(alice.page), { timeout: 15_000 }).toBe(unreadBefore + 1);

  // Her Notification Center lists it.
  await alice.page.getByRole('button', { name: /^Notifications/ }).click();
  const item = alice.page.getByRole('button', { name: new RegExp(`Marcus Manager mentioned you on ${contact.name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`) });
  await expect(item).toBeVisible();
  await expect(item).toContainText('please send them the latest promotion');
  await snap(alice.page, 'notification-center');
  await expectAccessible(alice.page, 'the Notification Center');

  // Activate the OS notification through the daemon: the app opens the conversation at the comment.
  await eventually(async () => (await session.dunstctl('count', 'displayed')).trim() === '1', 15_000, 'dunst to show it');
  await session.dunstctl('action', '0');
  await expect(alice.page.getByRole('main', { name: 'Messages' })).toBeVisible();
  await expect(alice.page.locator('#thread-title')).toHaveText(contact.name);
  const mention = (await alice.host.service.handle({ kind: 'query', name: 'notifications', input: { tab: 'all', limit: 100 } })) as {
    ok: boolean;
    value: { items: { id: string; kind: string; comment_id: string | null; contact_id: string; read_at: number | null }[] };
  };
  const n = mention.value.items.find((x) => x.kind === 'comment_mention' && x.contact_id === contact.id)!;
  const comment = alice.page.locator(`#comment-${n.comment_id}`);
  await expect(comment).toBeInViewport();
  await expect(comment).toHaveClass(/entry--highlight/);
  await expect(comment).toContainText('please send them the latest promotion');
  await expect.poll(() => unreadOf(alice.page)).toBe(unreadBefore);
  await eventually(
    async () => {
      const r = (await alice.host.service.handle({ kind: 'query', name: 'notifications', input: { tab: 'all', limit: 100 } })) as typeof mention;
      return r.value.items.find((x) => x.id === n.id)?.read_at != null;
    },
    2000,
    'the notification marked read',
  );
  expect(notifierErrors).toEqual([]);
});

test('an agent sees no Dashboard, Reports or Settings', async () => {
  const nav = alice.page.getByRole('navigation', { name: 'Main' });
  await expect(nav.getByRole('button', { name: 'Messages' })).toBeVisible();
  for (const name of ['Dashboard', 'Reports', 'Settings']) await expect(nav.getByRole('button', { name })).toHaveCount(0);
});

test('story 3: restricting Bob to his own contacts reaches his running app, with no reload or sign-in', async ({ browser }) => {
  const bobUser = userByEmail('agent2@demo.test');
  expect(bobUser.name).toMatch(/^Bob /);
  const bob = await signedInApp(browser, server, 'agent2@demo.test');
  try {
    const other = contacts.find((c) => c.assignee_id !== bobUser.id && c.status === 'open' && uniqueName(c))!;
    const sidebar = bob.page.getByRole('complementary', { name: 'Inboxes' });
    await expect(sidebar.getByRole('button', { name: /^All\b/ })).toBeVisible();
    await sidebar.getByRole('button', { name: /^All\b/ }).click();
    const search = bob.page.getByRole('searchbox', { name: 'Search conversations' });
    await search.fill(other.name);
    await expect(bob.page.locator(`[role="option"][data-contact-id="${other.id}"]`)).toBeVisible();
    await search.fill('');

    // The manager: Settings > Users > Bob > edit > Restrict Contact Visibility: User only.
    const { page } = manager;
    await page.getByRole('navigation', { name: 'Main' }).getByRole('button', { name: 'Settings' }).click();
    const row = page.getByRole('row').filter({ hasText: bobUser.email });
    await expect(row).toBeVisible();
    await snap(page, 'settings-users');
    await expectAccessible(page, 'Settings > Users');
    await row.getByRole('button', { name: `Edit ${bobUser.name}` }).click();
    const dialog = page.getByRole('dialog', { name: `Edit ${bobUser.name}` });
    await expect(dialog).toBeVisible();
    await dialog.getByRole('radio', { name: /^User only/ }).check();
    await snap(page, 'edit-user');
    await expectAccessible(page, 'the edit-user dialog');
    await dialog.getByRole('button', { name: 'Save changes' }).click();
    await expect(dialog).toBeHidden();

    // Bob's running app: only the Mine inbox (within two seconds by PRODUCT.md: npm run bench:story3 measures it).
    await expect(sidebar.locator('.inbox-item')).toHaveCount(1, { timeout: 15_000 });
    await expect(sidebar.locator('.inbox-item')).toContainText('Mine');

    // His list holds only his contacts; search does not find the others.
    const bobApi = await signIn(server, 'agent2@demo.test');
    const mine = new Set(contacts.filter((c) => c.assignee_id === bobUser.id).map((c) => c.id));
    const listed = await bob.page.locator('[role="option"][data-contact-id]').evaluateAll((els) => els.map((e) => e.getAttribute('data-contact-id')!));
    expect(listed.length).toBeGreaterThan(0);
    for (const id of listed) expect(mine.has(id), `${id} is Bob's`).toBe(true);
    await search.fill(other.name);
    await expect(bob.page.getByText(`No open conversations match “${other.name}”`)).toBeVisible();
    await expect(bob.page.locator(`[data-contact-id="${other.id}"]`)).toHaveCount(0);

    // And the server answers 404 for it.
    expect((await bobApi.get(`/api/v1/contacts/${other.id}`)).status).toBe(404);
  } finally {
    await bob.close();
  }
});

test('a manager deactivates an agent who left (their running app is signed out), sets the other restrictions, and reactivates them', async ({ browser }) => {
  const leaver = userByEmail('agent9@demo.test');
  const app = await signedInApp(browser, server, 'agent9@demo.test');
  try {
    const { page } = manager;
    await page.getByRole('navigation', { name: 'Main' }).getByRole('button', { name: 'Settings' }).click();
    const row = page.getByRole('row').filter({ hasText: leaver.email });
    const edit = async () => {
      await row.getByRole('button', { name: `Edit ${leaver.name}` }).click();
      const dialog = page.getByRole('dialog', { name: `Edit ${leaver.name}` });
      await expect(dialog).toBeVisible();
      return dialog;
    };
    let dialog = await edit();
    await dialog.getByRole('switch', { name: 'Restrict integrations' }).check();
    await dialog.getByRole('switch', { name: 'Restrict workspace settings' }).check();
    await dialog.getByRole('switch', { name: 'Deactivated' }).check();
    await expect(dialog.getByText(/can't sign in, and their app is signed out at once/)).toBeVisible();
    await expectAccessible(page, 'the edit-user dialog, deactivating');
    await dialog.getByRole('button', { name: 'Save changes' }).click();
    await expect(dialog).toBeHidden();
    await expect(row.getByText('Deactivated')).toBeVisible();

    // Their running app is signed out, and the server agrees.
    await expect(app.page.getByRole('button', { name: 'Sign in' })).toBeVisible();
    const saved = ((await managerApi.get('/api/v1/users')).body.items as { id: string; deactivated: boolean; restrictions: Record<string, unknown> }[]).find(
      (u) => u.id === leaver.id,
    )!;
    expect(saved).toMatchObject({ deactivated: true, restrictions: { integrations: true, workspace_settings: true } });
    expect((await new ApiClient(server.url).post('/api/v1/auth/sign-in', { email: leaver.email, password: 'demo-password' })).status).toBe(403);

    // Back: reactivated, they can sign in again.
    dialog = await edit();
    await dialog.getByRole('switch', { name: 'Deactivated' }).uncheck();
    await dialog.getByRole('button', { name: 'Save changes' }).click();
    await expect(dialog).toBeHidden();
    await expect(row.getByText('Deactivated')).toHaveCount(0);
    expect((await new ApiClient(server.url).post('/api/v1/auth/sign-in', { email: leaver.email, password: 'demo-password' })).status).toBe(200);
  } finally {
    await app.close();
  }
});

test("an Owner changes the workspace's settings in Settings; a Manager sees them change, read-only", async ({ browser }) => {
  const before = (await managerApi.get('/api/v1/workspace')).body as { inactivity_timeout_minutes: number; open_too_long_hours: number };
  const owner = await signedInApp(browser, server, 'owner@demo.test');
  try {
    const openSettings = async (page: AppUser['page']) => {
      await page.getByRole('navigation', { name: 'Main' }).getByRole('button', { name: 'Settings' }).click();
      const card = page.getByRole('form', { name: 'Workspace' });
      await expect(card).toBeVisible();
      return card;
    };
    const managerCard = await openSettings(manager.page);
    await expect(managerCard.getByText('Only Owners change these.')).toBeVisible();
    await expect(managerCard.getByRole('spinbutton', { name: 'Open too long after' })).toBeDisabled();
    await expect(managerCard.getByRole('button', { name: 'Save settings' })).toHaveCount(0);

    const card = await openSettings(owner.page);
    const inactivity = card.getByRole('spinbutton', { name: 'Inactivity timeout' });
    await inactivity.fill('0');
    await expect(card.getByRole('alert')).toContainText('whole number of minutes');
    await expect(card.getByRole('button', { name: 'Save settings' })).toBeDisabled();
    await inactivity.fill('20');
    await card.getByRole('spinbutton', { name: 'Open too long after' }).fill('1.5');
    await expectAccessible(owner.page, 'Settings with the Workspace card');
    await card.getByRole('button', { name: 'Save settings' }).click();
    await expect(owner.page.getByText('Saved the workspace settings')).toBeVisible();
    expect((await managerApi.get('/api/v1/workspace')).body).toMatchObject({ inactivity_timeout_minutes: 20, open_too_long_hours: 1.5 });
    // The Manager's running app follows.
    await expect(managerCard.getByRole('spinbutton', { name: 'Open too long after' })).toHaveValue('1.5');

    // As it was, for the tests after this one.
    await inactivity.fill(String(before.inactivity_timeout_minutes));
    await card.getByRole('spinbutton', { name: 'Open too long after' }).fill(String(before.open_too_long_hours));
    await card.getByRole('button', { name: 'Save settings' }).click();
    await expect(managerCard.getByRole('spinbutton', { name: 'Open too long after' })).toHaveValue(String(before.open_too_long_hours));
  } finally {
    await owner.close();
  }
});

test('an Owner adds, moves, archives and restores a closing category; the close dialog offers what is on the list, in order', async ({ browser }) => {
  const owner = await signedInApp(browser, server, 'owner@demo.test');
  const name = 'Refund issued';
  try {
    const offeredInCloseDialog = async () => {
      const { page } = manager;
      await page.getByRole('navigation', { name: 'Main' }).getByRole('button', { name: 'Messages' }).click();
      await page.locator('[role="option"][data-contact-id]').first().click();
      await page.locator('.thread-header').getByRole('button', { name: 'Close', exact: true }).click();
      const dialog = page.getByRole('dialog');
      const options = (
        await dialog
          .getByRole('combobox', { name: /Category/ })
          .locator('option')
          .allTextContents()
      ).slice(1);
      await page.keyboard.press('Escape');
      await expect(dialog).toBeHidden();
      return options;
    };
    const { page } = owner;
    await page.getByRole('navigation', { name: 'Main' }).getByRole('button', { name: 'Settings' }).click();
    const card = page.getByRole('region', { name: 'Closing categories' });
    const onOffer = card.getByRole('list', { name: 'Closing categories on offer' });
    await expect(onOffer.getByRole('listitem').first()).toBeVisible();
    const before = await onOffer.locator('.categories__name').allTextContents();

    await card.getByRole('textbox', { name: 'New closing category' }).fill(name);
    await card.getByRole('button', { name: 'Add category' }).click();
    await expect(onOffer.locator('.categories__name').last()).toHaveText(name);
    await expectAccessible(page, 'Settings with the closing categories');
    // To the top, one step at a time.
    for (let i = before.length; i > 0; i--) {
      await card.getByRole('button', { name: `Move ${name} up` }).click();
      await expect(onOffer.locator('.categories__name').nth(i - 1)).toHaveText(name);
    }
    await expect.poll(offeredInCloseDialog).toEqual([name, ...before]);

    await card.getByRole('button', { name: `Archive ${name}` }).click();
    await expect(card.getByRole('list', { name: 'Archived closing categories' })).toContainText(name);
    await expect.poll(offeredInCloseDialog).toEqual(before);
    await card.getByRole('button', { name: `Restore ${name}` }).click();
    await expect(onOffer).toContainText(name);
    await card.getByRole('button', { name: `Archive ${name}` }).click();
    await expect(card.getByRole('list', { name: 'Archived closing categories' })).toContainText(name);
  } finally {
    await owner.close();
  }
});

test('the Notification Center shows 200 items, and older ones a page at a time', async () => {
  // 230 mentions of the manager by the owner: more than the first page.
  const ownerApi = await signIn(server, 'owner@demo.test');
  const managerId = userByEmail('manager@demo.test').id;
  const contact = contacts.find((c) => c.status === 'open')!;
  for (let i = 0; i < 230; i++) {
    const r = await ownerApi.post(`/api/v1/contacts/${contact.id}/comments`, { client_id: randomUUID(), text: `{{@user.${managerId}}} look at this (${i})` });
    expect(r.status).toBe(201);
  }
  const { page } = manager;
  await page.getByRole('button', { name: /^Notifications/ }).click();
  await page.getByRole('tab', { name: /^All/ }).click();
  const panel = page.getByRole('tabpanel');
  await expect(panel.locator('.notif-list > li')).toHaveCount(200);
  const total = (
    (await manager.host.service.handle({ kind: 'query', name: 'notifications', input: { tab: 'all', limit: 5000 } })) as {
      ok: true;
      value: { items: unknown[] };
    }
  ).value.items.length;
  expect(total).toBeGreaterThanOrEqual(230);
  await panel.getByRole('button', { name: 'Show older' }).click();
  await expect(panel.locator('.notif-list > li')).toHaveCount(Math.min(400, total));
  if (total <= 400) await expect(panel.getByRole('button', { name: 'Show older' })).toHaveCount(0);
});

test('every other main view: close dialog, Reports, Profile', async () => {
  const { page } = manager;
  const nav = page.getByRole('navigation', { name: 'Main' });

  await nav.getByRole('button', { name: 'Messages' }).click();
  await expect(page.locator('#thread-title')).toBeVisible();
  await page.locator('.thread-header').getByRole('button', { name: 'Close', exact: true }).click();
  const dialog = page.getByRole('dialog');
  await expect(dialog).toBeVisible();
  await snap(page, 'close-dialog');
  await expectAccessible(page, 'the close dialog');
  await page.keyboard.press('Escape');
  await expect(dialog).toBeHidden();

  await nav.getByRole('button', { name: 'Reports' }).click();
  await expect(page.getByRole('main', { name: 'Reports' }).getByRole('table').first()).toBeVisible();
  await snap(page, 'reports');
  await expectAccessible(page, 'Reports');

  await page.getByRole('button', { name: /Status and account/ }).click();
  await page.getByRole('button', { name: 'Profile & notifications' }).click();
  await expect(page.getByRole('main', { name: 'Profile' })).toBeVisible();
  await expect(page.locator('.profile')).not.toContainText('Loading');
  await snap(page, 'profile');
  await expectAccessible(page, 'Profile');
});

test("the Dashboard's Contacts widget lists 100 open conversations, and 100 more at a time", async () => {
  // New senders each open a conversation: more open than the first page.
  const openTotal = async () =>
    ((await manager.host.service.handle({ kind: 'query', name: 'dashboardOpen', input: { limit: 1 } })) as { ok: true; value: { total: number } }).value.total;
  const openNow = await openTotal();
  expect(openNow).toBeGreaterThan(0);
  for (let i = openNow; i < 130; i++) expect((await inbound(server, `widget-${randomUUID()}`, `Hello (${i})`)).status).toBe(200);
  await expect.poll(openTotal).toBeGreaterThanOrEqual(130);
  const { page } = manager;
  await page.getByRole('navigation', { name: 'Main' }).getByRole('button', { name: 'Dashboard' }).click();
  const table = page.getByRole('table', { name: /Open conversations, longest open first/ });
  await expect(table.locator('tbody tr')).toHaveCount(100);
  const total = await openTotal();
  await page.getByRole('button', { name: `Show ${Math.min(100, total - 100)} more` }).click();
  await expect(table.locator('tbody tr')).toHaveCount(Math.min(200, total));
  await expectAccessible(page, 'the Dashboard with more rows');
});
