// `npm run lint` catches what the type checker lets through in src-* (a promise nobody waits for, a
// switch that misses a case, `any`) and lines past 160 characters. The file is planted in a folder of
// its own with a small tsconfig.json, so the linter's type information covers one file, not the tree.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ESLint } from 'eslint';
import * as prettier from 'prettier';
import { afterAll, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '../..');
const DIR = join(ROOT, `src-lint-probe-${process.pid}`);

afterAll(() => rmSync(DIR, { recursive: true, force: true }));

function plant(name: string, source: string): string {
  mkdirSync(DIR, { recursive: true });
  writeFileSync(join(DIR, 'tsconfig.json'), JSON.stringify({ extends: '../tsconfig.json', compilerOptions: { types: [] }, include: ['.'] }));
  writeFileSync(join(DIR, name), source);
  return join(DIR, name);
}

it('fails a floating promise, a switch that misses a case and `any`, and nothing else', async () => {
  const file = plant(
    'probe.ts',
    [
      'async function save(): Promise<void> {}',
      'export function onClick(): void {',
      '  save();',
      '}',
      "type Kind = 'message' | 'comment';",
      'export function label(kind: Kind): string {',
      '  switch (kind) {',
      "    case 'message':",
      "      return 'Message';",
      '  }',
      "  return '';",
      '}',
      'export const loose: any = 1;',
      'export async function onSave(): Promise<void> {',
      '  await save();',
      '  void save();',
      '}',
      '',
    ].join('\n'),
  );

  const [result] = await new ESLint({ cwd: ROOT }).lintFiles([file]);

  expect(result.messages.map((m) => [m.line, m.ruleId])).toEqual([
    [3, '@typescript-eslint/no-floating-promises'],
    [7, '@typescript-eslint/switch-exhaustiveness-check'],
    [13, '@typescript-eslint/no-explicit-any'],
  ]);
});

it('wants lines of at most 160 characters', async () => {
  const file = join(ROOT, 'src-shared/probe.ts');
  const options = { ...(await prettier.resolveConfig(file)), filepath: file };
  const list = (items: number) => `export const list = [${Array.from({ length: items }, () => "'abcdef'").join(', ')}];`;
  expect(list(13).length).toBe(151);
  expect(await prettier.check(`${list(13)}\n`, options)).toBe(true);
  expect(list(14).length).toBe(161);
  expect(await prettier.check(`${list(14)}\n`, options)).toBe(false);
});
