// How the server is reached: HTTPS with its own certificate (a throwaway self-signed one, made with
// the openssl CLI and trusted by the client as its CA), the Host check against DNS rebinding on
// every request and WebSocket upgrade, and the headers every answer carries.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { DEMO_PASSWORD } from '../../src-server/demo/seed';
import { STREAM_PATH } from '../../src-shared/sync/changes';
import { signIn, startServer, type TestServer } from '../support/server';

interface Raw {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: any;
}

/** One request with full control of its headers (fetch will not send a Host of our choosing). */
function request(url: string, opts: { method?: string; headers?: Record<string, string>; body?: string; ca?: Buffer; path?: string } = {}): Promise<Raw> {
  const u = new URL(url);
  const mod = u.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const req = mod.request(
      {
        host: u.hostname,
        port: u.port,
        path: opts.path ?? u.pathname + u.search,
        method: opts.method ?? 'GET',
        headers: opts.headers,
        ca: opts.ca,
        agent: false,
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d) => (text += d));
        res.on('end', () => {
          let body: unknown = text;
          try {
            body = JSON.parse(text);
          } catch {
            /* keep the text */
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body });
        });
      },
    );
    req.on('error', reject);
    req.end(opts.body);
  });
}

/** A WebSocket upgrade to the stream: 'open', or the status and body it was refused with. */
function upgrade(
  url: string,
  token: string,
  opts: { host?: string; ca?: Buffer } = {},
): Promise<{ opened: true } | { opened: false; status: number; headers: http.IncomingHttpHeaders; body: any }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${url.replace(/^http/, 'ws')}${STREAM_PATH}?after=0`, {
      headers: { authorization: `Bearer ${token}`, ...(opts.host && { host: opts.host }) },
      ca: opts.ca,
    });
    ws.on('open', () => {
      ws.close();
      resolve({ opened: true });
    });
    ws.on('unexpected-response', (_req, res) => {
      let text = '';
      res.on('data', (d) => (text += d));
      res.on('end', () => resolve({ opened: false, status: res.statusCode ?? 0, headers: res.headers, body: JSON.parse(text) }));
    });
    ws.on('error', reject);
  });
}

const json = { 'content-type': 'application/json' };
const signInBody = JSON.stringify({ email: 'agent1@demo.test', password: DEMO_PASSWORD });

describe('HTTPS with --tls-cert / --tls-key', () => {
  let dir: string;
  let ca: Buffer;
  let server: TestServer;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ism-tls-'));
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-days',
        '1',
        '-subj',
        '/CN=127.0.0.1',
        '-addext',
        'subjectAltName=IP:127.0.0.1,DNS:localhost',
        '-keyout',
        join(dir, 'key.pem'),
        '-out',
        join(dir, 'cert.pem'),
      ],
      { stdio: 'ignore' },
    );
    ca = readFileSync(join(dir, 'cert.pem'));
    server = await startServer({ tls: { cert: ca, key: readFileSync(join(dir, 'key.pem')) } });
  });
  afterAll(async () => {
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('signs in and streams over TLS with the certificate it was given; plain HTTP on that port gets nowhere', async () => {
    expect(server.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    const answer = await request(`${server.url}/api/v1/auth/sign-in`, { method: 'POST', headers: json, body: signInBody, ca });
    expect(answer.status).toBe(200);
    const token = answer.body.token as string;
    expect((await request(`${server.url}/api/v1/me`, { headers: { authorization: `Bearer ${token}` }, ca })).body.user.email).toBe('agent1@demo.test');
    expect(await upgrade(server.url, token, { ca })).toEqual({ opened: true });
    // A client that does not trust the certificate stops at the handshake; one speaking plain HTTP gets no answer it can use.
    await expect(request(`${server.url}/health`)).rejects.toThrow(/self-signed|certificate/i);
    const plain = await request(`${server.url.replace('https:', 'http:')}/health`).catch((err: Error) => err);
    expect(plain instanceof Error || plain.status === 400).toBe(true);
  });
});

describe('the Host check (DNS rebinding) and the headers of every answer', () => {
  let server: TestServer;
  let token: string;
  beforeAll(async () => {
    server = await startServer({ publicUrls: ['https://chat.example.com'] });
    token = (await signIn(server, 'agent2@demo.test')).token!;
  });
  afterAll(() => server?.stop());

  it('refuses a request naming another host, on every route and on unknown ones, with {code, message}', async () => {
    for (const path of ['/health', '/api/v1/me', '/api/v1/no-such-route', '/api/v1/%E0%A4%A']) {
      const r = await request(server.url, { path, headers: { host: 'evil.example', authorization: `Bearer ${token}` } });
      expect(r.status, path).toBe(400);
      expect(r.body).toEqual({ code: 'invalid_request', message: expect.stringContaining('evil.example') });
    }
    // A sign-in through a rebound name is refused before the password is looked at.
    const r = await request(`${server.url}/api/v1/auth/sign-in`, { method: 'POST', headers: { ...json, host: 'evil.example:4010' }, body: signInBody });
    expect(r.status).toBe(400);
    expect(r.body.code).toBe('invalid_request');
  });

  it('refuses a WebSocket upgrade naming another host', async () => {
    const refused = await upgrade(server.url, token, { host: 'evil.example' });
    expect(refused).toMatchObject({ opened: false, status: 400, body: { code: 'invalid_request', message: expect.stringContaining('evil.example') } });
    expect(await upgrade(server.url, token, { host: 'chat.example.com' })).toEqual({ opened: true });
  });

  it('answers the loopback names on any port, and the public URL’s host', async () => {
    for (const host of ['127.0.0.1', '127.0.0.1:1', 'localhost', 'LOCALHOST:8080', 'localhost.', '[::1]:4010', 'chat.example.com', 'chat.example.com:443']) {
      expect((await request(`${server.url}/health`, { headers: { host } })).status, host).toBe(200);
    }
    for (const host of ['chat.example.com.evil.example', 'example.com', '127.0.0.2', 'user@localhost']) {
      expect((await request(`${server.url}/health`, { headers: { host } })).status, host).toBe(400);
    }
  });

  it('sends no-store and nosniff on every answer: tokens, data, errors, refusals', async () => {
    const answers = [
      await request(`${server.url}/api/v1/auth/sign-in`, { method: 'POST', headers: json, body: signInBody }),
      await request(`${server.url}/api/v1/me`, { headers: { authorization: `Bearer ${token}` } }),
      await request(`${server.url}/health`),
      await request(`${server.url}/api/v1/openapi.json`),
      await request(`${server.url}/api/v1/me`),
      await request(`${server.url}/api/v1/auth/sign-in`, { method: 'POST', headers: json, body: '{' }),
      await request(server.url, { path: '/nowhere' }),
      await request(server.url, { path: '/health', headers: { host: 'evil.example' } }),
    ];
    expect(answers[0].body.token).toBeTruthy();
    for (const a of answers) {
      expect(a.headers['cache-control'], JSON.stringify(a.body).slice(0, 80)).toBe('no-store');
      expect(a.headers['x-content-type-options']).toBe('nosniff');
    }
    const refused = await upgrade(server.url, token, { host: 'evil.example' });
    expect(refused.opened).toBe(false);
    if (!refused.opened) expect(refused.headers).toMatchObject({ 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' });
  });
});
