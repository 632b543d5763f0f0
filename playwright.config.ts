// Playwright e2e: the real renderer in Debian's Chromium through host mode, against the real core,
// a real cache file and a real server (tests/e2e). `npm test` runs it after vitest.
import { defineConfig } from '@playwright/test';
import { CHROMIUM } from './tests/e2e/support/chromium';

export default defineConfig({
  testDir: 'tests/e2e',
  globalSetup: './tests/e2e/support/global-setup.ts',
  outputDir: 'test-results/e2e',
  workers: 1,
  fullyParallel: false,
  retries: 0,
  // A bound for a stuck test: the longest story takes about 50 s while the machine is busy.
  timeout: 120_000,
  // How long a UI state may take to appear before the test fails: generous, so a machine busy with
  // other work does not fail a test (how fast the app is: npm run bench:renderer).
  expect: { timeout: 15_000 },
  reporter: [['list']],
  use: {
    browserName: 'chromium',
    launchOptions: CHROMIUM,
    viewport: { width: 1280, height: 800 },
    colorScheme: 'light',
    screenshot: 'only-on-failure',
    trace: 'off',
    video: 'off',
  },
});
