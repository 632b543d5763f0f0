// Where the Electron binary is, or why there is none. Never calls require('electron'): on a machine
// without the binary that starts a download from GitHub (Electron 42+ fetch it on first launch),
// which our build machines cannot reach.
//
// Looked for, in order: $ELECTRON_EXECUTABLE (a binary installed some other way), then the one the
// electron package records in node_modules/electron/path.txt (honouring
// $ELECTRON_OVERRIDE_DIST_PATH like the package does). A file that is there is also run once
// (`--version` as Node) so a stand-in file or a binary for another machine is reported, not launched.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

export type ElectronBinary = { path: string; version: string; reason: null } | { path: null; version: null; reason: string };

export const NOT_INSTALLED = 'the Electron binary is not installed on this machine (it downloads from GitHub on first launch, which this machine cannot reach)';

function runs(bin: string): { version: string } | { error: string } {
  const r = spawnSync(bin, ['--version'], {
    env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' },
    encoding: 'utf8',
    timeout: 20_000,
  });
  if (r.error) return { error: r.error.message };
  const out = `${r.stdout ?? ''}`.trim();
  if (r.status !== 0 || !/^v\d+\./.test(out)) return { error: `exit ${r.status}, ${(out || `${r.stderr ?? ''}`).trim().slice(0, 120)}` };
  return { version: out };
}

function check(bin: string, origin: string): ElectronBinary {
  if (!existsSync(bin)) return { path: null, version: null, reason: `${origin} names ${bin}, which does not exist` };
  const r = runs(bin);
  if ('error' in r) return { path: null, version: null, reason: `the Electron binary at ${bin} does not run here (${r.error})` };
  return { path: bin, version: r.version, reason: null };
}

let cached: ElectronBinary | undefined;

export function findElectronBinary(): ElectronBinary {
  if (cached) return cached;
  const explicit = process.env.ELECTRON_EXECUTABLE;
  if (explicit) return (cached = check(explicit, '$ELECTRON_EXECUTABLE'));
  let pkgDir: string;
  try {
    pkgDir = dirname(createRequire(import.meta.url).resolve('electron/package.json'));
  } catch {
    return (cached = { path: null, version: null, reason: 'the electron package is not installed (npm install)' });
  }
  const pathFile = join(pkgDir, 'path.txt');
  const relative = existsSync(pathFile) ? readFileSync(pathFile, 'utf8').trim() : '';
  const override = process.env.ELECTRON_OVERRIDE_DIST_PATH;
  if (override) return (cached = check(join(override, relative || 'electron'), '$ELECTRON_OVERRIDE_DIST_PATH'));
  if (!relative) return (cached = { path: null, version: null, reason: NOT_INSTALLED });
  const bin = join(pkgDir, 'dist', relative);
  if (!existsSync(bin)) return (cached = { path: null, version: null, reason: NOT_INSTALLED });
  return (cached = check(bin, 'node_modules/electron/path.txt'));
}
