// createServer: the workspace server over an SQLite file or a PostgreSQL database, on 127.0.0.1, ready for people and tests.
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { WebSocketServer } from 'ws';
import { STATUS_CODES, type IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { z } from 'zod';
import { ApiError, type ApiErrorBody } from '../../src-shared/api/errors';
import { routes, type RouteDef, type RouteName } from '../../src-shared/api/routes';
import { STREAM_PATH, StreamQuery } from '../../src-shared/sync/changes';
import type { Database } from '../db/engine';
import { SqliteDatabase } from '../db/sqlite';
import { PostgresDatabase } from '../db/postgres';
import { migratePostgres, migrateSqlite } from '../db/migrations';
import { StreamHub, type ReconnectSpread } from '../feed/stream';
import { SignInLimits } from '../workspace/sign-in-limits';
import { loadViewer, Store, type Clock } from '../workspace/store';
import { authenticate, reportPresence, setPresenceGap, signOut, sweepInactive } from '../workspace/users';
import { InboundBatcher, verifyInbound } from '../workspace/ingest';
import { handlers, RawJson, type Services } from './handlers';
import { openapiDocument } from './openapi';
import { checkText, decodeBody } from './text';
import { ANSWER_HEADERS, answerClientError, createHttpServer, hostCheck, type TlsFiles } from './transport';
import { ConnectionGuard, defaultConnectionLimits, type ConnectionLimits } from './connection-limits';
import { seedDemoWorkspace, type DemoOptions, type DemoSummary } from '../demo/seed';
import { createEmptyWorkspace, databaseEmpty, issueSetupCode, setupNeeded } from '../workspace/setup';
import { Simulator } from '../demo/simulate';
import { registerDeveloperApi, type DeveloperApiOptions } from '../v2/register';

export interface ServerOptions {
  /** The SQLite file (created if missing): the embedded default. */
  dbFile?: string;
  /**
   * A PostgreSQL database (postgres://user:password@host:port/db) instead of dbFile. Several
   * instances may share it: each learns of the others' commits through LISTEN/NOTIFY.
   */
  databaseUrl?: string;
  /** Connections per instance to PostgreSQL (default 10). */
  poolSize?: number;
  /** Groups of write transactions running at once on PostgreSQL (default 1; see PostgresOptions.writers). */
  pgWriters?: number;
  host?: string;
  /** Serve HTTPS with this certificate and key (PEM) instead of plain HTTP. */
  tls?: TlsFiles;
  /**
   * The addresses people reach this server by (e.g. https://chat.example.com): requests naming any
   * other host than these and the loopback names are refused (DNS rebinding).
   */
  publicUrls?: string[];
  /**
   * Believe X-Forwarded-For (the client's address, which sign-in limits count) from these proxies:
   * Fastify's trustProxy (addresses, CIDR ranges or names like 'loopback'; true trusts anyone, so
   * use it only where nothing else can reach the server). Default: no proxy is believed.
   */
  trustProxy?: boolean | string | string[];
  /** 0 picks a free port. */
  port?: number;
  clock?: Clock;
  /**
   * Create the demo workspace when the database is empty. Without it (the default) an empty database
   * becomes an empty workspace waiting for its first Owner (`setupCode`).
   */
  demo?: false | DemoOptions;
  /** Contacts write in every few seconds. */
  simulate?: boolean | { everyMs: number };
  heartbeatMs?: number;
  /** The reconnect delays suggested in the stream's hello (see StreamHubOptions.reconnectSpread). */
  reconnectSpread?: ReconnectSpread;
  /** Pages waiting for their turn beyond which a new stream is told to come back later (1013; default 64). */
  maxPagesWaiting?: number;
  /** Streams one user may hold open at once (default 20), and one address (default 1,000); beyond, the upgrade answers 429. */
  maxStreamsPerUser?: number;
  maxStreamsPerAddress?: number;
  /** Least time between the stream's delivery rounds (default: 20 ms on PostgreSQL, none on SQLite). */
  streamRoundMs?: number;
  /** Least time between a user's status changes and presence setting them offline (default 30 s; see workspace/presence.ts). */
  presenceGapMs?: number;
  /** How often users silent past the inactivity timeout are set offline. */
  sweepMs?: number;
  signInLimit?: { perIp: number; perEmail: number; windowMs: number };
  bodyLimitBytes?: number;
  /** Bounds on connections, pipelining, unread answers, bodies in flight and slow requests (defaults in connection-limits.ts). */
  limits?: Partial<ConnectionLimits>;
  /** The Developer API's rate limit for the workspace (default 100 requests per 10 s). */
  developerApiLimit?: DeveloperApiOptions['limit'];
  /** Check every answer against its contract (tests turn this on). */
  validateResponses?: boolean;
  log?: (msg: string, err?: unknown) => void;
}

export interface WorkspaceServer {
  url: string;
  port: number;
  store: Store;
  hub: StreamHub;
  /** Connections open now and body bytes arriving, as the limits count them. */
  guard: ConnectionGuard;
  demo: DemoSummary | null;
  /** While the workspace waits for its first Owner: the code this start issued (print it; only its hash is stored). */
  setupCode: string | null;
  app: FastifyInstance;
  close(): Promise<void>;
}

const PASSWORD_FIRST = 'Choose your own password first: the one you were given works only for that.';

const BEARER = /^Bearer ([A-Za-z0-9_-]{20,200})$/i;

function errorBody(err: unknown): { status: number; body: ApiErrorBody } {
  if (err instanceof ApiError) return { status: err.status, body: err.toBody() };
  const e = err as { statusCode?: number; code?: string; message?: string };
  if (e?.code === 'FST_ERR_CTP_BODY_TOO_LARGE' || e?.statusCode === 413) {
    return { status: 413, body: { code: 'payload_too_large', message: 'the request body is over the limit' } };
  }
  if (e?.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE' || e?.statusCode === 415) {
    return { status: 400, body: { code: 'invalid_request', message: 'send the body as JSON (Content-Type: application/json)' } };
  }
  if (e?.statusCode && e.statusCode >= 400 && e.statusCode < 500) {
    return { status: 400, body: { code: 'invalid_request', message: e.message ?? 'bad request' } };
  }
  return { status: 500, body: { code: 'internal', message: 'the server failed; nothing was changed' } };
}

function describeIssues(where: string, error: z.ZodError): string {
  return error.issues
    .slice(0, 3)
    .map((i) => `${[where, ...i.path.map(String)].join('.')}: ${i.message}`)
    .join('; ');
}

function parsePart<T>(schema: z.ZodType<T> | undefined, value: unknown, where: string): T {
  if (!schema) return undefined as T;
  const r = schema.safeParse(value ?? (where === 'body' ? undefined : {}));
  if (!r.success) throw new ApiError('invalid_request', describeIssues(where, r.error));
  return r.data;
}

/** Addresses that are trusted proxies: many clients arrive from each, so the per-address cap does not count them. */
function proxyAddresses(trust: ServerOptions['trustProxy']): (address: string) => boolean {
  if (trust === true) return () => true;
  if (!trust) return () => false;
  const listed = new Set((Array.isArray(trust) ? trust : trust.split(',')).map((a) => a.trim()));
  const loopback = listed.has('loopback');
  return (address) => {
    const plain = address.replace(/^::ffff:/, '');
    return listed.has(address) || listed.has(plain) || (loopback && (plain === '127.0.0.1' || address === '::1'));
  };
}

export async function createServer(opts: ServerOptions): Promise<WorkspaceServer> {
  const log = opts.log ?? ((msg: string, err?: unknown) => console.error(`[server] ${msg}`, err ?? ''));
  const clock = opts.clock ?? Date.now;
  let db: Database;
  if (opts.databaseUrl) {
    const pgdb = new PostgresDatabase(opts.databaseUrl, { poolSize: opts.poolSize, writers: opts.pgWriters, log });
    try {
      await migratePostgres(pgdb);
    } catch (err) {
      await pgdb.close();
      throw err;
    }
    db = pgdb;
  } else if (opts.dbFile) {
    const sqlite = new SqliteDatabase(opts.dbFile);
    migrateSqlite(sqlite);
    db = sqlite;
  } else throw new Error('createServer: give dbFile (SQLite) or databaseUrl (PostgreSQL)');

  let hub: StreamHub | null = null;
  const store = new Store(db, clock, () => hub?.notify());
  if (opts.presenceGapMs !== undefined) setPresenceGap(store, opts.presenceGapMs);
  hub = new StreamHub(db, {
    heartbeatMs: opts.heartbeatMs ?? 15_000,
    // PostgreSQL: every instance's commits nudge every instance, and each round reads the feed over
    // the network, so rounds are spaced; SQLite's rounds follow its group commits and read in-process.
    minRoundMs: opts.streamRoundMs ?? (db.dialect === 'postgres' ? 20 : 0),
    onPresence: (userId, idle) => reportPresence(store, userId, idle),
    maxStreamsPerUser: opts.maxStreamsPerUser,
    reconnectSpread: opts.reconnectSpread,
    maxPagesWaiting: opts.maxPagesWaiting,
    maxStreamsPerAddress: opts.maxStreamsPerAddress,
    endSession: (userId, tokenHash) => signOut(store, userId, tokenHash),
    clock,
    log,
  });

  // Instances starting together on one database: one creates the workspace (the demo, or an empty
  // one), the others then find it. Each start while setup is pending issues its own setup code.
  const { demo, setupCode } = await db.exclusive(async () => {
    const empty = await databaseEmpty(db);
    if (empty && opts.demo) {
      const summary = await seedDemoWorkspace(store, opts.demo);
      // PostgreSQL plans by its statistics, which a bulk load leaves empty until autovacuum comes
      // by; until then the planner guesses the tables' sizes.
      if (db.dialect === 'postgres') await db.run('ANALYZE');
      return { demo: summary, setupCode: null };
    }
    if (empty) await createEmptyWorkspace(store);
    return { demo: null, setupCode: (await setupNeeded(db)) ? await issueSetupCode(store) : null };
  });
  await hub.start();
  // Commits of other instances (PostgreSQL): the hub reads the feed itself, so a nudge is enough.
  await db.watchChanges(() => hub!.notify());

  const signInLimits = new SignInLimits(store, opts.signInLimit ?? { perIp: 300, perEmail: 10, windowMs: 60_000 });
  let openapi: Record<string, unknown> | null = null;
  const services: Services = {
    store,
    inbound: new InboundBatcher(store),
    openapi: () => (openapi ??= openapiDocument()),
    signInLimit: signInLimits,
    setupLimit: { start: (ip) => signInLimits.startSetup(ip), succeeded: (ip) => signInLimits.setupSucceeded(ip) },
  };

  const listenHost = opts.host ?? '127.0.0.1';
  const checkHost = hostCheck(opts.publicUrls ?? [], listenHost);

  const isProxy = proxyAddresses(opts.trustProxy);
  const guard = new ConnectionGuard({ ...defaultConnectionLimits(), ...opts.limits }, isProxy, ANSWER_HEADERS);
  const app = Fastify({
    bodyLimit: opts.bodyLimitBytes ?? 256 * 1024,
    logger: false,
    return503OnClosing: false,
    trustProxy: opts.trustProxy ?? false,
    // The Host check, the connection limits and the answer headers come before Fastify sees a request (see transport.ts).
    serverFactory: (handler, o) => createHttpServer(opts.tls, checkHost, guard, handler, o),
    clientErrorHandler: answerClientError,
    // Errors the router raises before any route runs (a malformed URL, an over-long id) answer {code, message} too.
    frameworkErrors: (err, _req, reply) => {
      const { status, body } = errorBody(err);
      void (reply as FastifyReply).status(status).send(body);
    },
  });
  // Bodies are JSON only: drop Fastify's default text/plain parser, so any other type answers 400.
  app.removeContentTypeParser('text/plain');
  // Keep the raw body: the channel signature is over the exact bytes sent.
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (req, bytes, done) => {
    let body: string;
    let parsed: unknown;
    try {
      body = decodeBody(bytes as Buffer);
    } catch (err) {
      return done(err as Error, undefined);
    }
    (req as FastifyRequest & { rawBody?: string }).rawBody = body;
    if (body.length === 0) return done(null, undefined);
    try {
      parsed = JSON.parse(body);
    } catch {
      return done(new ApiError('invalid_request', 'the body is not valid JSON'), undefined);
    }
    try {
      checkText(parsed);
    } catch (err) {
      return done(err as Error, undefined);
    }
    done(null, parsed);
  });
  // Bodies still arriving share one budget of memory (a client sending half a body and stopping holds it until its request times out).
  app.addHook('preParsing', (req, _reply, payload, done) => {
    const hasBody = req.headers['transfer-encoding'] !== undefined || Number(req.headers['content-length'] ?? 0) > 0;
    try {
      done(null, hasBody ? guard.meter(req.raw, payload) : payload);
    } catch (err) {
      done(err as Error);
    }
  });
  app.setErrorHandler((err, _req, reply) => {
    const { status, body } = errorBody(err);
    if (status >= 500) log('request failed', err);
    void reply.status(status).send(body);
  });
  app.setNotFoundHandler((req, reply) => {
    void reply.status(404).send({ code: 'not_found', message: `no route ${req.method} ${req.url.split('?')[0]}` });
  });

  for (const [name, def] of Object.entries(routes) as [RouteName, RouteDef][]) {
    app.route({
      method: def.method,
      url: def.path,
      handler: async (req, reply) => {
        const rawBody = (req as FastifyRequest & { rawBody?: string }).rawBody ?? '';
        const ctx: Record<string, unknown> = { rawBody, headers: req.headers, ip: req.ip };
        ctx.params = parsePart(def.params, req.params, 'params');
        if (def.auth === 'session') {
          const m = BEARER.exec(String(req.headers.authorization ?? ''));
          if (!m) throw new ApiError('unauthorized', 'send the session token as Authorization: Bearer <token>');
          const { user, tokenHash } = await authenticate(store, m[1]);
          if (Number(user.must_change_password) && !def.beforeOwnPassword) throw new ApiError('forbidden', PASSWORD_FIRST);
          if (def.roles && !def.roles.includes(user.role)) throw new ApiError('forbidden', `only ${def.roles.join(' and ')} users may do this`);
          ctx.viewer = await loadViewer(db, user.id);
          ctx.tokenHash = tokenHash;
        }
        if (def.auth === 'signature') {
          const sig = req.headers['x-signature'];
          await verifyInbound(db, (ctx.params as { id: string }).id, rawBody, typeof sig === 'string' ? sig : undefined);
        }
        ctx.query = parsePart(def.query, req.query, 'query');
        ctx.body = parsePart(def.body, req.body, 'body');
        const result = await (handlers[name] as (c: unknown, s: Services) => Promise<unknown>)(ctx, services);
        if (opts.validateResponses) {
          const check = def.response.safeParse(result instanceof RawJson ? JSON.parse(result.json) : result);
          if (!check.success) throw new Error(`response of ${name} breaks its contract: ${describeIssues('response', check.error)}`);
        }
        if (result instanceof RawJson) return reply.status(def.status ?? 200).type('application/json; charset=utf-8').send(result.json);
        return reply.status(def.status ?? 200).send(result);
      },
    });
  }

  registerDeveloperApi(app, store, { limit: opts.developerApiLimit, validateResponses: opts.validateResponses, log });

  const wss = new WebSocketServer({ noServer: true, maxPayload: 64 * 1024 });
  const reject = (socket: Duplex, status: number, body: ApiErrorBody) => {
    const text = JSON.stringify(body);
    socket.end(
      `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Bad Request'}\r\n` +
        `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(text)}\r\n` +
        Object.entries(ANSWER_HEADERS).map(([k, v]) => `${k}: ${v}\r\n`).join('') +
        `Connection: close\r\n\r\n${text}`,
    );
  };
  app.server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    void (async () => {
      const refused = checkHost(req.headers.host);
      if (refused) return reject(socket, 400, refused);
      const url = new URL(req.url ?? '/', 'http://localhost');
      if (url.pathname !== STREAM_PATH) return reject(socket, 404, { code: 'not_found', message: 'no stream here' });
      const epoch = url.searchParams.get('epoch');
      const q = StreamQuery.safeParse({ after: url.searchParams.get('after') ?? '0', ...(epoch !== null && { epoch }) });
      if (!q.success) return reject(socket, 400, { code: 'invalid_request', message: 'after and epoch must be whole numbers (a cursor and the epoch that came with it)' });
      const m = BEARER.exec(String(req.headers.authorization ?? ''));
      if (!m) return reject(socket, 401, { code: 'unauthorized', message: 'send Authorization: Bearer <token>' });
      let auth;
      try {
        auth = await authenticate(store, m[1]);
      } catch (err) {
        return reject(socket, 401, errorBody(err).body);
      }
      if (Number(auth.user.must_change_password)) return reject(socket, 403, { code: 'forbidden', message: PASSWORD_FIRST });
      // Behind a trusted proxy every stream comes from the proxy: no per-address count then.
      const address = isProxy(req.socket.remoteAddress ?? '') ? '' : (req.socket.remoteAddress ?? '');
      const tooMany = hub!.refusal(auth.user.id, address);
      if (tooMany) return reject(socket, 429, { code: 'rate_limited', message: tooMany });
      wss.handleUpgrade(req, socket, head, (ws) => hub!.attach(ws, auth.user, auth.tokenHash, q.data.after, q.data.epoch, address));
    })().catch((err) => {
      log('upgrade failed', err);
      socket.destroy();
    });
  });

  const sweeper = setInterval(() => {
    void sweepInactive(store).catch((err) => log('sweep failed', err));
    void signInLimits.sweep().catch((err) => log('sign-in limits sweep failed', err));
  }, opts.sweepMs ?? 30_000);
  sweeper.unref();

  const address = await app.listen({ host: listenHost, port: opts.port ?? 0 });
  const port = Number(new URL(address).port);
  const simulator = opts.simulate ? new Simulator(store, typeof opts.simulate === 'object' ? opts.simulate.everyMs : 3000, log) : null;
  simulator?.start();

  return {
    url: `${opts.tls ? 'https' : 'http'}://${listenHost}:${port}`,
    port,
    store,
    hub,
    guard,
    demo,
    setupCode,
    app,
    async close() {
      simulator?.stop();
      clearInterval(sweeper);
      await hub!.close();
      wss.close();
      await app.close();
      await db.close();
    },
  };
}
