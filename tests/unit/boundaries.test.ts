// The import checker (`npm run lint:boundaries`) holds DESIGN.md's table: each import a folder may
// never make is planted in a file of that folder, the checker runs over the tree as `npm test` runs
// it, and every planted file fails with the rule that names its mistake, while no other file fails.
import { execFile } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '../..');

// Real modules of each folder, for the plants to import.
const SERVER = 'src-server/db/engine';
const CORE = 'src-main/core/cache/cache';
const SHELL = 'src-main/electron/badge';
const HOST = 'src-main/host/stores';
const RENDERER = 'src-renderer/bridge/client';

interface Plant {
  folder: string;
  /** The import, with `@/` for the repository's root. */
  line: string;
  rules: string[];
}

const PLANTS: Plant[] = [
  { folder: 'src-shared', line: "import { readFileSync } from 'node:fs';", rules: ['shared-no-builtins'] },
  { folder: 'src-shared', line: `import type { Param } from '@/${SERVER}';`, rules: ['shared-is-pure'] },
  { folder: 'src-shared', line: `import type { Applied } from '@/${CORE}';`, rules: ['shared-is-pure'] },
  { folder: 'src-shared', line: `import { isOfflineError } from '@/${RENDERER}';`, rules: ['shared-is-pure'] },
  { folder: 'src-shared', line: "import { useState } from 'react';", rules: ['shared-is-pure'] },
  { folder: 'src-shared', line: "import type { App } from 'electron';", rules: ['shared-is-pure', 'electron-only-in-shell'] },

  { folder: 'src-server', line: `import { CacheTooNewError } from '@/${CORE}';`, rules: ['server-not-desktop'] },
  { folder: 'src-server', line: `import type { DesktopError } from '@/${RENDERER}';`, rules: ['server-not-desktop'] },
  { folder: 'src-server', line: "import Store from 'electron-store';", rules: ['electron-store-only-in-shell'] },

  { folder: 'src-main/core', line: "import { app } from 'electron';", rules: ['core-allowlist', 'electron-only-in-shell'] },
  { folder: 'src-main/core', line: `import type { Param } from '@/${SERVER}';`, rules: ['core-allowlist'] },
  { folder: 'src-main/core', line: `import { isOfflineError } from '@/${RENDERER}';`, rules: ['core-allowlist'] },
  { folder: 'src-main/core', line: `import { badgeCount } from '@/${SHELL}';`, rules: ['core-allowlist'] },
  { folder: 'src-main/core', line: `import { confStore } from '@/${HOST}';`, rules: ['core-allowlist'] },
  { folder: 'src-main/core', line: "import type { FastifyInstance } from 'fastify';", rules: ['core-allowlist'] },
  { folder: 'src-main/core', line: "import Store from 'electron-store';", rules: ['core-allowlist', 'electron-store-only-in-shell'] },

  { folder: 'src-main/electron', line: `import type { Param } from '@/${SERVER}';`, rules: ['shell-not-renderer-or-server'] },
  { folder: 'src-main/electron', line: `import { isOfflineError } from '@/${RENDERER}';`, rules: ['shell-not-renderer-or-server'] },
  { folder: 'src-main/electron', line: `import { confStore } from '@/${HOST}';`, rules: ['shell-not-renderer-or-server'] },

  { folder: 'src-main/host', line: "import { app } from 'electron';", rules: ['electron-only-in-shell'] },
  { folder: 'src-main/host', line: `import type { Param } from '@/${SERVER}';`, rules: ['host-not-electron-or-server'] },
  { folder: 'src-main/host', line: `import { badgeCount } from '@/${SHELL}';`, rules: ['host-not-electron-or-server'] },
  { folder: 'src-main/host', line: "import Store from 'electron-store';", rules: ['electron-store-only-in-shell'] },

  { folder: 'src-renderer', line: "import { join } from 'node:path';", rules: ['renderer-no-builtins'] },
  { folder: 'src-renderer', line: "import { ipcRenderer } from 'electron';", rules: ['renderer-allowlist', 'electron-only-in-shell'] },
  { folder: 'src-renderer', line: `import type { Applied } from '@/${CORE}';`, rules: ['renderer-allowlist'] },
  { folder: 'src-renderer', line: `import type { Param } from '@/${SERVER}';`, rules: ['renderer-allowlist'] },
  { folder: 'src-renderer', line: "import axios from 'axios';", rules: ['renderer-allowlist'] },

  { folder: 'src-main/core', line: "import { missing } from './no-such-module';", rules: ['no-unresolvable'] },
  { folder: 'src-server', line: "import missing from 'no-such-package';", rules: ['no-unresolvable'] },
];

const planted: string[] = [];
const relativeTo = (folder: string, target: string) => '../'.repeat(folder.split('/').length) + target;

function plant(folder: string, name: string, source: string): string {
  const file = `${folder}/boundary-probe-${process.pid}-${name}.ts`;
  planted.push(file);
  writeFileSync(join(ROOT, file), source);
  return file;
}

afterAll(() => {
  for (const file of planted) rmSync(join(ROOT, file), { force: true });
});

/** Runs `npm run lint:boundaries` as package.json spells it: did it fail, and the rules each file broke. */
async function runChecker(): Promise<{ failed: boolean; broken: Map<string, string[]> }> {
  const script: string = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).scripts['lint:boundaries'];
  const [command, ...args] = script.split(/\s+/);
  expect(command).toBe('depcruise');
  let failed = false;
  let output: string;
  try {
    output = (await promisify(execFile)(join(ROOT, 'node_modules/.bin/depcruise'), args, { cwd: ROOT })).stdout;
  } catch (err) {
    failed = true;
    output = (err as { stdout?: string }).stdout ?? String(err);
  }
  // One line per violation: "  error <rule>: <from> → <to>".
  const broken = new Map<string, string[]>();
  for (const [, rule, from] of output.matchAll(/^\s*error (\S+): (\S+) →/gm)) {
    broken.set(from, [...new Set([...(broken.get(from) ?? []), rule])].sort());
  }
  return { failed, broken };
}

it('fails each import DESIGN.md forbids with its rule, and passes the rest of the tree', async () => {
  const expected = new Map<string, string[]>();
  PLANTS.forEach((p, i) => {
    const line = p.line.replace('@/', relativeTo(p.folder, ''));
    expected.set(plant(p.folder, String(i), `${line}\nexport {};\n`), [...p.rules].sort());
  });
  // Two files that import each other: the checker names the cycle once, from the first of them.
  expected.set(plant('src-shared', 'cycle-a', `import './boundary-probe-${process.pid}-cycle-b';\n`), ['no-circular']);
  plant('src-shared', 'cycle-b', `import './boundary-probe-${process.pid}-cycle-a';\n`);

  const { failed, broken } = await runChecker();

  expect(failed).toBe(true);
  expect(Object.fromEntries(broken)).toEqual(Object.fromEntries(expected));
});
