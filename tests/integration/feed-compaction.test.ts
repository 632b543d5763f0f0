// The feed keeps what clients still need: superseded records and those past retention go, a client
// reading through compaction misses nothing, and one left behind the retention window bootstraps again
// from a snapshot with its unsent writes delivered once. Runs on SQLite and (in the PostgreSQL pass) on PostgreSQL.
import { isDeepStrictEqual } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { clientId, inbound, signIn, startServer, testEngine, type ApiClient } from '../support/server';
import { eventually, signedIn, startDesktop, type TestDesktop } from '../support/desktop';
import { cacheState, serverTruth } from '../support/truth';
import { prng } from '../../src-server/demo/seed';
import { messageIdFor } from '../../src-shared/model';

const DAY = 86_400_000;

async function converged(d: TestDesktop, truthClient: ApiClient, who: string): Promise<void> {
  let truth = await serverTruth(truthClient);
  await eventually(
    async () => {
      truth = await serverTruth(truthClient);
      return isDeepStrictEqual(cacheState(d), truth);
    },
    20_000,
    `${who}'s cache to converge`,
  ).catch(() => undefined);
  expect(cacheState(d)).toEqual(truth);
}

describe('a compacted feed', () => {
  const stops: (() => Promise<void>)[] = [];
  afterAll(async () => {
    for (const stop of stops.reverse()) await stop().catch(() => {});
  });

  it('compaction running beside random writes, dropped streams and small pages never loses a change a connected desktop needs', async () => {
    const server = await startServer({ demo: { seed: 41, contacts: 40 } });
    stops.push(() => server.stop());
    // On PostgreSQL a second instance compacts the same feed at the same time (one batch at a time between them).
    const other = testEngine === 'postgres' ? await startServer({ databaseUrl: server.databaseUrl }) : null;
    if (other) stops.push(() => other.close());
    const owner = await signIn(server, 'owner@demo.test');
    const users = (await owner.get('/api/v1/users')).body.items as { id: string; email: string; role: string; team_id: string }[];
    const agents = users.filter((u) => u.role === 'agent');
    const teamAgent = users.find((u) => u.email === 'agent2@demo.test')!;
    const ownAgent = users.find((u) => u.email === 'agent3@demo.test')!;
    await owner.patch(`/api/v1/users/${teamAgent.id}`, { client_id: clientId(), restrictions: { contact_visibility: 'team' } });
    await owner.patch(`/api/v1/users/${ownAgent.id}`, { client_id: clientId(), restrictions: { contact_visibility: 'user' } });
    const watchers = ['manager@demo.test', 'agent2@demo.test', 'agent3@demo.test'];
    const desktops: TestDesktop[] = [];
    for (const email of watchers) {
      // Pages of 25 records: every catch-up after a drop reads many pages while compaction runs.
      const d = await startDesktop({ sync: { backoffBaseMs: 20, backoffMaxMs: 200, pageSize: 25 } });
      stops.push(() => d.stop());
      await signedIn(d, server.url, email, 30_000);
      desktops.push(d);
    }
    const contactIds = ((await owner.get('/api/v1/contacts?limit=200')).body.items as { id: string }[]).map((c) => c.id);

    const rnd = prng(4242);
    const pick = <T>(xs: T[]) => xs[Math.floor(rnd() * xs.length)];
    let writing = true;
    let superseded = 0;
    const compacting = Promise.all(
      [server, other].map(async (instance) => {
        while (instance && writing) {
          superseded += (await instance.compactor.run()).superseded;
          await new Promise((r) => setTimeout(r, rnd() * 30));
        }
      }),
    );
    for (let i = 0; i < 250; i++) {
      if (i % 25 === 0) for (const u of users) server.hub.closeUser(u.id, 1012, 'test drop');
      const contact = pick(contactIds);
      const roll = rnd();
      if (roll < 0.25) await owner.patch(`/api/v1/contacts/${contact}`, { client_id: clientId(), name: `Name ${i}` });
      else if (roll < 0.45) await inbound(server, `ext-${1 + Math.floor(rnd() * 40)}`, `message ${i}`);
      else if (roll < 0.55) await owner.post(`/api/v1/contacts/${contact}/messages`, { client_id: clientId(), text: `reply ${i}` });
      else if (roll < 0.62) await owner.post(`/api/v1/contacts/${contact}/comments`, { client_id: clientId(), text: `{{@user.${pick(agents).id}}} task ${i}` });
      else if (roll < 0.85)
        await owner.post(`/api/v1/contacts/${contact}/assignee`, { client_id: clientId(), assignee_id: rnd() < 0.15 ? null : pick(agents).id });
      else if (roll < 0.92) await owner.post(`/api/v1/contacts/${contact}/close`, { client_id: clientId(), closing_category_id: null, summary: null });
      else if (roll < 0.97) await owner.post(`/api/v1/contacts/${contact}/open`, { client_id: clientId() });
      else {
        const teams = [...new Set(agents.map((a) => a.team_id))];
        await owner.patch(`/api/v1/users/${pick(agents).id}`, { client_id: clientId(), team_id: pick(teams) });
      }
    }
    writing = false;
    await compacting;
    superseded += (await server.compactor.run()).superseded;
    expect(superseded).toBeGreaterThan(50);
    for (let w = 0; w < watchers.length; w++) await converged(desktops[w], await signIn(server, watchers[w]), watchers[w]);
  }, 240_000);

  it('a desktop left behind the retention window bootstraps again, keeps its draft, and its offline writes land once', async () => {
    let now = Date.now();
    const clock = () => now;
    const first = await startServer({ demo: { seed: 42, contacts: 20 }, clock, feedRetentionDays: 1 });
    stops.push(() => first.stop());
    const { dbFile, databaseUrl, port } = first;
    const again = (p: number) => startServer({ ...(databaseUrl ? { databaseUrl } : { dbFile }), port: p, clock, feedRetentionDays: 1 });

    const d = await startDesktop({ sync: { backoffBaseMs: 20, backoffMaxMs: 200, pageSize: 50 } });
    stops.push(() => d.stop());
    await signedIn(d, first.url, 'manager@demo.test');
    const contacts = (await d.query('conversations', { inbox: 'all', limit: 5 })).items.map((c) => c.id);
    await d.command('saveDraft', { contact_id: contacts[1], text: 'half a thought', mode: 'message', mentions: [] });
    await first.close();
    await eventually(() => d.service.session().connection === 'offline', 10_000, 'the desktop to see the server gone');

    // Offline: the user writes; meanwhile, on the server (elsewhere, on another port), someone renames a contact.
    const written: string[] = [];
    for (let i = 0; i < 3; i++) written.push((await d.command('sendMessage', { contact_id: contacts[0], text: `offline ${i}` })).client_id);
    const elsewhere = await again(0);
    const owner = await signIn(elsewhere, 'owner@demo.test');
    await owner.patch(`/api/v1/contacts/${contacts[2]}`, { client_id: clientId(), name: 'Renamed while you were away' });
    await elsewhere.close();

    // Two days later the server is back where the desktop looks for it; compaction prunes the day-old records.
    now += 2 * DAY;
    const back = await again(port);
    stops.push(() => back.close());
    const report = await back.compactor.run();
    expect(report.pruned).toBeGreaterThan(0);
    d.service.sync?.nudge();
    await eventually(() => d.service.session().connection === 'online', 30_000, 'the desktop back online');

    const manager = await signIn(back, 'manager@demo.test');
    await eventually(async () => (await d.query('outbox')).length === 0, 30_000, 'the outbox to drain');
    await converged(d, manager, 'manager@demo.test');
    const me = d.service.session().user!.id;
    const messages = (await manager.get(`/api/v1/contacts/${contacts[0]}/messages?limit=500`)).body.items as { id: string }[];
    for (const c of written) {
      const id = await messageIdFor(me, c);
      expect(messages.filter((m) => m.id === id)).toHaveLength(1);
    }
    const renamed = (await d.query('conversations', { inbox: 'all', limit: 50 })).items.find((c) => c.id === contacts[2]);
    expect(renamed?.name).toBe('Renamed while you were away');
    expect(await d.query('drafts')).toEqual([{ contact_id: contacts[1], text: 'half a thought', mode: 'message', mentions: [] }]);
  }, 120_000);
});
