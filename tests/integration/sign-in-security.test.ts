// Sign-in and sessions against an attacker: limits kept in the database (shared by every instance,
// surviving a restart) and keyed on the address a trusted proxy reports, never on one a client
// claims; password hashes at OWASP's level, older ones upgraded at the next sign-in; sessions that
// end 90 days after sign-in however busy; "sign out everywhere". Runs on SQLite and (in the
// PostgreSQL pass) on PostgreSQL; the server's clock is the test's where time matters.
import { scrypt, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StreamClose } from '../../src-shared/sync/changes';
import type { ServerOptions } from '../../src-server/http/app';
import { verifyPassword } from '../../src-server/workspace/passwords';
import { SESSION_MAX_MS } from '../../src-server/workspace/users';
import { ApiClient, openStream, signIn, startServer, testEngine, type TestServer } from '../support/server';

const DAY = 24 * 3600_000;
const ARGON2ID_OWASP = /^\$argon2id\$v=19\$m=19456,t=2,p=1\$/;

const attempt = (server: { url: string }, email: string, password: string, forwardedFor?: string) =>
  new ApiClient(server.url).request('POST', '/api/v1/auth/sign-in', { email, password }, forwardedFor ? { 'x-forwarded-for': forwardedFor } : {});

/** Two instances on one database: side by side on PostgreSQL, one after the other on one SQLite file (one process at a time). */
async function twoInstances(opts: Partial<ServerOptions>, body: (first: TestServer, second: () => Promise<TestServer>) => Promise<void>) {
  const dir = mkdtempSync(join(tmpdir(), 'ism-two-'));
  const first = await startServer(testEngine === 'postgres' ? opts : { ...opts, dbFile: join(dir, 'workspace.sqlite') });
  let second: TestServer | null = null;
  try {
    await body(first, async () => {
      if (testEngine === 'sqlite') await first.close();
      second = await startServer({ ...opts, ...(testEngine === 'postgres' ? { databaseUrl: first.databaseUrl } : { dbFile: first.dbFile }) });
      return second;
    });
  } finally {
    await (second as TestServer | null)?.stop();
    if (testEngine === 'postgres') await first.stop();
    else await first.close().catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('sign-in limits', () => {
  it(testEngine === 'postgres' ? 'are shared by two instances on one database' : 'outlive a restart of the server (kept in the database)', async () => {
    await twoInstances({ signInLimit: { perIp: 1000, perEmail: 3, windowMs: 60_000 } }, async (a, startB) => {
      for (let i = 0; i < 2; i++) expect((await attempt(a, 'agent4@demo.test', `wrong-${i}`)).status).toBe(401);
      const b = await startB();
      expect((await attempt(b, 'agent4@demo.test', 'wrong-2')).status).toBe(401);
      // The fourth guess, wherever it lands, is over the budget of three: even the right password waits.
      const limited = await attempt(b, 'agent4@demo.test', 'demo-password');
      expect(limited.status).toBe(429);
      expect(limited.body).toEqual({ code: 'rate_limited', message: expect.stringMatching(/wait/) });
      if (testEngine === 'postgres') expect((await attempt(a, 'agent4@demo.test', 'demo-password')).status).toBe(429);
      // Someone else is not held back.
      expect((await attempt(b, 'agent5@demo.test', 'demo-password')).status).toBe(200);
    });
  });

  it('count the address a trusted proxy reports, and ignore X-Forwarded-For from anyone else', async () => {
    const limit = { perIp: 3, perEmail: 100, windowMs: 60_000 };
    const direct = await startServer({ signInLimit: limit, demo: { seed: 3, contacts: 5 } });
    const proxied = await startServer({ signInLimit: limit, demo: { seed: 3, contacts: 5 }, trustProxy: '127.0.0.1' });
    try {
      // Straight from a client: a made-up X-Forwarded-For per attempt does not buy a fresh budget.
      for (let i = 0; i < 3; i++) expect((await attempt(direct, 'agent1@demo.test', 'wrong', `198.51.100.${i}`)).status).toBe(401);
      expect((await attempt(direct, 'agent1@demo.test', 'demo-password', '198.51.100.77')).status).toBe(429);
      // Through the proxy (127.0.0.1, trusted): each client has its own budget, by the address the proxy saw.
      for (let i = 0; i < 3; i++) expect((await attempt(proxied, 'agent1@demo.test', 'wrong', '203.0.113.7')).status).toBe(401);
      expect((await attempt(proxied, 'agent1@demo.test', 'demo-password', '203.0.113.7')).status).toBe(429);
      expect((await attempt(proxied, 'agent1@demo.test', 'demo-password', '203.0.113.8')).status).toBe(200);
      // The proxy appends what it saw to whatever the client sent: the client's own claim is not believed.
      expect((await attempt(proxied, 'agent1@demo.test', 'demo-password', '203.0.113.8, 203.0.113.7')).status).toBe(429);
    } finally {
      await direct.stop();
      await proxied.stop();
    }
  });
});

describe('password hashes and sessions', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer({ heartbeatMs: 60_000 });
  });
  afterAll(() => server.stop());

  const storedHash = async (email: string) =>
    (await server.store.db.get<{ password_hash: string }>('SELECT password_hash FROM users WHERE email = ?', [email]))!.password_hash;

  it('hashes with argon2id at OWASP’s parameters, and upgrades an older hash at the next sign-in', async () => {
    expect(await storedHash('agent6@demo.test')).toMatch(ARGON2ID_OWASP);
    // A hash from before: scrypt at N=2^14, as earlier versions wrote them.
    const salt = randomBytes(16);
    const key = await new Promise<Buffer>((resolve, reject) =>
      scrypt('an-old-password', salt, 32, { N: 16384, r: 8, p: 1 }, (e, k) => (e ? reject(e) : resolve(k))),
    );
    const old = `scrypt$16384$8$1$${salt.toString('base64')}$${key.toString('base64')}`;
    await server.store.db.run('UPDATE users SET password_hash = ? WHERE email = ?', [old, 'agent6@demo.test']);
    expect((await attempt(server, 'agent6@demo.test', 'wrong-password')).status).toBe(401);
    expect(await storedHash('agent6@demo.test')).toBe(old);
    expect((await attempt(server, 'agent6@demo.test', 'an-old-password')).status).toBe(200);
    const upgraded = await storedHash('agent6@demo.test');
    expect(upgraded).toMatch(ARGON2ID_OWASP);
    expect(await verifyPassword('an-old-password', upgraded)).toBe(true);
    // The same password keeps working, a wrong one does not.
    expect((await attempt(server, 'agent6@demo.test', 'an-old-password')).status).toBe(200);
    expect((await attempt(server, 'agent6@demo.test', 'demo-password')).status).toBe(401);
    expect(await storedHash('agent6@demo.test')).toBe(upgraded);
  });

  it(`end ${SESSION_MAX_MS / DAY} days after sign-in however much they are used, streams included`, async () => {
    let t = Date.now();
    const s = await startServer({ clock: () => t, heartbeatMs: 100, demo: { seed: 5, contacts: 5 } });
    try {
      const agent = await signIn(s, 'agent7@demo.test');
      const listener = await signIn(s, 'agent7@demo.test');
      const stream = await openStream(s, listener, (await listener.syncAll()).next);
      // Used every 20 days: still fine at day 80.
      for (let k = 0; k < 4; k++) {
        t += 20 * DAY;
        expect((await agent.get('/api/v1/me')).status).toBe(200);
      }
      expect(stream.closeCode).toBeNull();
      t += 11 * DAY;
      const refused = await agent.get('/api/v1/me');
      expect(refused.status).toBe(401);
      expect(refused.body).toEqual({ code: 'unauthorized', message: expect.stringMatching(/90 days/) });
      // The stream, in use all along, is past its session's age too: the heartbeats' check ends it.
      await stream.until(() => stream.closeCode !== null, 10_000, 'the stream to close');
      expect(stream.closeCode).toBe(StreamClose.signedOut);
      expect((await listener.get('/api/v1/me')).status).toBe(401);
      // Signing in again starts a new session.
      expect((await (await signIn(s, 'agent7@demo.test')).get('/api/v1/me')).status).toBe(200);
    } finally {
      await s.stop();
    }
  });

  it('"sign out everywhere" ends every session of the user, closes their streams, and leaves other users alone', async () => {
    const laptop = await signIn(server, 'agent8@demo.test');
    const desktop = await signIn(server, 'agent8@demo.test');
    const other = await signIn(server, 'agent9@demo.test');
    const cursor = (await laptop.syncAll()).next;
    const streams = [await openStream(server, laptop, cursor), await openStream(server, desktop, cursor)];
    const otherStream = await openStream(server, other, cursor);
    const ended = await desktop.post('/api/v1/auth/sign-out-everywhere');
    expect(ended.status).toBe(200);
    expect(ended.body).toEqual({ ok: true, ended: 2 });
    for (const c of [laptop, desktop]) {
      const r = await c.get('/api/v1/me');
      expect(r.status).toBe(401);
      expect(r.body.code).toBe('unauthorized');
    }
    // The heartbeat (its net) is a minute away: the streams close on the sign-out records themselves.
    for (const s of streams) await s.until(() => s.closeCode !== null, 10_000, 'the stream to close');
    expect(streams.map((s) => s.closeCode)).toEqual([StreamClose.signedOut, StreamClose.signedOut]);
    expect((await laptop.get('/api/v1/me')).status).toBe(401);
    expect(otherStream.closeCode).toBeNull();
    expect((await other.get('/api/v1/me')).status).toBe(200);
    const [me] = await server.store.db.all<{ status: string }>("SELECT status FROM users WHERE email = 'agent8@demo.test'");
    expect(me.status).toBe('offline');
    otherStream.close();
  });
});
