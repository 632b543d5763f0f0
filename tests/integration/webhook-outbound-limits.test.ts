// The limits of a webhook request, against real HTTP receivers on 127.0.0.1 (private addresses allowed,
// as with --allow-private-webhooks): a redirect is the answer, not followed unless asked; an event over
// 1 MB is not sent; only the first 64 KB of an answer is read, the rest not waited for; a receiver that
// does not answer is given up on after the request's timeout (10 s unless told).
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { MAX_ANSWER_BYTES, MAX_BODY_BYTES, postSafely, REQUEST_TIMEOUT_MS } from '../../src-server/webhooks/safe-request';

const servers: Server[] = [];

/** A receiver answering with `answer`; what it was sent is counted. */
async function receiver(answer: (req: IncomingMessage, res: ServerResponse) => void): Promise<{ url: string; requests: () => number }> {
  let requests = 0;
  const server = createServer((req, res) => {
    requests++;
    req.resume();
    req.on('end', () => answer(req, res));
  });
  servers.push(server);
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, requests: () => requests };
}

afterEach(async () => {
  for (const s of servers.splice(0)) {
    s.closeAllConnections();
    await new Promise((ok) => s.close(ok));
  }
});

const body = JSON.stringify({ event_type: 'message.received', event_id: 'ev_1' });
const headers = { 'content-type': 'application/json' };

describe('webhook request limits', () => {
  it('a redirect is the answer: its target gets nothing, unless redirects are asked for', async () => {
    const target = await receiver((_req, res) => res.end('ok'));
    const redirecting = await receiver((_req, res) => res.writeHead(307, { location: target.url }).end());
    const result = await postSafely(redirecting.url, headers, body, { allowPrivate: true });
    expect(result).toMatchObject({ status: 307, error: 'the receiver answered 307' });
    expect(target.requests()).toBe(0);

    const followed = await postSafely(redirecting.url, headers, body, { allowPrivate: true, maxRedirects: 1 });
    expect(followed).toMatchObject({ status: 200, error: null });
    expect(target.requests()).toBe(1);
  });

  it('an event larger than 1 MB is not sent, and says why', async () => {
    const r = await receiver((_req, res) => res.end('ok'));
    const big = JSON.stringify({ text: 'x'.repeat(MAX_BODY_BYTES) });
    expect(MAX_BODY_BYTES).toBe(1024 * 1024);
    expect(await postSafely(r.url, headers, big, { allowPrivate: true })).toMatchObject({ status: null, error: 'the event is larger than 1 MB' });
    expect(r.requests()).toBe(0);
    // Just under the limit it goes.
    const fits = JSON.stringify({ text: 'x'.repeat(MAX_BODY_BYTES - 20) });
    expect(await postSafely(r.url, headers, fits, { allowPrivate: true })).toMatchObject({ status: 200, error: null });
    expect(r.requests()).toBe(1);
  });

  it('only the first 64 KB of an answer is read: an answer that never ends still counts as answered', async () => {
    expect(MAX_ANSWER_BYTES).toBe(64 * 1024);
    // 64 KB and more, then the answer is held open: a reader waiting for its end would wait for the timeout.
    const endless = await receiver((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.write('y'.repeat(MAX_ANSWER_BYTES + 1024));
    });
    const result = await postSafely(endless.url, headers, body, { allowPrivate: true, timeoutMs: 60_000 });
    expect(result).toMatchObject({ status: 200, error: null });
  });

  it('a receiver that does not answer is given up on after the timeout, in words', async () => {
    expect(REQUEST_TIMEOUT_MS).toBe(10_000);
    const silent = await receiver(() => {});
    const result = await postSafely(silent.url, headers, body, { allowPrivate: true, timeoutMs: 300 });
    expect(result).toMatchObject({ status: null, error: 'no answer within 0.3 s' });
    expect(silent.requests()).toBe(1);
  });
});
