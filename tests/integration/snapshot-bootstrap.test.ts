// A first sign-in downloads what the user may see now, from the server's tables, and then follows the
// feed from where that snapshot began: writes made meanwhile are neither lost nor applied out of order.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { clientId, inbound, signIn, startServer, type ApiClient, type TestServer } from '../support/server';
import { eventually, startDesktop, type TestDesktop } from '../support/desktop';
import { cacheState, serverTruth } from '../support/truth';
import { prng } from '../../src-server/demo/seed';
import { Cache } from '../../src-main/core/cache/cache';
import { SyncPage, type ChangeRecord } from '../../src-shared/sync/changes';

type Page = Extract<SyncPage, { must_refetch: false }>;

async function page(c: ApiClient, query: string): Promise<Page> {
  const r = await c.get(`/api/v1/sync?${query}`);
  expect(r.status).toBe(200);
  const p = SyncPage.parse(r.body);
  if (p.must_refetch) throw new Error(`must_refetch: ${p.reason}`);
  return p;
}

/** A snapshot's pages from 'begin' to the last: their records, and how many each page held. */
async function wholeSnapshot(c: ApiClient, limit: number): Promise<{ records: ChangeRecord[]; sizes: number[] }> {
  const records: ChangeRecord[] = [];
  const sizes: number[] = [];
  for (let token: string | null = 'begin'; token !== null;) {
    const p = await page(c, `after=0&snapshot=${token}&limit=${limit}`);
    records.push(...p.changes);
    sizes.push(p.changes.length);
    token = p.snapshot?.next ?? null;
  }
  return { records, sizes };
}

describe('bootstrap from a snapshot', () => {
  const stops: (() => Promise<void>)[] = [];
  afterAll(async () => {
    for (const stop of stops.reverse()) await stop();
  });
  /** A demo workspace of 20 contacts, and an empty cache that pages are written into by hand. */
  const serverAndEmptyCache = async (seed: number) => {
    const server = await startServer({ demo: { seed, contacts: 20 } });
    stops.push(() => server.stop());
    const dir = mkdtempSync(join(tmpdir(), 'ism-snapshot-'));
    const cache = Cache.open(join(dir, 'cache.sqlite'));
    stops.push(async () => {
      cache.close();
      rmSync(dir, { recursive: true, force: true });
    });
    return { server, cache };
  };

  it('desktops signing in during a burst of writes end with exactly what each user may see', async () => {
    const server: TestServer = await startServer({ demo: { seed: 31, contacts: 60 } });
    stops.push(() => server.stop());
    const owner = await signIn(server, 'owner@demo.test');
    const users = (await owner.get('/api/v1/users')).body.items as { id: string; email: string; role: string; team_id: string }[];
    const agents = users.filter((u) => u.role === 'agent');
    const restricted = users.find((u) => u.email === 'agent4@demo.test')!;
    await owner.patch(`/api/v1/users/${restricted.id}`, { client_id: clientId(), restrictions: { contact_visibility: 'team' } });
    const contactIds = ((await owner.get('/api/v1/contacts?limit=200')).body.items as { id: string }[]).map((c) => c.id);

    // Pages of 60 records: each snapshot spans dozens of pages while the writes go on.
    const watchers = ['manager@demo.test', 'agent4@demo.test'];
    const desktops: TestDesktop[] = [];
    for (const _ of watchers) {
      const d = await startDesktop({ sync: { backoffBaseMs: 50, backoffMaxMs: 500, pageSize: 60 } });
      stops.push(() => d.stop());
      desktops.push(d);
    }
    const rnd = prng(77);
    const pick = <T>(xs: T[]) => xs[Math.floor(rnd() * xs.length)];
    let writing = true;
    let written = 0;
    const burst = (async () => {
      while (writing || written < 150) {
        const contact = pick(contactIds);
        const roll = rnd();
        if (roll < 0.3) await inbound(server, `ext-${1 + Math.floor(rnd() * 60)}`, `burst ${written}`);
        else if (roll < 0.5) await owner.post(`/api/v1/contacts/${contact}/messages`, { client_id: clientId(), text: `reply ${written}` });
        else if (roll < 0.65)
          await owner.post(`/api/v1/contacts/${contact}/comments`, { client_id: clientId(), text: `{{@user.${restricted.id}}} look ${written}` });
        else if (roll < 0.9)
          await owner.post(`/api/v1/contacts/${contact}/assignee`, { client_id: clientId(), assignee_id: rnd() < 0.15 ? null : pick(agents).id });
        else await owner.post(`/api/v1/contacts/${contact}/close`, { client_id: clientId(), closing_category_id: null, summary: null });
        written++;
      }
    })();
    await Promise.all(desktops.map((d, i) => d.command('signIn', { server_url: server.url, email: watchers[i], password: 'demo-password' })));
    await Promise.all(desktops.map((d) => eventually(() => d.service.session().state === 'ready', 60_000, 'the bootstrap to finish')));
    writing = false;
    await burst;

    for (let w = 0; w < watchers.length; w++) {
      const truthClient = await signIn(server, watchers[w]);
      let truth = await serverTruth(truthClient);
      await eventually(
        async () => {
          truth = await serverTruth(truthClient);
          return isDeepStrictEqual(cacheState(desktops[w]), truth);
        },
        20_000,
        `${watchers[w]}'s cache to converge`,
      ).catch(() => undefined);
      expect(cacheState(desktops[w])).toEqual(truth);
    }
  }, 180_000);

  it('a contact changed twice after the snapshot began never goes back to its older state while the feed catches up', async () => {
    const { server, cache } = await serverAndEmptyCache(32);
    const manager = await signIn(server, 'manager@demo.test');
    const users = (await manager.get('/api/v1/users')).body.items as { id: string; role: string }[];
    const [first, second] = users.filter((u) => u.role === 'agent');

    let p = await page(manager, 'after=0&snapshot=begin&limit=5000');
    cache.applySnapshotPage(p.changes, p.snapshot!, p.next);
    const epoch = p.epoch;
    // The first contact page is read after these two reassignments.
    const contact = ((await manager.get('/api/v1/contacts?limit=1')).body.items as { id: string }[])[0].id;
    await manager.post(`/api/v1/contacts/${contact}/assignee`, { client_id: clientId(), assignee_id: first.id });
    await manager.post(`/api/v1/contacts/${contact}/assignee`, { client_id: clientId(), assignee_id: second.id });
    // Asked with another page size than the first page's, so it is read now, not read ahead before the reassignments.
    while (p.snapshot?.next) {
      p = await page(manager, `after=0&snapshot=${p.snapshot.next}&limit=4999`);
      cache.applySnapshotPage(p.changes, p.snapshot!, p.next);
    }
    const assignee = () => cache.entities.get('contact', contact)?.assignee_id;
    expect(assignee()).toBe(second.id);

    // The feed from the epoch holds both reassignments; the first is applied on its own.
    const catchUp = await page(manager, `after=${epoch}&epoch=${epoch}&limit=5000`);
    const firstChange = catchUp.changes.find((r: ChangeRecord) => r.entity === 'contact' && r.id === contact)!;
    cache.applyChanges(
      catchUp.changes.filter((r) => r.seq <= firstChange.seq),
      firstChange.seq,
    );
    expect(assignee()).toBe(second.id);
    cache.applyChanges(
      catchUp.changes.filter((r) => r.seq > firstChange.seq),
      catchUp.next,
    );
    expect(assignee()).toBe(second.id);
    expect(cache.cursor).toBe(catchUp.next);
  }, 60_000);

  it('the next page is read while the client writes the one before: a message and a restriction made meanwhile still reach the cache right', async () => {
    const { server, cache } = await serverAndEmptyCache(34);
    const owner = await signIn(server, 'owner@demo.test');
    const agent = await signIn(server, 'agent1@demo.test');
    const me = { id: agent.userId };
    const mine = ((await agent.get('/api/v1/contacts?limit=200')).body.items as { id: string; assignee_id: string | null }[]).find(
      (c) => c.assignee_id === me.id,
    )!;

    let p = await page(agent, 'after=0&snapshot=begin&limit=60');
    cache.applySnapshotPage(p.changes, p.snapshot!, p.next);
    const epoch = p.epoch;
    // While the agent's desktop writes the first page: a message on their contact, and their view narrowed to their own contacts.
    const sent = await owner.post(`/api/v1/contacts/${mine.id}/messages`, { client_id: clientId(), text: 'written between two pages' });
    await owner.patch(`/api/v1/users/${me.id}`, { client_id: clientId(), restrictions: { contact_visibility: 'user' } });
    const versions: number[] = [];
    while (p.snapshot?.next) {
      p = await page(agent, `after=0&snapshot=${p.snapshot.next}&limit=60`);
      versions.push(p.snapshot!.version);
      cache.applySnapshotPage(p.changes, p.snapshot!, p.next);
    }
    const catchUp = await page(agent, `after=${epoch}&epoch=${epoch}&limit=5000`);
    cache.applyChanges(catchUp.changes, catchUp.next);

    // The next page had been read before the message was written: it comes with the feed after the page.
    const message = catchUp.changes.find((r) => r.entity === 'message' && r.id === sent.body.id)!;
    expect(versions[0]).toBeLessThan(message.seq);
    expect(cache.entities.get('message', sent.body.id)?.text).toBe('written between two pages');
    // And the agent's cache holds exactly what they may see now.
    const visible = ((await agent.get('/api/v1/contacts?limit=200')).body.items as { id: string }[]).map((c) => c.id).sort();
    expect(visible).toContain(mine.id);
    expect(cache.all<{ id: string }>('SELECT id FROM contacts ORDER BY id').map((r) => r.id)).toEqual(visible);
  }, 60_000);

  it('a snapshot brings each conversation, message, comment and event exactly as the feed does: same fields, same types, same text', async () => {
    const server = await startServer({ demo: { seed: 35, contacts: 80 } });
    stops.push(() => server.stop());
    const manager = await signIn(server, 'manager@demo.test');
    const contact = ((await manager.get('/api/v1/contacts?limit=1')).body.items as { id: string }[])[0].id;
    // Texts the database must write out as JSON just as JavaScript does: quotes, backslashes, line breaks, control characters, emoji, other scripts.
    const texts = ['say "hi" \\ back\nand again\t\u0001', 'Grüße, 你好 👋🏽', '</script>\u2028\u2029'];
    for (const text of texts) {
      expect((await manager.post(`/api/v1/contacts/${contact}/messages`, { client_id: clientId(), text })).status).toBe(201);
      expect((await manager.post(`/api/v1/contacts/${contact}/comments`, { client_id: clientId(), text: `note: ${text}` })).status).toBe(201);
    }
    const { records: snapshot, sizes } = await wholeSnapshot(manager, 40);
    // Pages of about the size asked (a contact and all of theirs make one page's least), not all of it at once.
    const contactPages = sizes.slice(2);
    expect(contactPages.length).toBeGreaterThan(3);
    expect(contactPages.reduce((a, b) => a + b, 0) / contactPages.length).toBeLessThanOrEqual(60);
    // The feed from its start (nothing pruned yet): each entity's last upsert.
    const fed = new Map<string, unknown>();
    for (let after = 0, more = true; more;) {
      const f = await page(manager, `after=${after}&limit=5000`);
      for (const r of f.changes) if (r.op === 'upsert') fed.set(`${r.entity} ${r.id}`, r.data);
      after = f.next;
      more = f.has_more;
    }
    const owned = snapshot.filter((r) => ['conversation', 'message', 'comment', 'event'].includes(r.entity));
    for (const entity of ['conversation', 'message', 'comment', 'event']) expect(owned.some((r) => r.entity === entity)).toBe(true);
    const written = owned.filter((r) => r.entity === 'message' && texts.includes((r.data as { text: string }).text));
    expect(written.length).toBe(texts.length);
    const differing = owned.filter((r) => !isDeepStrictEqual(r.data, fed.get(`${r.entity} ${r.id}`)));
    expect(differing.map((r) => ({ snapshot: r.data, feed: fed.get(`${r.entity} ${r.id}`) }))).toEqual([]);
    // The same key order as the feed's, so even the texts are alike.
    for (const r of owned) expect(Object.keys(r.data as object)).toEqual(Object.keys(fed.get(`${r.entity} ${r.id}`) as object));
  }, 60_000);

  it('a first sign-in after heavy churn downloads what the user may see now, not the history', async () => {
    const server = await startServer({ demo: { seed: 33, contacts: 30 } });
    stops.push(() => server.stop());
    const manager = await signIn(server, 'manager@demo.test');
    const contacts = ((await manager.get('/api/v1/contacts?limit=3')).body.items as { id: string }[]).map((c) => c.id);
    const bootstrap = async () => (await wholeSnapshot(manager, 5000)).records;
    const before = await bootstrap();
    // 200 edits of three contacts' names: 200 records in the feed, no new row.
    for (let i = 0; i < 200; i++) await manager.patch(`/api/v1/contacts/${contacts[i % 3]}`, { client_id: clientId(), name: `Renamed ${i}` });
    const after = await bootstrap();
    expect(after.length).toBe(before.length);
    const names = after.filter((r) => r.entity === 'contact' && contacts.includes(r.id)).map((r) => (r.data as { name: string }).name);
    expect(names.sort()).toEqual(['Renamed 197', 'Renamed 198', 'Renamed 199']);
  }, 60_000);
});
