// A server started without the demo (F17): an empty workspace, a setup code printed at each start,
// and the first Owner created once with it; on both engines, also with two instances at once.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ApiClient, createTestDatabase, signIn, startServer, testEngine, type TestServer } from '../support/server';
import { DEFAULT_CLOSING_CATEGORIES, SETUP_CODE_TTL_MS } from '../../src-server/workspace/setup';

const ROOT = resolve(import.meta.dirname, '../..');
const PASSWORD = 'violet-harbor-lantern';
const setupBody = (code: string, email = 'founder@acme.test') => ({ code, workspace_name: 'Acme Ltd', name: 'Fran Founder', email, password: PASSWORD });
const anon = (server: { url: string }) => new ApiClient(server.url);

const cleanups: (() => Promise<void> | void)[] = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
});

/** A POST with a Host header of our choosing (fetch will not send one), answered with its headers. */
function postWithHost(url: string, host: string, body: unknown): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: any }> {
  const u = new URL(url);
  const text = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: u.hostname,
        port: u.port,
        path: u.pathname,
        method: 'POST',
        headers: { host, 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) },
        agent: false,
      },
      (res) => {
        let answer = '';
        res.setEncoding('utf8');
        res.on('data', (d) => (answer += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: JSON.parse(answer) }));
      },
    );
    req.on('error', reject);
    req.end(text);
  });
}

/** A server on a fresh, empty database, without the demo. */
async function emptyServer(opts: Parameters<typeof startServer>[0] = {}): Promise<TestServer> {
  const s = await startServer({ demo: false, ...opts });
  cleanups.push(() => s.stop());
  return s;
}

/**
 * Two starts on one empty database, each with the setup code it printed: on PostgreSQL two instances
 * started together; on SQLite (one process per file) a start, a stop and a second start.
 */
async function twoStarts(): Promise<{ servers: [TestServer, TestServer]; codes: [string, string] }> {
  if (testEngine === 'postgres') {
    const db = await createTestDatabase();
    cleanups.push(() => db.drop());
    const [a, b] = await Promise.all([startServer({ demo: false, databaseUrl: db.url }), startServer({ demo: false, databaseUrl: db.url })]);
    cleanups.push(
      () => a.stop(),
      () => b.stop(),
    );
    return { servers: [a, b], codes: [a.setupCode!, b.setupCode!] };
  }
  const dir = mkdtempSync(join(tmpdir(), 'ism-setup-'));
  const dbFile = join(dir, 'workspace.sqlite');
  const first = await startServer({ demo: false, dbFile });
  const code = first.setupCode!;
  await first.stop();
  const second = await startServer({ demo: false, dbFile });
  cleanups.push(async () => {
    await second.stop();
    rmSync(dir, { recursive: true, force: true });
  });
  return { servers: [second, second], codes: [code, second.setupCode!] };
}

describe('a server without --demo', () => {
  it('starts an empty workspace: no users, no contacts, the default closing categories, and a setup code; the demo owner does not exist', async () => {
    const server = await emptyServer();
    expect(server.demo).toBeNull();
    expect(server.setupCode).toMatch(/^[a-z2-9]{4}(-[a-z2-9]{4}){3}$/);
    expect((await anon(server).get('/api/v1/setup')).body).toEqual({ needed: true });
    const demoOwner = await anon(server).post('/api/v1/auth/sign-in', { email: 'owner@demo.test', password: 'demo-password' });
    expect(demoOwner.status).toBe(401);
    // Only the code's hash is kept.
    const stored = JSON.stringify(await server.store.db.all('SELECT * FROM setup_codes'));
    expect(stored).not.toContain(server.setupCode!);
    expect(stored).not.toContain(server.setupCode!.replaceAll('-', ''));

    const r = await anon(server).post('/api/v1/setup', setupBody(server.setupCode!));
    expect(r.status).toBe(200);
    const owner = new ApiClient(server.url);
    owner.token = r.body.token;
    expect((await owner.get('/api/v1/users')).body.items.map((u: { email: string; role: string }) => [u.email, u.role])).toEqual([
      ['founder@acme.test', 'owner'],
    ]);
    // The Owner's password is stored as every password is: argon2id.
    const [{ password_hash: hash }] = await server.store.db.all<{ password_hash: string }>('SELECT password_hash FROM users');
    expect(hash).toMatch(/^\$argon2id\$/);
    expect((await owner.get('/api/v1/contacts')).body.items).toEqual([]);
    expect((await owner.get('/api/v1/teams')).body.items).toEqual([]);
    expect((await owner.get('/api/v1/closing-categories')).body.items.map((c: { name: string }) => c.name)).toEqual(DEFAULT_CLOSING_CATEGORIES);
  });

  it('the setup code makes the first Owner once: a wrong code and a used code are refused with 403, and the workspace is named', async () => {
    const server = await emptyServer();
    const wrong = await anon(server).post('/api/v1/setup', setupBody('aaaa-bbbb-cccc-dddd'));
    expect(wrong.status).toBe(403);
    expect(wrong.body).toMatchObject({ code: 'forbidden', message: expect.stringMatching(/wrong or has expired/) });

    // Typed by hand: letter case and spacing do not matter.
    const r = await anon(server).post('/api/v1/setup', setupBody(`  ${server.setupCode!.toUpperCase().replaceAll('-', ' ')} `));
    expect(r.status).toBe(200);
    expect(r.body.user).toMatchObject({ email: 'founder@acme.test', name: 'Fran Founder', role: 'owner' });
    expect(r.body.password_change_required).toBe(false);
    const owner = new ApiClient(server.url);
    owner.token = r.body.token;
    const me = await owner.get('/api/v1/me');
    expect(me.status).toBe(200);
    expect(me.body.settings.name).toBe('Acme Ltd');
    // The Owner signs in again with the password chosen at setup.
    await signIn(server, 'founder@acme.test', PASSWORD);
    expect((await anon(server).get('/api/v1/setup')).body).toEqual({ needed: false });

    const used = await anon(server).post('/api/v1/setup', setupBody(server.setupCode!, 'intruder@evil.test'));
    expect(used.status).toBe(403);
    expect(used.body).toMatchObject({ code: 'forbidden', message: expect.stringMatching(/already been used/) });
    expect((await anon(server).post('/api/v1/auth/sign-in', { email: 'intruder@evil.test', password: PASSWORD })).status).toBe(401);
  });

  it('the setup password follows the password rule', async () => {
    const server = await emptyServer();
    const common = await anon(server).post('/api/v1/setup', { ...setupBody(server.setupCode!), password: 'qwertyuiop1' });
    expect(common.status).toBe(400);
    expect(common.body.message).toMatch(/too common/);
    const email = await anon(server).post('/api/v1/setup', { ...setupBody(server.setupCode!), password: 'founder@acme.test' });
    expect(email.status).toBe(400);
    expect(email.body.message).toMatch(/not be your email/);
    expect((await anon(server).get('/api/v1/setup')).body).toEqual({ needed: true });
  });

  it('a setup code expires after 24 hours', async () => {
    let now = Date.now();
    const server = await emptyServer({ clock: () => now });
    now += SETUP_CODE_TTL_MS + 1;
    const r = await anon(server).post('/api/v1/setup', setupBody(server.setupCode!));
    expect(r.status).toBe(403);
    expect((await anon(server).get('/api/v1/setup')).body).toEqual({ needed: true });
  });

  it('setup attempts are rate limited like sign-in', async () => {
    const server = await emptyServer({ signInLimit: { perIp: 300, perEmail: 3, windowMs: 60_000 } });
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) statuses.push((await anon(server).post('/api/v1/setup', setupBody(`wrong-code-${i}`))).status);
    expect(statuses).toEqual([403, 403, 403, 429]);
    // Even the right code waits for the window to pass.
    expect((await anon(server).post('/api/v1/setup', setupBody(server.setupCode!))).status).toBe(429);
  });

  it("setup attempts are counted in the database with sign-in's: a restart does not reset them", async () => {
    const limit = { signInLimit: { perIp: 300, perEmail: 3, windowMs: 60_000 } };
    let where: { databaseUrl: string } | { dbFile: string };
    if (testEngine === 'postgres') {
      const db = await createTestDatabase();
      cleanups.push(() => db.drop());
      where = { databaseUrl: db.url };
    } else {
      const dir = mkdtempSync(join(tmpdir(), 'ism-setup-'));
      cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
      where = { dbFile: join(dir, 'workspace.sqlite') };
    }
    const first = await startServer({ demo: false, ...limit, ...where });
    for (let i = 0; i < 3; i++) expect((await anon(first).post('/api/v1/setup', setupBody(`wrong-code-${i}`))).status).toBe(403);
    await first.stop();
    const second = await emptyServer({ ...limit, ...where });
    expect((await anon(second).post('/api/v1/setup', setupBody(second.setupCode!))).status).toBe(429);
    const keys = (await second.store.db.all<{ key: string }>('SELECT key FROM sign_in_attempts')).map((r) => r.key);
    expect(keys).toContain('setup code');
  });

  it('setup passes the Host check like every route, and its answer (a session token) is not stored by caches', async () => {
    const server = await emptyServer();
    const refused = await postWithHost(`${server.url}/api/v1/setup`, 'evil.example', setupBody(server.setupCode!));
    expect(refused.status).toBe(400);
    expect(refused.body.code).toBe('invalid_request');
    expect((await anon(server).get('/api/v1/setup')).body).toEqual({ needed: true });
    const r = await postWithHost(`${server.url}/api/v1/setup`, new URL(server.url).host, setupBody(server.setupCode!));
    expect(r.status).toBe(200);
    expect(r.body.token).toEqual(expect.any(String));
    expect(r.headers['cache-control']).toBe('no-store');
    expect(r.headers['x-content-type-options']).toBe('nosniff');
  });

  it('each start prints a fresh code; a second setup with another valid code is refused with 409', async () => {
    const { servers, codes } = await twoStarts();
    expect(codes[0]).not.toBe(codes[1]);
    const first = await anon(servers[0]).post('/api/v1/setup', setupBody(codes[0]));
    expect(first.status).toBe(200);
    const second = await anon(servers[1]).post('/api/v1/setup', setupBody(codes[1], 'second@acme.test'));
    expect(second.status).toBe(409);
    expect(second.body).toMatchObject({ code: 'conflict', message: expect.stringMatching(/already set up/) });
  });

  it('two setups racing (two instances on PostgreSQL) make exactly one Owner, and the workspace is created once', async () => {
    const { servers, codes } = await twoStarts();
    const [a, b] = await Promise.all([
      anon(servers[0]).post('/api/v1/setup', setupBody(codes[0], 'first@acme.test')),
      anon(servers[1]).post('/api/v1/setup', setupBody(codes[1], 'second@acme.test')),
    ]);
    expect([a.status, b.status].sort()).toEqual([200, 409]);
    const winner = a.status === 200 ? a : b;
    const owner = new ApiClient(servers[1].url);
    owner.token = winner.body.token;
    const users = (await owner.get('/api/v1/users')).body.items as { email: string }[];
    expect(users).toHaveLength(1);
    expect((await owner.get('/api/v1/closing-categories')).body.items).toHaveLength(DEFAULT_CLOSING_CATEGORIES.length);
  });
});

describe('npm run server', () => {
  let child: ChildProcess | null = null;
  afterAll(() => {
    child?.kill('SIGTERM');
  });

  it('prints "setup code: <code>" on an empty database, and the code sets the workspace up', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ism-cli-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    let dbArgs = ['--db', join(dir, 'workspace.sqlite')];
    if (testEngine === 'postgres') {
      const db = await createTestDatabase();
      cleanups.push(() => db.drop());
      dbArgs = ['--database-url', db.url];
    }
    child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'src-server/cli.ts'), '--port', '0', ...dbArgs], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const out = await new Promise<string>((ok, fail) => {
      let text = '';
      child!.stdout!.on('data', (d) => {
        text += d.toString();
        if (/^setup code: \S+$/m.test(text)) ok(text);
      });
      child!.on('exit', (code) => fail(new Error(`server exited ${code}: ${text}`)));
    });
    const url = /on (http:\/\/127\.0\.0\.1:\d+)/.exec(out)![1];
    const code = /^setup code: (\S+)$/m.exec(out)![1];
    expect(out).not.toMatch(/demo/i);
    const r = await anon({ url }).post('/api/v1/setup', setupBody(code));
    expect(r.status).toBe(200);
    expect((await anon({ url }).post('/api/v1/auth/sign-in', { email: 'owner@demo.test', password: 'demo-password' })).status).toBe(401);
  }, 30_000);
});
