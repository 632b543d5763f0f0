// The outbox: writes made in the app (online or not) are stored with a client id and an optimistic
// change in the cache, then delivered in order, exactly once (the server treats the client id as an
// idempotency key). A write is a route of the HTTP contract with its params and body, checked against
// the route's schemas when queued and replayed through the typed client, which parses the answer.
// A write the server refuses becomes failed with the reason, to retry or discard.
import { EventEmitter } from 'node:events';
import { randomUUID } from 'node:crypto';
import type { ChangeRecord } from '../../../src-shared/sync/changes';
import type { OutboxItem } from '../../../src-shared/desktop/api';
import type { Cache } from '../cache/cache';
import * as rows from '../cache/outbox-rows';
import { OfflineError, ServerError, type ServerApi } from '../sync/server-api';
import { refusalInWords } from './refusal-reasons';
import { checkQueued, KIND_OF_ROUTE, type OutboxRoute, type QueuedBody, type QueuedParams } from './queued-routes';

type OutboxRow = rows.OutboxRow;

/** An entity as it was before an optimistic change, to put back if the write is refused or discarded. */
export interface UndoEntry {
  entity: ChangeRecord['entity'];
  id: string;
  /** The entity's data before (null: it did not exist). */
  before: Record<string, unknown> | null;
  /** The optimistic data written (to tell whether the server has since replaced it). */
  after: Record<string, unknown>;
}

export interface OutboxEvents {
  changed: [contactIds: string[]];
}

export class Outbox extends EventEmitter<OutboxEvents> {
  private running: Promise<void> | null = null;
  private online = false;
  private retryTimer: NodeJS.Timeout | null = null;

  constructor(
    private readonly cache: Cache,
    private readonly api: ServerApi,
    private readonly clock: () => number = Date.now,
  ) {
    super();
  }

  newClientId(): string {
    return randomUUID();
  }

  /**
   * Stores the write and its optimistic changes in one cache transaction, then tries to deliver.
   * Throws (nothing stored) when params or body do not fit the route's schemas.
   */
  enqueue<R extends OutboxRoute>(write: {
    clientId: string;
    route: R;
    params: QueuedParams<R>;
    body: QueuedBody<R>;
    contactId: string | null;
    optimistic: { entity: ChangeRecord['entity']; id: string; data: Record<string, unknown> }[];
  }): void {
    const params = write.params as Record<string, string>;
    const body = { ...(write.body as Record<string, unknown>), client_id: write.clientId };
    checkQueued(write.route, params, body);
    this.cache.tx(() => {
      const undo: UndoEntry[] = [];
      for (const o of write.optimistic) {
        undo.push({ entity: o.entity, id: o.id, before: this.current(o), after: o.data });
        this.cache.entities.put(o.entity, o.data);
      }
      rows.insertWrite(this.cache, {
        client_id: write.clientId,
        kind: KIND_OF_ROUTE[write.route],
        contact_id: write.contactId,
        route: write.route,
        params: JSON.stringify(params),
        body: JSON.stringify(body),
        undo: JSON.stringify(undo),
        created_at: this.clock(),
      });
    });
    this.cache.copyOutbox();
    this.emit('changed', write.contactId ? [write.contactId] : []);
    void this.kick();
  }

  items(): OutboxItem[] {
    return rows.outboxItems(this.cache);
  }

  setOnline(online: boolean): void {
    this.online = online;
    if (online) void this.kick();
  }

  /** Delivers pending writes in order; resolves when the queue is empty, offline, or blocked. */
  kick(): Promise<void> {
    if (!this.online) return Promise.resolve();
    this.running ??= this.drain().finally(() => (this.running = null));
    return this.running;
  }

  private async drain(): Promise<void> {
    let failures = 0;
    for (;;) {
      if (!this.online) return;
      const row = rows.nextPending(this.cache);
      if (!row) return;
      try {
        await this.deliver(row);
        await this.cache.idle();
        if (!this.online) return; // stopped while the request was out; it is replayed next time, safely
        rows.deleteWrite(this.cache, row.client_id);
        this.cache.copyOutbox();
        this.emit('changed', row.contact_id ? [row.contact_id] : []);
        failures = 0;
      } catch (err) {
        await this.cache.idle();
        if (!this.online) return;
        if (err instanceof ServerError && err.permanent) {
          this.fail(row, refusalInWords(row.kind, err));
          continue;
        }
        // Not refused, just not delivered: try again later (the same client id makes it safe).
        rows.countAttempt(this.cache, row.client_id);
        failures += 1;
        if (!(err instanceof OfflineError) || failures > 3) {
          this.scheduleRetry(Math.min(30_000, 500 * 2 ** Math.min(failures, 6)));
          return;
        }
        await new Promise((r) => setTimeout(r, 200 * failures));
      }
    }
  }

  /** One write through the typed client (its answer parsed with the route's schema). */
  private async deliver(row: OutboxRow): Promise<void> {
    // A write without an address (its contact was lost) is failed, never pending: nothing to send.
    if (row.params === null) throw new ServerError(404, 'not_found', 'no address left');
    // Params and body were checked against this route when queued (or converted to fit it: migration 5).
    await this.api.call(row.route, { params: JSON.parse(row.params) as never, body: JSON.parse(row.body) as never });
  }

  private scheduleRetry(ms: number): void {
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => void this.kick(), ms);
    this.retryTimer.unref?.();
  }

  stop(): void {
    this.online = false;
    if (this.retryTimer) clearTimeout(this.retryTimer);
  }

  /** The server refused the write: show it failed with the reason, and undo its optimistic changes (the message stays, failed). */
  private fail(row: OutboxRow, reason: string): void {
    this.cache.tx(() => {
      rows.setFailed(this.cache, row.client_id, reason);
      for (const u of JSON.parse(row.undo) as UndoEntry[]) {
        // What the user wrote stays on screen, marked failed, until they retry or discard it.
        if (u.entity === 'message' && u.before === null) {
          this.cache.entities.put('message', { ...u.after, status: 'failed', fail_reason: reason });
          continue;
        }
        if (u.entity === 'comment' && u.before === null) continue;
        this.restore(u);
      }
    });
    this.cache.copyOutbox();
    this.emit('changed', row.contact_id ? [row.contact_id] : []);
  }

  /** The entity as cached now (null: not there). */
  private current(u: Pick<UndoEntry, 'entity' | 'id'>): Record<string, unknown> | null {
    return this.cache.entities.get(u.entity, u.id) as Record<string, unknown> | null;
  }

  /**
   * Puts an entity back as it was, unless the server has replaced the optimistic version meanwhile.
   * An entity that existed gets back only the fields the write changed, over what it holds now
   * (a message that came in since stays its last message).
   */
  private restore(u: UndoEntry): void {
    const current = this.current(u);
    if (!current) return;
    if (u.before) {
      const keys = changedKeys(u);
      if (keys.every((k) => same(current[k], u.after[k]))) this.cache.entities.put(u.entity, { ...current, ...pick(u.before, keys) });
      return;
    }
    const untouched = same(current, u.after) || (u.entity === 'message' && current.status === 'failed');
    if (!untouched) return;
    if (u.entity === 'message' || u.entity === 'comment') this.cache.entities.delete(u.entity, u.id);
  }

  /**
   * Tries to deliver what is pending now, and answers what is left (failed, or still pending when
   * the server cannot be reached within `waitMs`).
   */
  async flush(waitMs: number): Promise<OutboxItem[]> {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.kick(), new Promise((r) => (timer = setTimeout(r, waitMs)))]);
    clearTimeout(timer);
    return this.items();
  }

  retry(clientId: string): void {
    const row = rows.writeOf(this.cache, clientId);
    // A write to a contact no longer visible has no address left: it can only be copied or discarded.
    if (!row || row.state !== 'failed' || row.params === null) return;
    this.cache.tx(() => {
      rows.setPending(this.cache, clientId);
      for (const u of JSON.parse(row.undo) as UndoEntry[]) {
        // The write's own change again, over what the entity holds now.
        const current = u.before ? this.current(u) : null;
        this.cache.entities.put(u.entity, current ? { ...current, ...pick(u.after, changedKeys(u)) } : u.after);
      }
    });
    this.cache.copyOutbox();
    this.emit('changed', row.contact_id ? [row.contact_id] : []);
    void this.kick();
  }

  discard(clientId: string): void {
    const row = rows.writeOf(this.cache, clientId);
    if (!row) return;
    this.cache.tx(() => {
      rows.deleteWrite(this.cache, clientId);
      for (const u of JSON.parse(row.undo) as UndoEntry[]) this.restore(u);
    });
    this.cache.copyOutbox();
    this.emit('changed', row.contact_id ? [row.contact_id] : []);
  }
}

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/** The fields an optimistic change changed. */
function changedKeys(u: UndoEntry): string[] {
  const keys = new Set([...Object.keys(u.before ?? {}), ...Object.keys(u.after)]);
  return [...keys].filter((k) => !same(u.before?.[k], u.after[k]));
}

function pick(o: Record<string, unknown>, keys: readonly string[]): Record<string, unknown> {
  return Object.fromEntries(keys.filter((k) => k in o).map((k) => [k, o[k]]));
}
