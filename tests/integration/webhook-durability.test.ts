// Webhooks survive a killed server and run on several instances: kill -9 the server in the middle of a
// burst, start it again on the same database, and every message it committed reaches the receiver
// (again only what was in flight, with the same event_id); two instances on one PostgreSQL database
// deliver each event once between them.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterEach, describe, expect, it } from 'vitest';
import { ApiClient, clientId, createTestDatabase, inbound, signIn, startServer, testEngine } from '../support/server';
import { signBody } from '../../src-server/workspace/ingest';
import { WebhookReceiver } from '../support/webhook-receiver';

const CHILD = join(import.meta.dirname, '../support/server-process.ts');

async function startChild(where: object): Promise<{ child: ChildProcess; url: string; channel: { id: string; secret: string } | null }> {
  const child = spawn(process.execPath, ['--import', 'tsx', CHILD, JSON.stringify(where)], { stdio: ['ignore', 'pipe', 'inherit'] });
  const line = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout! }).once('line', resolve);
    child.once('exit', (code) => reject(new Error(`server process exited with ${code}`)));
  });
  return { child, ...(JSON.parse(line) as { url: string; channel: { id: string; secret: string } | null }) };
}

async function addEndpoint(owner: ApiClient, url: string): Promise<void> {
  const r = await owner.post('/api/v1/webhooks', { client_id: clientId(), url, events: ['message.received'] });
  if (r.status !== 201) throw new Error(`adding a webhook answered ${r.status}: ${JSON.stringify(r.body)}`);
}

const textsOf = (r: WebhookReceiver) => r.received.map((e) => e.body.message!.message.text);

describe('webhook delivery across restarts and instances', () => {
  const cleanups: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  it('after kill -9 in the middle of a burst and a restart, every committed message arrives; only those in flight twice, with the same event_id', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ism-webhook-kill-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const scratch = testEngine === 'postgres' ? await createTestDatabase() : null;
    if (scratch) cleanups.push(() => scratch.drop());
    // A claim of the killed process is given up soon, so the restarted one resends it without a long wait.
    const where = { ...(scratch ? { databaseUrl: scratch.url } : { dbFile: join(dir, 'workspace.sqlite') }), webhookSchedule: { claimMs: 1500 } };
    // The receiver is slow enough that deliveries are still going out when the server is killed.
    const receiver = await WebhookReceiver.start(async () => {
      await new Promise((r) => setTimeout(r, 15));
      return 200;
    });
    cleanups.push(() => receiver.close());

    let first = await startChild(where);
    cleanups.push(() => void first.child.kill('SIGKILL'));
    const channel = first.channel!;
    await addEndpoint(await signIn(first, 'owner@demo.test'), receiver.url);

    const committed: string[] = [];
    const post = async (base: string, text: string) => {
      const raw = JSON.stringify({ sender: { id: `burst-${text.length % 5}` }, message: { id: text, text } });
      const r = await fetch(`${base}/api/v1/channels/${channel.id}/inbound`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-signature': signBody(channel.secret, raw) },
        body: raw,
      }).catch(() => null);
      if (r?.status === 200) committed.push(text);
    };
    let n = 0;
    const burst = async (base: string, count: number) => {
      for (let i = 0; i < count; i++) await Promise.all(Array.from({ length: 4 }, () => post(base, `burst message ${String(++n).padStart(4, '0')}`)));
    };
    await burst(first.url, 20);
    await receiver.until(() => receiver.received.length >= 10, 'the first deliveries');
    first.child.kill('SIGKILL');
    await new Promise((r) => first.child.once('exit', r));
    const beforeRestart = receiver.received.length;
    expect(beforeRestart).toBeLessThan(committed.length);

    first = await startChild(where);
    await burst(first.url, 5);
    await receiver.until(() => committed.every((t) => textsOf(receiver).includes(t)), 'every committed message', 30_000);

    const byEvent = new Map<string, string[]>();
    for (const e of receiver.received) byEvent.set(e.body.event_id, [...(byEvent.get(e.body.event_id) ?? []), e.raw]);
    const twice = [...byEvent.values()].filter((raws) => raws.length > 1);
    // Sent again only what was in flight when it was killed (at most 16 requests per endpoint), the same body each time.
    expect(twice.length).toBeLessThanOrEqual(16);
    for (const raws of twice) expect(new Set(raws).size).toBe(1);
    expect([...byEvent.values()].every((raws) => raws.length <= 2)).toBe(true);
    expect(byEvent.size).toBe(committed.length);
  }, 90_000);

  it('a sending thread that dies in the middle of a burst: the log says so, a new one takes over, and every message arrives', async () => {
    const logged: string[] = [];
    // A claim of the dead thread's deliveries runs out soon, so they are claimed and sent again without a long wait.
    const server = await startServer({ webhookSchedule: { claimMs: 1500 }, log: (msg) => logged.push(msg) });
    cleanups.push(() => server.stop());
    // Held unanswered until the thread has died, so that requests are going, and others waiting, when it dies.
    let arrived = 0;
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const receiver = await WebhookReceiver.start(async () => {
      arrived++;
      await gate;
      return 200;
    });
    cleanups.push(() => receiver.close());
    const owner = await signIn(server, 'owner@demo.test');
    await addEndpoint(owner, receiver.url);
    const sent: string[] = [];
    const burst = async (count: number) => {
      for (let i = 0; i < count; i++) {
        const text = `thread burst ${String(sent.length).padStart(3, '0')}`;
        expect((await inbound(server, `thread-${sent.length % 6}`, text)).status).toBe(200);
        sent.push(text);
      }
    };
    await burst(40);
    const soon = async (what: string, done: () => boolean) => {
      for (const end = Date.now() + 30_000; !done(); await new Promise((r) => setTimeout(r, 20)))
        if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    };
    await soon('the first requests', () => arrived >= 3);
    await server.webhooks.crashSendingThreadForTest();
    release();
    // It held deliveries (going, or claimed ahead) when it died.
    const stopped = () => logged.filter((m) => /webhook sending thread stopped .*its [1-9]\d* deliveries/.test(m));
    await soon('the log line', () => stopped().length > 0);
    expect(stopped()).toHaveLength(1);
    await burst(20);
    await receiver.until(() => sent.every((t) => textsOf(receiver).includes(t)), 'every message', 30_000);
    // Each event kept its id, and in the end the log has every delivery delivered.
    expect(new Set(receiver.received.map((e) => e.body.event_id)).size).toBe(sent.length);
    const endpointId = ((await owner.get('/api/v1/webhooks')).body.items as { id: string }[])[0].id;
    const log = async () => (await owner.get(`/api/v1/webhooks/${endpointId}/deliveries`)).body.items as { status: string }[];
    for (let tries = 0; tries < 100 && (await log()).some((d) => d.status !== 'delivered'); tries++) await new Promise((r) => setTimeout(r, 100));
    expect((await log()).map((d) => d.status)).toEqual(Array.from({ length: sent.length }, () => 'delivered'));
  }, 60_000);

  describe.skipIf(testEngine !== 'postgres')(
    testEngine === 'postgres' ? 'two instances' : 'two instances (skipped in the SQLite pass: it runs in the PostgreSQL pass of npm test)',
    () => {
      it('two instances on one PostgreSQL database deliver each event once between them', async () => {
        const a = await startServer({ demo: { seed: 11, contacts: 20 } });
        cleanups.push(() => a.stop());
        const b = await startServer({ databaseUrl: a.databaseUrl });
        cleanups.push(() => b.stop());
        const receiver = await WebhookReceiver.start();
        cleanups.push(() => receiver.close());
        await addEndpoint(await signIn(b, 'owner@demo.test'), receiver.url);
        const sent: string[] = [];
        for (let i = 0; i < 30; i++) {
          const text = `both ${i}`;
          const r = await inbound({ ...(i % 2 ? a : b), demo: a.demo }, `pair-${i % 3}`, text);
          expect(r.status).toBe(200);
          sent.push(text);
        }
        await receiver.until(() => sent.every((t) => textsOf(receiver).includes(t)), 'every message');
        await new Promise((r) => setTimeout(r, 500));
        expect(textsOf(receiver).sort()).toEqual([...sent].sort());
        expect(new Set(receiver.received.map((e) => e.body.event_id)).size).toBe(sent.length);
      });
    },
  );
});
