// npm run bench:renderer [-- --contacts N --messages M]: figures for the renderer in Chromium through
// host mode, against a real core and server: opening a conversation of 1,000 messages (click to the
// last message painted on screen) and scrolling the 100,000-row conversation list (frame times).
// It prints figures; it is not a test and never fails on a time.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import BetterSqlite3 from 'better-sqlite3';
import { chromium, type Page } from '@playwright/test';
import { generateWorkspace } from './generate-workspace';
import { inbound, signIn, startServer } from '../support/server';
import { CHROMIUM } from '../e2e/support/chromium';
import { ensureRendererBuilt } from '../e2e/support/global-setup';
import { openAllInbox, openApp, signInThroughUi } from '../e2e/support/harness';
import { scrollWholeList } from '../e2e/support/list-scroll';

const { values } = parseArgs({
  options: { contacts: { type: 'string', default: '100000' }, messages: { type: 'string', default: '100000' }, opens: { type: 'string', default: '20' } },
});
const CONTACTS = Number(values.contacts);
const OPENS = Number(values.opens);
const BIG = 1000;

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
};
const ms = (x: number) => `${x.toFixed(x < 10 ? 2 : 1)} ms`;
const line = (name: string, value: string, goal: string) => console.log(`${name.padEnd(44)} ${value.padEnd(30)} goal: ${goal}`);
const secs = (t: number) => `${((performance.now() - t) / 1000).toFixed(1)} s`;

/** Every generated conversation open, so the Open list of the All inbox has all of them. */
function openEverything(file: string): void {
  const db = new BetterSqlite3(file);
  db.exec(`UPDATE contacts SET status = 'open';
    UPDATE conversations SET status = 'open', closed_at = NULL;
    UPDATE changes SET data = json_set(data, '$.status', 'open') WHERE entity = 'contact';
    UPDATE changes SET data = json_set(data, '$.status', 'open', '$.closed_at', NULL) WHERE entity = 'conversation';`);
  db.close();
}

// In-page code goes as text: tsx would wrap named functions in a helper the page does not have.
/** Click a row, then the first animation frame in which the thread's last message is on screen. */
const CLICK_TO_PAINTED = `([row, last]) => new Promise((resolve, reject) => {
  const waitUntil = performance.now() + 5000;
  const start = () => {
    const el = document.querySelector(row);
    if (!el) {
      // The list was refetching a page: wait for the row (not part of the timing).
      if (performance.now() > waitUntil) return reject(new Error('no ' + row));
      return requestAnimationFrame(start);
    }
    run(el);
  };
  const run = (el) => {
  const t0 = performance.now();
  el.click();
  const deadline = t0 + 10000;
  const tick = () => {
    const m = document.querySelector(last);
    const thread = m && m.closest('.thread');
    if (m && thread) {
      const r = m.getBoundingClientRect();
      const v = thread.getBoundingClientRect();
      if (r.height > 0 && r.bottom > v.top && r.top < v.bottom) return resolve(performance.now() - t0);
    }
    if (performance.now() > deadline) return reject(new Error(last + ' never painted'));
    requestAnimationFrame(tick);
  };
  requestAnimationFrame(tick);
  };
  start();
})`;

/** Scrolls the list by a step every frame for n frames; the time between frames. */
const SCROLL_FRAMES = `([n, px]) => new Promise((resolve) => {
  const el = document.querySelector('.conv-list__scroll');
  const times = [];
  const frame = (t) => {
    times.push(t);
    if (times.length > n) return resolve(times.slice(1).map((x, i) => x - times[i]));
    el.scrollTop += px;
    requestAnimationFrame(frame);
  };
  requestAnimationFrame(frame);
})`;

const inPage = <T>(page: Page, fn: string, args: unknown[]): Promise<T> => page.evaluate(`(${fn})(${JSON.stringify(args)})`) as Promise<T>;
const clickToPainted = (page: Page, row: string, last: string) => inPage<number>(page, CLICK_TO_PAINTED, [row, last]);
const scrollFrames = (page: Page, frames: number, step: number) => inPage<number[]>(page, SCROLL_FRAMES, [frames, step]);

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'ism-bench-renderer-'));
  const dbFile = join(dir, 'workspace.sqlite');
  ensureRendererBuilt();
  console.log(`Renderer benchmark: ${CONTACTS.toLocaleString()} conversations, one of ${BIG.toLocaleString()} messages (generating…)`);
  let t = performance.now();
  await generateWorkspace(dbFile, CONTACTS, Number(values.messages));
  openEverything(dbFile);
  const db = new BetterSqlite3(dbFile, { readonly: true });
  const channel = db.prepare("SELECT id, secret FROM channels WHERE id = 'ch_demo'").get() as { id: string; secret: string };
  db.close();
  console.log(`generated in ${secs(t)}`);

  const started = await startServer({ dbFile, demo: false });
  // The generated workspace's channel, for contacts writing in.
  const server = Object.assign(started, { demo: { channel } as unknown as NonNullable<typeof started.demo> });
  const browser = await chromium.launch({
    ...CHROMIUM,
    // Frames are not held to the display's 60 Hz: the time between them is the work they took.
    args: [...(CHROMIUM.args ?? []), '--disable-gpu-vsync', '--disable-frame-rate-limit'],
  });
  try {
    t = performance.now();
    for (let i = 0; i < BIG; i++)
      await inbound(server, 'bench-big', `Message ${i + 1} of ${BIG}: price delivery question`, undefined, 'Bench Big conversation');
    await inbound(server, 'bench-small', 'A short conversation', undefined, 'Bench Small conversation');
    console.log(`${BIG.toLocaleString()} messages written in through the channel in ${secs(t)}`);
    const manager = await signIn(server, 'manager@demo.test');
    const found = (await manager.get('/api/v1/contacts?limit=200&q=Bench')).body.items as { id: string; name: string }[];
    const big = found.find((c) => c.name === 'Bench Big conversation')!;
    const small = found.find((c) => c.name === 'Bench Small conversation')!;
    const lastBig = (await manager.get(`/api/v1/contacts/${big.id}/messages?limit=1`)).body.items[0].id as string;
    const lastSmall = (await manager.get(`/api/v1/contacts/${small.id}/messages?limit=1`)).body.items[0].id as string;

    t = performance.now();
    const app = await openApp(browser, 'manager@demo.test');
    await signInThroughUi(app, server.url, undefined, 300_000);
    console.log(`signed in and first sync done in ${secs(t)}`);
    const { page } = app;
    await openAllInbox(page);

    // Opening the 1,000-message conversation, alternating with a short one.
    await page.getByRole('searchbox', { name: 'Search conversations' }).fill('Bench');
    await page.locator(`[data-contact-id="${big.id}"]`).waitFor();
    await page.locator(`[data-contact-id="${small.id}"]`).waitFor();
    const opens: number[] = [];
    for (let i = 0; i < OPENS + 2; i++) {
      // The list may be refetching a page (sync still settling): wait for the rows, not in the timing.
      await page.locator(`[data-contact-id="${small.id}"]`).waitFor();
      await clickToPainted(page, `[data-contact-id="${small.id}"]`, `#message-${lastSmall}`);
      await page.locator(`[data-contact-id="${big.id}"]`).waitFor();
      const took = await clickToPainted(page, `[data-contact-id="${big.id}"]`, `#message-${lastBig}`);
      if (i >= 2) opens.push(took); // the first two warm the caches and the JIT
    }
    const shown = await page.locator('.thread li.entry--message').count();
    line(`open a ${BIG.toLocaleString()}-message conversation (p50)`, `${ms(pct(opens, 50))} (p90 ${ms(pct(opens, 90))}, ${shown} shown)`, '≤ 50 ms');

    // Scrolling the whole list.
    await page.getByRole('searchbox', { name: 'Search conversations' }).fill('');
    const total = page.locator('.conv-list__total');
    for (const until = Date.now() + 60_000; Date.now() < until; await page.waitForTimeout(200)) {
      if (Number((await total.innerText()).replace(/\D/g, '')) >= CONTACTS) break;
    }
    const rows = (await total.innerText()).trim();
    for (const [label, step] of [
      ['scroll the list, 5 rows a frame', 420],
      ['scroll the list, 60 rows a frame', 5040],
    ] as const) {
      await page.locator('.conv-list__scroll').evaluate((el) => (el.scrollTop = 0));
      await page.waitForTimeout(300);
      const frames = await scrollFrames(page, 300, step);
      const avg = frames.reduce((a, b) => a + b, 0) / frames.length;
      const over = frames.filter((f) => f > 16.7).length;
      line(`${label} (${rows}): average frame`, `${ms(avg)} (p95 ${ms(pct(frames, 95))}, ${over}/${frames.length} over 16.7 ms)`, '≤ 16 ms average');
    }
    // The whole list, top to bottom, 60 rows a frame.
    await page.locator('.conv-list__scroll').evaluate((el) => (el.scrollTop = 0));
    await page.waitForTimeout(300);
    const whole = await scrollWholeList(page, 5040);
    const avg = whole.frames.reduce((a, b) => a + b, 0) / whole.frames.length;
    line(
      `scroll the whole list (${rows}), 60 rows a frame`,
      `${whole.frames.length} frames, average ${ms(avg)} (p95 ${ms(pct(whole.frames, 95))}), ${whole.placeholders} showed placeholder rows`,
      '',
    );
    await app.close();
  } finally {
    await browser.close();
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
