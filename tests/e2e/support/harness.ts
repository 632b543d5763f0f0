// e2e harness: a real workspace server, and for each user their own desktop core (host mode, in
// this process, with its own temporary data folder and cache file) and their own Chromium context
// on the host's page. Nothing is mocked: the renderer talks to the core over the host's WebSocket,
// the core to the server over HTTP and its sync stream.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Browser, BrowserContext, Page } from '@playwright/test';
import AxeBuilder from '@axe-core/playwright';
import { startHost, type Host } from '../../../src-main/host/host';
import { MemoryStore } from '../../../src-main/core/service/ports';
import type { Notifier } from '../../../src-main/core/notifications/notification-center';
import { DEMO_PASSWORD } from '../../../src-server/demo/seed';
import type { QueryInput, QueryName, QueryOutput } from '../../../src-shared/desktop/api';
import { RecordingNotifier, eventually } from '../../support/desktop';
import { startServer, type TestServer } from '../../support/server';
import { expect, watchContext } from './test';

export const ROOT = resolve(import.meta.dirname, '../../..');
export const RENDERER_DIR = join(ROOT, 'dist/renderer');
export const SCREENSHOTS_DIR = join(ROOT, 'docs/screenshots');
export const VIEWPORT = { width: 1280, height: 800 };

export interface AppUser {
  email: string;
  host: Host;
  context: BrowserContext;
  page: Page;
  close(): Promise<void>;
}

export interface AppOptions {
  /** The OS notifier this user's core raises alerts through (a recorder by default). */
  notifier?: Notifier;
  /** Build the notifier once the host exists (for clicks that come back to host.service). */
  notifierFor?: (host: () => Host) => Notifier;
}

/** Starts this user's core in host mode and opens a page on it in a context of their own. */
export async function openApp(browser: Browser, email: string, opts: AppOptions = {}): Promise<AppUser> {
  const dir = mkdtempSync(join(tmpdir(), 'ism-e2e-'));
  const store = new MemoryStore();
  let host: Host | null = null;
  const notifier = opts.notifier ?? opts.notifierFor?.(() => host!) ?? new RecordingNotifier();
  host = await startHost({
    dataDir: dir,
    rendererDir: RENDERER_DIR,
    notifier,
    tokens: store,
    settings: store,
    sync: { backoffBaseMs: 50, backoffMaxMs: 400 },
    log: () => {},
  });
  const context = await browser.newContext({ viewport: VIEWPORT, colorScheme: 'light' });
  // Page errors and dialogs fail the test (support/test.ts).
  watchContext(context);
  const page = await context.newPage();
  await page.goto(host.openUrl);
  const h = host;
  return {
    email,
    host: h,
    context,
    page,
    async close() {
      await context.close().catch(() => {});
      await h.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Signs in through the sign-in view and waits until the app shell is up and the core is online. */
export async function signInThroughUi(app: AppUser, serverUrl: string, before?: (page: Page) => Promise<void>, timeoutMs = 20_000): Promise<void> {
  const { page } = app;
  await expect(page.getByRole('heading', { name: 'Sign in to IS-Messenger' })).toBeVisible();
  await page.getByLabel('Server address').fill(serverUrl);
  await page.getByLabel('Email').fill(app.email);
  await page.getByLabel('Password').fill(DEMO_PASSWORD);
  await before?.(page);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await expect(page.getByRole('navigation', { name: 'Main' })).toBeVisible({ timeout: timeoutMs });
  await eventually(
    () => app.host.service.session().state === 'ready' && app.host.service.session().connection === 'online',
    timeoutMs,
    `${app.email} ready and online`,
  );
}

export async function signedInApp(browser: Browser, server: { url: string }, email: string, opts: AppOptions = {}): Promise<AppUser> {
  const app = await openApp(browser, email, opts);
  await signInThroughUi(app, server.url);
  return app;
}

/** A server with the demo workspace (seeded, so every run sees the same people and contacts). */
export function startDemoServer(): Promise<TestServer> {
  return startServer({ demo: { seed: 7, contacts: 80 } });
}

/** Stops the server and starts it again on the same port and database file. */
export async function restartServer(server: TestServer): Promise<TestServer> {
  const { dbFile, port, demo } = server;
  await server.close();
  return Object.assign(await startServer({ dbFile, port }), { demo });
}

/**
 * A screenshot of the page: into docs/screenshots with `npm run screenshots` (UPDATE_SCREENSHOTS=1),
 * else into test-results/, so that a test run leaves the working tree as it was.
 */
export async function snap(page: Page, name: string): Promise<void> {
  const dir = process.env.UPDATE_SCREENSHOTS === '1' ? SCREENSHOTS_DIR : join(ROOT, 'test-results/screenshots');
  mkdirSync(dir, { recursive: true });
  // No caret blink, no running animations: the same view gives the same picture.
  await page.screenshot({ path: join(dir, `${name}.png`), animations: 'disabled', caret: 'hide' });
}

/** axe-core on what is on screen: no serious or critical violation. */
export async function expectAccessible(page: Page, what: string): Promise<void> {
  const result = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']).analyze();
  const bad = result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  const report = bad.map(
    (v) =>
      `${v.impact} ${v.id}: ${v.help}\n${v.nodes
        .slice(0, 5)
        .map((n) => `    ${n.target.join(' ')}: ${n.failureSummary?.split('\n').join(' ')}`)
        .join('\n')}`,
  );
  expect(report, `accessibility of ${what}`).toEqual([]);
}

/** What this user's core answers to a desktop API query (to wait on what the renderer saved, not on a timer). */
export async function coreQuery<N extends QueryName>(app: AppUser, name: N, input: QueryInput<N>): Promise<QueryOutput<N>> {
  const reply = await app.host.service.handle({ kind: 'query', name, input });
  if (!reply.ok) throw new Error(`${name}: ${reply.code} ${reply.message}`);
  return reply.value as QueryOutput<N>;
}

/** Opens a contact's conversation in the inbox on screen by searching for its name. */
export async function openBySearch(page: Page, contact: { id: string; name: string }): Promise<void> {
  await page.getByRole('searchbox', { name: 'Search conversations' }).fill(contact.name);
  // The row as the search shows it (its match marked): a click on the row of the list before the
  // search applied can be lost when the search's list replaces it.
  const row = page.locator(`[role="option"][data-contact-id="${contact.id}"]`).filter({ has: page.locator('mark') });
  await row.click();
  await expect(page.locator('#thread-title')).toHaveText(contact.name);
}

/** Opens the Messages module on the All inbox, on one of its tabs (the one it was on, without `status`). */
export async function openAllInbox(page: Page, status?: 'Open' | 'Closed'): Promise<void> {
  await page.getByRole('navigation', { name: 'Main' }).getByRole('button', { name: 'Messages' }).click();
  await page
    .getByRole('complementary', { name: 'Inboxes' })
    .getByRole('button', { name: /^All\b/ })
    .click();
  if (status) await page.getByRole('group', { name: 'Show conversations' }).getByRole('button', { name: status }).click();
}

/** Opens a contact's conversation from the All inbox by searching for its name. */
export async function openFromAllInbox(page: Page, contact: { id: string; name: string }): Promise<void> {
  await openAllInbox(page);
  await openBySearch(page, contact);
}

/** The unread count the bell announces (its accessible name). */
export async function unreadOf(page: Page): Promise<number> {
  const name = (await page.getByRole('button', { name: /^Notifications/ }).getAttribute('aria-label')) ?? '';
  return Number(/(\d+) unread/.exec(name)?.[1] ?? 0);
}

export { eventually };
