// The live stream: each committed change is pushed to every connected client that may see it.
// Commits only say "there is more"; the hub reads the feed itself, so it works the same whichever
// process committed (see the PostgreSQL issue).
import type { WebSocket } from 'ws';
import { StreamClose } from '../../src-shared/sync/changes';
import { inList, type Database } from '../db/engine';
import type { UserRow } from '../workspace/rows';
import { SESSION_MAX_MS, SESSION_SEEN_EVERY_MS } from '../workspace/users';
import { loadViewer, scopeOf } from '../workspace/viewer';
import { pagesWaiting } from './turns';
import { feedHead } from './sync';
import { CATCH_UP_PAGE, CatchUpPages } from './catch-up-pages';
import type { FeedRow } from './records';
import { newClient, receivedFrame, send, sendRaw, type Client } from './stream-client';
import { DeliveryRound, type Seen } from './delivery-round';

const BATCH = 5000;
/** A client further behind than 5,000 records (this many pages) is told to page through /sync first. */
const MAX_CATCH_UP_PAGES = 5000 / CATCH_UP_PAGE;
const SCOPE_TTL_MS = 1000;

export interface ReconnectSpread {
  minMs?: number;
  perClientMs: number;
  minWindowMs: number;
  maxWindowMs: number;
}

export interface StreamHubOptions {
  heartbeatMs: number;
  /**
   * Delivery rounds start at least this far apart (default 0). A quiet workspace's commit is pushed
   * at once; a busy one's commits wait for the next round and go out together: one feed read and
   * one frame per client for all of them, instead of one per commit.
   */
  minRoundMs?: number;
  onPresence: (userId: string, idleSeconds: number) => Promise<unknown>;
  /**
   * The reconnect delay suggested in each hello: minMs plus a random point in a window of
   * perClientMs for each client connected, at least minWindowMs and at most maxWindowMs (defaults
   * 0, 10 ms, 1 s, 30 s).
   */
  reconnectSpread?: ReconnectSpread;
  /** Pages waiting for their turn beyond which a new stream is closed with 1013 and a retry delay (default 64). */
  maxPagesWaiting?: number;
  /** Streams one user may hold open at once (default 20), and one address (default 1,000). */
  maxStreamsPerUser?: number;
  maxStreamsPerAddress?: number;
  /** Ends a session past its maximum age, as a sign-out would (a stream in use keeps it from idling, not from this). */
  endSession: (userId: string, tokenHash: string) => Promise<unknown>;
  /** The server's clock (default Date.now): a connected stream counts as use of its session. */
  clock?: () => number;
  log: (msg: string, err?: unknown) => void;
}

export class StreamHub {
  /** The connected clients (tests count them by user). */
  private readonly conns = new Set<Client>();
  /** Streams open by user and by address, for the limits on both (refusal). */
  private readonly counts = new Map<string, number>();
  private last = 0;
  /**
   * What each connected user may see, kept between flushes. Whatever changes a scope (a user's role,
   * team, restriction or deactivation; a team's members) is a write to users that appends a user
   * record in the same transaction, so a batch with a user or team record drops this first. It is
   * also dropped every SCOPE_TTL_MS, so a write that broke that rule could not go unnoticed for long.
   */
  private scopes = new Map<string, Seen | null>();
  private scopesAt = 0;
  private scheduled = false;
  private lastRoundAt = 0;
  private running: Promise<void> | null = null;
  private timer: NodeJS.Timeout | null = null;
  private closed = false;
  private readonly catchUpPages: CatchUpPages;

  constructor(
    private readonly db: Database,
    private readonly opts: StreamHubOptions,
  ) {
    this.catchUpPages = new CatchUpPages(db);
  }

  async start(): Promise<void> {
    this.last = await feedHead(this.db);
    this.timer = setInterval(() => this.heartbeat(), this.opts.heartbeatMs);
    this.timer.unref();
  }

  get connections(): number {
    return this.conns.size;
  }

  /** A commit happened (here or elsewhere): push what is new soon, coalescing bursts. */
  notify(): void {
    if (this.scheduled || this.closed) return;
    this.scheduled = true;
    const run = () => {
      this.scheduled = false;
      void this.flush();
    };
    const wait = this.lastRoundAt + (this.opts.minRoundMs ?? 0) - performance.now();
    if (wait > 0) setTimeout(run, wait);
    else setImmediate(run);
  }

  /** Why one more stream for this user from this address is refused (null: it is taken). */
  refusal(userId: string, address: string): string | null {
    const mine = this.counts.get(`user ${userId}`) ?? 0;
    const here = address ? (this.counts.get(`address ${address}`) ?? 0) : 0;
    if (mine >= (this.opts.maxStreamsPerUser ?? 20))
      return `this user has ${mine} streams open, the most there may be: close one (an app left open elsewhere) first`;
    if (here >= (this.opts.maxStreamsPerAddress ?? 1000)) return 'too many streams from this address: try again later';
    return null;
  }

  private count(client: Client, by: 1 | -1): void {
    for (const key of [`user ${client.userId}`, ...(client.address ? [`address ${client.address}`] : [])]) {
      const n = (this.counts.get(key) ?? 0) + by;
      if (n > 0) this.counts.set(key, n);
      else this.counts.delete(key);
    }
  }

  private forget(client: Client): void {
    if (this.conns.delete(client)) this.count(client, -1);
  }

  attach(ws: WebSocket, user: UserRow, tokenHash: string, after: number, epoch?: number, address = ''): void {
    const client = newClient(ws, user.id, tokenHash, after, epoch, address);
    this.conns.add(client);
    this.count(client, 1);
    ws.on('pong', () => (client.alive = true));
    ws.on('close', () => this.forget(client));
    ws.on('error', () => this.forget(client));
    ws.on('message', (data, isBinary) => this.onFrame(client, isBinary ? null : data.toString()));
    // A reconnect storm in progress: this client comes back later, at its own point of the window.
    if (pagesWaiting() > (this.opts.maxPagesWaiting ?? 64)) {
      ws.close(StreamClose.tryAgainLater, `retry_after_ms=${this.reconnectDelay()}`);
      return;
    }
    send(client, { type: 'hello', head: this.last, user_id: user.id, reconnect_ms: this.reconnectDelay() });
    void this.catchUp(client);
  }

  /** A jittered reconnect delay, spread over a window that grows with the clients connected. */
  private reconnectDelay(): number {
    const { minMs = 0, perClientMs, minWindowMs, maxWindowMs } = this.opts.reconnectSpread ?? { perClientMs: 10, minWindowMs: 1000, maxWindowMs: 30_000 };
    const window = Math.min(maxWindowMs, Math.max(minWindowMs, this.conns.size * perClientMs));
    return minMs + Math.floor(Math.random() * window);
  }

  closeUser(userId: string, code: number, reason: string): void {
    for (const c of this.conns) if (c.userId === userId) c.ws.close(code, reason);
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    for (const c of this.conns) c.ws.terminate();
    this.conns.clear();
    this.counts.clear();
    await this.running;
  }

  private onFrame(client: Client, text: string | null): void {
    const frame = receivedFrame(client, text);
    if (frame?.type === 'ping') send(client, { type: 'heartbeat', head: client.processed, at: Date.now() });
    else if (frame) this.opts.onPresence(client.userId, frame.idle_seconds).catch((err) => this.opts.log('presence failed', err));
  }

  /** Brings one client from its cursor to the hub's position through the same pages /sync serves. */
  private async catchUp(client: Client): Promise<void> {
    try {
      const viewer = await loadViewer(this.db, client.userId);
      if (!viewer || Number(viewer.user.deactivated)) return client.ws.close(StreamClose.deactivated, 'deactivated');
      for (let pages = 0; ; pages++) {
        if (pages >= MAX_CATCH_UP_PAGES) return send(client, { type: 'resync' });
        const shared = await this.catchUpPages.read(viewer, client.processed, client.epoch);
        const page = shared.page;
        if ('mustRefetch' in page) return send(client, { type: 'must_refetch', reason: page.mustRefetch });
        if (page.records.length) {
          sendRaw(client, shared.frameFrom(client.sentUpto));
          client.sentUpto = page.next;
        }
        client.processed = page.next;
        if (!page.hasMore) break;
      }
      // Catch-up pages leave out sign-out records (as /sync does): a session ended meanwhile is seen here.
      if (!(await this.db.get('SELECT 1 AS found FROM sessions WHERE token_hash = ?', [client.tokenHash]))) {
        return client.ws.close(StreamClose.signedOut, 'signed out');
      }
      client.ready = true;
      // Anything committed while catching up is picked up by the next flush (or now).
      if (client.processed < this.last) ((client.ready = false), void this.catchUp(client));
    } catch (err) {
      this.opts.log('stream catch-up failed', err);
      client.ws.close(1011, 'server error');
    }
  }

  private async flush(): Promise<void> {
    if (this.running) {
      await this.running;
      return this.notify();
    }
    this.lastRoundAt = performance.now();
    this.running = this.flushOnce().finally(() => (this.running = null));
    await this.running;
  }

  private async flushOnce(): Promise<void> {
    try {
      if (this.conns.size === 0) {
        // Nobody to push to: no records to read, only the head (hello's, and where the next round
        // starts), and the scopes dropped, since what they were read before may have changed them.
        this.scopes = new Map();
        this.last = await feedHead(this.db);
        return;
      }
      for (;;) {
        const rows = await this.db.all<FeedRow>('SELECT * FROM changes WHERE seq > ? ORDER BY seq LIMIT ?', [this.last, BATCH]);
        if (rows.length === 0) return;
        const from = this.last;
        const upto = Number(rows[rows.length - 1].seq);
        await this.deliver(rows, from, upto);
        this.last = upto;
        if (rows.length < BATCH) return;
      }
    } catch (err) {
      this.opts.log('stream flush failed', err);
    }
  }

  /** What each of these users may see now (null: deactivated or gone), read in one query, not one per client. */
  private async scopesOf(userIds: string[]): Promise<Map<string, Seen | null>> {
    const out = new Map<string, Seen | null>();
    for (let i = 0; i < userIds.length; i += 500) {
      const chunk = userIds.slice(i, i + 500);
      const ids = inList(chunk);
      const users = await this.db.all<Pick<UserRow, 'id' | 'role' | 'team_id' | 'contact_visibility' | 'deactivated'>>(
        `SELECT id, role, team_id, contact_visibility, deactivated FROM users WHERE id IN ${ids.sql}`,
        ids.params,
      );
      for (const u of users) out.set(u.id, Number(u.deactivated) ? null : { scope: await scopeOf(this.db, u), role: u.role });
    }
    for (const id of userIds) if (!out.has(id)) out.set(id, null);
    return out;
  }

  private async deliver(rows: FeedRow[], from: number, upto: number): Promise<void> {
    // First, even with nobody connected: a scope read before a team move or a restriction in this
    // batch would otherwise outlive it and let later records through to whoever connects next.
    const now = Date.now();
    if (now - this.scopesAt >= SCOPE_TTL_MS || rows.some((r) => r.entity === 'user' || r.entity === 'team')) {
      this.scopes = new Map();
      this.scopesAt = now;
    }
    if (this.conns.size === 0) return;
    const round = await DeliveryRound.of(this.db, rows, from, upto);
    const clients = [...this.conns];
    const scopes = this.scopes;
    const missing = [...new Set(clients.filter((c) => c.ready && !scopes.has(c.userId)).map((c) => c.userId))];
    if (missing.length) for (const [id, scope] of await this.scopesOf(missing)) scopes.set(id, scope);
    for (const client of clients) {
      if (!client.ready) continue;
      if (client.processed < from) {
        // This client missed a batch (it was catching up): bring it forward from its own cursor.
        client.ready = false;
        void this.catchUp(client);
        continue;
      }
      // (A client that finished catching up during this flush was not among those read above.)
      if (!scopes.has(client.userId)) scopes.set(client.userId, (await this.scopesOf([client.userId])).get(client.userId) ?? null);
      const seen = scopes.get(client.userId);
      if (!seen) client.ws.close(StreamClose.deactivated, 'deactivated');
      else await round.deliverTo(client, seen);
    }
  }

  /**
   * Closes the streams whose session no longer exists, however it ended: a sign-out record closes a
   * live stream at once (deliver), and this, every heartbeat, is the net under it. A connected stream
   * is use of its session: its last use is written down as requests do (at most hourly), so a client
   * that only listens does not find its session expired when it reconnects. A session past its
   * maximum age is ended here, and its streams closed, however busy they are.
   */
  private async closeEndedSessions(): Promise<void> {
    const clients = [...this.conns].filter((c) => c.ready);
    const hashes = [...new Set(clients.map((c) => c.tokenHash))];
    const alive = new Set<string>();
    const now = (this.opts.clock ?? Date.now)();
    const stale: string[] = [];
    for (let i = 0; i < hashes.length; i += 500) {
      const list = inList(hashes.slice(i, i + 500));
      const sessions = await this.db.all<{ token_hash: string; user_id: string; last_seen_at: number; created_at: number }>(
        `SELECT token_hash, user_id, last_seen_at, created_at FROM sessions WHERE token_hash IN ${list.sql}`,
        list.params,
      );
      for (const r of sessions) {
        if (now - Number(r.created_at) > SESSION_MAX_MS) {
          await this.opts.endSession(r.user_id, r.token_hash);
          continue;
        }
        alive.add(r.token_hash);
        if (now - Number(r.last_seen_at) > SESSION_SEEN_EVERY_MS) stale.push(r.token_hash);
      }
    }
    const ended = clients.filter((c) => !alive.has(c.tokenHash) && this.conns.has(c));
    // A deactivation ends the user's sessions too: its streams are told why (as the delivery round would).
    const deactivated = new Set<string>();
    const endedUsers = [...new Set(ended.map((c) => c.userId))];
    for (let i = 0; i < endedUsers.length; i += 500) {
      const list = inList(endedUsers.slice(i, i + 500));
      for (const u of await this.db.all<{ id: string }>(`SELECT id FROM users WHERE deactivated = 1 AND id IN ${list.sql}`, list.params)) deactivated.add(u.id);
    }
    for (const c of ended) {
      if (deactivated.has(c.userId)) c.ws.close(StreamClose.deactivated, 'deactivated');
      else c.ws.close(StreamClose.signedOut, 'signed out');
    }
    for (let i = 0; i < stale.length; i += 500) {
      const list = inList(stale.slice(i, i + 500));
      await this.db.run(`UPDATE sessions SET last_seen_at = ? WHERE last_seen_at < ? AND token_hash IN ${list.sql}`, [now, now, ...list.params]);
    }
  }

  private heartbeat(): void {
    void this.closeEndedSessions().catch((err) => this.opts.log('stream session check failed', err));
    for (const client of this.conns) {
      if (!client.alive) {
        client.ws.terminate();
        this.forget(client);
        continue;
      }
      client.alive = false;
      client.ws.ping();
      if (client.ready) {
        send(client, { type: 'heartbeat', head: client.processed, at: Date.now() });
        client.sentUpto = client.processed;
      }
    }
  }
}
