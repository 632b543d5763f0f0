// Webhook delivery from the change feed. Two steps, each safe with several instances on one database:
// queueing reads the feed after each active endpoint's position, turns the records into events and,
// in one transaction, queues them and moves the position (only from where it read it, so one instance
// queues each event once); sending claims the oldest pending delivery of each lane (a contact's events
// go in order) for a while, posts it signed, and records the answer: delivered, or retried with
// exponential backoff and jitter until 24 hours have passed, then failed. An endpoint whose every
// delivery failed for 24 hours is paused and the Owners are told. Each endpoint has at most 16
// requests in flight, picked from its own deliveries, so a slow receiver holds only its own.
import { createHmac } from 'node:crypto';
import type { Store } from '../workspace/store';
import { cursorName, LOG_SIZE, pauseEndpoint, queueDeliveries } from './endpoints';
import { buildEvents, type BuiltEvent, type FeedEventRow } from './events';
import { keepAliveAgents, postSafely, REQUEST_TIMEOUT_MS } from './safe-request';
import { tellOwnersEndpointPaused } from './paused-notice';

export interface RetrySchedule {
  /** The wait before the first retry; each next one doubles, up to maxRetryMs, with jitter. */
  firstRetryMs: number;
  maxRetryMs: number;
  /** A delivery still failing this long after it was queued is marked failed. */
  giveUpAfterMs: number;
  /** An endpoint whose deliveries have all failed for this long is paused. */
  pauseAfterMs: number;
  /** How long a claimed delivery is left to its instance before another may try it (beyond the request's timeout). */
  claimMs: number;
}

const DAY_MS = 24 * 3600_000;
export const DEFAULT_SCHEDULE: RetrySchedule = {
  firstRetryMs: 10_000,
  maxRetryMs: 3600_000,
  giveUpAfterMs: DAY_MS,
  pauseAfterMs: DAY_MS,
  claimMs: REQUEST_TIMEOUT_MS + 5_000,
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

interface ActiveEndpoint {
  id: string;
  events: string;
  position: number;
}

/** base64 of HMAC-SHA256(key, raw body): the X-Webhook-Signature header. */
export const signatureOf = (key: string, body: string) => createHmac('sha256', key).update(body).digest('base64');

/** The wait before retry number `attempts` (1 after the first failure): doubling, capped, between half and all of it. */
export function retryDelayMs(attempts: number, s: RetrySchedule): number {
  const full = Math.min(s.maxRetryMs, s.firstRetryMs * 2 ** Math.max(0, attempts - 1));
  return Math.round(full / 2 + (Math.random() * full) / 2);
}

/** Runs a step whenever asked, never twice at once, and once more when asked while it runs. */
class Rerun {
  private running: Promise<void> | null = null;
  private again = false;
  constructor(
    private readonly step: () => Promise<void>,
    private readonly log: DispatcherOptions['log'],
  ) {}

  ask(): void {
    if (this.running) {
      this.again = true;
      return;
    }
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

  async idle(): Promise<void> {
    while (this.running) await this.running;
  }
}

export class WebhookDispatcher {
  private readonly schedule: RetrySchedule;
  private readonly perEndpoint: number;
  private readonly inFlight = new Map<string, number>();
  private readonly sends = new Set<Promise<void>>();
  /** Queueing (after commits) and sending (after queueing, and as requests finish) run apart: a slow step of one never waits for the other. */
  private readonly queueing: Rerun;
  private readonly sending: Rerun;
  /** Endpoints with deliveries finished since their log was last cut to its 100. */
  private readonly finished = new Set<string>();
  private lastCut = 0;
  private timer: NodeJS.Timeout | null = null;
  private closed = false;
  /** Connections to receivers are kept open between deliveries (each was made to a checked address). */
  private readonly agents = keepAliveAgents();

  constructor(
    private readonly store: Store,
    private readonly opts: DispatcherOptions,
  ) {
    this.schedule = { ...DEFAULT_SCHEDULE, ...opts.schedule };
    this.perEndpoint = opts.concurrencyPerEndpoint ?? 16;
    this.queueing = new Rerun(async () => {
      await this.queueNew();
      this.sending.ask();
    }, opts.log);
    this.sending = new Rerun(() => this.sendDue(), opts.log);
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
    await Promise.all([this.queueing.idle(), this.sending.idle()]);
    await Promise.allSettled([...this.sends]);
    this.agents.http.destroy();
    this.agents.https.destroy();
  }

  /** Queues the events after each active endpoint's position. */
  private async queueNew(): Promise<void> {
    const endpoints = await this.store.db.all<ActiveEndpoint>(
      `SELECT e.id, e.events, f.position FROM webhook_endpoints e JOIN feed_cursors f ON f.name = 'webhook:' || e.id WHERE e.state = 'active'`,
    );
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
   * Claims, in one transaction, the deliveries that are due, each endpoint's within its own share of
   * requests (so a slow endpoint's backlog never stands before another's), and posts them.
   */
  private async sendDue(): Promise<void> {
    await this.cutLogs();
    const now = this.store.clock();
    const endpoints = await this.store.db.all<{ id: string; url: string; signing_key: string }>(
      "SELECT id, url, signing_key FROM webhook_endpoints WHERE state = 'active'",
    );
    const picked = new Map<number, DueRow>();
    for (const e of endpoints) {
      const free = this.perEndpoint - (this.inFlight.get(e.id) ?? 0);
      if (free <= 0) continue;
      // The first pending delivery of each lane, when it is due and nobody holds it.
      const rows = await this.store.db.all<{ id: number; body: string; created_at: number }>(
        `SELECT d.id, d.body, d.created_at FROM webhook_deliveries d
         WHERE d.endpoint_id = ? AND d.status = 'pending' AND d.next_attempt_at <= ? AND (d.claimed_until IS NULL OR d.claimed_until < ?)
           AND NOT EXISTS (SELECT 1 FROM webhook_deliveries p WHERE p.endpoint_id = d.endpoint_id AND p.lane = d.lane AND p.status = 'pending' AND p.id < d.id)
         ORDER BY d.id LIMIT ?`,
        [e.id, now, now, free],
      );
      for (const r of rows) picked.set(Number(r.id), { ...r, id: Number(r.id), endpoint_id: e.id, url: e.url, signing_key: e.signing_key });
    }
    if (picked.size === 0 || this.closed) return;
    const ids = [...picked.keys()];
    // Another instance may have claimed some meanwhile: only those this statement changed are ours.
    const claimed = await this.store.write((tx) =>
      tx.sql.all<{ id: number }>(
        `UPDATE webhook_deliveries SET claimed_until = ?, attempts = attempts + 1
         WHERE id IN (${ids.map(() => '?').join(', ')}) AND status = 'pending' AND (claimed_until IS NULL OR claimed_until < ?) RETURNING id`,
        [tx.now + this.schedule.claimMs, ...ids, tx.now],
      ),
    );
    for (const { id } of claimed) {
      const d = picked.get(Number(id))!;
      this.inFlight.set(d.endpoint_id, (this.inFlight.get(d.endpoint_id) ?? 0) + 1);
      const send = this.deliver(d).finally(() => {
        this.inFlight.set(d.endpoint_id, (this.inFlight.get(d.endpoint_id) ?? 1) - 1);
        this.sends.delete(send);
        if (!this.closed) this.sending.ask();
      });
      this.sends.add(send);
    }
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

  private async deliver(d: DueRow): Promise<void> {
    const result = await postSafely(
      d.url,
      {
        'content-type': 'application/json',
        'user-agent': 'IS-Messenger-Webhooks',
        'x-webhook-signature': signatureOf(d.signing_key, d.body),
      },
      d.body,
      { allowPrivate: this.opts.allowPrivate, agents: this.agents },
    );
    try {
      await this.record(d, result);
    } catch (err) {
      // The claim runs out and the delivery is tried again: at least once.
      this.opts.log('webhook result not recorded', err);
    }
  }

  private async record(d: DueRow, r: Awaited<ReturnType<typeof postSafely>>): Promise<void> {
    const s = this.schedule;
    let retryIn: number | null = null;
    this.finished.add(d.endpoint_id);
    const paused = await this.store.write(async (tx) => {
      if (r.error === null) {
        await tx.run(
          "UPDATE webhook_deliveries SET status = 'delivered', status_code = ?, latency_ms = ?, error = NULL, claimed_until = NULL, finished_at = ? WHERE id = ?",
          [r.status, r.latencyMs, tx.now, d.id],
        );
        await tx.run('UPDATE webhook_endpoints SET failing_since = NULL WHERE id = ? AND failing_since IS NOT NULL', [d.endpoint_id]);
      } else {
        const attempts = await tx.sql.get<{ attempts: number }>('SELECT attempts FROM webhook_deliveries WHERE id = ?', [d.id]);
        const giveUp = tx.now - Number(d.created_at) >= s.giveUpAfterMs || r.error.startsWith('refused');
        retryIn = retryDelayMs(Number(attempts?.attempts ?? 1), s);
        await tx.run(
          `UPDATE webhook_deliveries SET status = ?, status_code = ?, latency_ms = ?, error = ?, claimed_until = NULL, next_attempt_at = ?, finished_at = ? WHERE id = ?`,
          [giveUp ? 'failed' : 'pending', r.status, r.latencyMs, r.error, tx.now + retryIn, giveUp ? tx.now : null, d.id],
        );
        await tx.run('UPDATE webhook_endpoints SET failing_since = ? WHERE id = ? AND failing_since IS NULL', [tx.now, d.endpoint_id]);
      }
      if (r.error === null) return false;
      const failing = await tx.sql.get<{ failing_since: number | null; state: string }>('SELECT failing_since, state FROM webhook_endpoints WHERE id = ?', [
        d.endpoint_id,
      ]);
      if (failing?.state !== 'active' || failing.failing_since === null || tx.now - Number(failing.failing_since) < s.pauseAfterMs) return false;
      await tellOwnersEndpointPaused(tx, await pauseEndpoint(tx, d.endpoint_id, 'failing'));
      return true;
    });
    // The retry is looked for when it is due (not only at the next poll).
    if (retryIn !== null && !this.closed) setTimeout(() => !this.closed && this.sending.ask(), retryIn + 5).unref();
    if (paused) this.opts.log(`webhook endpoint ${d.endpoint_id} paused: failing for ${Math.round(s.pauseAfterMs / 3600_000)} h`);
  }
}
