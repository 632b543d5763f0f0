// SyncEngine: bootstrap in pages, then the live stream; reconnects with exponential backoff and
// jitter; detects gaps; rebuilds the cache on must_refetch.
import { EventEmitter } from 'node:events';
import WebSocket from 'ws';
import { ServerFrame, StreamClose, type ChangeRecord, type SyncPage } from '../../../src-shared/sync/changes';
import type { Applied, Cache } from '../cache/cache';
import type { Connection } from '../../../src-shared/desktop/api';
import { OfflineError, ServerError, type ServerApi } from './server-api';

export interface SyncEngineOptions {
  pageSize?: number;
  backoffBaseMs?: number;
  backoffMaxMs?: number;
  /** A stream silent for this long is considered dead (the server heartbeats well within it). */
  silenceMs?: number;
  random?: () => number;
}

export interface SyncEvents {
  progress: [loaded: number, total: number];
  applied: [applied: Applied, live: boolean];
  connection: [state: Connection];
  /** The server refused the session (signed out elsewhere, deactivated). */
  unauthorized: [reason: string];
  error: [err: Error];
}

/** How long removals must stop coming before their traces are scrubbed (see `scrubLater`). */
const SCRUB_DELAY_MS = 500;

/** Full jitter: a random delay up to base·2^attempt, capped. */
function backoffDelay(attempt: number, baseMs: number, maxMs: number, random: () => number): number {
  return Math.floor(random() * Math.min(maxMs, baseMs * 2 ** attempt));
}

export class SyncEngine extends EventEmitter<SyncEvents> {
  private ws: WebSocket | null = null;
  private stopped = true;
  private attempt = 0;
  private retryTimer: NodeJS.Timeout | null = null;
  private silenceTimer: NodeJS.Timeout | null = null;
  private scrubTimer: NodeJS.Timeout | null = null;
  private pulling: Promise<void> | null = null;
  /** The stream's frames, handled one after the other (a frame may wait for the cache: `Cache.idle`). */
  private frames: Promise<void> = Promise.resolve();
  /** The server's suggested wait before reconnecting after this stream drops (from its hello or its 1013 close). */
  private reconnectHintMs = 0;
  private state: Connection = 'offline';
  private readonly opts: Required<SyncEngineOptions>;

  constructor(
    private readonly cache: Cache,
    private readonly api: ServerApi,
    opts: SyncEngineOptions = {},
  ) {
    super();
    this.opts = { pageSize: 5000, backoffBaseMs: 250, backoffMaxMs: 30_000, silenceMs: 45_000, random: Math.random, ...opts };
  }

  get connection(): Connection {
    return this.state;
  }

  private setState(s: Connection): void {
    if (s === this.state) return;
    this.state = s;
    this.emit('connection', s);
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    void this.connect();
  }

  stop(): void {
    this.stopped = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    if (this.scrubTimer) clearTimeout(this.scrubTimer);
    if (this.silenceTimer) clearTimeout(this.silenceTimer);
    this.ws?.removeAllListeners();
    this.ws?.on('error', () => {});
    this.ws?.terminate();
    this.ws = null;
    this.setState('offline');
  }

  /** Reconnect now (e.g. the OS says the network is back). */
  nudge(): void {
    if (this.stopped || this.state === 'online') return;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.attempt = 0;
    void this.connect();
  }

  /** Sends a frame on the stream if it is open (presence reports). */
  sendFrame(frame: unknown): boolean {
    if (this.ws?.readyState !== WebSocket.OPEN) return false;
    this.ws.send(JSON.stringify(frame));
    return true;
  }

  /** Pages through /sync from the cursor until caught up. after=0 is the bootstrap. */
  pull(): Promise<void> {
    this.pulling ??= this.pullPages().finally(() => (this.pulling = null));
    return this.pulling;
  }

  /**
   * A page, asked for ahead of need: a failure surfaces where the page is awaited; the no-op handler
   * only keeps a page abandoned by an error or a stop from being an unhandled rejection. With
   * `snapshot`, a page of a bootstrap from the server's tables (see SyncQuery.snapshot).
   */
  private fetchPage(after: number, epoch: number | undefined, snapshot?: string): Promise<SyncPage> {
    const query = { after, limit: this.opts.pageSize, ...(epoch !== undefined && { epoch }), ...(snapshot !== undefined && { snapshot }) };
    const page = this.api.call('sync', { query });
    page.catch(() => {});
    return page;
  }

  private async pullPages(): Promise<void> {
    let bootstrapping = this.cache.cursor === 0;
    const start = this.cache.cursor;
    if (bootstrapping) this.cache.beginBulkLoad();
    // A bootstrap is a snapshot, resumed where a run cut short left it.
    let next = this.fetchPage(start, this.epoch(), bootstrapping ? (this.cache.getMeta('snapshot') ?? 'begin') : undefined);
    for (;;) {
      const page = await next;
      await this.cache.idle();
      if (this.stopped) return; // stopped meanwhile (sign-out, shutdown): the cache may be closed
      if (page.must_refetch) {
        // The outbox, drafts and the place in the app stay (wipeData); the rest comes again from a snapshot.
        this.cache.wipeData();
        this.cache.beginBulkLoad();
        bootstrapping = true;
        this.emit('applied', { entities: new Set(['*']), contactIds: new Set(), notifications: [], removedContacts: [] }, false);
        this.emit('progress', 0, 1);
        next = this.fetchPage(0, undefined, 'begin');
        continue;
      }
      const snapshot = page.snapshot;
      // The next page is read and sent by the server while this one is written here. The request
      // leaves only once the event loop turns, so it is given one before the synchronous write.
      if (page.has_more) {
        next = this.fetchPage(page.next, page.epoch, snapshot?.next ?? undefined);
        await new Promise((resolve) => setImmediate(resolve));
      }
      await this.cache.idle(); // a scrub may have begun meanwhile
      if (this.stopped) return;
      // The epoch goes with the cursor. It changes only on a bootstrap's first page (any other page
      // from an older epoch is answered must_refetch), so storing it ahead of the page is safe.
      if (String(page.epoch) !== this.cache.getMeta('epoch')) this.cache.setMeta('epoch', String(page.epoch));
      const changes = page.changes as ChangeRecord[];
      const applied = snapshot ? this.cache.applySnapshotPage(changes, snapshot, page.next) : this.cache.applyChanges(changes, page.next);
      if (page.changes.length) this.emit('applied', applied, !bootstrapping);
      // Before the last progress: the app is ready only with its search index.
      if (!page.has_more) this.cache.endBulkLoad();
      this.scrubLater();
      if (snapshot?.next) this.emit('progress', Math.min(snapshot.done, snapshot.total), Math.max(1, snapshot.total));
      else {
        const total = Math.max(1, page.head - start);
        this.emit('progress', Math.min(total, page.next - start), total);
      }
      if (!page.has_more) return;
    }
  }

  /**
   * What removals leave in the file is scrubbed (Cache.scrubInBackground: a VACUUM, seconds on a
   * large cache, in a worker) once they stop coming for SCRUB_DELAY_MS, not at once: the lists
   * without the lost contacts are answered first, and a run of removals is scrubbed once. Until then
   * the removal's mark in the cache has it scrubbed at the next start, or at a clean stop.
   */
  private scrubLater(): void {
    if (!this.cache.needsScrub) return;
    if (this.scrubTimer) clearTimeout(this.scrubTimer);
    this.scrubTimer = setTimeout(() => {
      this.scrubTimer = null;
      if (!this.stopped) this.cache.scrubInBackground().catch((err: unknown) => this.emit('error', err as Error));
    }, SCRUB_DELAY_MS);
    this.scrubTimer.unref?.();
  }

  /** The visibility epoch of the cache's cursor (see SyncQuery); none before the first page. */
  private epoch(): number | undefined {
    const e = this.cache.getMeta('epoch');
    return e === null ? undefined : Number(e);
  }

  /** `resyncing`: the stream was up and is being caught up again, which is no news to the user. */
  private async connect(resyncing = false): Promise<void> {
    if (this.stopped) return;
    // A resync (must_refetch, a gap) leaves the state online: the server answered a moment ago, and
    // "You're offline" during a rebuild would be false. A failure below says otherwise.
    if (!resyncing || this.state !== 'online') this.setState('connecting');
    try {
      await this.pull();
    } catch (err) {
      return this.failed(err);
    }
    if (this.stopped) return;
    const ws = new WebSocket(this.api.streamUrl(this.cache.cursor, this.epoch()), { headers: { authorization: `Bearer ${this.api.token}` } });
    this.ws = ws;
    ws.on('open', () => {
      this.attempt = 0;
      this.setState('online');
      this.armSilence();
    });
    ws.on('message', (data) => {
      this.frames = this.frames
        .then(() => this.onFrame(ws, data.toString()))
        .catch((err: unknown) => {
          this.emit('error', err as Error);
        });
    });
    ws.on('ping', () => this.armSilence());
    ws.on('unexpected-response', (_req, res) => {
      if (res.statusCode === 401) this.emit('unauthorized', 'the session ended');
      ws.terminate();
    });
    ws.on('close', (code, reason) => {
      if (this.ws !== ws) return;
      this.ws = null;
      if (code === StreamClose.tryAgainLater) {
        const m = /retry_after_ms=(\d+)/.exec(reason.toString());
        if (m) this.reconnectHintMs = Math.min(Number(m[1]), 5 * 60_000);
      }
      if (code === StreamClose.signedOut || code === StreamClose.deactivated) {
        this.emit('unauthorized', code === StreamClose.deactivated ? 'this user was deactivated' : 'signed out');
        return;
      }
      this.failed(new OfflineError(`stream closed (${code})`));
    });
    ws.on('error', () => {
      /* 'close' follows */
    });
  }

  private failed(err: unknown): void {
    if (this.stopped) return; // stopped meanwhile (sign-out, a cache being rebuilt): nobody listens any more
    if (err instanceof ServerError && err.status === 401) {
      this.emit('unauthorized', err.message);
      return;
    }
    if (!(err instanceof OfflineError)) this.emit('error', err as Error);
    if (this.stopped) return;
    this.setState('offline');
    // The server's hint spreads a restart's reconnects out; it is used once, then our own backoff goes on.
    const delay = Math.max(this.reconnectHintMs, backoffDelay(this.attempt++, this.opts.backoffBaseMs, this.opts.backoffMaxMs, this.opts.random));
    this.reconnectHintMs = 0;
    this.retryTimer = setTimeout(() => void this.connect(), delay);
    this.retryTimer.unref?.();
  }

  private armSilence(): void {
    if (this.silenceTimer) clearTimeout(this.silenceTimer);
    this.silenceTimer = setTimeout(() => this.ws?.terminate(), this.opts.silenceMs);
    this.silenceTimer.unref?.();
  }

  private async onFrame(ws: WebSocket, text: string): Promise<void> {
    this.armSilence();
    await this.cache.idle();
    if (this.stopped || this.ws !== ws) return; // dropped meanwhile (stopped, resyncing): its frames are fetched again
    let frame: ServerFrame;
    try {
      frame = ServerFrame.parse(JSON.parse(text));
    } catch {
      this.emit('error', new Error('the server sent a frame this app does not understand; resyncing'));
      void this.resync();
      return;
    }
    switch (frame.type) {
      case 'changes': {
        if (frame.after !== this.cache.cursor) {
          // A gap (or an overlap): fetch what is missing through /sync instead of trusting the frame.
          void this.resync();
          return;
        }
        const applied = this.cache.applyChanges(frame.changes, frame.upto);
        this.emit('applied', applied, true);
        this.scrubLater();
        return;
      }
      case 'hello':
        this.reconnectHintMs = frame.reconnect_ms ?? 0;
        return;
      case 'heartbeat':
        // The server has nothing more for us up to head.
        if (frame.head > this.cache.cursor) this.cache.setMeta('cursor', String(frame.head));
        return;
      case 'must_refetch':
      case 'resync':
        void this.resync();
        return;
      default:
        return;
    }
  }

  /** Drop the stream, catch up over HTTP, reconnect from the new cursor. */
  private async resync(): Promise<void> {
    const ws = this.ws;
    this.ws = null;
    ws?.removeAllListeners();
    ws?.on('error', () => {});
    ws?.terminate();
    await this.connect(true);
  }
}
