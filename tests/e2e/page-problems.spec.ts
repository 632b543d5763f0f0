// The e2e `test` (support/test.ts) fails a test whose page threw an uncaught error or opened a
// JavaScript dialog: these tests must fail, and Playwright reports them as failures if they pass.
import { expect, test, watchContext } from './support/test';

test('an uncaught error in the page fails the test', async ({ page }) => {
  test.fail();
  await page.setContent('<title>throws</title>');
  const thrown = page.waitForEvent('pageerror');
  await page.evaluate("setTimeout(() => { throw new Error('thrown by the page'); })");
  await thrown;
  await expect(page).toHaveTitle('throws');
});

test('an alert in a page of a context the harness opened fails the test', async ({ browser }) => {
  test.fail();
  const context = await browser.newContext();
  watchContext(context);
  const page = await context.newPage();
  const shown = page.waitForEvent('dialog');
  await page.evaluate("setTimeout(() => alert('hello'))");
  await shown;
  await context.close();
});
