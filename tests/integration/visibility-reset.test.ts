// More than 5,000 contacts gained or lost at once: instead of a record per contact, the user's feed
// is reset. A client behind the reset is told `must_refetch` (by /sync and on the stream), and the
// desktop rebuilds its cache with exactly what the user may see now.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clientId, openStream, signIn, startServer, type ApiClient, type TestServer } from '../support/server';
import { eventually, signedIn, startDesktop, type TestDesktop } from '../support/desktop';
import { MAX_INDIVIDUAL_VISIBILITY_CHANGES } from '../../src-server/workspace/visibility-changes';
import { InboundBatcher } from '../../src-server/workspace/ingest';

// New contacts writing in, unassigned: an agent restricted to "User only" loses every one of them,
// more than the limit.
const NEW_CONTACTS = MAX_INDIVIDUAL_VISIBILITY_CHANGES + 500;

/** The ids of every contact the REST API shows this user. */
async function visibleContacts(c: ApiClient): Promise<string[]> {
  const ids: string[] = [];
  let cursor: string | null = null;
  do {
    const r: { status: number; body: { items: { id: string }[]; next_cursor: string | null } } = await c.get(
      `/api/v1/contacts?limit=200${cursor ? `&cursor=${cursor}` : ''}`,
    );
    expect(r.status).toBe(200);
    ids.push(...r.body.items.map((x) => x.id));
    cursor = r.body.next_cursor;
  } while (cursor);
  return ids.sort();
}

const cachedContacts = (d: TestDesktop) => d.service.cache!.all<{ id: string }>('SELECT id FROM contacts ORDER BY id').map((r) => r.id);

describe('visibility reset (more than 5,000 contacts at once)', () => {
  let server: TestServer;
  let owner: ApiClient;
  let agentId: string;
  const desktops: TestDesktop[] = [];

  beforeAll(async () => {
    server = await startServer();
    // Written as the channel ingest writes them, in batches (the demo seeder writes row by row, which
    // takes minutes for thousands of contacts on PostgreSQL on a busy machine).
    const ingest = new InboundBatcher(server.store);
    const written = await Promise.all(
      Array.from({ length: NEW_CONTACTS }, (_, i) =>
        ingest.submit(server.demo!.channel.id, {
          sender: { id: `reset-${i}`, name: `Reset Contact ${i}` },
          message: { id: `reset-m-${i}`, text: 'Hello, is anyone there?' },
        }),
      ),
    );
    expect(new Set(written.map((r) => r.contact_id)).size).toBe(NEW_CONTACTS);
    owner = await signIn(server, 'owner@demo.test');
    const users = (await owner.get('/api/v1/users')).body.items as { id: string; email: string }[];
    agentId = users.find((u) => u.email === 'agent6@demo.test')!.id;
  }, 120_000);
  afterAll(async () => {
    for (const d of desktops) await d.stop();
    await server?.stop();
  });

  const restrict = async (contact_visibility: 'off' | 'user') => {
    const r = await owner.patch(`/api/v1/users/${agentId}`, { client_id: clientId(), restrictions: { contact_visibility } });
    expect(r.status).toBe(200);
  };

  it('losing them: /sync and the stream answer must_refetch, and the desktop is left with only its own contacts', async () => {
    const agent = await signIn(server, 'agent6@demo.test');
    const d = await startDesktop();
    desktops.push(d);
    // A first sync of 6,000 contacts, with the server in this same process: generous on a busy machine.
    await signedIn(d, server.url, 'agent6@demo.test', 60_000);
    const all = await visibleContacts(agent);
    expect(all.length).toBeGreaterThan(MAX_INDIVIDUAL_VISIBILITY_CHANGES);
    expect(cachedContacts(d)).toEqual(all);

    const { next } = await agent.syncAll(0, 5000);
    const stream = await openStream(server, agent, next);
    // What the agent's app shows while it rebuilds: the connection it reports, and lists sampled as the views ask.
    const connections: string[] = [];
    d.service.on('event', (name, payload) => {
      if (name === 'session') connections.push((payload as { connection: string }).connection);
    });
    const samples: { me: boolean; ids: string[] }[] = [];
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        const me = await d.service.handle({ kind: 'query', name: 'me', input: {} });
        const list = await d.service.handle({ kind: 'query', name: 'conversations', input: { inbox: 'all', limit: 500 } });
        samples.push({ me: me.ok && me.value !== null, ids: list.ok ? (list.value as { items: { id: string }[] }).items.map((c) => c.id) : ['<error>'] });
        await new Promise((r) => setTimeout(r, 10));
      }
    })();
    await restrict('user');

    const page = await agent.get(`/api/v1/sync?after=${next}&limit=100`);
    expect(page.status).toBe(200);
    expect(page.body).toEqual({ must_refetch: true, reason: 'visibility_reset' });
    await stream.until(() => stream.frames.some((f) => f.type === 'must_refetch'), 5000, 'must_refetch on the stream');
    stream.close();

    const own = await visibleContacts(agent);
    expect(own.length).toBeLessThan(all.length / 10);
    await eventually(
      () => {
        const cached = cachedContacts(d);
        return cached.length === own.length && cached.every((id, i) => id === own[i]);
      },
      60_000,
      "the desktop's cache rebuilt with only the agent's own contacts",
    );
    sampling = false;
    await sampler;
    // The core kept answering (never "Sign in first."), never claimed to be offline, and once the
    // rebuild began no list showed a contact the agent lost.
    expect(samples.every((x) => x.me)).toBe(true);
    expect(connections.filter((c) => c !== 'online')).toEqual([]);
    const ownSet = new Set(own);
    const first = samples.findIndex((x) => x.ids.length < Math.min(500, all.length));
    expect(first).toBeGreaterThanOrEqual(0);
    expect(samples.slice(first).flatMap((x) => x.ids.filter((id) => !ownSet.has(id)))).toEqual([]);
    // A fresh sync from the start is served normally again.
    expect((await agent.syncAll(0, 5000)).changes.length).toBeGreaterThan(0);
  }, 120_000);

  it('gaining them back: the desktop rebuilds and holds every contact again', async () => {
    const d = desktops[0];
    await restrict('off');
    const agent = await signIn(server, 'agent6@demo.test');
    const all = await visibleContacts(agent);
    expect(all.length).toBeGreaterThan(MAX_INDIVIDUAL_VISIBILITY_CHANGES);
    await eventually(
      () => {
        const cached = cachedContacts(d);
        return cached.length === all.length && cached.every((id, i) => id === all[i]);
      },
      90_000,
      "the desktop's cache rebuilt with every contact",
    );
  }, 120_000);
});
