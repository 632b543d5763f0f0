// Every e2e spec takes `test` from tests/e2e/support/test.ts, the one that fails a test on a page
// error or a JavaScript dialog: a spec taking Playwright's own would let both pass unseen.
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { expect, it } from 'vitest';

const E2E = resolve(import.meta.dirname, '../e2e');

it("every e2e spec uses the test that fails on page errors and dialogs, not Playwright's own", () => {
  const specs = readdirSync(E2E).filter((f) => f.endsWith('.spec.ts'));
  expect(specs.length).toBeGreaterThan(0);
  const wrong = specs.filter((f) => {
    const source = readFileSync(join(E2E, f), 'utf8');
    return !/import \{[^}]*\btest\b[^}]*\} from '\.\/support\/test'/.test(source) || /import \{[^}]*\btest\b[^}]*\} from '@playwright\/test'/.test(source);
  });
  expect(wrong).toEqual([]);
});
