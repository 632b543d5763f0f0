// A damaged cache never stops the app. When the file cannot be opened or read (truncated, overwritten,
// not a database, corrupt pages), the writes still waiting in it are rescued first (into a small
// private file, until they are in the new cache), the file is moved aside, and a new one is synced
// from the server. A cache written by a newer version of the app is refused, not moved: it is that
// version's, and an update opens it.
import BetterSqlite3 from 'better-sqlite3';
import { existsSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { Cache, CacheTooNewError, outboxCopyFile } from './cache';
import { makePrivateFile } from '../storage/private-folder';
import { importWrites, queuedWriteFrom, queuedWrites, writeCount, type QueuedWrite } from './outbox-rows';

export { CacheTooNewError };

/** The one line the app shows after rebuilding. */
export const CACHE_REBUILT = 'The copy of your workspace on this computer was damaged, so it is being downloaded again. Your unsent messages were kept.';
export const CACHE_TOO_NEW = 'The data on this computer was saved by a newer version of IS-Messenger. Update the app to open it; nothing was changed.';

/** An error that means the file itself is damaged (not a bug in a statement, not a full disk). */
export function isDamage(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^SQLITE_(CORRUPT|NOTADB|FORMAT|IOERR_SHORT_READ)/.test(code);
}

/** Where a damaged cache goes (one kept: the newest), and where its rescued writes wait. */
const damagedFile = (file: string) => file.replace(/\.sqlite$/, '') + '.damaged.sqlite';
const rescueFile = (file: string) => file.replace(/\.sqlite$/, '') + '.outbox-rescued.json';

/** The rescue file and the outbox's copy. Writes read back may be in an older version's form (queuedWriteFrom). */
interface Rescued {
  user_id: string | null;
  writes: QueuedWrite[];
}

/** A rescue file or outbox copy as read back: its writes in the form stored now. */
function readRescued(file: string): Rescued {
  const raw = JSON.parse(readFileSync(file, 'utf8')) as { user_id?: string | null; writes?: Record<string, unknown>[] };
  return { user_id: raw.user_id ?? null, writes: (raw.writes ?? []).map(queuedWriteFrom) };
}

/**
 * Opens the cache, rebuilding it when it is damaged; answers whether it was. Throws CacheTooNewError
 * for a newer version's file. Writes rescued earlier (a run stopped between rescue and import) are
 * brought into the cache either way.
 */
export function openHealing(file: string, opts: { log?: (msg: string, err?: unknown) => void; forUser?: string } = {}): { cache: Cache; rebuilt: boolean } {
  let cache: Cache;
  let rebuilt = false;
  try {
    cache = Cache.open(file, { log: opts.log });
    probe(cache);
  } catch (err) {
    if (err instanceof CacheTooNewError || !isDamage(err)) throw err;
    opts.log?.('the cache file is damaged: rescuing its pending writes and rebuilding it', err);
    moveAside(file);
    cache = Cache.open(file, { log: opts.log });
    rebuilt = true;
  }
  importRescued(cache, file, opts.forUser ?? cache.getMeta('user_id'));
  return { cache, rebuilt };
}

/** Reads what every start reads, so a file damaged where the app looks first fails here. */
function probe(cache: Cache): void {
  cache.get('SELECT COUNT(*) FROM meta');
  cache.get('SELECT COUNT(*) FROM outbox');
  cache.get('SELECT COUNT(*) FROM users');
}

/**
 * Rescues what can still be read of the outbox and the signed-in user's id into the rescue file,
 * then moves the file aside (its journal with it; the shared-memory index is only rebuilt state).
 */
export function moveAside(file: string): void {
  const rescued = rescue(file);
  if (rescued.writes.length || rescued.user_id) {
    const to = rescueFile(file);
    // Merged with what an earlier rescue left, if it was never imported.
    const earlier = existsSync(to) ? readRescued(to) : null;
    makePrivateFile(to);
    writeFileSync(to, JSON.stringify({ user_id: rescued.user_id ?? earlier?.user_id ?? null, writes: [...(earlier?.writes ?? []), ...rescued.writes] }));
  }
  const aside = damagedFile(file);
  for (const suffix of ['', '-wal', '-shm']) rmSync(aside + suffix, { force: true });
  for (const suffix of ['', '-wal']) if (existsSync(file + suffix)) renameSync(file + suffix, aside + suffix);
  rmSync(`${file}-shm`, { force: true });
}

/** What the damaged file still gives back, completed by the outbox's copy beside it (the file's own rows first). */
function rescue(file: string): Rescued {
  const fromFile = rescueFromFile(file);
  let copy: Rescued | null = null;
  try {
    copy = readRescued(outboxCopyFile(file));
  } catch {
    /* no copy (nothing was waiting), or unreadable */
  }
  const seen = new Set(fromFile.writes.map((w) => w.client_id));
  const writes = [...fromFile.writes, ...(copy?.writes ?? []).filter((w) => !seen.has(w.client_id))];
  writes.sort((a, b) => Number(a.created_at) - Number(b.created_at));
  return { user_id: fromFile.user_id ?? copy?.user_id ?? null, writes };
}

function rescueFromFile(file: string): Rescued {
  const out: Rescued = { user_id: null, writes: [] };
  let db: BetterSqlite3.Database | null = null;
  try {
    db = new BetterSqlite3(file, { fileMustExist: true });
    try {
      out.user_id = (db.prepare("SELECT value FROM meta WHERE key = 'user_id'").get() as { value: string } | undefined)?.value ?? null;
    } catch {
      /* the meta table is past reading */
    }
    try {
      // Whichever version's columns the file has.
      out.writes = (db.prepare('SELECT * FROM outbox ORDER BY position').all() as Record<string, unknown>[]).map(queuedWriteFrom);
    } catch {
      /* the outbox is past reading: nothing to rescue */
    }
  } catch {
    /* not a database at all */
  } finally {
    db?.close();
  }
  return out;
}

/**
 * Brings rescued writes of `user` (any: null) into the cache, in their order, and deletes the rescue
 * file. Without one, a cache whose outbox is empty while its copy is not (a rebuild cut short by a
 * kill: `Cache.wipeData`) takes the copy's.
 */
function importRescued(cache: Cache, file: string, user: string | null): void {
  let from = rescueFile(file);
  if (!existsSync(from)) {
    from = outboxCopyFile(file);
    if (!existsSync(from) || writeCount(cache) > 0) return;
  }
  const rescued = readRescued(from);
  if (user && rescued.user_id && user !== rescued.user_id) return; // another user's: kept for them
  cache.tx(() => {
    if (rescued.user_id && !cache.getMeta('user_id')) cache.setMeta('user_id', rescued.user_id);
    importWrites(cache, rescued.writes);
  });
  if (from === rescueFile(file)) rmSync(from, { force: true });
  cache.copyOutbox();
}

/**
 * A sign-out the user did not ask for (the session ended on the server, the policy changed): the
 * writes not yet delivered are kept in the rescue file, and the same user's next sign-in takes them back.
 */
export function keepUnsent(cache: Cache): void {
  const writes = queuedWrites(cache);
  if (!writes.length) return;
  const to = rescueFile(cache.file);
  makePrivateFile(to);
  writeFileSync(to, JSON.stringify({ user_id: cache.getMeta('user_id'), writes } satisfies Rescued));
}

/** Sign-out: what a damaged cache left beside the cache goes with it. */
export function removeLeftovers(file: string): void {
  for (const f of [damagedFile(file), `${damagedFile(file)}-wal`, `${damagedFile(file)}-shm`, rescueFile(file)]) rmSync(f, { force: true });
}
