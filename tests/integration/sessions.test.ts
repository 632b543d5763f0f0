// Sessions end when they are not used: a token unused for 30 days is refused (and its session
// removed, as a sign-out would), while one in use keeps working however old it is. The server's
// clock is the test's, moved forward by hand. Runs on SQLite and (in the PostgreSQL pass) on PostgreSQL.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migratePostgres, migrateSqlite } from '../../src-server/db/migrations';
import type { PostgresDatabase } from '../../src-server/db/postgres';
import type { SqliteDatabase } from '../../src-server/db/sqlite';
import { SESSION_IDLE_MS } from '../../src-server/workspace/users';
import { openStream, signIn, startServer, testEngine, type TestServer } from '../support/server';

const DAY = 24 * 3600_000;

describe(`sessions unused for ${SESSION_IDLE_MS / DAY} days end`, () => {
  let server: TestServer;
  let now = Date.now();
  beforeAll(async () => {
    server = await startServer({ clock: () => now });
  });
  afterAll(() => server.stop());

  const sessionsOf = async (userId: string) =>
    Number((await server.store.db.all<{ n: number }>('SELECT COUNT(*) AS n FROM sessions WHERE user_id = ?', [userId]))[0].n);

  it('a token in use keeps working past 30 days; one left unused for longer is refused and its session removed', async () => {
    const agent = await signIn(server, 'agent7@demo.test');
    expect(await sessionsOf(agent.userId)).toBe(1);
    // Used every 20 days: 60 days on, still fine.
    for (let k = 0; k < 3; k++) {
      now += 20 * DAY;
      expect((await agent.get('/api/v1/me')).status).toBe(200);
    }
    // Then left alone for 31 days.
    now += 31 * DAY;
    const refused = await agent.get('/api/v1/me');
    expect(refused.status).toBe(401);
    expect(refused.body).toMatchObject({ code: 'unauthorized' });
    expect(refused.body.message).toMatch(/expired/);
    expect(await sessionsOf(agent.userId)).toBe(0);
    // The stream refuses it too, and signing in again works.
    await expect(openStream(server, agent, 0)).rejects.toThrow();
    const again = await signIn(server, 'agent7@demo.test');
    expect((await again.get('/api/v1/me')).status).toBe(200);
  });

  it("signing in clears the user's sessions nobody has used for 30 days", async () => {
    const first = await signIn(server, 'agent8@demo.test');
    const second = await signIn(server, 'agent8@demo.test');
    expect(await sessionsOf(first.userId)).toBe(2);
    now += 31 * DAY;
    await signIn(server, 'agent8@demo.test');
    expect(await sessionsOf(first.userId)).toBe(1);
    expect((await second.get('/api/v1/me')).status).toBe(401);
  });

  it('the upgrade that brought expiry counts every session as seen then: none in use ends at once', async () => {
    const agent = await signIn(server, 'agent12@demo.test');
    const db = server.store.db;
    // A session from before the upgrade: last_seen_at was written only at sign-in, long ago.
    await db.run('UPDATE sessions SET last_seen_at = 0');
    await db.run('DROP INDEX closing_categories_on_offer');
    await db.run('ALTER TABLE closing_categories DROP COLUMN archived');
    const before = Date.now();
    // Migration 3 runs again, as on a database from before it.
    if (testEngine === 'postgres') await migratePostgres(db as PostgresDatabase, 3);
    else migrateSqlite(db as SqliteDatabase, 3);
    const [seen] = await db.all<{ last_seen_at: number }>('SELECT last_seen_at FROM sessions WHERE user_id = ?', [agent.userId]);
    expect(Number(seen.last_seen_at)).toBeGreaterThanOrEqual(before - 1000);
    now = Date.now();
    expect((await agent.get('/api/v1/me')).status).toBe(200);
  });

  it('a stream left connected counts as use of its session: a client that only listens is not signed out', async () => {
    let t = Date.now();
    const s = await startServer({ clock: () => t, heartbeatMs: 100 });
    try {
      const agent = await signIn(s, 'agent3@demo.test');
      const stream = await openStream(s, agent, (await agent.syncAll()).next);
      await stream.until(() => stream.frames.some((f) => f.type === 'heartbeat'), 3000, 'the stream to be live');
      const seen = async () =>
        Number((await s.store.db.all<{ last_seen_at: number }>('SELECT last_seen_at FROM sessions WHERE user_id = ?', [agent.userId]))[0].last_seen_at);
      // 40 days connected and nothing else: the heartbeats write the session's use down as they go.
      for (const days of [20, 20]) {
        t += days * DAY;
        const deadline = Date.now() + 3000;
        while ((await seen()) < t && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
        expect(await seen()).toBe(t);
      }
      stream.close();
      expect((await agent.get('/api/v1/me')).status).toBe(200);
    } finally {
      await s.stop();
    }
  });
});
