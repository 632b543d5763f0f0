// A long conversation list scrolled without a pause: the rows coming into view are conversations,
// fetched as the list moves (page by page ahead of it), not placeholders until the scrolling stops.
import { expect, test } from './support/test';
import { startServer, type TestServer } from '../support/server';
import { openAllInbox, signedInApp, type AppUser } from './support/harness';
import { scrollWholeList } from './support/list-scroll';

let server: TestServer;
const apps: AppUser[] = [];

test.beforeAll(async () => {
  server = await startServer({ demo: { seed: 8, contacts: 800 } });
});

test.afterAll(async () => {
  for (const a of apps.splice(0)) await a.close();
  await server?.stop();
});

test('a long list scrolled without a pause shows its conversations as it goes, not placeholder rows', async ({ browser }) => {
  const app = await signedInApp(browser, server, 'manager@demo.test');
  apps.push(app);
  const { page } = app;
  await openAllInbox(page, 'Closed');
  await expect(page.locator('.conv-list__total')).toHaveText(/^[\d,]{3,} closed$/);
  await expect(page.locator('.conv-row--skeleton')).toHaveCount(0);

  // Five rows a frame, every frame, to the end of the list (about a hundred frames).
  const { frames, placeholders } = await scrollWholeList(page, 420);
  expect(frames.length).toBeGreaterThan(50);
  expect(placeholders, `${placeholders} of ${frames.length} frames showed placeholder rows`).toBeLessThan(frames.length / 4);
});
