// Builds the renderer once before the e2e run when dist/renderer is missing or older than its sources.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '../../..');

function newest(dir: string): number {
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newest(p) : statSync(p).mtimeMs);
  }
  return t;
}

function oldest(dir: string): number {
  let t = Infinity;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    t = Math.min(t, e.isDirectory() ? oldest(p) : statSync(p).mtimeMs);
  }
  return t;
}

export function ensureRendererBuilt(): void {
  const out = join(ROOT, 'dist/renderer');
  const index = join(out, 'index.html');
  // The renderer imports src-shared too: a change there also calls for a new build.
  const sources = Math.max(newest(join(ROOT, 'src-renderer')), newest(join(ROOT, 'src-shared')));
  if (existsSync(index) && oldest(out) >= sources) return;
  execFileSync('npm', ['run', '--silent', 'build:renderer'], { cwd: ROOT, stdio: 'inherit' });
}

export default function globalSetup(): void {
  ensureRendererBuilt();
}
