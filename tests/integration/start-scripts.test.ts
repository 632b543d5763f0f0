// `npm start` and `npm run start:web` as a person runs them: real processes, real ports.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startServer } from '../support/server';

const ROOT = resolve(import.meta.dirname, '../..');
const running: ChildProcess[] = [];
const dirs: string[] = [];
const tmp = () => {
  const d = mkdtempSync(join(tmpdir(), 'ism-start-'));
  dirs.push(d);
  return d;
};
afterEach(() => {
  // Each started in its own process group: the group goes (tsx, and what it spawned).
  for (const p of running.splice(0))
    if (p.exitCode === null && p.pid)
      try {
        process.kill(-p.pid, 'SIGKILL');
      } catch {
        /* gone */
      }
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** Runs a script under tsx; resolves when `until` matches the output (or the process ends). */
function run(script: string, args: string[], until: RegExp, ms = 60_000): Promise<{ out: string; code: number | null }> {
  const p = spawn(process.execPath, ['--import', 'tsx', resolve(ROOT, script), ...args], {
    cwd: ROOT,
    detached: true,
    env: { ...process.env, ELECTRON_OVERRIDE_DIST_PATH: '/nonexistent' },
  });
  running.push(p);
  let out = '';
  return new Promise((done, fail) => {
    const timer = setTimeout(() => fail(new Error(`no ${until} within ${ms} ms:\n${out}`)), ms);
    const check = () => {
      if (until.test(out)) {
        clearTimeout(timer);
        done({ out, code: p.exitCode });
      }
    };
    p.stdout!.on('data', (b) => ((out += b), check()));
    p.stderr!.on('data', (b) => ((out += b), check()));
    p.on('exit', (code) => {
      clearTimeout(timer);
      done({ out, code });
    });
  });
}

function occupy(): Promise<{ server: Server; port: number }> {
  return new Promise((done) => {
    const server = createServer().listen(0, '127.0.0.1', () => done({ server, port: (server.address() as { port: number }).port }));
  });
}

describe('npm start', () => {
  it('says in one line that the port is taken and which option to use, without a stack trace or a database', async () => {
    const { server, port } = await occupy();
    const data = tmp();
    try {
      const { out, code } = await run('scripts/start.ts', ['--no-build', '--port', String(port), '--data', data], /$^/);
      expect(code).toBe(2);
      expect(out.trim()).toBe(
        `Port ${port} is already in use (another IS-Messenger, or another program). Start on another port: npm start -- --port ${port + 1}`,
      );
      expect(existsSync(join(data, 'workspace.sqlite'))).toBe(false);
    } finally {
      server.close();
    }
  });

  it('a port that is not a number is refused in words', async () => {
    const { out, code } = await run('scripts/start.ts', ['--no-build', '--port', 'eighty', '--data', tmp()], /$^/);
    expect(code).toBe(2);
    expect(out.trim()).toBe('--port: "eighty" is not a port number (1-65535).');
  });

  it('starts the demo server on --port and prints the demo users and the channel secret, again on a second start', async () => {
    const data = tmp();
    const { port } = await new Promise<{ port: number }>((done) => {
      const s = createServer().listen(0, '127.0.0.1', () => {
        const port = (s.address() as { port: number }).port;
        s.close(() => done({ port }));
      });
    });
    for (let i = 0; i < 2; i++) {
      const { out } = await run('scripts/start.ts', ['--no-build', '--port', String(port), '--data', data], /Custom channel ch_demo, secret [0-9a-f]{32}/);
      expect(out).toContain(`Demo workspace server on http://127.0.0.1:${port}`);
      expect(out).toMatch(/password demo-password/);
      expect(out).toMatch(/owner\s+owner@demo\.test\s+Olivia Owner/);
      expect(out).toMatch(/manager\s+manager@demo\.test/);
      expect(out).toMatch(/agent\s+agent1@demo\.test/);
      const p = running.pop()!;
      process.kill(-p.pid!, 'SIGKILL');
      await new Promise((r) => (p.exitCode !== null ? r(null) : p.once('exit', r)));
    }
  });
});

describe('npm run start:web', () => {
  it('builds the renderer when it is missing, then serves the app (not a "not built" page)', async () => {
    const server = await startServer();
    const dir = tmp();
    const renderer = join(dir, 'renderer');
    try {
      const { out } = await run(
        'src-main/host/cli.ts',
        ['--server', server.url, '--data', join(dir, 'data'), '--renderer', renderer],
        /Open (http:\/\/127\.0\.0\.1:\d+\/)\S*/,
        120_000,
      );
      expect(out).toContain('building it');
      expect(existsSync(join(renderer, 'index.html'))).toBe(true);
      const url = /Open (http:\/\/127\.0\.0\.1:\d+\/)/.exec(out)![1];
      const page = await fetch(url);
      expect(page.status).toBe(200);
      expect(await page.text()).toMatch(/<div id="root">|<script type="module"/);
    } finally {
      await server.stop();
    }
  });
});
