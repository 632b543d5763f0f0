// A bootstrap's next snapshot page, read while the page before travels to the client and is written
// into its cache: the client can ask for it only once that page has arrived (its token is in it),
// so without this the server would sit idle while the client parses, and the client while the
// server reads. Bounded: one page ahead per snapshot, a few snapshots at once, none while other
// pages wait for their turn (a reconnect storm), and a page nobody asks for soon is dropped.
import { pagesWaiting } from './turns';

/** Snapshots read ahead at once, per database. */
const MAX_AHEAD = 8;
/** A page read ahead and not asked for within this long is dropped (its client went away). */
const KEEP_MS = 30_000;

interface Ahead {
  page: Promise<unknown>;
  timer: NodeJS.Timeout;
}

/** Pages read ahead, per database (several servers may share a process in tests). */
const byDatabase = new WeakMap<object, Map<string, Ahead>>();

const keyOf = (userId: string, token: string, limit: number) => `${userId}\n${limit}\n${token}`;

function pagesOf(db: object): Map<string, Ahead> {
  let pages = byDatabase.get(db);
  if (!pages) byDatabase.set(db, (pages = new Map()));
  return pages;
}

/**
 * Starts reading the page `token` names for this user, unless the bound is reached. `read` must
 * do everything a request would (the head, the user's visibility now, then the rows), so the page
 * is as true as one read when it is asked for; a failed read is left to the request.
 */
export function readAhead<T>(db: object, userId: string, token: string, limit: number, read: () => Promise<T>): void {
  const pages = pagesOf(db);
  const key = keyOf(userId, token, limit);
  if (pages.has(key) || pages.size >= MAX_AHEAD || pagesWaiting() > 0) return;
  const timer = setTimeout(() => pages.delete(key), KEEP_MS);
  timer.unref?.();
  pages.set(key, { page: read().catch(() => null), timer });
}

/** The page read ahead for this request, once (null: none, or its read failed). */
export function takeReadAhead<T>(db: object, userId: string, token: string, limit: number): Promise<T | null> | null {
  const pages = byDatabase.get(db);
  const key = keyOf(userId, token, limit);
  const ahead = pages?.get(key);
  if (!ahead) return null;
  clearTimeout(ahead.timer);
  pages!.delete(key);
  return ahead.page as Promise<T | null>;
}
