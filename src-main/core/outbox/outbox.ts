// The outbox: writes made in the app (online or not) are stored with a client id and an optimistic
// change in the cache, then delivered in order, exactly once (the server treats the client id as an
// idempotency key). A write the server refuses becomes failed with the reason, to retry or discard.
import { EventEmitter } from 'node:events';
import { randomUUID } from 'node:crypto';
import type { ChangeRecord } from '../../../src-shared/sync/changes';
import type { OutboxItem } from '../../../src-shared/desktop/api';
import type { Cache } from '../cache/cache';
import { OfflineError, ServerError, type ServerApi } from '../sync/server-api';
import { refusalInWords } from './refusal-reasons';
import { outboxItems } from '../cache/queries';

export type OutboxKind = OutboxItem['kind'];

/** An entity as it was before an optimistic change, to put back if the write is refused or discarded. */
export interface UndoEntry {
  entity: ChangeRecord['entity'];
  id: string;
  /** The entity's data before (null: it did not exist). */
  before: Record<string, unknown> | null;
  /** The optimistic data written (to tell whether the server has since replaced it). */
  after: Record<string, unknown>;
}

interface OutboxRow {
  position: number;
  client_id: string;
  kind: OutboxKind;
  contact_id: string | null;
  method: string;
  path: string;
  body: string;
  state: 'pending' | 'failed';
  error: string | null;
  attempts: number;
  undo: string;
  created_at: number;
}

const TABLE_OF: Partial<Record<ChangeRecord['entity'], string>> = {
  contact: 'contacts',
  conversation: 'conversations',
  message: 'messages',
  comment: 'comments',
  notification: 'notifications',
};

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

  /** Stores the write and its optimistic changes in one cache transaction, then tries to deliver. */
  enqueue(write: {
    clientId: string;
    kind: OutboxKind;
    contactId: string | null;
    method: 'POST' | 'PATCH' | 'PUT';
    path: string;
    body: Record<string, unknown>;
    optimistic: { entity: ChangeRecord['entity']; id: string; data: Record<string, unknown> }[];
  }): void {
    this.cache.tx(() => {
      const undo: UndoEntry[] = [];
      for (const o of write.optimistic) {
        const table = TABLE_OF[o.entity];
        const before = table ? this.cache.get<{ data: string }>(`SELECT data FROM ${table} WHERE id = ?`, o.id) : undefined;
        undo.push({ entity: o.entity, id: o.id, before: before ? JSON.parse(before.data) : null, after: o.data });
        this.cache.upsert(o.entity, o.data);
      }
      this.cache.run(
        `INSERT INTO outbox (client_id, kind, contact_id, method, path, body, state, undo, created_at) VALUES (?, ?, ?, ?, ?, ?, 'pending', ?, ?)`,
        write.clientId, write.kind, write.contactId, write.method, write.path, JSON.stringify({ ...write.body, client_id: write.clientId }), JSON.stringify(undo), this.clock(),
      );
    });
    this.cache.copyOutbox();
    this.emit('changed', write.contactId ? [write.contactId] : []);
    void this.kick();
  }

  items(): OutboxItem[] {
    return outboxItems(this.cache);
  }

  pendingCount(): number {
    return this.cache.get<{ n: number }>('SELECT COUNT(*) AS n FROM outbox')!.n;
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
      const row = this.cache.get<OutboxRow>("SELECT * FROM outbox WHERE state = 'pending' ORDER BY position LIMIT 1");
      if (!row) return;
      try {
        await this.api.request(row.method, row.path, undefined, JSON.parse(row.body));
        if (!this.online) return; // stopped while the request was out; it is replayed next time, safely
        this.cache.run('DELETE FROM outbox WHERE client_id = ?', row.client_id);
        this.cache.copyOutbox();
        this.emit('changed', row.contact_id ? [row.contact_id] : []);
        failures = 0;
      } catch (err) {
        if (!this.online) return;
        if (err instanceof ServerError && err.permanent) {
          this.fail(row, refusalInWords(row.kind, err));
          continue;
        }
        // Not refused, just not delivered: try again later (the same client id makes it safe).
        this.cache.run('UPDATE outbox SET attempts = attempts + 1 WHERE client_id = ?', row.client_id);
        failures += 1;
        if (!(err instanceof OfflineError) || failures > 3) {
          this.scheduleRetry(Math.min(30_000, 500 * 2 ** Math.min(failures, 6)));
          return;
        }
        await new Promise((r) => setTimeout(r, 200 * failures));
      }
    }
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
      this.cache.run("UPDATE outbox SET state = 'failed', error = ? WHERE client_id = ?", reason, row.client_id);
      for (const u of JSON.parse(row.undo) as UndoEntry[]) {
        // What the user wrote stays on screen, marked failed, until they retry or discard it.
        if (u.entity === 'message' && u.before === null) {
          this.cache.upsert('message', { ...u.after, status: 'failed', fail_reason: reason });
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
  private current(u: UndoEntry): Record<string, unknown> | null {
    const table = TABLE_OF[u.entity];
    const row = table ? this.cache.get<{ data: string }>(`SELECT data FROM ${table} WHERE id = ?`, u.id) : undefined;
    return row ? (JSON.parse(row.data) as Record<string, unknown>) : null;
  }

  /**
   * Puts an entity back as it was, unless the server has replaced the optimistic version meanwhile.
   * An entity that existed gets back only the fields the write changed, over what it holds now
   * (a message that came in since stays its last message).
   */
  private restore(u: UndoEntry): void {
    const table = TABLE_OF[u.entity];
    if (!table) return;
    const current = this.current(u);
    if (!current) return;
    if (u.before) {
      const keys = changedKeys(u);
      if (keys.every((k) => same(current[k], u.after[k]))) this.cache.upsert(u.entity, { ...current, ...pick(u.before, keys) });
      return;
    }
    const untouched = same(current, u.after) || (u.entity === 'message' && current.status === 'failed');
    if (!untouched) return;
    if (u.entity === 'message' || u.entity === 'comment') {
      const row = this.cache.get<{ rowid: number }>(`SELECT rowid FROM ${table} WHERE id = ?`, u.id);
      if (row) this.cache.run(`DELETE FROM ${table}_fts WHERE rowid = ?`, row.rowid);
      this.cache.run(`DELETE FROM ${table} WHERE id = ?`, u.id);
    }
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
    const row = this.cache.get<OutboxRow>('SELECT * FROM outbox WHERE client_id = ?', clientId);
    // A write to a contact no longer visible has no address left: it can only be copied or discarded.
    if (!row || row.state !== 'failed' || !row.path) return;
    this.cache.tx(() => {
      this.cache.run("UPDATE outbox SET state = 'pending', error = NULL WHERE client_id = ?", clientId);
      for (const u of JSON.parse(row.undo) as UndoEntry[]) {
        // The write's own change again, over what the entity holds now.
        const current = u.before ? this.current(u) : null;
        this.cache.upsert(u.entity, current ? { ...current, ...pick(u.after, changedKeys(u)) } : u.after);
      }
    });
    this.cache.copyOutbox();
    this.emit('changed', row.contact_id ? [row.contact_id] : []);
    void this.kick();
  }

  discard(clientId: string): void {
    const row = this.cache.get<OutboxRow>('SELECT * FROM outbox WHERE client_id = ?', clientId);
    if (!row) return;
    this.cache.tx(() => {
      this.cache.run('DELETE FROM outbox WHERE client_id = ?', clientId);
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
