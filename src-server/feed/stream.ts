// The live stream: each committed change is pushed to every connected client that may see it.
// Commits only say "there is more"; the hub reads the feed itself, so it works the same whichever
// process committed (see the PostgreSQL issue).
import type { WebSocket } from 'ws';
import { ClientFrame, StreamClose, type ServerFrame } from '../../src-shared/sync/changes';
import type { VisibilityScope } from '../../src-shared/access/visibility';
import { inList, type Database } from '../db/engine';
import type { UserRow } from '../workspace/rows';
import { SESSION_MAX_MS, SESSION_SEEN_EVERY_MS } from '../workspace/users';
import { scopeOf, type ViewerCtx } from '../workspace/store';
import { pagesWaiting } from './turns';
import { expandGrant, feedHead, pageJson, recordJson as recordJsonOf, recordVisible, redactsUser, type FeedRow } from './sync';

const BATCH = 5000;
const NONE: readonly number[] = [];
/** A client further behind than this many pages is told to page through /sync first. */
const MAX_CATCH_UP_PAGES = 5;
const MAX_BAD_FRAMES = 10;
/** Frames a client may send: a burst of this many, refilled at FRAMES_PER_SECOND; beyond, the stream closes. */
const FRAME_BURST = 20;
const FRAMES_PER_SECOND = 5;
const SCOPE_TTL_MS = 1000;

/** What a connected user may see, and their access level (what they are shown of other users). */
interface Seen {
  scope: VisibilityScope;
  role: UserRow['role'];
}

interface Conn {
  ws: WebSocket;
  userId: string;
  /** The client's address (each address may hold a bounded number of streams). */
  address: string;
  tokenHash: string;
  /** The cursor the client holds from us: the `upto` of the last frame (or heartbeat) sent. */
  sentUpto: number;
  /** How far the hub has examined the feed for this client. */
  processed: number;
  ready: boolean;
  alive: boolean;
  badFrames: number;
  /** Frames the client may still send now (token bucket), and when it was last refilled. */
  frameTokens: number;
  frameRefilledAt: number;
  /** The client's visibility epoch (see SyncQuery), for its catch-up. */
  epoch: number | undefined;
  /** Contacts granted to this user whose grant was not sent (no longer visible when it was delivered). */
  withheld?: Set<string>;
}

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
  private readonly conns = new Set<Conn>();
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

  constructor(
    private readonly db: Database,
    private readonly opts: StreamHubOptions,
  ) {}

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
    let mine = 0;
    let here = 0;
    for (const c of this.conns) {
      if (c.userId === userId) mine += 1;
      if (address && c.address === address) here += 1;
    }
    if (mine >= (this.opts.maxStreamsPerUser ?? 20)) return `this user has ${mine} streams open, the most there may be: close one (an app left open elsewhere) first`;
    if (here >= (this.opts.maxStreamsPerAddress ?? 1000)) return 'too many streams from this address: try again later';
    return null;
  }

  attach(ws: WebSocket, user: UserRow, tokenHash: string, after: number, epoch?: number, address = ''): void {
    const conn: Conn = { ws, userId: user.id, address, tokenHash, sentUpto: after, processed: after, ready: false, alive: true, badFrames: 0, frameTokens: FRAME_BURST, frameRefilledAt: performance.now(), epoch };
    this.conns.add(conn);
    ws.on('pong', () => (conn.alive = true));
    ws.on('close', () => this.conns.delete(conn));
    ws.on('error', () => this.conns.delete(conn));
    ws.on('message', (data, isBinary) => this.onFrame(conn, isBinary ? null : data.toString()));
    // A reconnect storm in progress: this client comes back later, at its own point of the window.
    if (pagesWaiting() > (this.opts.maxPagesWaiting ?? 64)) {
      ws.close(StreamClose.tryAgainLater, `retry_after_ms=${this.reconnectDelay()}`);
      return;
    }
    this.send(conn, { type: 'hello', head: this.last, user_id: user.id, reconnect_ms: this.reconnectDelay() });
    void this.catchUp(conn);
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
    await this.running;
  }

  private send(conn: Conn, frame: ServerFrame | string): void {
    this.sendRaw(conn, typeof frame === 'string' ? frame : JSON.stringify(frame));
  }

  /** A text frame; a Buffer (UTF-8 JSON) may be shared by several clients. */
  private sendRaw(conn: Conn, frame: string | Buffer): void {
    if (conn.ws.readyState !== conn.ws.OPEN) return;
    conn.ws.send(frame, { binary: false });
  }

  private onFrame(conn: Conn, text: string | null): void {
    const now = performance.now();
    conn.frameTokens = Math.min(FRAME_BURST, conn.frameTokens + ((now - conn.frameRefilledAt) / 1000) * FRAMES_PER_SECOND);
    conn.frameRefilledAt = now;
    if (conn.frameTokens < 1) {
      if (conn.ws.readyState === conn.ws.OPEN) conn.ws.close(StreamClose.tooManyFrames, 'too many frames: at most 5 a second');
      return;
    }
    conn.frameTokens -= 1;
    let frame: ClientFrame | null = null;
    try {
      const parsed = ClientFrame.safeParse(text === null ? null : JSON.parse(text));
      if (parsed.success) frame = parsed.data;
    } catch {
      frame = null;
    }
    if (!frame) {
      conn.badFrames += 1;
      this.send(conn, { type: 'error', code: 'invalid_request', message: 'frames are JSON: {"type":"ping"} or {"type":"presence","idle_seconds":N}' });
      if (conn.badFrames > MAX_BAD_FRAMES) conn.ws.close(StreamClose.badFrames, 'too many invalid frames');
      return;
    }
    if (frame.type === 'ping') this.send(conn, { type: 'heartbeat', head: conn.processed, at: Date.now() });
    else this.opts.onPresence(conn.userId, frame.idle_seconds).catch((err) => this.opts.log('presence failed', err));
  }

  private async viewerOf(userId: string): Promise<ViewerCtx | null> {
    const user = await this.db.get<UserRow>('SELECT * FROM users WHERE id = ?', [userId]);
    if (!user || Number(user.deactivated)) return null;
    return { user, scope: await scopeOf(this.db, user) };
  }

  /** Brings one client from its cursor to the hub's position through the same pages /sync serves. */
  private async catchUp(conn: Conn): Promise<void> {
    try {
      const viewer = await this.viewerOf(conn.userId);
      if (!viewer) return conn.ws.close(StreamClose.deactivated, 'deactivated');
      for (let pages = 0; ; pages++) {
        if (pages >= MAX_CATCH_UP_PAGES) return this.send(conn, { type: 'resync' });
        // Built from the stored JSON: parsing each record to serialise it again held the event loop
        // for every client of a reconnect storm.
        const page = await pageJson(this.db, viewer, conn.processed, 1000, conn.epoch);
        if ('mustRefetch' in page) return this.send(conn, { type: 'must_refetch', reason: page.mustRefetch });
        if (page.count) {
          this.sendRaw(conn, `{"type":"changes","after":${conn.sentUpto},"upto":${page.next},"changes":[${page.changes}]}`);
          conn.sentUpto = page.next;
        }
        conn.processed = page.next;
        if (!page.hasMore) break;
      }
      // Catch-up pages leave out sign-out records (as /sync does): a session ended meanwhile is seen here.
      if (!(await this.db.get('SELECT 1 AS found FROM sessions WHERE token_hash = ?', [conn.tokenHash]))) {
        return conn.ws.close(StreamClose.signedOut, 'signed out');
      }
      conn.ready = true;
      // Anything committed while catching up is picked up by the next flush (or now).
      if (conn.processed < this.last) conn.ready = false, void this.catchUp(conn);
    } catch (err) {
      this.opts.log('stream catch-up failed', err);
      conn.ws.close(1011, 'server error');
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
    // The contacts' current assignees, read once for every client.
    const contactIds = [...new Set(rows.map((r) => r.contact_id).filter((id): id is string => id !== null))];
    const assignee = new Map<string, string | null>();
    for (let i = 0; i < contactIds.length; i += 500) {
      const chunk = contactIds.slice(i, i + 500);
      const ids = inList(chunk);
      const found = await this.db.all<{ id: string; assignee_id: string | null }>(`SELECT id, assignee_id FROM contacts WHERE id IN ${ids.sql}`, ids.params);
      for (const f of found) assignee.set(f.id, f.assignee_id);
    }
    const conns = [...this.conns];
    const scopes = this.scopes;
    const missing = [...new Set(conns.filter((c) => c.ready && !scopes.has(c.userId)).map((c) => c.userId))];
    if (missing.length) for (const [id, scope] of await this.scopesOf(missing)) scopes.set(id, scope);
    const json = new Map<number, string>();
    const recordJson = (i: number) => {
      let s = json.get(i);
      if (s === undefined) json.set(i, (s = recordJsonOf(rows[i])));
      return s;
    };
    // Agents are shown other users' records without their restrictions (as /sync does).
    const redactedJson = new Map<number, string>();
    const recordJsonFor = (viewer: { id: string; role: UserRow['role'] }) => (i: number) => {
      if (!redactsUser(rows[i], viewer)) return recordJson(i);
      let s = redactedJson.get(i);
      if (s === undefined) redactedJson.set(i, (s = recordJsonOf(rows[i], true)));
      return s;
    };
    const usersIn = new Set(rows.filter((r) => r.entity === 'user').map((r) => r.entity_id));
    // Clients that see the same records from the same cursor get the same frame: encode it once.
    const frames = new Map<string, Buffer>();
    // Most clients see everything (owners, managers, unrestricted agents) and are addressed by no
    // record of the batch: they all see the same rows, worked out once with the same rule.
    const addressed = new Set<string>();
    for (const r of rows) if (r.target_user_id !== null) addressed.add(r.target_user_id);
    let shared: number[] | null = null;
    const sharedRows = (scope: VisibilityScope) => {
      if (shared) return shared;
      shared = [];
      for (let i = 0; i < rows.length; i++) {
        if (rows[i].target_user_id === null && recordVisible(rows[i], '', scope, (id) => assignee.get(id))) shared.push(i);
      }
      return shared;
    };
    // For restricted users (a few assignees each), the records that may concern them, found through
    // an index of the batch instead of testing every record for every client. A superset: the rule
    // below still decides.
    let index: { common: number[]; byTarget: Map<string, number[]>; byAssignee: Map<string, number[]> } | null = null;
    const push = (m: Map<string, number[]>, key: string, i: number) => {
      const list = m.get(key);
      if (list) list.push(i);
      else m.set(key, [i]);
    };
    const candidates = (userId: string, userIds: readonly string[]): readonly number[] => {
      if (!index) {
        index = { common: [], byTarget: new Map(), byAssignee: new Map() };
        for (let i = 0; i < rows.length; i++) {
          const r = rows[i];
          if (r.target_user_id !== null) push(index.byTarget, r.target_user_id, i);
          else if (r.contact_id === null || r.op === 'remove') index.common.push(i);
          else {
            const a = assignee.get(r.contact_id);
            if (a) push(index.byAssignee, a, i);
          }
        }
      }
      // Most restricted clients have nothing in a round: no lists gathered for them.
      const lists: number[][] = [];
      if (index.common.length) lists.push(index.common);
      const targeted = index.byTarget.get(userId);
      if (targeted) lists.push(targeted);
      for (const u of userIds) {
        const assigned = index.byAssignee.get(u);
        if (assigned) lists.push(assigned);
      }
      return lists.length === 0 ? NONE : lists.length === 1 ? lists[0] : lists.flat().sort((x, y) => x - y);
    };
    for (const conn of conns) {
      if (!conn.ready) continue;
      if (conn.processed < from) {
        // This client missed a batch (it was catching up): bring it forward from its own cursor.
        conn.ready = false;
        void this.catchUp(conn);
        continue;
      }
      // (A client that finished catching up during this flush was not among those read above.)
      if (!scopes.has(conn.userId)) scopes.set(conn.userId, (await this.scopesOf([conn.userId])).get(conn.userId) ?? null);
      const seen = scopes.get(conn.userId);
      if (!seen) {
        conn.ws.close(StreamClose.deactivated, 'deactivated');
        continue;
      }
      const { scope } = seen;
      const viewer = { id: conn.userId, role: seen.role };
      const encode = recordJsonFor(viewer);
      // A frame's text depends on who reads it only through user records: an agent's own is whole.
      const audience = seen.role !== 'agent' ? 'all' : usersIn.has(conn.userId) ? `agent:${conn.userId}` : 'agents';
      if (scope.kind === 'all' && conn.processed === from && !addressed.has(conn.userId)) {
        const picked = sharedRows(scope);
        if (picked.length) {
          const key = `${conn.sentUpto}:shared:${audience}`;
          let frame = frames.get(key);
          if (!frame) {
            frame = Buffer.from(`{"type":"changes","after":${conn.sentUpto},"upto":${upto},"changes":[${picked.map(encode).join(',')}]}`);
            frames.set(key, frame);
          }
          this.sendRaw(conn, frame);
          conn.sentUpto = upto;
        }
        conn.processed = upto;
        continue;
      }
      const picked: number[] = [];
      let grants: Map<number, string[]> | null = null;
      let ended = false;
      for (const i of scope.kind === 'all' ? rows.keys() : candidates(conn.userId, scope.userIds)) {
        const r = rows[i];
        if (Number(r.seq) <= conn.processed) continue;
        // The removal of a contact whose grant this client was not sent (as /sync does).
        if (r.target_user_id === conn.userId && r.op === 'remove' && conn.withheld?.delete(r.contact_id!)) continue;
        if (r.target_user_id === conn.userId && r.op === 'session_end') {
          if (r.data && (JSON.parse(r.data) as { token_hash?: string }).token_hash === conn.tokenHash) ended = true;
          continue;
        }
        if (r.target_user_id === conn.userId && r.op === 'reset') {
          this.send(conn, { type: 'must_refetch', reason: 'visibility_reset' });
          continue;
        }
        const withhold = () => r.op === 'grant' && r.target_user_id === conn.userId && (conn.withheld ??= new Set()).add(r.contact_id!);
        if (!recordVisible(r, conn.userId, scope, (id) => assignee.get(id))) {
          withhold();
          continue;
        }
        if (r.op === 'grant') {
          // Expanded for this user (their own notifications are part of it): never shared.
          const expanded = await expandGrant(this.db, r, conn.userId);
          if (!expanded.length) {
            withhold();
            continue;
          }
          conn.withheld?.delete(r.contact_id!);
          (grants ??= new Map()).set(i, expanded.map((rec) => JSON.stringify(rec)));
        }
        picked.push(i);
      }
      if (picked.length) {
        const build = () =>
          `{"type":"changes","after":${conn.sentUpto},"upto":${upto},"changes":[${picked.map((i) => grants?.get(i)?.join(',') ?? encode(i)).join(',')}]}`;
        let frame: Buffer | string;
        if (grants) frame = build();
        else {
          const key = `${conn.sentUpto}:${audience}:${picked.join(',')}`;
          let cached = frames.get(key);
          if (!cached) frames.set(key, (cached = Buffer.from(build())));
          frame = cached;
        }
        this.sendRaw(conn, frame);
        conn.sentUpto = upto;
      }
      conn.processed = upto;
      if (ended) conn.ws.close(StreamClose.signedOut, 'signed out');
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
    const conns = [...this.conns].filter((c) => c.ready);
    const hashes = [...new Set(conns.map((c) => c.tokenHash))];
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
    for (const c of conns) if (!alive.has(c.tokenHash) && this.conns.has(c)) c.ws.close(StreamClose.signedOut, 'signed out');
    for (let i = 0; i < stale.length; i += 500) {
      const list = inList(stale.slice(i, i + 500));
      await this.db.run(`UPDATE sessions SET last_seen_at = ? WHERE last_seen_at < ? AND token_hash IN ${list.sql}`, [now, now, ...list.params]);
    }
  }

  private heartbeat(): void {
    void this.closeEndedSessions().catch((err) => this.opts.log('stream session check failed', err));
    for (const conn of this.conns) {
      if (!conn.alive) {
        conn.ws.terminate();
        this.conns.delete(conn);
        continue;
      }
      conn.alive = false;
      conn.ws.ping();
      if (conn.ready) {
        this.send(conn, { type: 'heartbeat', head: conn.processed, at: Date.now() });
        conn.sentUpto = conn.processed;
      }
    }
  }
}
