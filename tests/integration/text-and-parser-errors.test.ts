// Text as sent or refused, and every error in words: a body with half a character (a lone UTF-16
// surrogate, escaped or encoded on its own) is refused with 400 and stores nothing, on every
// route and engine; the HTTP parser's own refusals answer {code, message} like the rest.
import net from 'node:net';
import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiErrorBody, STATUS_OF } from '../../src-shared/api/errors';
import { clientId, signIn, startServer, type ApiClient, type TestServer } from '../support/server';

/** Raw bytes over a socket; the whole answer as text once the server closes (or after 'wait' ms). */
function rawHttp(port: number, bytes: Buffer | string, wait = 10_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1');
    const parts: Buffer[] = [];
    const done = () => resolve(Buffer.concat(parts).toString('utf8'));
    s.on('data', (d) => parts.push(d));
    s.on('close', done);
    s.on('error', (e) => (parts.length ? done() : reject(e)));
    s.write(bytes);
    setTimeout(() => s.destroy(), wait).unref();
  });
}

function parseAnswer(text: string): { status: number; body: ApiErrorBody; contentType: string } {
  const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1]);
  const [head, body] = text.split('\r\n\r\n');
  const contentType = /content-type: ([^\r\n]+)/i.exec(head)?.[1] ?? '';
  return { status, body: ApiErrorBody.strict().parse(JSON.parse(body)), contentType };
}

describe('text that cannot round-trip is refused', () => {
  let server: TestServer;
  let agent: ApiClient;
  let owner: ApiClient;
  let contactId: string;
  beforeAll(async () => {
    server = await startServer({ sweepMs: 3_600_000 });
    owner = await signIn(server, 'owner@demo.test');
    agent = await signIn(server, 'agent1@demo.test');
    contactId = (await agent.get('/api/v1/contacts?limit=1')).body.items[0].id;
  });
  afterAll(() => server.stop());

  const postRaw = (path: string, body: Buffer | string, headers: Record<string, string> = {}) =>
    fetch(server.url + path, { method: 'POST', body, headers: { 'content-type': 'application/json', authorization: `Bearer ${agent.token}`, ...headers } });

  it('refuses an escaped lone surrogate in a message or comment with 400 and stores nothing', async () => {
    const before = (await owner.get(`/api/v1/contacts/${contactId}/messages?limit=500`)).body.items.length;
    for (const [path, field] of [
      [`/api/v1/contacts/${contactId}/messages`, 'text'],
      [`/api/v1/contacts/${contactId}/comments`, 'text'],
    ]) {
      for (const half of ['\\ud800', '\\udfff', 'x\\ud83dy']) {
        const res = await postRaw(path, `{"client_id":"${clientId()}","${field}":"half ${half} a character"}`);
        expect(res.status).toBe(400);
        const body = ApiErrorBody.strict().parse(await res.json());
        expect(body.code).toBe('invalid_request');
        expect(body.message).toMatch(/surrogate/);
      }
    }
    expect((await owner.get(`/api/v1/contacts/${contactId}/messages?limit=500`)).body.items.length).toBe(before);
  });

  it('refuses a body whose bytes are not UTF-8 (a surrogate encoded on its own) instead of storing U+FFFD', async () => {
    const channel = server.demo!.channel;
    // "Eve" + the CESU-8 bytes of U+D800: what a lenient decoder turns into three U+FFFD.
    const bytes = Buffer.concat([
      Buffer.from('{"sender":{"id":"utf8-bad","name":"Eve'),
      Buffer.from([0xed, 0xa0, 0x80]),
      Buffer.from('"},"message":{"id":"utf8-bad-1","text":"hello"}}'),
    ]);
    const signature = `sha256=${createHmac('sha256', channel.secret).update(bytes).digest('hex')}`;
    const res = await fetch(`${server.url}/api/v1/channels/${channel.id}/inbound`, {
      method: 'POST',
      body: bytes,
      headers: { 'content-type': 'application/json', 'x-signature': signature },
    });
    expect(res.status).toBe(400);
    expect(ApiErrorBody.strict().parse(await res.json()).message).toMatch(/UTF-8/);
    const found = (await owner.get(`/api/v1/contacts?q=${encodeURIComponent('Eve\ufffd')}&limit=10`)).body.items;
    expect(found).toEqual([]);
  });

  it('keeps whole characters outside the basic plane as sent (a surrogate pair is fine)', async () => {
    const text = 'pair 🙂 𝕏 \ud83d\ude00';
    const res = await agent.post(`/api/v1/contacts/${contactId}/messages`, { client_id: clientId(), text });
    expect(res.status).toBe(201);
    expect((await owner.get(`/api/v1/contacts/${contactId}/messages?limit=1`)).body.items[0].text).toBe(text);
  });
});

describe("the HTTP parser's own refusals", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer({ demo: { seed: 7, contacts: 5 }, sweepMs: 3_600_000 });
  });
  afterAll(() => server.stop());

  const expectError = (text: string, status: number, code?: string) => {
    const a = parseAnswer(text);
    expect(a.status).toBe(status);
    expect(a.contentType).toContain('application/json');
    expect(STATUS_OF[a.body.code]).toBe(status);
    if (code) expect(a.body.code).toBe(code);
    expect(a.body.message.length).toBeGreaterThan(10);
  };

  it('a duplicate Content-Length is answered 400 {code, message}', async () => {
    const text = await rawHttp(
      server.port,
      'POST /api/v1/auth/sign-in HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n{}',
    );
    expectError(text, 400, 'invalid_request');
  });

  it('headers over the limit are answered 431 {code, message}', async () => {
    const text = await rawHttp(server.port, `GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: ${'a'.repeat(40_000)}\r\n\r\n`);
    expectError(text, 431, 'headers_too_large');
  });

  it('a request line or header that is not HTTP is answered 400 {code, message}', async () => {
    expectError(await rawHttp(server.port, 'HELLO THERE\r\n\r\n'), 400, 'invalid_request');
    expectError(await rawHttp(server.port, 'GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nBad Header\r\n\r\n'), 400, 'invalid_request');
  });

  it('still answers afterwards', async () => {
    expect((await fetch(`${server.url}/health`)).status).toBe(200);
  });
});
