// `npm start` and `npm run start:web` as a person runs them: real processes, real ports.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startServer } from '../support/server';
import { socketCaller } from '../support/host-socket';
import { DESKTOP_SOCKET_PATH } from '../../src-main/host/host';
import { HOST_NODE_FLAGS } from '../../src-main/host/node-flags';

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
function run(script: string, args: string[], until: RegExp, ms = 60_000, nodeFlags: string[] = []): Promise<{ out: string; code: number | null }> {
  const p = spawn(process.execPath, [...nodeFlags, '--import', 'tsx', resolve(ROOT, script), ...args], {
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

  it('keeps its young generation through a quiet spell: scrolling the inbox afterwards is not paused by a collection every few pages', async () => {
    // The Node flags `npm run start:web` starts the host with (package.json), and V8's log of each collection.
    const script = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts['start:web'];
    const flags = script.split(' ').filter((w) => /^--(?!import)/.test(w));
    // The same as `npm start` passes when it runs host mode.
    expect(flags).toEqual([...HOST_NODE_FLAGS]);
    // Enough contacts for the sign-in's bootstrap to make old garbage: V8 then watches for a quiet spell to shrink the heap.
    const server = await startServer({ demo: { seed: 7, contacts: 3000 } });
    const dir = tmp();
    const renderer = join(dir, 'renderer');
    mkdirSync(renderer);
    writeFileSync(join(renderer, 'index.html'), '<!doctype html><title>app</title>');
    try {
      let log = '';
      const started = run(
        'src-main/host/cli.ts',
        ['--server', server.url, '--data', join(dir, 'data'), '--renderer', renderer],
        /Open http:\/\/\S+#token=\S+/,
        60_000,
        [...flags, '--trace-gc'],
      );
      const { out } = await started;
      const p = running[running.length - 1];
      p.stdout!.on('data', (b) => (log += b));
      const [, url, token] = /Open (http:\/\/127\.0\.0\.1:\d+)\/#token=(\S+)/.exec(out)!;
      const ws = new WebSocket(`${url.replace('http', 'ws')}${DESKTOP_SOCKET_PATH}?token=${token}`);
      let ready!: () => void;
      const isReady = new Promise<void>((r) => (ready = r));
      const call = socketCaller(ws, (msg) => {
        if (msg.event === 'session' && (msg as { payload?: { state?: string } }).payload?.state === 'ready') ready();
      });
      await new Promise((r) => ws.once('open', r));
      await call('command', 'signIn', { server_url: server.url, email: 'manager@demo.test', password: 'demo-password' });
      await isReady;
      // Quiet, as while the user reads: V8 would shrink the young generation meanwhile (after about 8 s of little allocation).
      await new Promise((r) => setTimeout(r, 15_000));
      // A count of V8's young collections (its log's lines), not a time: it follows the bytes allocated and the young generation's size.
      const scavenges = () => (log.match(/Scavenge/g) ?? []).length;
      const before = scavenges();
      // Then scrolling: 800 pages of the open conversations, as the renderer asks them.
      for (let i = 0; i < 800; i++) {
        const page = await call('query', 'conversations', { inbox: 'all', status: 'open', limit: 100, offset: i % 20 });
        expect(page.ok).toBe(true);
        expect(page.value.items.length).toBeGreaterThan(0);
      }
      await new Promise((r) => setTimeout(r, 200));
      const collections = scavenges() - before;
      // About 80 MB of answers' garbage: about 5 collections in a 16 MB young generation, 50 or more in one shrunk to 1 MB
      // (96 for 1,500 pages when this test ran without the flag).
      expect(collections).toBeLessThanOrEqual(15);
      ws.close();
    } finally {
      await server.stop();
    }
  }, 90_000);
});
