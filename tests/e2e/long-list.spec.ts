// A long conversation list scrolled without a pause: the rows coming into view are conversations,
// fetched as the list moves (page by page ahead of it), not placeholders until the scrolling stops;
// and each row on screen is the conversation at its place in the list, never another one's content.
import { expect, test } from './support/test';
import { signIn, startServer, type TestServer } from '../support/server';
import { allContacts } from '../support/truth';
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

  // The closed conversations in the list's order (newest activity first), from the server's API.
  const manager = await signIn(server, 'manager@demo.test');
  const closed = (await allContacts(manager))
    .filter((c) => c.status === 'closed')
    .sort((a, b) => b.last_activity_at - a.last_activity_at || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0));
  /** The rows on screen: each one's place in the list, contact and name. */
  const onScreen = () =>
    page.locator('.conv-list__scroll').evaluate((el) => {
      const box = el.getBoundingClientRect();
      return [...el.querySelectorAll('.conv-row[role="option"]')]
        .filter((r) => r.getBoundingClientRect().bottom > box.top && r.getBoundingClientRect().top < box.bottom)
        .map((r) => ({
          pos: Number(r.getAttribute('aria-posinset')),
          id: r.getAttribute('data-contact-id'),
          name: r.querySelector('.conv-row__name')!.textContent,
        }));
    });
  // At the end of the fast scroll, then back up in jumps: each row is the list's row at its place.
  for (const at of [null, 0.5, 0.2, 0.75, 0]) {
    if (at !== null) await page.locator('.conv-list__scroll').evaluate((el, f) => (el.scrollTop = f * (el.scrollHeight - el.clientHeight)), at);
    await expect(page.locator('.conv-row--skeleton')).toHaveCount(0);
    const rows = await onScreen();
    expect(rows.length).toBeGreaterThan(3);
    expect(rows.map((r) => r.pos)).toEqual(rows.map((_, i) => rows[0].pos + i));
    expect(rows).toEqual(rows.map((r) => ({ pos: r.pos, id: closed[r.pos - 1].id, name: closed[r.pos - 1].name })));
  }
});
