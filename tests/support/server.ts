// Test harness: a real workspace server on 127.0.0.1 over a temporary database, and API clients
// that talk to it over HTTP and WebSocket like any other client.
//
// The engine: SQLite (a temporary file) unless ISM_TEST_DB=postgres, then a fresh database on the
// PostgreSQL cluster of ISM_TEST_DATABASE_URL (scripts/pg-test-cluster.sh starts one), dropped on stop.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import WebSocket from 'ws';
import { createScratchDatabase } from './postgres';
import { createServer, type ServerOptions, type WorkspaceServer } from '../../src-server/http/app';
import { DEMO_PASSWORD } from '../../src-server/demo/seed';
import { signBody } from '../../src-server/workspace/ingest';
import { ServerFrame, STREAM_PATH, type ChangeRecord } from '../../src-shared/sync/changes';

export interface TestServer extends WorkspaceServer {
  dir: string;
  /** The SQLite file (SQLite runs). */
  dbFile: string;
  /** The PostgreSQL database (PostgreSQL runs). */
  databaseUrl?: string;
  stop(): Promise<void>;
}

export const testEngine: 'sqlite' | 'postgres' = process.env.ISM_TEST_DB === 'postgres' ? 'postgres' : 'sqlite';

/** A fresh, empty PostgreSQL database on the test cluster, and how to drop it. */
export async function createTestDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const admin = process.env.ISM_TEST_DATABASE_URL;
  if (!admin) throw new Error('ISM_TEST_DB=postgres needs ISM_TEST_DATABASE_URL (run through scripts/pg-test-cluster.sh run ...)');
  return createScratchDatabase(admin, 'ism_test');
}

export async function startServer(opts: Partial<ServerOptions> = {}): Promise<TestServer> {
  const dir = mkdtempSync(join(tmpdir(), 'ism-server-'));
  const dbFile = opts.dbFile ?? join(dir, 'workspace.sqlite');
  // A restart passes the database it had: it is kept, and dropped by nobody here.
  const fresh = testEngine === 'postgres' && !opts.databaseUrl && !opts.dbFile ? await createTestDatabase() : null;
  const databaseUrl = opts.databaseUrl ?? fresh?.url;
  let server: WorkspaceServer;
  try {
    server = await createServer({
      ...(databaseUrl ? { databaseUrl } : { dbFile }),
      demo: { seed: 7, contacts: 80 },
      validateResponses: true,
      // Webhook tests post to receivers on 127.0.0.1; the refusals are tested with this turned off.
      allowPrivateWebhooks: true,
      log: () => {},
      ...opts,
    });
  } catch (err) {
    await fresh?.drop();
    throw err;
  }
  return {
    ...server,
    dir,
    dbFile,
    databaseUrl,
    async stop() {
      await server.close();
      await fresh?.drop();
      if (!opts.dbFile) rmSync(dir, { recursive: true, force: true });
    },
  };
}

export const clientId = () => randomUUID();

export interface Answer<T = any> {
  status: number;
  body: T;
}

export class ApiClient {
  token: string | null = null;
  userId = '';
  constructor(readonly baseUrl: string) {}

  async request<T = any>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Answer<T>> {
    const send = () =>
      fetch(this.baseUrl + path, {
        method,
        headers: {
          ...(body !== undefined && { 'content-type': 'application/json' }),
          ...(this.token && { authorization: `Bearer ${this.token}` }),
          ...headers,
        },
        body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
      });
    // A pooled connection to a server that has since restarted fails once; a fresh one works.
    const res = await send().catch(() => send());
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {
      /* not JSON: keep the text */
    }
    return { status: res.status, body: parsed as T };
  }
  get<T = any>(path: string) {
    return this.request<T>('GET', path);
  }
  post<T = any>(path: string, body: unknown = {}) {
    return this.request<T>('POST', path, body);
  }
  patch<T = any>(path: string, body: unknown) {
    return this.request<T>('PATCH', path, body);
  }
  put<T = any>(path: string, body: unknown) {
    return this.request<T>('PUT', path, body);
  }

  /** The feed's head as a sync page tells this user (it moves on any write; /health no longer says it). */
  async head(): Promise<number> {
    const r = await this.get('/api/v1/sync?after=0&limit=1');
    if (r.status !== 200) throw new Error(`sync answered ${r.status}: ${JSON.stringify(r.body)}`);
    return r.body.head as number;
  }

  /** Every page of the feed after `after`. */
  async syncAll(after = 0, limit = 1000): Promise<{ changes: ChangeRecord[]; next: number }> {
    const changes: ChangeRecord[] = [];
    // As a client does: the epoch of each page goes back with its cursor (none on the first).
    let epoch: number | undefined;
    for (;;) {
      const r = await this.get(`/api/v1/sync?after=${after}&limit=${limit}${epoch === undefined ? '' : `&epoch=${epoch}`}`);
      if (r.status !== 200) throw new Error(`sync answered ${r.status}: ${JSON.stringify(r.body)}`);
      if (r.body.must_refetch) throw new Error(`sync answered must_refetch: ${r.body.reason}`);
      changes.push(...r.body.changes);
      after = r.body.next;
      epoch = r.body.epoch;
      if (!r.body.has_more) return { changes, next: after };
    }
  }
}

export async function signIn(server: { url: string }, email: string, password = DEMO_PASSWORD): Promise<ApiClient> {
  const c = new ApiClient(server.url);
  const r = await c.post('/api/v1/auth/sign-in', { email, password });
  if (r.status !== 200) throw new Error(`sign-in of ${email} answered ${r.status}: ${JSON.stringify(r.body)}`);
  c.token = r.body.token;
  c.userId = r.body.user.id;
  return c;
}

/** A contact writes in through the signed custom channel. */
export async function inbound(server: TestServer, senderId: string, text: string, messageId: string = randomUUID(), name?: string) {
  const channel = server.demo!.channel;
  const raw = JSON.stringify({ sender: { id: senderId, ...(name && { name }) }, message: { id: messageId, text } });
  const c = new ApiClient(server.url);
  return c.request('POST', `/api/v1/channels/${channel.id}/inbound`, raw, { 'x-signature': signBody(channel.secret, raw) });
}

/** A stream connection that records every frame it receives. */
export class StreamClient {
  readonly frames: ServerFrame[] = [];
  readonly changes: ChangeRecord[] = [];
  readonly arrivals: { at: number; frame: ServerFrame }[] = [];
  closeCode: number | null = null;
  private readonly ws: WebSocket;
  private waiters: (() => void)[] = [];

  constructor(server: { url: string }, token: string, after: number) {
    this.ws = new WebSocket(`${server.url.replace('http', 'ws')}${STREAM_PATH}?after=${after}`, {
      headers: { authorization: `Bearer ${token}` },
    });
    this.ws.on('message', (data) => {
      const frame = ServerFrame.parse(JSON.parse(data.toString()));
      this.frames.push(frame);
      this.arrivals.push({ at: Date.now(), frame });
      if (frame.type === 'changes') this.changes.push(...frame.changes);
      this.wake();
    });
    this.ws.on('close', (code) => {
      this.closeCode = code;
      this.wake();
    });
    this.ws.on('error', () => this.wake());
  }

  private wake() {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  opened(): Promise<void> {
    return new Promise((resolve, reject) => {
      if (this.ws.readyState === WebSocket.OPEN) return resolve();
      this.ws.once('open', () => resolve());
      this.ws.once('error', reject);
    });
  }

  send(data: string) {
    this.ws.send(data);
  }

  /** Waits until `pred` holds (checked after every frame), or fails after `ms`. */
  async until(pred: () => boolean, ms = 3000, what = 'condition'): Promise<void> {
    const deadline = Date.now() + ms;
    while (!pred()) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out waiting for ${what}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  close() {
    this.ws.close();
  }
}

export async function openStream(server: { url: string }, client: ApiClient, after: number): Promise<StreamClient> {
  const s = new StreamClient(server, client.token!, after);
  await s.opened();
  await s.until(() => s.frames.some((f) => f.type === 'hello'), 3000, 'hello');
  return s;
}
