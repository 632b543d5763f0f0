// Bounded connections and memory: a request too slow to arrive is cut, connections are capped in
// total and per address with room kept for signed-in users, a client that pipelines without
// reading is cut, and half-sent bodies share a bounded budget. Small caps (createServer's `limits`)
// keep each case to a handful of connections on 127.0.0.1.
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiErrorBody } from '../../src-shared/api/errors';
import { DEMO_PASSWORD } from '../../src-server/demo/seed';
import { openStream, signIn, startServer, type ApiClient, type TestServer } from '../support/server';

/** A raw connection that records what the server sends and when it closes. */
class RawConn {
  readonly socket: net.Socket;
  text = '';
  closed = false;
  private readonly closedP: Promise<void>;
  constructor(port: number) {
    this.socket = net.connect(port, '127.0.0.1');
    this.socket.on('data', (d) => (this.text += d.toString('utf8')));
    this.socket.on('error', () => {});
    this.closedP = new Promise((resolve) => this.socket.on('close', () => ((this.closed = true), resolve())));
  }
  connected(): Promise<void> {
    return new Promise((resolve) => (this.socket.readyState === 'open' ? resolve() : this.socket.once('connect', () => resolve())));
  }
  write(s: string | Buffer) {
    if (!this.socket.destroyed) this.socket.write(s);
  }
  /** Resolves true when the server closed the connection within `ms`. */
  closedWithin(ms: number): Promise<boolean> {
    return Promise.race([this.closedP.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), ms))]);
  }
  destroy() {
    this.socket.destroy();
  }
  status(): number {
    return Number(/^HTTP\/1\.1 (\d{3})/.exec(this.text)?.[1] ?? 0);
  }
  errorBody(): ApiErrorBody {
    return ApiErrorBody.strict().parse(JSON.parse(this.text.split('\r\n\r\n')[1]));
  }
}

const SIGN_IN_HEAD = (length: number) =>
  `POST /api/v1/auth/sign-in HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ${length}\r\n\r\n`;

const until = async (pred: () => boolean, ms: number, what: string) => {
  const deadline = Date.now() + ms;
  while (!pred()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
};

describe('slow requests, pipelining and half-sent bodies', () => {
  let server: TestServer;
  let owner: ApiClient;
  const conns: RawConn[] = [];
  const conn = async () => {
    const c = new RawConn(server.port);
    conns.push(c);
    await c.connected();
    return c;
  };
  beforeAll(async () => {
    server = await startServer({
      demo: { seed: 7, contacts: 5 },
      sweepMs: 3_600_000,
      heartbeatMs: 500,
      limits: { requestTimeoutMs: 1500, headersTimeoutMs: 1500, maxPipelined: 4, bodyBudgetBytes: 64 * 1024 },
    });
    owner = await signIn(server, 'owner@demo.test');
  });
  afterAll(async () => {
    for (const c of conns) c.destroy();
    await server.stop();
  });

  it('cuts a body sent a byte at a time with 408 {code, message}', async () => {
    const c = await conn();
    c.write(SIGN_IN_HEAD(200));
    const drip = setInterval(() => c.write(' '), 100);
    try {
      expect(await c.closedWithin(15_000)).toBe(true);
    } finally {
      clearInterval(drip);
    }
    expect(c.status()).toBe(408);
    expect(c.errorBody().code).toBe('request_timeout');
  });

  it('cuts headers that never end', async () => {
    const c = await conn();
    c.write('GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ');
    const drip = setInterval(() => c.write('a'), 100);
    try {
      expect(await c.closedWithin(15_000)).toBe(true);
    } finally {
      clearInterval(drip);
    }
  });

  it('keeps a WebSocket stream open past the request time limit', async () => {
    const s = await openStream(server, owner, await owner.head());
    await new Promise((r) => setTimeout(r, 2500));
    const beats = s.frames.filter((f) => f.type === 'heartbeat').length;
    await s.until(() => s.frames.filter((f) => f.type === 'heartbeat').length > beats, 5000, 'a heartbeat after the time limit');
    expect(s.closeCode).toBeNull();
    s.close();
  });

  it('answers a few pipelined requests in order, and cuts a client that pipelines many without reading', async () => {
    const few = await conn();
    few.write('GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n'.repeat(3));
    await until(() => (few.text.match(/HTTP\/1\.1 200/g) ?? []).length === 3, 10_000, 'three answers');
    expect(few.closed).toBe(false);

    const many = await conn();
    many.socket.pause();
    many.write('GET /api/v1/openapi.json HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n'.repeat(500));
    expect(await many.closedWithin(10_000)).toBe(true);
    expect((await fetch(`${server.url}/health`)).status).toBe(200);
  });

  it('bounds the memory of half-sent bodies: beyond the budget, 503 server_busy; the budget comes back', async () => {
    const size = 30 * 1024;
    const half: RawConn[] = [];
    for (let i = 0; i < 6; i++) {
      const c = await conn();
      c.write(SIGN_IN_HEAD(size));
      c.write(Buffer.alloc(size / 2, 0x20));
      half.push(c);
    }
    // 6 × 15 KB is more than 64 KB: the last ones are refused, the first ones wait for the rest.
    await until(() => half.some((c) => c.status() === 503), 10_000, 'a refusal');
    const refused = half.filter((c) => c.status() === 503);
    expect(refused.length).toBeGreaterThanOrEqual(1);
    expect(refused[0].errorBody().code).toBe('server_busy');
    expect(server.guard.bodyBytesInFlight).toBeLessThanOrEqual(64 * 1024);
    for (const c of half) c.destroy();
    await until(() => server.guard.bodyBytesInFlight === 0, 5000, 'the budget back');
    const ok = await fetch(`${server.url}/api/v1/auth/sign-in`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'owner@demo.test', password: DEMO_PASSWORD }),
    });
    expect(ok.status).toBe(200);
  });

  it('cuts a chunked body that runs past the budget, and keeps serving', async () => {
    const c = await conn();
    c.write('POST /api/v1/auth/sign-in HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n');
    const chunk = 16 * 1024;
    for (let i = 0; i < 6 && !c.closed; i++) {
      c.write(`${chunk.toString(16)}\r\n${' '.repeat(chunk)}\r\n`);
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(await c.closedWithin(10_000)).toBe(true);
    await until(() => server.guard.bodyBytesInFlight === 0, 5000, 'the budget back');
    expect((await fetch(`${server.url}/health`)).status).toBe(200);
  });
});

describe('connection caps', () => {
  let server: TestServer;
  let owner: ApiClient;
  const conns: RawConn[] = [];
  const idle = async (n: number) => {
    for (let i = 0; i < n; i++) {
      const c = new RawConn(server.port);
      conns.push(c);
      await c.connected();
    }
    await until(() => server.guard.connections >= conns.filter((c) => !c.closed).length, 5000, 'connections counted');
  };
  beforeAll(async () => {
    server = await startServer({
      demo: { seed: 7, contacts: 5 },
      sweepMs: 3_600_000,
      limits: { maxConnections: 16, reservedForSignedIn: 6, perAddress: 1000 },
    });
    owner = await signIn(server, 'owner@demo.test');
  });
  afterAll(async () => {
    for (const c of conns) c.destroy();
    await server.stop();
  });

  it('past the shared part, serves signed-in requests only; at the cap, refuses new connections with 503', async () => {
    await idle(12 - server.guard.connections);
    const anonymous = await fetch(`${server.url}/health`, { headers: { connection: 'close' } });
    expect(anonymous.status).toBe(503);
    expect(ApiErrorBody.strict().parse(await anonymous.json()).code).toBe('server_busy');
    const signedIn = await fetch(`${server.url}/api/v1/me`, { headers: { authorization: `Bearer ${owner.token}`, connection: 'close' } });
    expect(signedIn.status).toBe(200);

    await idle(16 - server.guard.connections);
    const over = new RawConn(server.port);
    conns.push(over);
    expect(await over.closedWithin(5000)).toBe(true);
    expect(over.status()).toBe(503);
    expect(server.guard.connections).toBeLessThanOrEqual(16);

    for (const c of conns) c.destroy();
    await until(() => server.guard.connections === 0, 5000, 'connections released');
    expect((await fetch(`${server.url}/health`)).status).toBe(200);
  });
});

describe('connections per address', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer({ demo: { seed: 7, contacts: 5 }, sweepMs: 3_600_000, limits: { perAddress: 5 } });
  });
  afterAll(() => server.stop());

  it('refuses a sixth connection from one address with 503, and takes it once one closes', async () => {
    const five: RawConn[] = [];
    for (let i = 0; i < 5; i++) {
      const c = new RawConn(server.port);
      await c.connected();
      five.push(c);
    }
    await until(() => server.guard.connections === 5, 5000, 'five counted');
    const sixth = new RawConn(server.port);
    expect(await sixth.closedWithin(5000)).toBe(true);
    expect(sixth.status()).toBe(503);
    five[0].destroy();
    await until(() => server.guard.connections === 4, 5000, 'one released');
    expect((await fetch(`${server.url}/health`, { headers: { connection: 'close' } })).status).toBe(200);
    for (const c of five) c.destroy();
  });
});
