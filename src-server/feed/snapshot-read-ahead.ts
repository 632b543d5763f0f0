// A bootstrap's next snapshot pages, read while the page before travels to the client and is written
// into its cache: the client can ask for a page only once the one before has arrived (its token is
// in it), so without this the server would sit idle while the client parses and writes, and the
// client while the server reads. Two pages ahead, so a page that takes the server longer than usual
// (a busy machine) is covered by the one before. Bounded: two pages per user, sixteen per database,
// none while other pages wait for their turn (a reconnect storm), and a page nobody asks for soon is
// dropped.
import { pagesWaiting } from './turns';

/** Pages read ahead and not asked for yet, per user and in all, per database. */
const PER_USER = 2;
const IN_ALL = 16;
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

/** How a snapshot's pages are read: `read` must do everything a request would (the head, the user's visibility now, then the rows). */
export interface PageReader<T> {
  read: (token: string) => Promise<T>;
  /** The token of the page after this one (null: the last). */
  nextOf: (page: T) => string | null;
}

/**
 * Starts reading the page `token` names for this user, unless a bound is reached; once read, the
 * page after it too. A page read so is as true as one read when asked for (its version is the head
 * it read first); a failed read is left to the request.
 */
export function readAhead<T>(db: object, userId: string, token: string, limit: number, reader: PageReader<T>): void {
  const pages = pagesOf(db);
  const key = keyOf(userId, token, limit);
  const onwards = (p: T | null) => {
    const next = p === null ? null : reader.nextOf(p);
    if (next !== null) readAhead(db, userId, next, limit, reader);
    return p;
  };
  const held = pages.get(key);
  // Already read (or being read): the chain goes on from it once there is room again.
  if (held) return void held.page.then((p) => onwards(p as T | null));
  const mine = [...pages.keys()].filter((k) => k.startsWith(`${userId}\n`)).length;
  if (mine >= PER_USER || pages.size >= IN_ALL || pagesWaiting() > 0) return;
  const timer = setTimeout(() => pages.delete(key), KEEP_MS);
  timer.unref?.();
  pages.set(key, { page: reader.read(token).then(onwards, () => null), timer });
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
