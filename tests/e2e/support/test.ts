// The `test` every e2e spec uses: it fails a test when any page it opened threw an uncaught error or
// opened a JavaScript dialog (alert, confirm, prompt: the app asks in its own dialogs, never these).
// Pages are watched from the moment their context opens (`watchContext`, called by the harness);
// what they did is checked when each test ends, so trouble during a `beforeAll` fails the first test.
import { test as base, expect, type BrowserContext } from '@playwright/test';

const problems: string[] = [];
const watched = new WeakSet<BrowserContext>();

/** Records page errors and dialogs of every page of this context, now and later; a dialog is dismissed. */
export function watchContext(context: BrowserContext): void {
  if (watched.has(context)) return;
  watched.add(context);
  context.on('weberror', (e) => problems.push(`uncaught error in ${e.page()?.url() ?? 'a page'}: ${e.error().stack ?? e.error().message}`));
  context.on('dialog', (d) => {
    problems.push(`a ${d.type()} dialog: ${d.message()}`);
    void d.dismiss().catch(() => {});
  });
}

export const test = base.extend<{ context: BrowserContext; noPageProblems: void }>({
  // The built-in context (and so `page`) is watched too.
  context: async ({ context }, use) => {
    watchContext(context);
    await use(context);
  },
  noPageProblems: [
    async ({}, use) => {
      await use();
      expect(problems.splice(0), 'page errors and dialogs during this test').toEqual([]);
    },
    { auto: true },
  ],
});

export { expect };
