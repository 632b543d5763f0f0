// Builds the Electron shell: src-main/electron/main.ts → dist/main/main.cjs and
// src-main/electron/preload.ts → dist/main/preload.cjs, with esbuild.
//
//   npm run build:electron            (add --watch to rebuild on change)
//   node scripts/build-electron.mjs --outdir=DIR   (elsewhere than dist/main; tests use it)
//
// main: everything is bundled except electron itself and modules that must be loaded from
// node_modules at run time (native addons, packages that find files beside themselves, optional
// native speed-ups). The preload runs in a sandboxed renderer, which can require only 'electron'
// and a few built-ins, so it is bundled whole and checked for any other require().
import { build, context } from 'esbuild';
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const watch = process.argv.includes('--watch');
const outdir = resolve(root, process.argv.find((a) => a.startsWith('--outdir='))?.slice('--outdir='.length) || 'dist/main');

const MAIN_EXTERNAL = [
  'electron',
  'better-sqlite3', // native addon
  'node-notifier', // runs helper programs shipped inside its package folder
  'bufferutil', // optional native speed-ups of ws
  'utf-8-validate',
];

/** @type {import('esbuild').BuildOptions} */
const common = {
  absWorkingDir: root,
  bundle: true,
  platform: 'node',
  format: 'cjs',
  // Electron 45 runs Node 22 and Chromium 140.
  target: ['node22', 'chrome140'],
  sourcemap: 'linked',
  legalComments: 'none',
  logLevel: 'info',
};

const builds = [
  {
    ...common,
    entryPoints: ['src-main/electron/main.ts'],
    outfile: join(outdir, 'main.cjs'),
    external: MAIN_EXTERNAL,
    // The core finds better-sqlite3 for its worker thread from import.meta.url (cache/background-job.ts).
    define: { 'import.meta.url': 'importMetaUrl' },
    banner: { js: "const importMetaUrl = require('node:url').pathToFileURL(__filename).href;" },
  },
  { ...common, entryPoints: ['src-main/electron/preload.ts'], outfile: join(outdir, 'preload.cjs'), external: ['electron'] },
];

/** The sandboxed preload may require only these. */
const PRELOAD_REQUIRES = new Set(['electron', 'events', 'timers', 'url']);

function checkPreload() {
  const code = readFileSync(join(outdir, 'preload.cjs'), 'utf8');
  const bad = [...code.matchAll(/\brequire\(\s*["']([^"']+)["']\s*\)/g)].map((m) => m[1]).filter((m) => !PRELOAD_REQUIRES.has(m));
  if (bad.length) throw new Error(`${join(outdir, 'preload.cjs')} requires ${[...new Set(bad)].join(', ')}: a sandboxed preload cannot`);
}

if (watch) {
  for (const options of builds) await (await context(options)).watch();
  console.log('watching src-main and src-shared for changes');
} else {
  await Promise.all(builds.map((options) => build(options)));
  checkPreload();
}
