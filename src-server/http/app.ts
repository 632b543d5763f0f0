// createServer: the workspace server over an SQLite file or a PostgreSQL database, on 127.0.0.1, ready for people and tests.
import type { FastifyInstance } from 'fastify';
import { routes } from '../../src-shared/api/routes';
import { openDatabase } from '../db/open';
import { StreamHub, type ReconnectSpread } from '../feed/stream';
import { FeedCompactor } from '../feed/compaction';
import { SignInLimits } from '../workspace/sign-in-limits';
import { Store, type Clock } from '../workspace/store';
import { reportPresence, setPresenceGap, signOut } from '../workspace/users';
import { InboundBatcher } from '../workspace/ingest';
import type { DemoOptions, DemoSummary } from '../demo/seed';
import { handlers, type Services } from './handlers';
import { openapiDocument } from './openapi';
import { ANSWER_HEADERS, hostCheck, trustedProxies, type TlsFiles } from './transport';
import { ConnectionGuard, defaultConnectionLimits, type ConnectionLimits } from './connection-limits';
import { buildHttpApp } from './http-app';
import type { RouteGroup } from './route-groups';
import { acceptStreams } from './stream-upgrade';
import { openWorkspace, startBackgroundWork } from './lifecycle';
import { AlertWatch } from '../workspace/alerts';
import { registerDeveloperApi, type DeveloperApiOptions } from '../v2/register';
import { WebhookDispatcher, type RetrySchedule } from '../webhooks/dispatcher';

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
  /** Change records older than this many days are pruned (default 30); clients further behind bootstrap again. */
  feedRetentionDays?: number;
  /** How often the feed is compacted (default hourly; the first run a minute after start). */
  compactEveryMs?: number;
  signInLimit?: { perIp: number; perEmail: number; windowMs: number };
  bodyLimitBytes?: number;
  /** Bounds on connections, pipelining, unread answers, bodies in flight and slow requests (defaults in connection-limits.ts). */
  limits?: Partial<ConnectionLimits>;
  /** The Developer API's rate limit for the workspace (default 100 requests per 10 s). */
  developerApiLimit?: DeveloperApiOptions['limit'];
  /** How often the supervisor alert rules are checked (default 1 s; commits also trigger a check). */
  alertSweepMs?: number;
  /** For tests only: the length of an alert rule's "minute" in ms (1,000 makes thresholds seconds). */
  alertMinuteMsForTests?: number;
  /** Let webhooks reach loopback and private addresses (--allow-private-webhooks: tests and on-premises receivers). */
  allowPrivateWebhooks?: boolean;
  /** A shorter retry schedule for webhook deliveries: tests only (the default retries for 24 hours). */
  webhookSchedule?: Partial<RetrySchedule>;
  /** Check every answer against its contract (tests turn this on). */
  validateResponses?: boolean;
  log?: (msg: string, err?: unknown) => void;
}

export interface WorkspaceServer {
  url: string;
  port: number;
  store: Store;
  hub: StreamHub;
  /** The supervisor alert rules' evaluator. */
  alerts: AlertWatch;
  /** Connections open now and body bytes arriving, as the limits count them. */
  guard: ConnectionGuard;
  demo: DemoSummary | null;
  /** While the workspace waits for its first Owner: the code this start issued (print it; only its hash is stored). */
  setupCode: string | null;
  /** Compacts the feed (superseded records, then those past retention); also run on a timer. */
  compactor: FeedCompactor;
  /** Webhook delivery (queueing, claiming, recording; the sending thread). */
  webhooks: WebhookDispatcher;
  app: FastifyInstance;
  close(): Promise<void>;
}

/** Every group of routes the server answers, each a route table with its handlers: a new group is added here. */
const ROUTE_GROUPS: readonly RouteGroup[] = [{ routes, handlers }];

export async function createServer(opts: ServerOptions): Promise<WorkspaceServer> {
  const log = opts.log ?? ((msg: string, err?: unknown) => console.error(`[server] ${msg}`, err ?? ''));
  const clock = opts.clock ?? Date.now;
  const db = await openDatabase(opts, log);

  let hub: StreamHub | null = null;
  let alerts: AlertWatch | null = null;
  let webhookDispatcher: WebhookDispatcher | null = null;
  const store = new Store(db, clock, () => {
    hub?.notify();
    alerts?.nudge();
    webhookDispatcher?.notify();
  });
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
  const { demo, setupCode } = await openWorkspace(db, store, opts.demo);
  await hub.start();
  const dispatcher = (webhookDispatcher = new WebhookDispatcher(store, {
    allowPrivate: opts.allowPrivateWebhooks ?? false,
    schedule: opts.webhookSchedule,
    log,
  }));
  dispatcher.start();
  // Commits of other instances (PostgreSQL): the hub, the alerts and the webhooks read the feed themselves, so a nudge is enough.
  await db.watchChanges(() => {
    hub!.notify();
    alerts?.nudge();
    dispatcher.notify();
  });
  alerts = new AlertWatch(store, { minuteMs: opts.alertMinuteMsForTests ?? 60_000, sweepMs: opts.alertSweepMs ?? 1000, log });
  alerts.start();

  const signInLimits = new SignInLimits(store, opts.signInLimit ?? { perIp: 300, perEmail: 10, windowMs: 60_000 });
  let openapi: Record<string, unknown> | null = null;
  const services: Services = {
    store,
    inbound: new InboundBatcher(store),
    openapi: () => (openapi ??= openapiDocument()),
    signInLimit: signInLimits,
    setupLimit: { start: (ip) => signInLimits.startSetup(ip), succeeded: (ip) => signInLimits.setupSucceeded(ip) },
    webhooks: { dispatcher, allowPrivate: opts.allowPrivateWebhooks ?? false },
  };

  const listenHost = opts.host ?? '127.0.0.1';
  const checkHost = hostCheck(opts.publicUrls ?? [], listenHost);
  const isProxy = trustedProxies(opts.trustProxy);
  const guard = new ConnectionGuard({ ...defaultConnectionLimits(), ...opts.limits }, isProxy, ANSWER_HEADERS);
  const app = buildHttpApp({
    tls: opts.tls,
    checkHost,
    guard,
    trustProxy: opts.trustProxy ?? false,
    bodyLimitBytes: opts.bodyLimitBytes ?? 256 * 1024,
    groups: ROUTE_GROUPS,
    deps: { db, store, services, validateResponses: opts.validateResponses ?? false },
    log,
  });
  // The Developer API (/v2) answers in respond.io's conventions, so it registers its own routes and errors.
  registerDeveloperApi(app, store, { limit: opts.developerApiLimit, validateResponses: opts.validateResponses, log });
  const wss = acceptStreams(app.server, { checkHost, isProxy, store, hub, log });

  const address = await app.listen({ host: listenHost, port: opts.port ?? 0 });
  const port = Number(new URL(address).port);
  const compactor = new FeedCompactor(db, clock, opts.feedRetentionDays);
  const stopBackground = startBackgroundWork(
    store,
    signInLimits,
    {
      sweepMs: opts.sweepMs ?? 30_000,
      simulateEveryMs: !opts.simulate ? null : typeof opts.simulate === 'object' ? opts.simulate.everyMs : 3000,
      compactEveryMs: opts.compactEveryMs ?? 3_600_000,
      compact: () => compactor.run(),
    },
    log,
  );

  return {
    url: `${opts.tls ? 'https' : 'http'}://${listenHost}:${port}`,
    port,
    store,
    hub,
    alerts,
    guard,
    demo,
    setupCode,
    compactor,
    webhooks: dispatcher,
    app,
    async close() {
      stopBackground();
      await alerts!.stop();
      await dispatcher.close();
      await hub!.close();
      wss.close();
      await app.close();
      await db.close();
    },
  };
}
