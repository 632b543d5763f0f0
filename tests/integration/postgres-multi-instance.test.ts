// Two server instances on one PostgreSQL database (runs in the PostgreSQL pass of npm test only):
// writes through both, stream clients on both, each ends with exactly what it may see.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient, clientId, inbound, openStream, signIn, startServer, testEngine, type StreamClient, type TestServer } from '../support/server';
import type { ChangeRecord } from '../../src-shared/sync/changes';

const key = (c: ChangeRecord) => `${c.seq}:${c.entity}:${c.id}`;

if (testEngine !== 'postgres')
  console.log('[postgres-multi-instance] SKIPPED in the SQLite pass: it runs in the PostgreSQL pass of npm test (npm run test:postgres)');
// The SQLite pass reports this as skipped, saying why; `npm run test:postgres` (part of `npm test`) runs it.
describe.skipIf(testEngine !== 'postgres')(
  testEngine === 'postgres'
    ? 'several instances on one PostgreSQL database'
    : 'several instances on one PostgreSQL database (skipped in the SQLite pass: it runs in the PostgreSQL pass of npm test)',
  () => {
    let a: TestServer;
    let b: TestServer;
    /** B did not create the workspace, so it has no demo summary: give it A's (the same channel). */
    const bWithChannel = (): TestServer => ({ ...b, demo: a.demo });
    beforeAll(async () => {
      a = await startServer({ heartbeatMs: 300, demo: { seed: 11, contacts: 40 } });
      b = await startServer({ heartbeatMs: 300, databaseUrl: a.databaseUrl });
    });
    afterAll(async () => {
      await b?.stop();
      await a?.stop();
    });

    it('creates the demo workspace once, and both instances serve it', async () => {
      expect(a.demo).not.toBeNull();
      expect(b.demo).toBeNull();
      const onA = await signIn(a, 'owner@demo.test');
      const onB = await signIn(b, 'owner@demo.test');
      const ids = async (c: ApiClient) => ((await c.get('/api/v1/contacts?limit=200')).body.items as { id: string }[]).map((x) => x.id);
      expect(await ids(onB)).toEqual(await ids(onA));
    });

    it('delivers a burst written through both instances to every client on either, exactly what it may see, in order, once', async () => {
      const owner = await signIn(a, 'owner@demo.test');
      const managers = a.demo!.users.filter((u) => u.role === 'manager').map((u) => u.email);
      const agents = a.demo!.users.filter((u) => u.role === 'agent').slice(0, 2);
      // Two agents restricted to "User only", each with burst contacts of their own.
      for (const ag of agents) {
        const r = await owner.patch(`/api/v1/users/${ag.id}`, { client_id: clientId(), restrictions: { contact_visibility: 'user' } });
        expect(r.status).toBe(200);
      }
      const senders = Array.from({ length: 8 }, (_, i) => `multi-${i}`);
      const contactOf = new Map<string, string>();
      for (const [i, s] of senders.entries()) {
        const r = await inbound(i % 2 ? bWithChannel() : a, s, `hello from ${s}`);
        expect(r.status).toBe(200);
        contactOf.set(s, r.body.contact_id);
      }
      // Senders 0-2 go to the first agent, 3-5 to the second, 6-7 stay unassigned.
      const assigneeOf = new Map<string, string | null>();
      for (const [i, s] of senders.entries()) {
        const to = i < 3 ? agents[0].id : i < 6 ? agents[1].id : null;
        assigneeOf.set(contactOf.get(s)!, to);
        if (to) expect((await owner.post(`/api/v1/contacts/${contactOf.get(s)}/assignee`, { client_id: clientId(), assignee_id: to })).status).toBe(200);
      }

      // Clients on both instances: the managers on each, each agent on each.
      const clients: { name: string; api: ApiClient; server: TestServer; stream: StreamClient; cursor: number; agentId?: string }[] = [];
      for (const server of [a, b]) {
        for (const email of [...managers, ...agents.map((x) => x.email)]) {
          const api = await signIn(server, email);
          const { next } = await api.syncAll();
          const stream = await openStream(server, api, next);
          const agent = agents.find((x) => x.email === email);
          clients.push({ name: `${email}@${server === a ? 'A' : 'B'}`, api, server, stream, cursor: next, agentId: agent?.id });
        }
      }

      // The burst: 200 inbound messages, half through each instance, eight at a time.
      const written: { id: string; via: 'A' | 'B' }[] = [];
      const N = 200;
      for (let i = 0; i < N; i += 8) {
        const batch = [];
        for (let j = i; j < Math.min(N, i + 8); j++) {
          const via = j % 2 ? 'B' : 'A';
          const sender = senders[j % senders.length];
          batch.push(
            inbound(via === 'A' ? a : bWithChannel(), sender, `burst ${j}`).then((r) => {
              expect(r.status).toBe(200);
              written.push({ id: r.body.message_id, via });
            }),
          );
        }
        await Promise.all(batch);
      }

      // Every client ends with what /sync says it may see from its cursor: no more, no less, in order, once.
      for (const c of clients) {
        const expected = (await c.api.syncAll(c.cursor)).changes;
        await c.stream.until(
          () => c.stream.changes.length >= expected.length && expected.every((e) => c.stream.changes.some((g) => key(g) === key(e))),
          10_000,
          `${c.name}: all of its ${expected.length} changes`,
        );
        // A moment for anything that should not come.
        await new Promise((r) => setTimeout(r, 150));
        const got = c.stream.changes;
        expect(got.map(key), c.name).toEqual(expected.map(key));
        expect(new Set(got.map(key)).size, `${c.name}: none twice`).toBe(got.length);
        for (let i = 1; i < got.length; i++) expect(got[i].seq, `${c.name}: in seq order`).toBeGreaterThanOrEqual(got[i - 1].seq);
        const msgs = got.filter((x) => x.entity === 'message' && written.some((w) => w.id === x.id));
        if (c.agentId) {
          // "User only": the burst messages of their own contacts, nothing of anyone else's.
          const own = [...assigneeOf].filter(([, to]) => to === c.agentId).map(([id]) => id);
          expect(msgs.length, c.name).toBeGreaterThan(0);
          expect(
            msgs.every((m) => own.includes(m.contact_id!)),
            c.name,
          ).toBe(true);
          const mine = senders.filter((s) => own.includes(contactOf.get(s)!)).length;
          expect(msgs.length, c.name).toBe((N / senders.length) * mine);
        } else {
          expect(msgs.length, `${c.name}: every burst message`).toBe(N);
        }
      }

      // Across instances: messages written through one instance are pushed by the other (how soon:
      // the cross-instance push latency of npm run bench:server).
      let crossed = 0;
      for (const c of clients) {
        const other = c.server === a ? 'B' : 'A';
        crossed += c.stream.changes.filter((rec) => rec.entity === 'message' && written.some((w) => w.id === rec.id && w.via === other)).length;
      }
      expect(crossed).toBeGreaterThan(N);
      for (const c of clients) c.stream.close();
    });
  },
);
