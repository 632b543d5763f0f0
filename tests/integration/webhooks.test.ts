// Webhooks end to end: an Owner adds an endpoint, the workspace's writes arrive at a real receiver on
// 127.0.0.1 as respond.io's events, signed, in order per contact; failures are retried, every event
// exactly once more than it failed; the delivery log, pause, resume, rotate and delete; who may manage them.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient, clientId, inbound, signIn, startServer, type TestServer } from '../support/server';
import { signatureVerifies, WebhookReceiver } from '../support/webhook-receiver';
import { WebhookEventType } from '../../src-shared/api/webhooks';

// Endpoints here are subscribed to every event there is.
const ALL_EVENTS = WebhookEventType.options;

async function addEndpoint(owner: ApiClient, url: string, events = ALL_EVENTS) {
  const r = await owner.post('/api/v1/webhooks', { client_id: clientId(), url, events });
  if (r.status !== 201) throw new Error(`adding a webhook answered ${r.status}: ${JSON.stringify(r.body)}`);
  return r.body as { endpoint: { id: string; state: string }; signing_key: string };
}

async function contactIdOf(owner: ApiClient, sender: string): Promise<string> {
  const r = await owner.get(`/api/v1/contacts?limit=200`);
  const found = (r.body.items as { id: string; name: string }[]).find((c) => c.name === sender);
  if (!found) throw new Error(`no contact ${sender}`);
  return found.id;
}

describe('webhooks', () => {
  let server: TestServer;
  let owner: ApiClient;
  let receiver: WebhookReceiver;
  beforeAll(async () => {
    // A claim of 7.5 s with requests of at most 4 s: a delivery claimed ahead may wait 1.5 s for a free request.
    server = await startServer({ webhookSchedule: { firstRetryMs: 30, maxRetryMs: 120, claimMs: 7500, requestTimeoutMs: 4000 } });
    owner = await signIn(server, 'owner@demo.test');
  });
  afterEach(async () => {
    for (const e of (await owner.get('/api/v1/webhooks')).body.items as { id: string }[])
      await owner.request('DELETE', `/api/v1/webhooks/${e.id}?client_id=${clientId()}`);
    await receiver?.close();
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('sends what happens to a contact as signed respond.io events, in the order it happened', async () => {
    receiver = await WebhookReceiver.start();
    const { signing_key: key } = await addEndpoint(owner, receiver.url);
    expect(key).toMatch(/^whsec_/);
    const sender = `hook-${clientId().slice(0, 8)}`;
    expect((await inbound(server, sender, 'first words', undefined, sender)).status).toBe(200);
    const contactId = await contactIdOf(owner, sender);
    const manager = await signIn(server, 'manager@demo.test');
    expect((await manager.post(`/api/v1/contacts/${contactId}/messages`, { client_id: clientId(), text: 'hello from us' })).status).toBe(201);
    expect((await owner.post(`/api/v1/contacts/${contactId}/comments`, { client_id: clientId(), text: 'a note' })).status).toBe(201);
    expect((await owner.patch(`/api/v1/contacts/${contactId}/profile`, { client_id: clientId(), add_tags: ['vip'] })).status).toBe(200);
    expect((await owner.patch(`/api/v1/contacts/${contactId}`, { client_id: clientId(), email: 'hook@example.com' })).status).toBe(200);
    expect((await owner.post(`/api/v1/contacts/${contactId}/close`, { client_id: clientId(), summary: 'done' })).status).toBe(200);
    expect((await inbound(server, sender, 'second words')).status).toBe(200);

    const expected = [
      'contact.created',
      'conversation.opened',
      'message.received',
      'contact.assignee.updated',
      'message.sent',
      'comment.created',
      'contact.tag.updated',
      'contact.updated',
      'conversation.closed',
      'conversation.opened',
      'message.received',
    ];
    const ofContact = () => receiver.received.filter((e) => e.body.contact?.firstName === sender);
    await receiver.until(() => ofContact().length >= expected.length, 'every event of the contact');
    const events = ofContact();
    expect(events.map((e) => e.body.event_type)).toEqual(expected);
    for (const e of events) expect(signatureVerifies(key, e)).toBe(true);
    expect(new Set(events.map((e) => e.body.event_id)).size).toBe(events.length);
    expect(events[2].body.message).toMatchObject({ traffic: 'incoming', message: { type: 'text', text: 'first words' } });
    expect(events[4].body.message).toMatchObject({ traffic: 'outgoing', message: { text: 'hello from us' } });
    expect(events[4].body.user).toMatchObject({ email: 'manager@demo.test' });
    expect(events[5].body.comment).toMatchObject({ text: 'a note' });
    expect(events[8].body.conversation).toMatchObject({ status: 'close', summary: 'done' });
    expect(events[6].body.contact!.tags).toContain('vip');
    // A signature made with another key does not verify.
    expect(signatureVerifies('whsec_other', events[0])).toBe(false);
  });

  it('a receiver failing three times then succeeding gets each event four times, then never again', async () => {
    receiver = await WebhookReceiver.start((_event, seenBefore) => (seenBefore < 3 ? 503 : 200));
    const { endpoint } = await addEndpoint(owner, receiver.url, ['message.received']);
    const sender = `retry-${clientId().slice(0, 8)}`;
    for (const text of ['one', 'two', 'three']) expect((await inbound(server, sender, text, undefined, sender)).status).toBe(200);
    const texts = () => receiver.received.map((e) => e.body.message!.message.text);
    await receiver.until(() => texts().filter((t) => t === 'three').length === 4, 'the last message delivered');
    // In order per contact: every attempt at 'one' comes before any at 'two'.
    expect(texts()).toEqual(['one', 'one', 'one', 'one', 'two', 'two', 'two', 'two', 'three', 'three', 'three', 'three']);
    const ids = new Set(receiver.received.map((e) => e.body.event_id));
    expect(ids.size).toBe(3);
    // Nothing more arrives later.
    await new Promise((r) => setTimeout(r, 800));
    expect(receiver.received).toHaveLength(12);
    const log = (await owner.get(`/api/v1/webhooks/${endpoint.id}/deliveries`)).body.items as { status: string; attempts: number; status_code: number }[];
    expect(log.map((d) => [d.status, d.attempts, d.status_code])).toEqual([
      ['delivered', 4, 200],
      ['delivered', 4, 200],
      ['delivered', 4, 200],
    ]);
  });

  it('a slow receiver gets at most 16 requests at a time, each event once, and the log counts only the attempts made', async () => {
    let now = 0;
    let most = 0;
    // Slower than a delivery claimed ahead may wait (1.5 s here): what waits behind the first 16 is claimed, given back and claimed again;
    // and a request started just before then ends before its claim does, so no delivery is claimed while it is still going.
    receiver = await WebhookReceiver.start(async () => {
      most = Math.max(most, ++now);
      await new Promise((r) => setTimeout(r, 1700));
      now--;
      return 200;
    });
    const { endpoint } = await addEndpoint(owner, receiver.url, ['message.received']);
    const run = clientId().slice(0, 8);
    for (let i = 0; i < 20; i++) expect((await inbound(server, `slow-${run}-${i}`, `hello ${i}`, undefined, `slow-${run}-${i}`)).status).toBe(200);
    await receiver.until(() => receiver.received.length >= 20, 'every message delivered');
    expect(most).toBeLessThanOrEqual(16);
    expect(new Set(receiver.received.map((e) => e.body.event_id)).size).toBe(receiver.received.length);
    const log = async () => (await owner.get(`/api/v1/webhooks/${endpoint.id}/deliveries`)).body.items as { status: string; attempts: number }[];
    for (let tries = 0; tries < 100 && (await log()).some((d) => d.status !== 'delivered'); tries++) await new Promise((r) => setTimeout(r, 100));
    expect((await log()).map((d) => [d.status, d.attempts])).toEqual(Array.from({ length: 20 }, () => ['delivered', 1]));
  });

  it('a receiver that never succeeds has its deliveries marked failed once their time is up', async () => {
    // Its first attempt is answered well within the 1.5 s, on a busy machine too (the sending thread starting first).
    const s = await startServer({ webhookSchedule: { firstRetryMs: 20, maxRetryMs: 50, giveUpAfterMs: 1500, pauseAfterMs: 60_000, claimMs: 3000 } });
    try {
      receiver = await WebhookReceiver.start(() => 500);
      const o = await signIn(s, 'owner@demo.test');
      const { endpoint } = await addEndpoint(o, receiver.url, ['message.received']);
      expect((await inbound(s, 'gives-up', 'hello?')).status).toBe(200);
      const log = async () => (await o.get(`/api/v1/webhooks/${endpoint.id}/deliveries`)).body.items as { status: string; error: string; attempts: number }[];
      await receiver.until(() => receiver.received.length >= 2, 'a retry');
      const end = Date.now() + 15_000;
      while ((await log())[0]?.status !== 'failed' && Date.now() < end) await new Promise((r) => setTimeout(r, 50));
      const [failed] = await log();
      expect(failed).toMatchObject({ status: 'failed', error: 'the receiver answered 500' });
      expect(failed.attempts).toBeGreaterThan(1);
      const listed = (await o.get('/api/v1/webhooks')).body.items[0];
      expect(listed.failing_since).not.toBeNull();
    } finally {
      await s.stop();
    }
  });

  it('an endpoint failing for its whole window is paused, the Owners are told, and it resumes from the feed as it is then', async () => {
    const s = await startServer({ webhookSchedule: { firstRetryMs: 20, maxRetryMs: 50, giveUpAfterMs: 60_000, pauseAfterMs: 300, claimMs: 3000 } });
    try {
      let failing = true;
      receiver = await WebhookReceiver.start(() => (failing ? 500 : 200));
      const o = await signIn(s, 'owner@demo.test');
      const { endpoint } = await addEndpoint(o, receiver.url, ['message.received']);
      expect((await inbound(s, 'pauses', 'before the pause')).status).toBe(200);
      const state = async () => (await o.get('/api/v1/webhooks')).body.items[0] as { state: string; paused_reason: string | null };
      const end = Date.now() + 15_000;
      while ((await state()).state !== 'paused' && Date.now() < end) await new Promise((r) => setTimeout(r, 50));
      expect(await state()).toMatchObject({ state: 'paused', paused_reason: 'failing' });
      // The Owners are told in their Notification Center (an item about no contact); a Manager is not.
      const items = (await o.get('/api/v1/notifications?tab=new')).body.items as { kind: string; contact_id: string | null; excerpt: string }[];
      expect(items.filter((n) => n.kind === 'webhook_paused')).toEqual([
        expect.objectContaining({ contact_id: null, excerpt: expect.stringContaining(`${receiver.url} failed for 24 hours and was paused`) as unknown }),
      ]);
      const manager = await signIn(s, 'manager@demo.test');
      expect(((await manager.get('/api/v1/notifications?tab=new')).body.items as { kind: string }[]).some((n) => n.kind === 'webhook_paused')).toBe(false);
      expect((await inbound(s, 'pauses', 'while paused')).status).toBe(200);
      failing = false;
      const resumed = await o.post(`/api/v1/webhooks/${endpoint.id}/resume`, { client_id: clientId() });
      expect(resumed.body).toMatchObject({ state: 'active', paused_reason: null, failing_since: null });
      expect((await inbound(s, 'pauses', 'after resuming')).status).toBe(200);
      const delivered = () => receiver.received.filter((e) => e.answered === 200).map((e) => e.body.message!.message.text);
      await receiver.until(() => delivered().includes('after resuming'), 'the message after resuming');
      // What was queued before the pause goes out; what happened while paused is not sent.
      expect(delivered()).toEqual(['before the pause', 'after resuming']);
    } finally {
      await s.stop();
    }
  });

  it('pause, rotate the key, send a test event, read the log, delete', async () => {
    receiver = await WebhookReceiver.start();
    const { endpoint, signing_key: firstKey } = await addEndpoint(owner, receiver.url, ['message.received']);
    const paused = await owner.post(`/api/v1/webhooks/${endpoint.id}/pause`, { client_id: clientId() });
    expect(paused.body).toMatchObject({ state: 'paused', paused_reason: 'paused' });
    expect((await inbound(server, 'while-paused', 'not sent')).status).toBe(200);
    const refused = await owner.post(`/api/v1/webhooks/${endpoint.id}/test`, { client_id: clientId() });
    expect(refused.status).toBe(409);
    expect(refused.body.message).toMatch(/resume it/);
    expect((await owner.post(`/api/v1/webhooks/${endpoint.id}/resume`, { client_id: clientId() })).status).toBe(200);

    const rotated = await owner.post(`/api/v1/webhooks/${endpoint.id}/rotate-key`, { client_id: clientId() });
    expect(rotated.status).toBe(200);
    const newKey = rotated.body.signing_key as string;
    expect(newKey).not.toBe(firstKey);
    const test = await owner.post(`/api/v1/webhooks/${endpoint.id}/test`, { client_id: clientId() });
    expect(test.status).toBe(201);
    expect(test.body).toMatchObject({ event_type: 'webhook.test', status: 'pending' });
    await receiver.until(() => receiver.received.length === 1, 'the test event');
    const [got] = receiver.received;
    expect(got.body).toMatchObject({ event_type: 'webhook.test', event_id: test.body.event_id });
    expect(signatureVerifies(newKey, got)).toBe(true);
    expect(signatureVerifies(firstKey, got)).toBe(false);

    const end = Date.now() + 10_000;
    let log: { event_type: string; status: string; status_code: number | null; latency_ms: number | null; attempts: number }[] = [];
    while (Date.now() < end && log[0]?.status !== 'delivered') log = (await owner.get(`/api/v1/webhooks/${endpoint.id}/deliveries`)).body.items;
    expect(log).toHaveLength(1);
    expect(log[0]).toMatchObject({ event_type: 'webhook.test', status: 'delivered', status_code: 200, attempts: 1 });
    expect(log[0].latency_ms).toBeGreaterThanOrEqual(0);

    // Nothing written while it was paused arrived.
    expect(receiver.received.some((e) => e.body.event_type === 'message.received')).toBe(false);
    expect((await owner.request('DELETE', `/api/v1/webhooks/${endpoint.id}?client_id=${clientId()}`)).status).toBe(200);
    expect((await owner.get(`/api/v1/webhooks/${endpoint.id}/deliveries`)).status).toBe(404);
    expect((await owner.get('/api/v1/webhooks')).body.items).toEqual([]);
  });

  it('a replayed add answers the endpoint without its key; bad input is refused in words', async () => {
    receiver = await WebhookReceiver.start();
    const body = { client_id: clientId(), url: receiver.url, events: ['contact.created'] };
    const first = await owner.post('/api/v1/webhooks', body);
    const replay = await owner.post('/api/v1/webhooks', body);
    expect(replay.body.endpoint).toEqual(first.body.endpoint);
    expect(replay.body.signing_key).toBeNull();
    for (const bad of [
      { url: 'ftp://example.com/hook', events: ['contact.created'], says: /http/ },
      { url: 'not a url', events: ['contact.created'], says: /http/ },
      { url: receiver.url, events: [], says: /at least one event/ },
      { url: receiver.url, events: ['contact.deleted'], says: /events/ },
    ]) {
      const r = await owner.post('/api/v1/webhooks', { client_id: clientId(), url: bad.url, events: bad.events });
      expect(r.status).toBe(400);
      expect(r.body.code).toBe('invalid_request');
      expect(r.body.message).toMatch(bad.says);
    }
  });

  it('only Owners and Managers not restricted from integrations manage webhooks', async () => {
    const agent = await signIn(server, 'agent1@demo.test');
    expect((await agent.get('/api/v1/webhooks')).status).toBe(403);
    expect((await agent.post('/api/v1/webhooks', { client_id: clientId(), url: 'http://127.0.0.1:1/x', events: ['contact.created'] })).status).toBe(403);
    const manager = await signIn(server, 'manager@demo.test');
    expect((await manager.get('/api/v1/webhooks')).status).toBe(200);
    const users = (await owner.get('/api/v1/users')).body.items as { id: string; email: string; restrictions: Record<string, unknown> }[];
    const m = users.find((u) => u.email === 'manager2@demo.test')!;
    expect((await owner.patch(`/api/v1/users/${m.id}`, { client_id: clientId(), restrictions: { ...m.restrictions, integrations: true } })).status).toBe(200);
    const restricted = await signIn(server, 'manager2@demo.test');
    const r = await restricted.get('/api/v1/webhooks');
    expect(r.status).toBe(403);
    expect(r.body.message).toMatch(/integrations is restricted/);
  });
});
