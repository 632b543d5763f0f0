// Webhook delivery from the change feed. Two steps, each safe with several instances on one database:
// queueing reads the feed after each active endpoint's position, turns the records into events and,
// in one transaction, queues them and moves the position (only from where it read it, so one instance
// queues each event once); sending claims the oldest pending delivery of each lane (a contact's events
// go in order) for a while, posts it signed, and records the answer: delivered, or retried with
// exponential backoff and jitter until 24 hours have passed, then failed. An endpoint whose every
// delivery failed for 24 hours is paused and the Owners are told. Each endpoint has at most a few
// requests in flight, so a slow receiver holds only its own deliveries.
import { createHmac } from 'node:crypto';
import type { Store } from '../workspace/store';
import { cursorName, LOG_SIZE, pauseEndpoint, queueDeliveries } from './endpoints';
import { buildEvents, type BuiltEvent, type FeedEventRow } from './events';
import { postSafely, REQUEST_TIMEOUT_MS } from './safe-request';
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
  /** Requests in flight per endpoint (default 4). */
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

export class WebhookDispatcher {
  private readonly schedule: RetrySchedule;
  private readonly perEndpoint: number;
  private readonly inFlight = new Map<string, number>();
  private readonly sends = new Set<Promise<void>>();
  private running: Promise<void> | null = null;
  private again = false;
  private timer: NodeJS.Timeout | null = null;
  private closed = false;

  constructor(
    private readonly store: Store,
    private readonly opts: DispatcherOptions,
  ) {
    this.schedule = { ...DEFAULT_SCHEDULE, ...opts.schedule };
    this.perEndpoint = opts.concurrencyPerEndpoint ?? 4;
  }

  start(): void {
    this.timer = setInterval(() => this.notify(), this.opts.pollMs ?? 500);
    this.timer.unref();
    this.notify();
  }

  /** Something was committed, or a delivery finished: queue and send what is new. */
  notify(): void {
    if (this.closed) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.round()
      .catch((err: unknown) => this.opts.log('webhook round failed', err))
      .finally(() => {
        this.running = null;
        if (this.again) {
          this.again = false;
          this.notify();
        }
      });
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    await this.running;
    await Promise.allSettled([...this.sends]);
  }

  private async round(): Promise<void> {
    await this.queueNew();
    await this.sendDue();
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

  /** Claims and posts the deliveries that are due, within each endpoint's share of requests. */
  private async sendDue(): Promise<void> {
    const now = this.store.clock();
    const due = await this.store.db.all<DueRow>(
      `SELECT d.id, d.endpoint_id, d.body, d.created_at, e.url, e.signing_key
       FROM webhook_deliveries d JOIN webhook_endpoints e ON e.id = d.endpoint_id
       WHERE d.status = 'pending' AND e.state = 'active' AND d.next_attempt_at <= ? AND (d.claimed_until IS NULL OR d.claimed_until < ?)
         AND NOT EXISTS (SELECT 1 FROM webhook_deliveries p WHERE p.endpoint_id = d.endpoint_id AND p.lane = d.lane AND p.status = 'pending' AND p.id < d.id)
       ORDER BY d.id LIMIT 200`,
      [now, now],
    );
    for (const d of due) {
      if (this.closed) return;
      const busy = this.inFlight.get(d.endpoint_id) ?? 0;
      if (busy >= this.perEndpoint) continue;
      const claimed = await this.store.write((tx) =>
        tx.run(
          `UPDATE webhook_deliveries SET claimed_until = ?, attempts = attempts + 1
           WHERE id = ? AND status = 'pending' AND (claimed_until IS NULL OR claimed_until < ?)`,
          [tx.now + this.schedule.claimMs, d.id, tx.now],
        ),
      );
      if (claimed === 0) continue;
      this.inFlight.set(d.endpoint_id, busy + 1);
      const send = this.deliver(d).finally(() => {
        this.inFlight.set(d.endpoint_id, (this.inFlight.get(d.endpoint_id) ?? 1) - 1);
        this.sends.delete(send);
        this.notify();
      });
      this.sends.add(send);
    }
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
      { allowPrivate: this.opts.allowPrivate },
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
      await tx.run(
        `DELETE FROM webhook_deliveries WHERE endpoint_id = ? AND status <> 'pending' AND id <= (
           SELECT id FROM webhook_deliveries WHERE endpoint_id = ? AND status <> 'pending' ORDER BY id DESC LIMIT 1 OFFSET ?)`,
        [d.endpoint_id, d.endpoint_id, LOG_SIZE],
      );
      if (r.error === null) return false;
      const failing = await tx.sql.get<{ failing_since: number | null; state: string }>('SELECT failing_since, state FROM webhook_endpoints WHERE id = ?', [
        d.endpoint_id,
      ]);
      if (failing?.state !== 'active' || failing.failing_since === null || tx.now - Number(failing.failing_since) < s.pauseAfterMs) return false;
      await tellOwnersEndpointPaused(tx, await pauseEndpoint(tx, d.endpoint_id, 'failing'));
      return true;
    });
    // The retry is looked for when it is due (not only at the next poll).
    if (retryIn !== null && !this.closed) setTimeout(() => this.notify(), retryIn + 5).unref();
    if (paused) this.opts.log(`webhook endpoint ${d.endpoint_id} paused: failing for ${Math.round(s.pauseAfterMs / 3600_000)} h`);
  }
}
