// Full-text search over the cache: the words of a search box as an FTS5 query, and the newest
// messages or contacts that match one without FTS5 reading every row of a common word.
import type { Cache } from './cache';
import { TEXT_TOKENIZER } from './migrations';

/** Words of a search box: letters and digits, at most eight of them. */
function searchWords(text: string): string[] {
  return (text.match(/[\p{L}\p{N}]+/gu) ?? []).slice(0, 8);
}

const asQuery = (words: readonly string[]) => words.map((w) => `"${w}"*`).join(' ');

/** Words of a search box as an FTS5 query: each word a quoted prefix, all must match. */
export function ftsQuery(text: string): string | null {
  const words = searchWords(text);
  return words.length ? asQuery(words) : null;
}

/** The prefix length the full-text tables index that candidates are looked up by (TEXT_PREFIXES). */
const CANDIDATE_PREFIX = 3;
/** Candidates checked per round; and how many per result wanted, at most, before asking FTS5 directly. */
const BATCH = 64;
const MAX_CANDIDATES_PER_RESULT = 20;

/** A full-text table searched newest first, and how a scratch table of the same columns is filled with some of its rows' texts. */
interface SearchedText {
  fts: string;
  scratch: string;
  columns: string;
  /** The texts of the rows whose rowids are a JSON array (parameter 1), as `rowid, ...columns`. */
  texts: string;
}

export const MESSAGE_TEXT: SearchedText = {
  fts: 'messages_fts',
  scratch: 'message_check',
  columns: 'text',
  texts: "SELECT rowid, data->>'text' FROM messages WHERE rowid IN (SELECT value FROM json_each(?))",
};
export const CONTACT_TEXT: SearchedText = {
  fts: 'contacts_fts',
  scratch: 'contact_check',
  columns: 'name, phone, email',
  texts:
    "SELECT rowid, data->>'name', COALESCE(data->>'phone', ''), COALESCE(data->>'email', '') FROM contacts WHERE rowid IN (SELECT value FROM json_each(?))",
};

/** Rows matching an FTS5 query below a rowid, newest first. */
const newestBelow = (cache: Cache, t: SearchedText, query: string, below: number, limit: number): number[] =>
  cache
    .all<{ rowid: number }>(`SELECT rowid FROM ${t.fts} WHERE ${t.fts} MATCH ? AND rowid < ? ORDER BY rowid DESC LIMIT ?`, query, below, limit)
    .map((r) => r.rowid);

/**
 * The rowids of the newest `limit` rows (by rowid) of a full-text table matching a search box,
 * newest first: exactly what `fts MATCH ftsQuery(text) ORDER BY rowid DESC LIMIT limit` answers.
 *
 * FTS5 answers a prefix query by first gathering every row holding any word of that prefix: for a
 * word in most rows (every contact's "Contact …", a common word in messages) that is about 30 ms a
 * million rows, however few are wanted. Its prefix index of two and three letters is walked lazily
 * instead, newest first. So each word is cut to its first three letters (one-letter words are left
 * out), which finds a superset of the matches cheaply; each batch of those candidates is then checked
 * against the whole query by FTS5 itself, in a scratch table holding just their texts. When the cut
 * words match far more rows than the whole ones (a common start of a rare word), the rest is asked
 * of FTS5 directly.
 */
export function newestMatching(cache: Cache, t: SearchedText, text: string, limit: number): number[] {
  const words = searchWords(text);
  if (!words.length) return [];
  const query = asQuery(words);
  const direct = (below: number, n: number) => newestBelow(cache, t, query, below, n);
  const letters = words.map((w) => [...w]);
  const cut = letters.filter((w) => w.length > 1).map((w) => w.slice(0, CANDIDATE_PREFIX).join(''));
  // No word longer than the index's prefixes, or none to look candidates up by: FTS5's own answer is as cheap.
  if (!cut.length || letters.every((w) => w.length <= CANDIDATE_PREFIX)) return direct(Number.MAX_SAFE_INTEGER, limit);

  const candidates = asQuery(cut);
  const found: number[] = [];
  let below = Number.MAX_SAFE_INTEGER;
  for (let checked = 0; found.length < limit;) {
    if (checked >= MAX_CANDIDATES_PER_RESULT * limit) return found.concat(direct(below, limit - found.length));
    const batch = newestBelow(cache, t, candidates, below, BATCH);
    if (!batch.length) break;
    checked += batch.length;
    below = batch[batch.length - 1];
    found.push(...matchingAmong(cache, t, query, batch));
  }
  return found.slice(0, limit);
}

/** Connections and the scratch tables made on them (a rebuild opens a new one: see `Cache.wipeData`). */
const scratchReady = new WeakMap<object, Set<string>>();

/** Which of these rows match the query, newest first: FTS5 over a scratch table of their texts only (in memory). */
function matchingAmong(cache: Cache, t: SearchedText, query: string, rowids: readonly number[]): number[] {
  const made = scratchReady.get(cache.db) ?? new Set<string>();
  if (!made.has(t.scratch)) {
    cache.db.exec(`CREATE VIRTUAL TABLE IF NOT EXISTS temp.${t.scratch} USING fts5(${t.columns}, ${TEXT_TOKENIZER})`);
    scratchReady.set(cache.db, made.add(t.scratch));
  }
  return cache.tx(() => {
    cache.run(`DELETE FROM temp.${t.scratch}`);
    cache.run(`INSERT INTO temp.${t.scratch} (rowid, ${t.columns}) ${t.texts}`, JSON.stringify(rowids));
    const hits = cache.all<{ rowid: number }>(`SELECT rowid FROM temp.${t.scratch} WHERE ${t.scratch} MATCH ? ORDER BY rowid DESC`, query).map((r) => r.rowid);
    // Texts are not kept in memory past the search.
    cache.run(`DELETE FROM temp.${t.scratch}`);
    return hits;
  });
}
