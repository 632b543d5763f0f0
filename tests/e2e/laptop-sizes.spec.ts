// Laptop sizes: every view at 1024×640 and 1280×800, screenshotted (test-results/, or docs/screenshots
// through `npm run screenshots`), with no table column, table cell or header button cut off: each
// lies inside what its scroll container shows, and its content fits its box.
import type { Page } from '@playwright/test';
import { expect, test } from './support/test';
import type { TestServer } from '../support/server';
import { openApp, signInThroughUi, snap, startDemoServer, type AppUser } from './support/harness';

const SIZES = [
  { width: 1024, height: 640 },
  { width: 1280, height: 800 },
] as const;

/** What must be whole on screen: table headers and cells, and the buttons of every header. */
const WATCHED = [
  'th',
  'td',
  '.thread-header button',
  '.thread-header__name',
  '.page__header button',
  '.pane-header button',
  '.sv-view header button',
  'table button',
  '.entry__meta time',
  '.note__time',
  '.sv-card__header button',
].join(', ');

/** The little of the DOM the check uses (this project's Node typecheck has no DOM library). */
interface El {
  tagName: string;
  className: unknown;
  textContent: string | null;
  parentElement: El | null;
  scrollWidth: number;
  clientWidth: number;
  getBoundingClientRect(): { left: number; right: number; width: number; height: number };
  closest(selector: string): El | null;
}
interface Win {
  innerWidth: number;
  document: { querySelectorAll(selector: string): Iterable<El> };
  getComputedStyle(el: El): { overflowX: string; visibility: string };
}

/** Elements cut off: outside the box their clipping ancestors (and the window) show, or with content wider than their box. */
async function clipped(page: Page): Promise<string[]> {
  return page.evaluate((selector) => {
    const w = globalThis as unknown as Win;
    const describe = (el: El) =>
      `${el.tagName.toLowerCase()}${typeof el.className === 'string' && el.className ? `.${el.className.trim().split(/\s+/).join('.')}` : ''} "${(el.textContent ?? '').trim().slice(0, 30)}"`;
    const clipBox = (el: El) => {
      let left = 0;
      let right = w.innerWidth;
      for (let p = el.parentElement; p; p = p.parentElement) {
        if (w.getComputedStyle(p).overflowX !== 'visible') {
          const r = p.getBoundingClientRect();
          left = Math.max(left, r.left);
          right = Math.min(right, r.right);
        }
      }
      return { left, right };
    };
    const out: string[] = [];
    for (const el of w.document.querySelectorAll(selector)) {
      const r = el.getBoundingClientRect();
      // Not rendered, or only for screen readers (visually hidden: 1 px, clipped).
      if (r.width <= 1 || r.height <= 1 || w.getComputedStyle(el).visibility === 'hidden' || el.closest('.visually-hidden, [hidden], dialog:not([open])'))
        continue;
      const box = clipBox(el);
      if (r.left < box.left - 1 || r.right > box.right + 1)
        out.push(
          `${describe(el)} is outside its container (${Math.round(r.left)}–${Math.round(r.right)} shown in ${Math.round(box.left)}–${Math.round(box.right)})`,
        );
      else if (el.scrollWidth > el.clientWidth + 1 && el.tagName !== 'TD')
        out.push(`${describe(el)} is cut (${el.scrollWidth} px of content in ${el.clientWidth})`);
    }
    return out;
  }, WATCHED);
}

let server: TestServer;
let app: AppUser;

test.beforeAll(async ({ browser }) => {
  server = await startDemoServer();
  app = await openApp(browser, 'owner@demo.test');
  await signInThroughUi(app, server.url);
});

test.afterAll(async () => {
  await app?.close();
  await server?.stop();
});

const nav = (page: Page, name: string) => page.getByRole('navigation', { name: 'Main' }).getByRole('button', { name, exact: true }).click();

for (const size of SIZES) {
  test(`every view is usable at ${size.width}×${size.height}: nothing in a table or a header is cut off`, async () => {
    const { page } = app;
    await page.setViewportSize(size);
    const at = `${size.width}x${size.height}`;
    const problems: string[] = [];
    const check = async (view: string) => {
      await page.waitForTimeout(300); // layout settles after data arrives
      await snap(page, `size-${at}-${view}`);
      for (const p of await clipped(page)) problems.push(`${view}: ${p}`);
    };

    await nav(page, 'Dashboard');
    await expect(
      page
        .getByRole('table', { name: /Open conversations, longest open first/ })
        .locator('tbody tr')
        .first(),
    ).toBeVisible();
    await check('dashboard');

    await nav(page, 'Messages');
    await page
      .getByRole('complementary', { name: 'Inboxes' })
      .getByRole('button', { name: /^All\b/ })
      .click();
    await page.locator('[role="option"][data-contact-id]').first().click();
    await expect(page.locator('#thread-title')).toBeVisible();
    await expect(page.locator('li.entry').first()).toBeVisible();
    await check('messages');
    const details = page.getByRole('button', { name: /contact details/ });
    if ((await details.getAttribute('aria-label'))?.startsWith('Show') || (await details.innerText()).startsWith('Show')) await details.click();
    await expect(page.locator('.contact-panel')).toBeVisible();
    await check('messages-contact-panel');
    await page.getByRole('button', { name: /Hide contact details/ }).click();

    await nav(page, 'Notifications');
    await check('notifications');

    await nav(page, 'Settings');
    await expect(page.getByRole('table').first().locator('tbody tr').first()).toBeVisible();
    await check('settings-users');
    await page.getByText('Workspace', { exact: false }).last().scrollIntoViewIfNeeded();
    await check('settings-workspace');

    await nav(page, 'Reports');
    await expect(page.getByRole('table').first().locator('tbody tr').first()).toBeVisible();
    await check('reports');

    await page.getByRole('button', { name: /Status and account/ }).click();
    await page.getByRole('button', { name: 'Profile & notifications' }).click();
    await expect(page.getByRole('main', { name: 'Profile' })).toBeVisible();
    await check('profile');

    expect(problems).toEqual([]);
  });
}
