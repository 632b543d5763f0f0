// What goes into the installers: electron-builder's unpacked Linux build (`--dir`), made offline with
// a stand-in Electron (electronDist: a folder holding a file named `electron`) and without rebuilding
// native modules (npmRebuild false: what this machine would build for Electron is mislabelled, see
// DESIGN.md). The real installers are made on release machines (docs/deploying.md); this checks the
// package they would hold: the bundles and production dependencies, never sources, tests, tooling.
import { execFileSync, spawnSync } from 'node:child_process';
import { builtinModules } from 'node:module';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// @electron/asar is CommonJS; its types come with it.
import * as asar from '@electron/asar';

const ROOT = resolve(__dirname, '..', '..');
const FUSE_SENTINEL = Buffer.from('dL7pKGdnNz796PbbjQWNKmHXBZaB9tsX');
/** RunAsNode, cookie encryption, NODE_OPTIONS, --inspect, asar integrity, only app.asar, browser V8 snapshot, file:// privileges. */
const ELECTRON_DEFAULT_FUSES = '10110001';
const OUT = mkdtempSync(join(tmpdir(), 'ism-packaging-'));
const UNPACKED = join(OUT, 'release', 'linux-unpacked');
const ASAR = join(UNPACKED, 'resources', 'app.asar');
let files: string[] = [];
let log = '';

beforeAll(() => {
  // The bundles the package is made of: build them when they are missing.
  const needed = ['dist/main/main.cjs', 'dist/main/preload.cjs', 'dist/renderer/index.html'];
  if (needed.some((f) => !existsSync(join(ROOT, f)))) execFileSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'pipe' });
  const electronDist = join(OUT, 'electron-dist');
  mkdirSync(electronDist);
  // With a fuse wire as Electron's executable holds one (@electron/fuses' sentinel, version 1, 8
  // fuses, each '1' or '0'), set as Electron ships it, for the packaging step to flip.
  writeFileSync(
    join(electronDist, 'electron'),
    Buffer.concat([
      Buffer.from('#!/bin/sh\necho "stand-in for the Electron binary"\n# '),
      FUSE_SENTINEL,
      Buffer.from([1, 8]),
      Buffer.from(ELECTRON_DEFAULT_FUSES),
      Buffer.from('\n'),
    ]),
  );
  chmodSync(join(electronDist, 'electron'), 0o755);
  const bin = join(ROOT, 'node_modules', '.bin', 'electron-builder');
  const run = spawnSync(
    bin,
    [
      '--dir',
      '--linux',
      '--x64',
      '--publish',
      'never',
      `-c.electronDist=${electronDist}`,
      '-c.npmRebuild=false',
      `-c.directories.output=${join(OUT, 'release')}`,
    ],
    {
      cwd: ROOT,
      encoding: 'utf8',
      stdio: 'pipe',
      // Offline: a download attempt fails at once instead of hanging, and shows in the log.
      env: {
        ...process.env,
        CSC_IDENTITY_AUTO_DISCOVERY: 'false',
        ELECTRON_BUILDER_OFFLINE: 'true',
        ELECTRON_GET_USE_PROXY: '',
        ELECTRON_MIRROR: 'http://127.0.0.1:9/',
        ELECTRON_BUILDER_BINARIES_MIRROR: 'http://127.0.0.1:9/',
      },
      timeout: 120_000,
    },
  );
  log = `${run.stdout}\n${run.stderr}`;
  if (run.status !== 0) throw new Error(`electron-builder failed (${run.status ?? run.signal}):\n${log}`);
  files = asar.listPackage(ASAR, { isPack: false }).map((f) => f.replace(/\\/g, '/').replace(/^\//, ''));
}, 150_000);

afterAll(() => rmSync(OUT, { recursive: true, force: true }));

const read = (f: string) => asar.extractFile(ASAR, f).toString('utf8');
const topLevelModules = () =>
  new Set(
    files
      .filter((f) => f.startsWith('node_modules/'))
      .map((f) =>
        f
          .split('/')
          .slice(1, f.split('/')[1].startsWith('@') ? 3 : 2)
          .join('/'),
      ),
  );

describe('the package electron-builder makes (linux --dir, stand-in Electron)', () => {
  it('builds offline: the executable is the stand-in, not a downloaded Electron', () => {
    expect(readFileSync(join(UNPACKED, 'is-messenger'), 'utf8')).toContain('stand-in for the Electron binary');
    expect(existsSync(ASAR)).toBe(true);
    expect(log).not.toMatch(/downloading|downloaded/i);
  });

  it('flips the fuses: no running as Node, no NODE_OPTIONS or --inspect, only app.asar', () => {
    const exe = readFileSync(join(UNPACKED, 'is-messenger'));
    const at = exe.indexOf(FUSE_SENTINEL) + FUSE_SENTINEL.length;
    expect([exe[at], exe[at + 1]]).toEqual([1, 8]);
    const wire = exe.subarray(at + 2, at + 10).toString('latin1');
    // Changed: run as Node 1→0, NODE_OPTIONS 1→0, --inspect 1→0, only app.asar 0→1; the rest as shipped.
    expect(wire).toBe('00000101');
  });

  it('holds the entry points, and package.json points at the main bundle', () => {
    for (const f of ['dist/main/main.cjs', 'dist/main/preload.cjs', 'dist/renderer/index.html', 'package.json']) expect(files).toContain(f);
    const pkg = JSON.parse(read('package.json'));
    expect(pkg.main).toBe('dist/main/main.cjs');
    expect(read('dist/main/main.cjs')).toContain('IS-Messenger');
  });

  it('holds no sources, tests, scripts, docs, TypeScript or source maps of the app', () => {
    const app = files.filter((f) => !f.startsWith('node_modules/'));
    expect(app.filter((f) => /^(src-[^/]+|tests|scripts|docs|assets|release|data)(\/|$)/.test(f))).toEqual([]);
    expect(app.filter((f) => /\.(ts|tsx|mts|cts|map)$/.test(f))).toEqual([]);
    for (const f of ['tsconfig.json', 'vitest.config.ts', 'electron-builder.yml', 'README.md', '.dependency-cruiser.cjs', 'package-lock.json'])
      expect(files).not.toContain(f);
    expect(files.filter((f) => /\.(ts|mts|cts|map)$/.test(f))).toEqual([]);
  });

  it('holds no development dependency', () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
    const modules = topLevelModules();
    // A development dependency that a production package also needs (semver, for electron-updater)
    // is installed for run time too: the lockfile marks what is installed for development only.
    const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8'));
    const dev = Object.keys(pkg.devDependencies).filter((d) => lock.packages[`node_modules/${d}`]?.dev);
    const tooling = [
      'vitest',
      'typescript',
      'vite',
      'electron',
      'electron-builder',
      'app-builder-lib',
      '@playwright/test',
      'playwright',
      'dependency-cruiser',
      'esbuild',
      'tsx',
      '@electron/asar',
      '@electron/rebuild',
    ];
    expect([...new Set([...dev, ...tooling])].filter((d) => modules.has(d))).toEqual([]);
  });

  it('holds every module the main bundle loads at run time', () => {
    const code = read('dist/main/main.cjs');
    const builtins = new Set([...builtinModules, ...builtinModules.map((m) => `node:${m}`)]);
    const external = [...new Set([...code.matchAll(/(?<!['"`])\brequire\("([^"./][^"]*)"\)/g)].map((m) => m[1]))].filter((m) => !builtins.has(m));
    // electron is the runtime itself; bufferutil and utf-8-validate are optional speed-ups of ws.
    const needed = external.filter((m) => !['electron', 'bufferutil', 'utf-8-validate'].includes(m));
    expect(needed).toContain('better-sqlite3');
    const modules = topLevelModules();
    expect(needed.filter((m) => !modules.has(m))).toEqual([]);
  });

  it('unpacks better-sqlite3 from the asar (a native addon cannot load from inside it)', () => {
    const unpacked = join(UNPACKED, 'resources', 'app.asar.unpacked', 'node_modules', 'better-sqlite3');
    expect(existsSync(join(unpacked, 'package.json'))).toBe(true);
    expect(existsSync(join(unpacked, 'lib', 'index.js'))).toBe(true);
  });

  it('ships the tray icon and the update settings beside the asar', () => {
    expect(existsSync(join(UNPACKED, 'resources', 'icon.png'))).toBe(true);
    const updates = readFileSync(join(UNPACKED, 'resources', 'app-update.yml'), 'utf8');
    expect(updates).toContain('provider: generic');
  });
});
