// A workspace of one's own (F17), end to end in Chromium through host mode: an empty server set up
// from the sign-in screen with its setup code, an agent added with a restriction and a one-time
// password, and that agent signing in from a second browser context, choosing a password, and
// landing in an empty Mine inbox.
import { expect, test } from './support/test';
import { startServer, type TestServer } from '../support/server';
import { eventually, expectAccessible, openApp, snap, type AppUser } from './support/harness';

test.describe.configure({ mode: 'serial' });

let server: TestServer;
let owner: AppUser | undefined;
let agent: AppUser | undefined;

test.beforeAll(async () => {
  server = await startServer({ demo: false });
});

test.afterAll(async () => {
  await agent?.close();
  await owner?.close();
  await server?.stop();
});

test('set up an empty server, add an agent, and the agent chooses a password and sees an empty Mine inbox', async ({ browser }) => {
  owner = await openApp(browser, 'olga@acme.test');
  const page = owner.page;
  await expect(page.getByRole('heading', { name: 'Sign in to IS-Messenger' })).toBeVisible();
  await page.getByLabel('Server address').fill(server.url);
  // The sign-in screen notices a server waiting for its first Owner.
  await page.getByRole('button', { name: 'Set up this workspace' }).click();
  await expect(page.getByRole('heading', { name: 'Set up this workspace' })).toBeVisible();
  await expect(page.getByText('At least 10 characters, not your email, and not a common password.')).toBeVisible();
  await page.getByLabel('Setup code').fill(server.setupCode!);
  await page.getByLabel('Workspace name').fill('Acme Ltd');
  await page.getByLabel('Your name').fill('Olga Owner');
  await page.getByLabel('Email').fill('olga@acme.test');
  await page.getByLabel('Password', { exact: true }).fill('copper-willow-sunrise');
  await page.getByLabel('Type it again').fill('copper-willow-sunrise');
  await snap(page, 'setup');
  await expectAccessible(page, 'the setup view');
  await page.getByRole('button', { name: 'Set up and sign in' }).click();
  const nav = page.getByRole('navigation', { name: 'Main' });
  await expect(nav).toBeVisible({ timeout: 20_000 });

  // Settings > Users > Add user: an agent restricted to "User only" from the start.
  await nav.getByRole('button', { name: 'Settings' }).click();
  await page.getByRole('button', { name: 'Add user' }).click();
  const dialog = page.getByRole('dialog', { name: 'Add user' });
  await dialog.getByLabel('Name').fill('Ann Agent');
  await dialog.getByLabel('Email').fill('ann@acme.test');
  await dialog.getByRole('radio', { name: /^User only/ }).check();
  await expectAccessible(page, 'the add-user dialog');
  await dialog.getByRole('button', { name: 'Add user' }).click();
  const shown = page.getByRole('dialog', { name: 'Ann Agent was added' });
  await expect(shown).toBeVisible();
  const oneTime = (await shown.getByTestId('one-time-password').textContent())!.trim();
  expect(oneTime).toMatch(/^[a-z2-9]{4}(-[a-z2-9]{4}){3}$/);
  await snap(page, 'one-time-password');
  await shown.getByRole('button', { name: 'Done' }).click();
  await expect(page.getByRole('row', { name: /Ann Agent/ })).toContainText('Visibility: User only');

  // The agent, in a browser context of their own.
  agent = await openApp(browser, 'ann@acme.test');
  const ap = agent.page;
  await ap.getByLabel('Server address').fill(server.url);
  await ap.getByLabel('Email').fill('ann@acme.test');
  await ap.getByLabel('Password').fill(oneTime);
  await ap.getByRole('button', { name: 'Sign in', exact: true }).click();
  await expect(ap.getByRole('heading', { name: 'Choose your password' })).toBeVisible();
  await ap.getByLabel('New password').fill('ann@acme.test');
  await ap.getByLabel('Type it again').fill('ann@acme.test');
  await ap.getByRole('button', { name: 'Save and continue' }).click();
  await expect(ap.getByText('The password must not be your email.')).toBeVisible();
  await ap.getByLabel('New password').fill('granite-meadow-violin');
  await ap.getByLabel('Type it again').fill('granite-meadow-violin');
  await expectAccessible(ap, 'the choose-password view');
  await ap.getByRole('button', { name: 'Save and continue' }).click();

  const agentNav = ap.getByRole('navigation', { name: 'Main' });
  await expect(agentNav).toBeVisible({ timeout: 20_000 });
  await eventually(() => agent!.host.service.session().state === 'ready', 20_000, 'the agent ready');
  const sidebar = ap.getByRole('complementary', { name: 'Inboxes' });
  await expect(sidebar.locator('.inbox-item')).toHaveCount(1);
  await expect(sidebar.locator('.inbox-item')).toContainText('Mine');
  await expect(ap.getByText("You're all caught up")).toBeVisible();
  await snap(ap, 'first-sign-in-mine');
});
