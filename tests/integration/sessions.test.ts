// Sessions end when they are not used: a token unused for 30 days is refused (and its session
// removed, as a sign-out would), while one in use keeps working however old it is. The server's
// clock is the test's, moved forward by hand. Runs on SQLite and (in the PostgreSQL pass) on PostgreSQL.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SESSION_IDLE_MS } from '../../src-server/workspace/users';
import { openStream, signIn, startServer, type TestServer } from '../support/server';

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
});
