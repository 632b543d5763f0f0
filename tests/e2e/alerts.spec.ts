// The supervisor alerts story (F16): a manager sets a rule in Settings > Workspace > Alerts; a
// contact waits too long for a first response; the manager is alerted (Notification Center and OS),
// opens the conversation from the alert, finds it first on the Dashboard, nudges the assignee with a
// comment, and the agent is notified. A rule's minute lasts 300 ms here (the server's test option).
import { ApiClient, clientId, inbound, signIn, startServer, type TestServer } from '../support/server';
import { RecordingNotifier } from '../support/desktop';
import { eventually, openFromAllInbox, signedInApp, snap, type AppUser } from './support/harness';
import { expect, test } from './support/test';

let server: TestServer;
let managerApi: ApiClient;
let manager: AppUser | undefined;
let agent: AppUser | undefined;

test.beforeAll(async () => {
  server = await startServer({ alertMinuteMsForTests: 300, alertSweepMs: 100, demo: { seed: 7, contacts: 0 } });
  managerApi = await signIn(server, 'manager@demo.test');
});

test.afterAll(async () => {
  await manager?.close();
  await agent?.close();
  await server?.stop();
});

test('a breach alerts the manager, who opens it, nudges the agent from the Dashboard, and the agent is notified', async ({ browser }) => {
  const alice = server.demo!.users.find((u) => u.email === 'agent1@demo.test')!;
  const managerNotifier = new RecordingNotifier();
  const agentNotifier = new RecordingNotifier();
  manager = await signedInApp(browser, server, 'manager@demo.test', { notifier: managerNotifier });
  agent = await signedInApp(browser, server, 'agent1@demo.test', { notifier: agentNotifier });
  const { page } = manager;
  const nav = page.getByRole('navigation', { name: 'Main' });

  // The rule, set from the app.
  await nav.getByRole('button', { name: 'Settings' }).click();
  const card = page.getByRole('form', { name: 'Alerts' });
  await card.getByRole('spinbutton', { name: 'First response overdue after' }).fill('2');
  await card.getByRole('button', { name: 'Save alert rules' }).click();
  await eventually(async () => (await managerApi.get('/api/v1/workspace')).body.alert_rules.first_response_minutes === 2, 10_000, 'the rule saved');

  // A contact writes in and is assigned to Alice; nobody answers.
  const contactId = (await inbound(server, `story-alert-${clientId()}`, 'Do you ship to Norway?', undefined, 'Nora Waiting')).body.contact_id as string;
  expect((await managerApi.post(`/api/v1/contacts/${contactId}/assignee`, { client_id: clientId(), assignee_id: alice.id })).status).toBe(200);

  // The alert: an OS notification, and an item in the Notification Center; clicking it opens the conversation.
  await eventually(() => managerNotifier.shown.some((a) => a.title === 'Needs attention' && a.contactId === contactId), 15_000, 'the OS alert');
  expect(managerNotifier.shown.find((a) => a.contactId === contactId && a.title === 'Needs attention')?.body).toBe(
    'Nora Waiting: No reply 2 min after the contact wrote',
  );
  await nav.getByRole('button', { name: /^Notifications/ }).click();
  const item = page.getByRole('button', { name: /Nora Waiting needs attention/ });
  await expect(item).toBeVisible({ timeout: 15_000 });
  await item.click();
  await expect(page.locator('#thread-title')).toHaveText('Nora Waiting', { timeout: 15_000 });

  // The Dashboard: the breaching conversation first, with its rule, and Nudge.
  await nav.getByRole('button', { name: 'Dashboard' }).click();
  const firstRow = page.locator('.dash-contacts__table tbody tr').first();
  await expect(firstRow).toContainText('Nora Waiting', { timeout: 15_000 });
  await expect(firstRow).toContainText('First response overdue · overdue');
  await expect(firstRow).toHaveClass(/dash-row--over/);
  await snap(page, 'dashboard-alerts');
  await firstRow.getByRole('button', { name: 'Nudge about Nora Waiting' }).click();
  await expect(page.locator('#thread-title')).toHaveText('Nora Waiting', { timeout: 15_000 });
  const box = page.getByRole('textbox', { name: 'Comment for your team' });
  await expect(box).toHaveValue(`@${alice.name} `);
  await box.pressSequentially('please answer Nora about shipping to Norway');
  await box.press('Enter');
  await expect(box).toHaveValue('');

  // Alice is told: a mention in her Notification Center and an OS notification.
  await eventually(() => agentNotifier.shown.some((a) => a.title.startsWith('You were mentioned') && a.contactId === contactId), 15_000, "the agent's alert");
  const comments = (await managerApi.get(`/api/v1/contacts/${contactId}/comments`)).body.items as { text: string; mentions: string[] }[];
  expect(comments[0]).toMatchObject({ text: `{{@user.${alice.id}}} please answer Nora about shipping to Norway`, mentions: [alice.id] });
});

test('an agent restricted while a conversation of someone else is open is told who changed what, and why it went', async ({ browser }) => {
  const bob = server.demo!.users.find((u) => u.email === 'agent2@demo.test')!;
  const contactId = (await inbound(server, `story-restrict-${clientId()}`, 'Hello there', undefined, 'Olga Elsewhere')).body.contact_id as string;
  const bobApp = await signedInApp(browser, server, bob.email);
  try {
    const { page } = bobApp;
    await openFromAllInbox(page, { id: contactId, name: 'Olga Elsewhere' });
    await expect(page.locator('#thread-title')).toHaveText('Olga Elsewhere', { timeout: 15_000 });

    const managerName = server.demo!.users.find((u) => u.email === 'manager@demo.test')!.name;
    expect((await managerApi.patch(`/api/v1/users/${bob.id}`, { client_id: clientId(), restrictions: { contact_visibility: 'user' } })).status).toBe(200);
    const line = `${managerName} changed your access: Restrict Contact Visibility: User only.`;
    await expect(page.getByRole('status').filter({ hasText: line })).toBeVisible({ timeout: 15_000 });
    const pane = page.getByRole('region', { name: 'Conversation' });
    await expect(pane).toContainText('This conversation is not available');
    await expect(pane).toContainText(line);
  } finally {
    await bobApp.close();
  }
});
