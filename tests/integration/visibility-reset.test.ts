// More than 5,000 contacts gained or lost at once: instead of a record per contact, one record for
// the user. Lost: a 'narrow' record naming whose contacts stay, and the desktop drops the rest of its
// cache at once, answering all along and never showing a half-rebuilt list. Gained: the user's feed
// is reset; a client behind the reset is told `must_refetch` (by /sync and on the stream), and the
// desktop rebuilds its cache with exactly what the user may see now.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clientId, openStream, signIn, startServer, type ApiClient, type TestServer } from '../support/server';
import { eventually, signedIn, startDesktop, type TestDesktop } from '../support/desktop';
import { MAX_INDIVIDUAL_VISIBILITY_CHANGES } from '../../src-server/workspace/visibility-changes';
import type { ChangeRecord } from '../../src-shared/sync/changes';
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

  it('losing them: one narrow record, and the desktop drops every lost contact at once while it keeps answering', async () => {
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
    // What the agent's app shows meanwhile: the connection it reports, the lists sampled as the views
    // ask, and the list the views read when the core tells them it changed.
    const connections: string[] = [];
    const listAt = (inbox: string) => d.service.handle({ kind: 'query', name: 'conversations', input: { inbox, limit: 500 } });
    // Whether the cache file was still being rewritten (in a worker) when an answer was given.
    const rewriting = () => d.service.cache?.busy === true;
    const onChange: Promise<{ ok: boolean; value?: unknown; rewriting: boolean }>[] = [];
    d.service.on('event', (name, payload) => {
      if (name === 'session') connections.push((payload as { connection: string }).connection);
      if (name === 'changed' && (payload as { entities: string[] }).entities.includes('contact'))
        onChange.push(listAt('mine').then((r) => ({ ...r, rewriting: rewriting() })));
    });
    const samples: { me: boolean; ids: string[]; rewriting: boolean }[] = [];
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        const me = await d.service.handle({ kind: 'query', name: 'me', input: {} });
        const list = await listAt('all');
        samples.push({
          me: me.ok && me.value !== null,
          ids: list.ok ? (list.value as { items: { id: string }[] }).items.map((c) => c.id) : ['<error>'],
          rewriting: rewriting(),
        });
        await new Promise((r) => setTimeout(r, 10));
      }
    })();
    await restrict('user');

    // The feed says it in one record for this user (no must_refetch, no record per contact).
    const page = await agent.get(`/api/v1/sync?after=${next}&limit=100`);
    expect(page.status).toBe(200);
    const narrow = (page.body.changes as ChangeRecord[]).filter((r) => r.op === 'narrow');
    expect(narrow).toEqual([expect.objectContaining({ entity: 'user', id: agentId, contact_id: null, data: { assignee_ids: [agentId] } })]);
    expect((page.body.changes as ChangeRecord[]).filter((r) => r.op === 'remove')).toEqual([]);
    await stream.until(
      () => stream.frames.some((f) => f.type === 'changes' && f.changes.some((r: ChangeRecord) => r.op === 'narrow')),
      5000,
      'the narrow record on the stream',
    );
    expect(stream.frames.filter((f) => f.type === 'must_refetch')).toEqual([]);
    stream.close();
    // A bootstrap begun after it is not told: it holds only what the agent sees now.
    expect((await agent.syncAll(0, 5000)).changes.filter((r) => r.op === 'narrow')).toEqual([]);

    const own = await visibleContacts(agent);
    expect(own.length).toBeLessThan(all.length / 10);
    await eventually(() => JSON.stringify(cachedContacts(d)) === JSON.stringify(own), 60_000, "the desktop's cache left with only the agent's own contacts");
    sampling = false;
    await sampler;
    // The core kept answering (never "Sign in first."), never claimed to be offline, and every list
    // it answered was either the agent's whole list from before or only their own: no half-rebuilt one.
    expect(samples.every((x) => x.me)).toBe(true);
    expect(connections.filter((c) => c !== 'online')).toEqual([]);
    const ownSet = new Set(own);
    const whole = (ids: string[]) => ids.length === Math.min(500, own.length) && ids.every((id) => ownSet.has(id));
    const odd = samples.filter((x) => x.ids.length !== Math.min(500, all.length) && !whole(x.ids));
    expect(odd.map((x) => x.ids.length)).toEqual([]);
    expect(samples.some((x) => whole(x.ids))).toBe(true);
    // When the core said the contacts changed, the list the views read was already the restricted one.
    const told = await Promise.all(onChange);
    expect(told.length).toBeGreaterThan(0);
    const shown = (told[0].value as { items: { id: string; assignee_id: string | null }[] }).items;
    expect(shown.length).toBeGreaterThan(0);
    expect(shown.every((c) => c.assignee_id === agentId && ownSet.has(c.id))).toBe(true);
    expect(shown.length).toBe(Math.min(500, own.length));
    const total = await listAt('all');
    expect(total.ok && (total.value as { total: number }).total).toBe(own.length);
    // The heavy copy ran beside the core, not in it: the core answered while the file was being
    // rewritten, and what it answered then was already only the agent's own contacts.
    expect(told[0].rewriting).toBe(true);
    const duringRewrite = samples.filter((x) => x.rewriting);
    expect(duringRewrite.length).toBeGreaterThan(0);
    expect(duringRewrite.every((x) => x.me && whole(x.ids))).toBe(true);
    // And once the rewritten file has taken over, it holds only them.
    await d.service.cache!.idle();
    expect(cachedContacts(d)).toEqual(own);
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
