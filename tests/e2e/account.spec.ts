// The account through the real renderer: "Sign out everywhere" in Profile asks first, then ends
// every session of the user (another device's token is refused) and signs this app out, its cache
// file deleted as at any sign-out.
import { existsSync } from 'node:fs';
import { expect, test } from './support/test';
import { signIn, type TestServer } from '../support/server';
import { expectAccessible, signedInApp, startDemoServer, type AppUser } from './support/harness';

let server: TestServer;
let app: AppUser | null = null;

test.beforeAll(async () => {
  server = await startDemoServer();
});

test.afterAll(async () => {
  await app?.close();
  await server?.stop();
});

test('"Sign out everywhere" in Profile asks first, then signs out every device, this app included', async ({ browser }) => {
  app = await signedInApp(browser, server, 'agent4@demo.test');
  const { page } = app;
  const elsewhere = await signIn(server, 'agent4@demo.test');
  const cacheFile = app.host.service.cacheFile;

  await page.getByRole('button', { name: /Status and account/ }).click();
  await page.getByRole('button', { name: 'Profile & notifications' }).click();
  const profile = page.getByRole('main', { name: 'Profile' });
  await expect(profile).toBeVisible();

  // Cancel changes nothing.
  await profile.getByRole('button', { name: 'Sign out everywhere' }).click();
  const dialog = page.getByRole('dialog', { name: 'Sign out everywhere?' });
  await expect(dialog).toBeVisible();
  await expectAccessible(page, 'the sign-out-everywhere dialog');
  await dialog.getByRole('button', { name: 'Cancel' }).click();
  await expect(dialog).toBeHidden();
  expect((await elsewhere.get('/api/v1/me')).status).toBe(200);

  // Confirmed: the other device's session ends, and this app is back at sign-in with its cache gone.
  await profile.getByRole('button', { name: 'Sign out everywhere' }).click();
  await dialog.getByRole('button', { name: 'Sign out everywhere' }).click();
  await expect(page.getByRole('heading', { name: 'Sign in to IS-Messenger' })).toBeVisible();
  expect((await elsewhere.get('/api/v1/me')).status).toBe(401);
  expect(app.host.service.session().state).toBe('signed_out');
  expect(existsSync(cacheFile)).toBe(false);
});
