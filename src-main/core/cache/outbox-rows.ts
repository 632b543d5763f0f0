// The outbox's rows in the cache, in order: each write as the route it calls ({route, params, body},
// outbox/queued-routes.ts), its state, and the optimistic changes to undo. The outbox, the rescue of a
// damaged file (cache-healing.ts) and the lists read and write them only through here.
import type { OutboxItem } from '../../../src-shared/desktop/api';
import { KIND_OF_ROUTE, routeOfOldWrite, type OutboxKind, type OutboxRoute } from '../outbox/queued-routes';
import { UNREADABLE_OLD_WRITE } from '../outbox/refusal-reasons';
import type { Sql } from './sql';

export interface OutboxRow {
  position: number;
  client_id: string;
  kind: OutboxKind;
  contact_id: string | null;
  route: OutboxRoute;
  /** The route's path parameters as JSON; null: no address left (its contact was lost), copy or discard only. */
  params: string | null;
  /** JSON, with the client id. */
  body: string;
  state: 'pending' | 'failed';
  error: string | null;
  attempts: number;
  /** JSON: the optimistic changes (outbox.ts UndoEntry[]). */
  undo: string;
  created_at: number;
}

/** A write as the outbox's copy and the rescue file keep it (its optimistic rows stay with the cache file). */
export type QueuedWrite = Pick<OutboxRow, 'client_id' | 'kind' | 'contact_id' | 'route' | 'params' | 'body' | 'state' | 'error' | 'created_at'>;
const QUEUED_COLUMNS = 'client_id, kind, contact_id, route, params, body, state, error, created_at';

export function insertWrite(cache: Sql, w: Omit<OutboxRow, 'position' | 'state' | 'error' | 'attempts'>): void {
  cache.run(
    `INSERT INTO outbox (client_id, kind, contact_id, route, params, body, state, undo, created_at) VALUES (?, ?, ?, ?, ?, ?, 'pending', ?, ?)`,
    w.client_id,
    w.kind,
    w.contact_id,
    w.route,
    w.params,
    w.body,
    w.undo,
    w.created_at,
  );
}

export const nextPending = (cache: Sql) => cache.get<OutboxRow>("SELECT * FROM outbox WHERE state = 'pending' ORDER BY position LIMIT 1");
export const writeOf = (cache: Sql, clientId: string) => cache.get<OutboxRow>('SELECT * FROM outbox WHERE client_id = ?', clientId);
export const deleteWrite = (cache: Sql, clientId: string) => cache.run('DELETE FROM outbox WHERE client_id = ?', clientId);
export const countAttempt = (cache: Sql, clientId: string) => cache.run('UPDATE outbox SET attempts = attempts + 1 WHERE client_id = ?', clientId);
export const setFailed = (cache: Sql, clientId: string, reason: string) =>
  cache.run("UPDATE outbox SET state = 'failed', error = ? WHERE client_id = ?", reason, clientId);
export const setPending = (cache: Sql, clientId: string) => cache.run("UPDATE outbox SET state = 'pending', error = NULL WHERE client_id = ?", clientId);
export const writeCount = (cache: Sql) => cache.get<{ n: number }>('SELECT COUNT(*) AS n FROM outbox')!.n;

/** Every write, in order, as the copy beside the cache and the rescue file keep them. */
export const queuedWrites = (cache: Sql) => cache.all<QueuedWrite>(`SELECT ${QUEUED_COLUMNS} FROM outbox ORDER BY position`);

/**
 * A write queued before the outbox stored route names (a method and a path built by hand) as it is
 * stored now: cache migration 5 converts the rows, rescue files written then are read with it. A
 * path this app cannot read leaves the write failed, to copy or discard; a lost contact's write (an
 * empty path) stays as it was, without an address.
 */
export function fromOldWrite(w: {
  kind: OutboxKind;
  path: string;
  state: string;
  error: string | null;
}): Pick<QueuedWrite, 'route' | 'params' | 'state' | 'error'> {
  const { route, params } = routeOfOldWrite(w.kind, w.path);
  const unreadable = params === null && w.path !== '';
  const state = w.state === 'failed' ? 'failed' : 'pending';
  return { route, params: params && JSON.stringify(params), state: unreadable ? 'failed' : state, error: unreadable ? UNREADABLE_OLD_WRITE : w.error };
}

/** A write read back from a rescue file or the outbox's copy, in either form (see fromOldWrite). */
export function queuedWriteFrom(w: Record<string, unknown>): QueuedWrite {
  const kind = w.kind as OutboxKind;
  const base = {
    client_id: String(w.client_id),
    kind,
    contact_id: (w.contact_id as string | null) ?? null,
    body: String(w.body),
    created_at: Number(w.created_at),
  };
  const state = w.state === 'failed' ? 'failed' : 'pending';
  const error = (w.error as string | null) ?? null;
  if (typeof w.route === 'string' && w.route in KIND_OF_ROUTE)
    return { ...base, route: w.route as OutboxRoute, params: (w.params as string | null) ?? null, state, error };
  return { ...base, ...fromOldWrite({ kind, path: typeof w.path === 'string' ? w.path : '?', state, error }) };
}

/** Writes rescued from another file, in their order; their optimistic rows went with that file: nothing to undo here. */
export function importWrites(cache: Sql, writes: readonly QueuedWrite[]): void {
  for (const w of writes) {
    cache.run(
      `INSERT INTO outbox (${QUEUED_COLUMNS}, undo) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, '[]') ON CONFLICT (client_id) DO NOTHING`,
      w.client_id,
      w.kind,
      w.contact_id,
      w.route,
      w.params,
      w.body,
      w.state,
      w.error,
      w.created_at,
    );
  }
}

/** Outbox rows as the UI lists them: each write with what it is about (the contact's name, the text written). */
export function outboxItems(cache: Sql, where = '1', ...params: unknown[]): OutboxItem[] {
  type Row = {
    client_id: string;
    kind: OutboxKind;
    contact_id: string | null;
    contact_name: string | null;
    body: string;
    params: string | null;
    state: OutboxItem['state'];
    error: string | null;
    created_at: number;
  };
  return cache
    .all<Row>(
      `SELECT o.client_id, o.kind, o.contact_id, c.data->>'name' AS contact_name, o.body, o.params, o.state, o.error, o.created_at FROM outbox o LEFT JOIN contacts c ON c.id = o.contact_id WHERE ${where} ORDER BY o.position`,
      ...params,
    )
    .map(({ body, params: address, ...r }) => {
      const text = (JSON.parse(body) as { text?: unknown }).text;
      return { ...r, text: typeof text === 'string' ? text : null, deliverable: address !== null };
    });
}

/** A contact's writes that failed and are not messages or comments (those show in the thread, where they were written). */
export const failedWritesOf = (cache: Sql, contactId: string) =>
  outboxItems(cache, "o.contact_id = ? AND o.state = 'failed' AND o.kind IN ('assign', 'close', 'reopen')", contactId);

/** A contact's messages and comments waiting or refused: the outbox row behind each entity they created. */
export const localWritesOf = (cache: Sql, contactId: string) =>
  cache.all<{ client_id: string; error: string | null; undo: string }>(
    "SELECT client_id, error, undo FROM outbox WHERE contact_id = ? AND kind IN ('message', 'comment')",
    contactId,
  );
