// The cache converges on exactly what the server says the user may see, through drops and restarts;
// the outbox delivers every write exactly once across server restarts.
import { isDeepStrictEqual } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { clientId, inbound, signIn, startServer, type TestServer } from '../support/server';
import { cacheState, serverTruth } from '../support/truth';
import { eventually, signedIn, startDesktop, type TestDesktop } from '../support/desktop';
import { prng } from '../../src-server/demo/seed';
import { commentIdFor, messageIdFor } from '../../src-shared/model';

async function restart(server: TestServer): Promise<TestServer> {
  const { dbFile, port, demo } = server;
  await server.close();
  return Object.assign(await startServer({ dbFile, port }), { demo });
}

describe('sync convergence', () => {
  let server: TestServer;
  const desktops: TestDesktop[] = [];
  afterAll(async () => {
    for (const d of desktops) await d.stop();
    await server.stop();
  });

  it('after 1,000 random changes by other users, with dropped sockets and two server restarts, each cache holds exactly what the server lets that user see', async () => {
    server = await startServer({ demo: { seed: 11, contacts: 60 } });
    const owner = await signIn(server, 'owner@demo.test');
    const users = (await owner.get('/api/v1/users')).body.items as { id: string; email: string; role: string; team_id: string }[];
    const agent5 = users.find((u) => u.email === 'agent5@demo.test')!;
    const agent6 = users.find((u) => u.email === 'agent6@demo.test')!;
    await owner.patch(`/api/v1/users/${agent5.id}`, { client_id: clientId(), restrictions: { contact_visibility: 'team' } });
    await owner.patch(`/api/v1/users/${agent6.id}`, { client_id: clientId(), restrictions: { contact_visibility: 'user' } });

    const watchers = ['manager@demo.test', 'agent5@demo.test', 'agent6@demo.test'];
    for (const email of watchers) {
      const d = await startDesktop();
      await signedIn(d, server.url, email);
      desktops.push(d);
    }

    const rnd = prng(2024);
    const pick = <T>(xs: T[]) => xs[Math.floor(rnd() * xs.length)];
    const actors = await Promise.all(
      ['owner@demo.test', 'manager2@demo.test', 'agent1@demo.test', 'agent2@demo.test', 'agent3@demo.test'].map((e) => signIn(server, e)),
    );
    const agents = users.filter((u) => u.role === 'agent');
    let contactIds = ((await owner.get('/api/v1/contacts?limit=200')).body.items as { id: string }[]).map((c) => c.id);

    for (let i = 0; i < 1000; i++) {
      if (i === 333 || i === 666) {
        server = await restart(server);
        for (const a of [owner, ...actors]) Object.assign(a, { baseUrl: server.url });
      }
      if (i % 97 === 0) for (const u of users) server.hub.closeUser(u.id, 1012, 'test drop');
      const actor = pick(actors);
      const contact = pick(contactIds);
      const roll = rnd();
      if (roll < 0.3) {
        const r = await inbound(server, rnd() < 0.1 ? `conv-${i}` : `ext-${1 + Math.floor(rnd() * 60)}`, `random message ${i}`);
        if (r.status === 200 && !contactIds.includes(r.body.contact_id)) contactIds.push(r.body.contact_id);
      } else if (roll < 0.5) {
        await actor.post(`/api/v1/contacts/${contact}/messages`, { client_id: clientId(), text: `reply ${i}` });
      } else if (roll < 0.62) {
        const who = pick(agents);
        await actor.post(`/api/v1/contacts/${contact}/comments`, { client_id: clientId(), text: `{{@user.${who.id}}} task ${i}` });
      } else if (roll < 0.82) {
        await owner.post(`/api/v1/contacts/${contact}/assignee`, { client_id: clientId(), assignee_id: rnd() < 0.15 ? null : pick(agents).id });
      } else if (roll < 0.9) {
        await actor.post(`/api/v1/contacts/${contact}/close`, { client_id: clientId(), closing_category_id: null, summary: null });
      } else if (roll < 0.96) {
        await actor.post(`/api/v1/contacts/${contact}/open`, { client_id: clientId() });
      } else {
        // A supervisor moves someone between teams: team-restricted views change.
        const moved = pick(agents);
        const teams = [...new Set(agents.map((a) => a.team_id))];
        await owner.patch(`/api/v1/users/${moved.id}`, { client_id: clientId(), team_id: pick(teams) });
      }
    }

    for (let w = 0; w < watchers.length; w++) {
      const d = desktops[w];
      const truthClient = await signIn(server, watchers[w]);
      let truth = await serverTruth(truthClient);
      await eventually(
        async () => {
          truth = await serverTruth(truthClient);
          return isDeepStrictEqual(cacheState(d), truth);
        },
        15_000,
        `${watchers[w]}'s cache to converge`,
      ).catch(() => undefined);
      const state = cacheState(d);
      expect(state.contacts).toEqual(truth.contacts);
      expect(state.messages).toEqual(truth.messages);
      expect(state.comments).toEqual(truth.comments);
      expect(state.notifications).toEqual(truth.notifications);
    }
  }, 180_000);
});

describe('outbox exactly-once', () => {
  let server: TestServer;
  let desktop: TestDesktop;
  afterAll(async () => {
    await desktop?.stop();
    await server?.stop();
  });

  it('500 writes across five server restarts and dropped sockets: each lands on the server once, none left pending', async () => {
    server = await startServer({ demo: { seed: 12, contacts: 30 } });
    desktop = await startDesktop();
    await signedIn(desktop, server.url, 'manager@demo.test');
    const contacts = (await desktop.query('conversations', { inbox: 'all', limit: 30 })).items.map((c) => c.id);
    const written: { contact: string; client_id: string; kind: 'message' | 'comment' }[] = [];
    for (let i = 0; i < 500; i++) {
      if (i > 0 && i % 100 === 0) {
        // Restart the server while writes are queued and in flight.
        await new Promise((r) => setTimeout(r, 20));
        server = await restart(server);
      }
      if (i % 37 === 0) server.hub.closeUser(desktop.service.session().user!.id, 1012, 'test drop');
      const contact = contacts[i % contacts.length];
      const kind = i % 3 === 0 ? 'comment' : 'message';
      const { client_id } =
        kind === 'message'
          ? await desktop.command('sendMessage', { contact_id: contact, text: `write ${i}` })
          : await desktop.command('addComment', { contact_id: contact, text: `note ${i}` });
      written.push({ contact, client_id, kind });
    }
    await eventually(async () => (await desktop.query('outbox')).length === 0, 60_000, 'the outbox to drain');
    const manager = await signIn(server, 'owner@demo.test');
    const me = desktop.service.session().user!.id;
    for (const c of contacts) {
      const messages = (await manager.get(`/api/v1/contacts/${c}/messages?limit=500`)).body.items as { id: string; text: string }[];
      const comments = (await manager.get(`/api/v1/contacts/${c}/comments?limit=500`)).body.items as { id: string; text: string }[];
      for (const w of written.filter((x) => x.contact === c)) {
        const list = w.kind === 'message' ? messages : comments;
        const id = await (w.kind === 'message' ? messageIdFor : commentIdFor)(me, w.client_id);
        expect(list.filter((m) => m.id === id)).toHaveLength(1);
      }
      const texts = [...messages, ...comments].map((m) => m.text).filter((t) => /^(write|note) \d+$/.test(t));
      expect(new Set(texts).size).toBe(texts.length);
    }
    const total = written.length;
    expect(total).toBe(500);
    await eventually(
      async () => {
        const pending = desktop.service.cache!.get<{ n: number }>("SELECT COUNT(*) AS n FROM messages WHERE status = 'pending'")!.n;
        const pendingComments = desktop.service.cache!.get<{ n: number }>('SELECT COUNT(*) AS n FROM comments WHERE pending = 1')!.n;
        return pending === 0 && pendingComments === 0;
      },
      10_000,
      'no pending rows in the cache',
    );
  }, 180_000);
});
