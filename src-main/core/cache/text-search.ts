// Full-text search over the cache: the words of a search box as an FTS5 query, and the newest
// messages that match one without FTS5 reading every row of a common word.
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

/** The prefix length messages_fts indexes that candidates are looked up by (MESSAGE_PREFIXES). */
const CANDIDATE_PREFIX = 3;
/** Candidates checked per round; and how many per result wanted, at most, before asking FTS5 directly. */
const BATCH = 64;
const MAX_CANDIDATES_PER_RESULT = 20;

/** Messages matching an FTS5 query below a rowid, newest first. */
const newestBelow = (cache: Cache, query: string, below: number, limit: number): number[] =>
  cache
    .all<{ rowid: number }>('SELECT rowid FROM messages_fts WHERE messages_fts MATCH ? AND rowid < ? ORDER BY rowid DESC LIMIT ?', query, below, limit)
    .map((r) => r.rowid);

/**
 * The rowids of the newest `limit` messages (by rowid) matching a search box, newest first:
 * exactly what `messages_fts MATCH ftsQuery(text) ORDER BY rowid DESC LIMIT limit` answers.
 *
 * FTS5 answers a prefix query by first gathering every row holding any word of that prefix: for a
 * word in most messages that is about 30 ms a million rows, however few are wanted. Its prefix
 * index of two and three letters is walked lazily instead, newest first. So each word is cut to
 * its first three letters (one-letter words are left out), which finds a superset of the matches
 * cheaply; each batch of those candidates is then checked against the whole query by FTS5 itself,
 * in a scratch table holding just their texts. When the cut words match far more rows than the
 * whole ones (a common start of a rare word), the rest is asked of FTS5 directly.
 */
export function newestMatchingMessages(cache: Cache, text: string, limit: number): number[] {
  const words = searchWords(text);
  if (!words.length) return [];
  const query = asQuery(words);
  const direct = (below: number, n: number) => newestBelow(cache, query, below, n);
  const letters = words.map((w) => [...w]);
  const cut = letters.filter((w) => w.length > 1).map((w) => w.slice(0, CANDIDATE_PREFIX).join(''));
  // No word longer than the index's prefixes, or none to look candidates up by: FTS5's own answer is as cheap.
  if (!cut.length || letters.every((w) => w.length <= CANDIDATE_PREFIX)) return direct(Number.MAX_SAFE_INTEGER, limit);

  const candidates = asQuery(cut);
  const found: number[] = [];
  let below = Number.MAX_SAFE_INTEGER;
  for (let checked = 0; found.length < limit;) {
    if (checked >= MAX_CANDIDATES_PER_RESULT * limit) return found.concat(direct(below, limit - found.length));
    const batch = newestBelow(cache, candidates, below, BATCH);
    if (!batch.length) break;
    checked += batch.length;
    below = batch[batch.length - 1];
    found.push(...matchingAmong(cache, query, batch));
  }
  return found.slice(0, limit);
}

/** Connections whose scratch table exists (a rebuild opens a new one: see `Cache.wipeData`). */
const scratchReady = new WeakSet<object>();

/** Which of these messages match the query, newest first: FTS5 over a scratch table of their texts only (in memory). */
function matchingAmong(cache: Cache, query: string, rowids: readonly number[]): number[] {
  if (!scratchReady.has(cache.db)) {
    cache.db.exec(`CREATE VIRTUAL TABLE IF NOT EXISTS temp.text_check USING fts5(text, ${TEXT_TOKENIZER})`);
    scratchReady.add(cache.db);
  }
  return cache.tx(() => {
    cache.run('DELETE FROM temp.text_check');
    cache.run(
      "INSERT INTO temp.text_check (rowid, text) SELECT rowid, data->>'text' FROM messages WHERE rowid IN (SELECT value FROM json_each(?))",
      JSON.stringify(rowids),
    );
    const hits = cache.all<{ rowid: number }>('SELECT rowid FROM temp.text_check WHERE text_check MATCH ? ORDER BY rowid DESC', query).map((r) => r.rowid);
    // Texts are not kept in memory past the search.
    cache.run('DELETE FROM temp.text_check');
    return hits;
  });
}
