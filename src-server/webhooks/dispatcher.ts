// Webhook delivery from the change feed. Two steps, each safe with several instances on one database:
// queueing reads the feed after each active endpoint's position, turns the records into events and,
// in one transaction, queues them and moves the position (only from where it read it, so one instance
// queues each event once); sending claims the oldest pending delivery of each lane (a contact's events
// go in order) for a while, posts it signed, and records the answer: delivered, or retried with
// exponential backoff and jitter until 24 hours have passed, then failed. The answers that came in since
// the last claim are recorded in the claim's transaction, so one write serves many deliveries; and a
// second share of deliveries is claimed ahead, so a request that ends makes room for the next at once.
// A delivery is sent only while its claim outlasts the request's longest wait and the recording of
// its answer; one claimed ahead that waited longer is given back (its attempt uncounted) and claimed
// again, so no other instance ever takes a delivery still going. An endpoint whose every
// delivery failed for 24 hours is paused and the Owners are told. Each endpoint has at most 16
// requests in flight, picked from its own deliveries, so a slow receiver holds only its own.
// The database work is done here; the signing and posting, each endpoint's deliveries claimed ahead
// and its limit of requests in flight are in a thread of their own (send-thread.ts), which checks each
// delivery's claim just before it starts it and sends the answers back in batches.
import { rowLists } from '../db/engine';
import type { Store } from '../workspace/store';
import { cursorName, LOG_SIZE, pauseEndpoint, queueDeliveries } from './endpoints';
import { buildEvents, type BuiltEvent, type FeedEventRow } from './events';
import { REQUEST_TIMEOUT_MS, type OutboundResult } from './safe-request';
import { SendingThread } from './send-thread';
import type { Tx } from '../workspace/tx';
import { tellOwnersEndpointPaused } from './paused-notice';

export interface RetrySchedule {
  /** The wait before the first retry; each next one doubles, up to maxRetryMs, with jitter. */
  firstRetryMs: number;
  maxRetryMs: number;
  /** A delivery still failing this long after it was queued is marked failed. */
  giveUpAfterMs: number;
  /** An endpoint whose deliveries have all failed for this long is paused. */
  pauseAfterMs: number;
  /** How long a claimed delivery is left to its instance before another may try it. */
  claimMs: number;
  /** A receiver's answer is waited for this long. */
  requestTimeoutMs: number;
}

/**
 * Time kept in a claim, after its request's longest wait, to record the answer. A delivery whose
 * request might end later than that is not sent: its claim is given back and it is claimed again.
 */
const RECORD_MARGIN_MS = 2_000;
/** Claims (and the recording of the answers before them) start at least this far apart. */
const CLAIM_GAP_MS = 10;
/** A delivery claimed for a free request may take this long to start (a turn of a busy event loop). */
const START_GRACE_MS = 1_000;

const DAY_MS = 24 * 3600_000;
export const DEFAULT_SCHEDULE: RetrySchedule = {
  firstRetryMs: 10_000,
  maxRetryMs: 3600_000,
  giveUpAfterMs: DAY_MS,
  pauseAfterMs: DAY_MS,
  // A delivery claimed ahead may wait up to 8 s for a free request, then its request up to 10 s.
  claimMs: REQUEST_TIMEOUT_MS + RECORD_MARGIN_MS + 8_000,
  requestTimeoutMs: REQUEST_TIMEOUT_MS,
};

export interface DispatcherOptions {
  /** Let webhooks reach private and loopback addresses (--allow-private-webhooks). */
  allowPrivate: boolean;
  /** A shorter schedule, for tests only. */
  schedule?: Partial<RetrySchedule>;
  /** Requests in flight per endpoint (default 16). */
  concurrencyPerEndpoint?: number;
  /** How often due retries are looked for when nothing is committed (default 500 ms). */
  pollMs?: number;
  log: (msg: string, err?: unknown) => void;
}

/** Delivered answers recorded per statement on SQLite (PostgreSQL takes them all in one). */
const DELIVERED_ROWS = 256;

/** Feed records read per endpoint at a time. */
const FEED_SLICE = 500;

interface DueRow {
  id: number;
  endpoint_id: string;
  body: string;
  created_at: number;
  url: string;
  signing_key: string;
}

/** A receiver's answer, not yet recorded: its delivery stays claimed (its lane held) until it is. */
interface Answer {
  d: DueRow;
  r: OutboundResult;
}

/** A delivery claimed, handed to the sending thread; `until` is its claim's end as written. */
interface Ready {
  d: DueRow;
  /** Not sent after this: its request might outlast the claim. */
  startBy: number;
  until: number;
}

interface ActiveEndpoint {
  id: string;
  events: string;
  position: number;
}

/** The wait before retry number `attempts` (1 after the first failure): doubling, capped, between half and all of it. */
export function retryDelayMs(attempts: number, s: RetrySchedule): number {
  const full = Math.min(s.maxRetryMs, s.firstRetryMs * 2 ** Math.max(0, attempts - 1));
  return Math.round(full / 2 + (Math.random() * full) / 2);
}

/** Runs a step whenever asked, never twice at once, and once more when asked while it runs. */
class Rerun {
  private running: Promise<void> | null = null;
  private again = false;
  private lastStart = -Infinity;
  private waiting: NodeJS.Timeout | null = null;
  private stopped = false;
  constructor(
    private readonly step: () => Promise<void>,
    private readonly log: DispatcherOptions['log'],
    /** Runs start at least this far apart: what is asked meanwhile is done by one run. */
    private readonly gapMs = 0,
  ) {}

  ask(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    if (this.waiting) return;
    const wait = this.lastStart + this.gapMs - performance.now();
    if (wait > 0) {
      this.waiting = setTimeout(() => {
        this.waiting = null;
        this.ask();
      }, wait);
      return;
    }
    this.lastStart = performance.now();
    this.running = this.step()
      .catch((err: unknown) => this.log('webhook delivery step failed', err))
      .finally(() => {
        this.running = null;
        if (this.again) {
          this.again = false;
          this.ask();
        }
      });
  }

  /** Runs nothing more (a run asked for later is dropped) and waits for the one running. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.waiting) clearTimeout(this.waiting);
    this.waiting = null;
    while (this.running) await this.running;
  }
}

export class WebhookDispatcher {
  private readonly schedule: RetrySchedule;
  private readonly perEndpoint: number;
  /** Deliveries claimed ahead per endpoint, and how long one may wait for its request. */
  private readonly ahead: number;
  private readonly aheadMs: number;
  private answers: Answer[] = [];
  /** Deliveries claimed ahead that waited too long to be sent: their claims are given back at the next claim. */
  private stale: Ready[] = [];
  /** Signs and posts what is claimed; holds each endpoint's requests and those claimed ahead. */
  private readonly thread: SendingThread<Ready>;
  /** Queueing (after commits) and sending (after queueing, and as requests finish) run apart: a slow step of one never waits for the other. */
  private readonly queueing: Rerun;
  private readonly sending: Rerun;
  /** Endpoints with deliveries finished since their log was last cut to its 100. */
  private readonly finished = new Set<string>();
  private lastCut = 0;
  private timer: NodeJS.Timeout | null = null;
  private closed = false;

  constructor(
    private readonly store: Store,
    private readonly opts: DispatcherOptions,
  ) {
    this.schedule = { ...DEFAULT_SCHEDULE, ...opts.schedule };
    this.perEndpoint = opts.concurrencyPerEndpoint ?? 16;
    // Deliveries are claimed ahead only when a claim leaves time to wait for a free request.
    this.aheadMs = this.schedule.claimMs - this.schedule.requestTimeoutMs - RECORD_MARGIN_MS;
    this.ahead = this.aheadMs > START_GRACE_MS ? this.perEndpoint : 0;
    this.queueing = new Rerun(async () => {
      await this.queueNew();
      this.sending.ask();
    }, opts.log);
    // Answers are recorded and deliveries claimed at most every 10 ms, many in one write; meanwhile a
    // request that ends starts the next one claimed ahead.
    this.sending = new Rerun(() => this.sendDue(), opts.log, CLAIM_GAP_MS);
    this.thread = new SendingThread<Ready>(
      { allowPrivate: opts.allowPrivate, perEndpoint: this.perEndpoint, timeoutMs: this.schedule.requestTimeoutMs, flushMs: CLAIM_GAP_MS },
      (answers, unsent) => {
        // Recorded by the next claim (or, when closing, by close()).
        for (const { held, r } of answers) this.answers.push({ d: held.d, r });
        this.stale.push(...unsent);
        if (!this.closed) this.sending.ask();
      },
      () => this.sending.ask(),
      opts.log,
    );
  }

  start(): void {
    this.timer = setInterval(() => this.notify(), this.opts.pollMs ?? 500);
    this.timer.unref();
    this.notify();
  }

  /** Something was committed (here or on another instance), or a delivery was queued: queue and send what is new. */
  notify(): void {
    if (this.closed) return;
    this.queueing.ask();
    this.sending.ask();
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    await Promise.all([this.queueing.stop(), this.sending.stop()]);
    // The thread hands back what it has waiting and answers what is going.
    await this.thread.close();
    const answers = this.answers;
    const unsent = this.stale;
    [this.answers, this.stale] = [[], []];
    if (answers.length > 0 || unsent.length > 0)
      await this.store
        .write(async (tx) => {
          await this.record(tx, answers);
          await this.giveBack(tx, unsent);
        })
        .catch((err: unknown) => this.opts.log('webhook results not recorded', err));
  }

  /** Tests only: ends the sending thread as a crash would (what it held is claimed again once its claims run out). */
  crashSendingThreadForTest(): Promise<void> {
    return this.thread.crashForTest();
  }

  /** Queues the events after each active endpoint's position. */
  private async queueNew(): Promise<void> {
    const endpoints = await this.store.db.all<ActiveEndpoint>(
      `SELECT e.id, e.events, f.position FROM webhook_endpoints e JOIN feed_cursors f ON f.name = 'webhook:' || e.id WHERE e.state = 'active'`,
    );
    // The sending thread is started as soon as there is an endpoint (its start takes a moment), not at the first delivery.
    if (endpoints.length > 0 && !this.closed) this.thread.available();
    // Endpoints at the same place share the records read and the events built from them.
    const built = new Map<number, { events: BuiltEvent[]; upto: number; full: boolean }>();
    for (const e of endpoints) {
      let position = Number(e.position);
      for (let slices = 0; slices < 20 && !this.closed; slices++) {
        let slice = built.get(position);
        if (!slice) {
          const rows = await this.store.db.all<FeedEventRow>(
            'SELECT seq, entity, op, entity_id, contact_id, target_user_id, data, at FROM changes WHERE seq > ? ORDER BY seq LIMIT ?',
            [position, FEED_SLICE],
          );
          if (rows.length === 0) break;
          const normal = rows.map((r) => ({ ...r, seq: Number(r.seq), at: Number(r.at) }));
          slice = { events: await buildEvents(this.store, normal), upto: normal[normal.length - 1].seq, full: rows.length === FEED_SLICE };
          built.set(position, slice);
        }
        const wanted = new Set(JSON.parse(e.events) as string[]);
        const from = position;
        const { upto } = slice;
        const events = slice.events.filter((ev) => wanted.has(ev.type));
        await this.store.write(async (tx) => {
          // Only from where it was read: another instance that moved it first has queued these.
          if ((await tx.run('UPDATE feed_cursors SET position = ? WHERE name = ? AND position = ?', [upto, cursorName(e.id), from])) === 0) return;
          await queueDeliveries(tx, e.id, events);
        });
        position = upto;
        if (!slice.full) break;
      }
    }
  }

  /**
   * In one transaction: records the answers received since the last time, then claims the deliveries
   * that are due, each endpoint's within its own share of requests (so a slow endpoint's backlog never
   * stands before another's); then hands them to the sending thread.
   */
  private async sendDue(): Promise<void> {
    await this.cutLogs();
    const answers = this.answers;
    // Those claimed ahead that waited too long are given back before anything is claimed, so none is claimed twice.
    const late = this.stale;
    [this.answers, this.stale] = [[], []];
    // Whether the thread can take deliveries (one that failed is started again a second later).
    let sending: boolean | undefined;
    const picked = new Map<number, DueRow>();
    // The body may run more than once (PostgreSQL runs a group's bodies again when one fails): it changes nothing outside the database but `picked`.
    const written = this.store.write(async (tx) => {
      const recorded = await this.record(tx, answers);
      await this.giveBack(tx, late);
      picked.clear();
      const endpoints = await tx.sql.all<{ id: string; url: string; signing_key: string }>(
        "SELECT id, url, signing_key FROM webhook_endpoints WHERE state = 'active'",
      );
      for (const e of endpoints) {
        // Its requests, and as many claimed ahead.
        const free = this.perEndpoint + this.ahead - this.thread.heldFor(e.id);
        if (free <= 0 || this.closed || !(sending ??= this.thread.available())) continue;
        // The first pending delivery of each lane, when it is due and nobody holds it.
        const rows = await tx.sql.all<{ id: number; body: string; created_at: number }>(
          `SELECT d.id, d.body, d.created_at FROM webhook_deliveries d
           WHERE d.endpoint_id = ? AND d.status = 'pending' AND d.next_attempt_at <= ? AND (d.claimed_until IS NULL OR d.claimed_until < ?)
             AND NOT EXISTS (SELECT 1 FROM webhook_deliveries p WHERE p.endpoint_id = d.endpoint_id AND p.lane = d.lane AND p.status = 'pending' AND p.id < d.id)
           ORDER BY d.id LIMIT ?`,
          [e.id, tx.now, tx.now, free],
        );
        for (const r of rows) picked.set(Number(r.id), { ...r, id: Number(r.id), endpoint_id: e.id, url: e.url, signing_key: e.signing_key });
      }
      const ids = [...picked.keys()];
      // Another instance may have claimed some meanwhile: only those this statement changed are ours.
      const claimed =
        ids.length === 0
          ? []
          : await tx.sql.all<{ id: number }>(
              `UPDATE webhook_deliveries SET claimed_until = ?, attempts = attempts + 1
               WHERE id IN (${ids.map(() => '?').join(', ')}) AND status = 'pending' AND (claimed_until IS NULL OR claimed_until < ?) RETURNING id`,
              [tx.now + this.schedule.claimMs, ...ids, tx.now],
            );
      return { claimed, claimedAt: tx.now, active: new Set(endpoints.map((e) => e.id)), ...recorded };
    });
    const { claimed, claimedAt, active, retries, paused } = await written.catch((err: unknown) => {
      // Nothing was written: the answers are recorded and the claims given back by the next claim.
      this.answers.unshift(...answers);
      this.stale.push(...late);
      throw err;
    });
    // A retry is looked for when it is due (not only at the next poll).
    for (const retryIn of retries) setTimeout(() => !this.closed && this.sending.ask(), retryIn + 5).unref();
    for (const id of paused) this.opts.log(`webhook endpoint ${id} paused: failing for ${Math.round(this.schedule.pauseAfterMs / 3600_000)} h`);
    const until = claimedAt + this.schedule.claimMs;
    const startBy = claimedAt + Math.max(this.aheadMs, START_GRACE_MS);
    // An endpoint paused or deleted meanwhile: what it had claimed ahead is not sent (the thread hands it back).
    this.thread.hand(
      claimed.map(({ id }) => ({ d: picked.get(Number(id))!, startBy, until })),
      active,
      this.store.clock(),
    );
  }

  /** Gives back claims of deliveries never sent (the attempt not counted), if nobody else has claimed them since. */
  private async giveBack(tx: Tx, unsent: readonly Ready[]): Promise<void> {
    await Promise.all(
      unsent.map(({ d, until }) =>
        tx.run('UPDATE webhook_deliveries SET claimed_until = NULL, attempts = attempts - 1 WHERE id = ? AND claimed_until = ?', [d.id, until]),
      ),
    );
  }

  /** Keeps the last 100 finished deliveries of each endpoint that finished some (pending ones stay), once a second at most. */
  private async cutLogs(): Promise<void> {
    if (performance.now() - this.lastCut < 1000) return;
    this.lastCut = performance.now();
    const endpoints = [...this.finished];
    this.finished.clear();
    if (endpoints.length === 0) return;
    await this.store.write(async (tx) => {
      for (const id of endpoints)
        await tx.run(
          `DELETE FROM webhook_deliveries WHERE endpoint_id = ? AND status <> 'pending' AND id <= (
             SELECT id FROM webhook_deliveries WHERE endpoint_id = ? AND status <> 'pending' ORDER BY id DESC LIMIT 1 OFFSET ?)`,
          [id, id, LOG_SIZE],
        );
    });
  }

  /** Records answers: delivered, or retried later, or failed once out of time; pauses an endpoint failing for its whole window. */
  private async record(tx: Tx, answers: readonly Answer[]): Promise<{ retries: number[]; paused: string[] }> {
    const s = this.schedule;
    const retries: number[] = [];
    const paused: string[] = [];
    const delivered = answers.filter((a) => a.r.error === null);
    // Issued together: one round trip on PostgreSQL; the delivered ones a statement per 256.
    const rows = delivered.map(({ d, r }) => [d.id, r.status, r.latencyMs]);
    await Promise.all([
      ...rowLists(tx.dialect, rows, ['bigint', 'integer', 'integer'], DELIVERED_ROWS).map(({ values, params }) =>
        tx.run(
          `UPDATE webhook_deliveries SET status = 'delivered', status_code = v.column2, latency_ms = v.column3, error = NULL, claimed_until = NULL, finished_at = ?
           FROM (${values}) AS v WHERE webhook_deliveries.id = v.column1`,
          [tx.now, ...params],
        ),
      ),
      ...[...new Set(delivered.map((a) => a.d.endpoint_id))].map((id) =>
        tx.run('UPDATE webhook_endpoints SET failing_since = NULL WHERE id = ? AND failing_since IS NOT NULL', [id]),
      ),
    ]);
    for (const { d, r } of answers) {
      this.finished.add(d.endpoint_id);
      if (r.error === null) continue;
      const attempts = await tx.sql.get<{ attempts: number }>('SELECT attempts FROM webhook_deliveries WHERE id = ?', [d.id]);
      const giveUp = tx.now - Number(d.created_at) >= s.giveUpAfterMs || r.error.startsWith('refused');
      const retryIn = retryDelayMs(Number(attempts?.attempts ?? 1), s);
      if (!giveUp) retries.push(retryIn);
      await tx.run(
        `UPDATE webhook_deliveries SET status = ?, status_code = ?, latency_ms = ?, error = ?, claimed_until = NULL, next_attempt_at = ?, finished_at = ? WHERE id = ?`,
        [giveUp ? 'failed' : 'pending', r.status, r.latencyMs, r.error, tx.now + retryIn, giveUp ? tx.now : null, d.id],
      );
      await tx.run('UPDATE webhook_endpoints SET failing_since = ? WHERE id = ? AND failing_since IS NULL', [tx.now, d.endpoint_id]);
      const failing = await tx.sql.get<{ failing_since: number | null; state: string }>('SELECT failing_since, state FROM webhook_endpoints WHERE id = ?', [
        d.endpoint_id,
      ]);
      if (failing?.state !== 'active' || failing.failing_since === null || tx.now - Number(failing.failing_since) < s.pauseAfterMs) continue;
      await tellOwnersEndpointPaused(tx, await pauseEndpoint(tx, d.endpoint_id, 'failing'));
      paused.push(d.endpoint_id);
    }
    return { retries, paused };
  }
}
