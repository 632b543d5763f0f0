import { mkdtempSync, mkdirSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { request } from 'node:http';
import { join } from 'node:path';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHost, DESKTOP_SOCKET_PATH, type Host } from '../../src-main/host/host';
import { MemoryStore } from '../../src-main/core/service/ports';
import { RecordingNotifier, eventually } from '../support/desktop';
import { startServer, type TestServer } from '../support/server';
import { socketCaller } from '../support/host-socket';
import { CONTENT_SECURITY_POLICY } from '../../src-shared/desktop/csp';

function connect(host: Host, token: string): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${host.url.replace('http', 'ws')}${DESKTOP_SOCKET_PATH}?token=${token}`);
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
    ws.once('unexpected-response', (_req, res) => reject(new Error(`refused: ${res.statusCode}`)));
  });
}

/** The desktop API over the socket (the shared caller), with the event frames it pushed kept in order and raw frames sent as written. */
function rpc(ws: WebSocket) {
  const events: { event: string; payload: any }[] = [];
  const call = socketCaller(ws, (msg) => {
    if ('event' in msg) events.push(msg as { event: string; payload: any });
  });
  return {
    events,
    call: (c: { kind: 'query' | 'command'; name: string; input: unknown }) => call(c.kind, c.name, c.input),
    raw: (text: string) => ws.send(text),
  };
}

/** A GET with the path sent exactly as written (fetch would resolve "/../" before sending it). */
function rawGet(port: number, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method: 'GET' }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

const BESIDE = 'a file beside the renderer folder, never to be served';

describe('host mode: the core served to a browser on 127.0.0.1', () => {
  let server: TestServer;
  let host: Host;
  let dir: string;
  beforeAll(async () => {
    server = await startServer();
    dir = mkdtempSync(join(tmpdir(), 'ism-host-'));
    mkdirSync(join(dir, 'renderer'));
    writeFileSync(join(dir, 'renderer', 'index.html'), '<!doctype html><title>IS-Messenger</title>');
    writeFileSync(join(dir, 'beside.txt'), BESIDE);
    const store = new MemoryStore();
    host = await startHost({
      dataDir: join(dir, 'data'),
      rendererDir: join(dir, 'renderer'),
      tokens: store,
      settings: store,
      notifier: new RecordingNotifier(),
    });
  });
  afterAll(async () => {
    await host.close();
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves the renderer with a strict content security policy, and nothing outside it', async () => {
    const page = await fetch(host.url + '/');
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(await page.text()).toContain('IS-Messenger');
    expect(host.openUrl).toContain(`#token=${host.token}`);
  });

  it('serves the same content security policy as the desktop window and the page itself', async () => {
    const page = await fetch(host.url + '/');
    expect(page.headers.get('content-security-policy')).toBe(CONTENT_SECURITY_POLICY);
  });

  it('serves no file outside the renderer folder, however the path spells ".."', async () => {
    // A real file right beside the served folder: without the guard, each of these paths reaches it.
    const port = Number(new URL(host.url).port);
    for (const path of [
      '/../beside.txt',
      '/..%2fbeside.txt',
      '/%2e%2e%2fbeside.txt',
      '/%2E%2E/beside.txt',
      '/assets/..%2f..%2fbeside.txt',
      '/..%2f%2e%2e%2f' + dir.split('/').pop() + '%2fbeside.txt',
    ]) {
      const r = await rawGet(port, path);
      expect(r.body, path).not.toContain(BESIDE);
      expect(r.status, path).toBe(404);
    }
  });

  it('refuses the desktop API without the per-run token', async () => {
    await expect(connect(host, 'wrong-token')).rejects.toThrow(/403/);
    await expect(connect(host, '')).rejects.toThrow(/403/);
  });

  it('answers calls, validates them, and pushes events: sign in and read the inbox', async () => {
    const ws = await connect(host, host.token);
    const api = rpc(ws);
    expect(await api.call({ kind: 'query', name: 'nope', input: {} })).toMatchObject({ ok: false, code: 'invalid_request' });
    expect(await api.call({ kind: 'command', name: 'signIn', input: { server_url: 'not a url', email: 'x', password: '' } })).toMatchObject({
      ok: false,
      code: 'invalid_request',
    });
    const wrong = await api.call({ kind: 'command', name: 'signIn', input: { server_url: server.url, email: 'manager@demo.test', password: 'nope' } });
    expect(wrong).toMatchObject({ ok: false, code: 'wrong_password' });
    const unreachable = await api.call({
      kind: 'command',
      name: 'signIn',
      input: { server_url: 'http://127.0.0.1:9', email: 'manager@demo.test', password: 'demo-password' },
    });
    expect(unreachable).toMatchObject({ ok: false, code: 'unreachable' });
    const ok = await api.call({ kind: 'command', name: 'signIn', input: { server_url: server.url, email: 'manager@demo.test', password: 'demo-password' } });
    expect(ok.ok).toBe(true);
    await eventually(() => api.events.some((e) => e.event === 'session' && e.payload.state === 'ready'), 5000, 'ready');
    const inbox = await api.call({ kind: 'query', name: 'conversations', input: { inbox: 'all', limit: 10 } });
    expect(inbox.ok).toBe(true);
    expect(inbox.value.items).toHaveLength(10);
    api.raw('not json');
    expect((await api.call({ kind: 'query', name: 'session', input: {} })).value.state).toBe('ready');
    ws.close();
  });
});
