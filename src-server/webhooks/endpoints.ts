// Webhook endpoints: added, listed, paused, resumed, deleted, their signing keys rotated, their
// delivery log read, a test event queued. An active endpoint keeps its place in the change feed in
// feed_cursors (webhook:<id>); a paused or deleted one has none, so it never holds feed compaction
// back: a resumed endpoint starts from the feed's head (events while it was paused are not sent).
import { randomBytes, randomUUID } from 'node:crypto';
import { ApiError } from '../../src-shared/api/errors';
import { WEBHOOK_TEST_EVENT, type WebhookDelivery, type WebhookEndpoint, type WebhookEventType } from '../../src-shared/api/webhooks';
import type { SqlRunner } from '../db/engine';
import { newId } from '../workspace/ids';
import type { Tx } from '../workspace/tx';
import type { ViewerCtx } from '../workspace/viewer';
import { assertMayManageTokens } from '../workspace/access-tokens';
import { refusalOf, resolvesToRefused } from './safe-request';

export const MAX_ENDPOINTS = 20;
/** Finished deliveries kept per endpoint (the log). */
export const LOG_SIZE = 100;

export const cursorName = (endpointId: string) => `webhook:${endpointId}`;

export interface EndpointRow {
  id: string;
  url: string;
  events: string;
  signing_key: string;
  state: 'active' | 'paused';
  paused_reason: 'paused' | 'failing' | null;
  failing_since: number | null;
  created_by: string;
  created_at: number;
}

export const toEndpoint = (r: EndpointRow): WebhookEndpoint => ({
  id: r.id,
  url: r.url,
  events: JSON.parse(r.events) as WebhookEventType[],
  state: r.state,
  paused_reason: r.paused_reason,
  failing_since: r.failing_since === null ? null : Number(r.failing_since),
  created_at: Number(r.created_at),
});

/**
 * Owners and Managers not restricted from integrations (as for Developer API tokens). An endpoint
 * receives every contact's events, so only someone who sees every contact may manage one.
 */
export function assertMayManageWebhooks(viewer: ViewerCtx): void {
  assertMayManageTokens(viewer.user);
  if (viewer.scope.kind !== 'all') throw new ApiError('forbidden', 'Webhooks send every contact’s events: your contact visibility is restricted.');
}

/** A fresh signing key: 32 random bytes, shown once. */
const newSigningKey = () => `whsec_${randomBytes(32).toString('base64url')}`;

/** Refuses a URL a webhook may never use, in words (checked again, after DNS, on every delivery). */
export async function assertUsableUrl(url: string, allowPrivate: boolean): Promise<void> {
  const parsed = new URL(url);
  const refusal = refusalOf(parsed, allowPrivate) ?? (allowPrivate ? null : await resolvesToRefused(parsed.hostname));
  if (refusal) throw new ApiError('invalid_request', `This URL cannot receive webhooks: ${refusal}.`);
}

async function feedHead(sql: SqlRunner): Promise<number> {
  const r = await sql.get<{ head: number | null }>('SELECT MAX(seq) AS head FROM changes');
  return Number(r?.head ?? 0);
}

/** The endpoint's place in the feed, from the head: it sends what happens from now on. */
async function placeAtHead(tx: Tx, id: string): Promise<void> {
  const head = await feedHead(tx.sql);
  await tx.run('INSERT INTO feed_cursors (name, position) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET position = excluded.position', [cursorName(id), head]);
}

export async function listEndpoints(sql: SqlRunner): Promise<WebhookEndpoint[]> {
  return (await sql.all<EndpointRow>('SELECT * FROM webhook_endpoints ORDER BY created_at, id')).map(toEndpoint);
}

async function endpointRow(sql: SqlRunner, id: string): Promise<EndpointRow> {
  const row = await sql.get<EndpointRow>('SELECT * FROM webhook_endpoints WHERE id = ?', [id]);
  if (!row) throw new ApiError('not_found', 'no such webhook endpoint (it may have been deleted)');
  return row;
}

export async function addEndpoint(tx: Tx, viewer: ViewerCtx, url: string, events: WebhookEventType[]): Promise<{ endpoint: WebhookEndpoint; key: string }> {
  const n = await tx.sql.get<{ n: number }>('SELECT COUNT(*) AS n FROM webhook_endpoints');
  if (Number(n?.n) >= MAX_ENDPOINTS) throw new ApiError('limit_reached', `A workspace holds at most ${MAX_ENDPOINTS} webhook endpoints: delete one first.`);
  const id = newId('wh');
  const key = newSigningKey();
  const row = await tx.sql.get<EndpointRow>(
    `INSERT INTO webhook_endpoints (id, url, events, signing_key, state, created_by, created_at) VALUES (?, ?, ?, ?, 'active', ?, ?) RETURNING *`,
    [id, url, JSON.stringify([...new Set(events)]), key, viewer.user.id, tx.now],
  );
  await placeAtHead(tx, id);
  return { endpoint: toEndpoint(row!), key };
}

export async function pauseEndpoint(tx: Tx, id: string, reason: 'paused' | 'failing'): Promise<WebhookEndpoint> {
  await endpointRow(tx.sql, id);
  const row = await tx.sql.get<EndpointRow>(
    "UPDATE webhook_endpoints SET state = 'paused', paused_reason = CASE WHEN state = 'paused' THEN paused_reason ELSE ? END WHERE id = ? RETURNING *",
    [reason, id],
  );
  await tx.run('DELETE FROM feed_cursors WHERE name = ?', [cursorName(id)]);
  return toEndpoint(row!);
}

/** Resumes from the feed's head; deliveries queued before the pause are tried at once (past their 24 hours, once more). */
export async function resumeEndpoint(tx: Tx, id: string): Promise<WebhookEndpoint> {
  const before = await endpointRow(tx.sql, id);
  if (before.state === 'active') return toEndpoint(before);
  const row = await tx.sql.get<EndpointRow>(
    "UPDATE webhook_endpoints SET state = 'active', paused_reason = NULL, failing_since = NULL WHERE id = ? RETURNING *",
    [id],
  );
  await tx.run("UPDATE webhook_deliveries SET next_attempt_at = ? WHERE endpoint_id = ? AND status = 'pending'", [tx.now, id]);
  await placeAtHead(tx, id);
  return toEndpoint(row!);
}

export async function deleteEndpoint(tx: Tx, id: string): Promise<void> {
  await endpointRow(tx.sql, id);
  await tx.run('DELETE FROM webhook_deliveries WHERE endpoint_id = ?', [id]);
  await tx.run('DELETE FROM webhook_endpoints WHERE id = ?', [id]);
  await tx.run('DELETE FROM feed_cursors WHERE name = ?', [cursorName(id)]);
}

/** A new signing key, answered once; every attempt from now on (retries included) is signed with it. */
export async function rotateKey(tx: Tx, id: string): Promise<{ endpoint: WebhookEndpoint; key: string }> {
  await endpointRow(tx.sql, id);
  const key = newSigningKey();
  const row = await tx.sql.get<EndpointRow>('UPDATE webhook_endpoints SET signing_key = ? WHERE id = ? RETURNING *', [key, id]);
  return { endpoint: toEndpoint(row!), key };
}

export interface QueuedEvent {
  eventId: string;
  type: string;
  /** Deliveries of one lane go out in order: a contact's events share the contact's lane. */
  lane: string;
  body: string;
}

/** Queues events for an endpoint; an event already queued for it (same event_id) is not queued twice. */
export async function queueDeliveries(tx: Tx, endpointId: string, events: readonly QueuedEvent[]): Promise<void> {
  for (const e of events) {
    await tx.run(
      `INSERT INTO webhook_deliveries (endpoint_id, event_id, event_type, lane, body, status, attempts, next_attempt_at, created_at)
       VALUES (?, ?, ?, ?, ?, 'pending', 0, ?, ?) ON CONFLICT (endpoint_id, event_id) DO NOTHING`,
      [endpointId, e.eventId, e.type, e.lane, e.body, tx.now, tx.now],
    );
  }
}

/** Queues a test event (its own lane), so the receiver can check the URL and the signature. */
export async function queueTestEvent(tx: Tx, id: string): Promise<WebhookDelivery> {
  const row = await endpointRow(tx.sql, id);
  if (row.state !== 'active') throw new ApiError('conflict', 'This endpoint is paused: resume it to send a test event.');
  const eventId = randomUUID();
  const body = JSON.stringify({ event_type: WEBHOOK_TEST_EVENT, event_id: eventId, timestamp: Math.floor(tx.now / 1000), endpoint: { id, url: row.url } });
  await queueDeliveries(tx, id, [{ eventId, type: WEBHOOK_TEST_EVENT, lane: `test:${eventId}`, body }]);
  return (await deliveryLog(tx.sql, id)).find((d) => d.event_id === eventId)!;
}

interface DeliveryRow {
  event_id: string;
  event_type: string;
  status: WebhookDelivery['status'];
  attempts: number;
  status_code: number | null;
  latency_ms: number | null;
  error: string | null;
  created_at: number;
  finished_at: number | null;
}

/** The endpoint's last 100 deliveries, newest first (pending ones included). */
export async function deliveryLog(sql: SqlRunner, id: string): Promise<WebhookDelivery[]> {
  await endpointRow(sql, id);
  const rows = await sql.all<DeliveryRow>(
    `SELECT event_id, event_type, status, attempts, status_code, latency_ms, error, created_at, finished_at
     FROM webhook_deliveries WHERE endpoint_id = ? ORDER BY id DESC LIMIT ?`,
    [id, LOG_SIZE],
  );
  const num = (v: number | null) => (v === null ? null : Number(v));
  return rows.map((r) => ({
    ...r,
    attempts: Number(r.attempts),
    status_code: num(r.status_code),
    latency_ms: num(r.latency_ms),
    created_at: Number(r.created_at),
    finished_at: num(r.finished_at),
  }));
}
