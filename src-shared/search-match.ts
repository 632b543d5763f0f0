// Where a search box's words occur in a text, as the cache's full-text search matches them (each
// word a prefix of a word in the text, ignoring case and accents): to pick the matching message of
// a search result and to highlight the match. Pure, for main and the renderer alike.

/** Letters and digits, as the full-text index splits them (at most eight words, like the search). */
const WORD = /[\p{L}\p{N}]+/gu;

const fold = (s: string) => s.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase();

function searchTerms(q: string): string[] {
  return (q.match(WORD) ?? []).slice(0, 8).map(fold);
}

/** Each text word that starts with a search word: its start and end in the text. */
function hits(text: string, terms: readonly string[]): { start: number; end: number; term: number }[] {
  const out: { start: number; end: number; term: number }[] = [];
  for (const m of text.matchAll(WORD)) {
    const w = fold(m[0]);
    const term = terms.findIndex((t) => w.startsWith(t));
    if (term >= 0) out.push({ start: m.index!, end: m.index! + m[0].length, term });
  }
  return out;
}

/** Every search word is the start of some word of the text. */
export function matchesAll(text: string, q: string): boolean {
  const terms = searchTerms(q);
  if (!terms.length) return false;
  const found = new Set(hits(text, terms).map((h) => h.term));
  return terms.every((_, i) => found.has(i));
}

export interface Segment {
  text: string;
  hit: boolean;
}

/**
 * The text cut into plain and matching parts (render the matching ones marked, as text). With
 * `around`, it starts at most that many characters before the first match ("…" in front), so the
 * match shows on a one-line excerpt.
 */
export function highlight(text: string, q: string, around?: number): Segment[] {
  const terms = searchTerms(q);
  const found = terms.length ? hits(text, terms) : [];
  if (!found.length) return [{ text, hit: false }];
  let from = 0;
  let lead = '';
  if (around !== undefined && found[0].start > around) {
    from = text.lastIndexOf(' ', found[0].start - around) + 1 || found[0].start - around;
    lead = '…';
  }
  const out: Segment[] = [];
  let at = from;
  for (const h of found) {
    if (h.start < from) continue;
    if (h.start > at) out.push({ text: (out.length ? '' : lead) + text.slice(at, h.start), hit: false });
    else if (!out.length && lead) out.push({ text: lead, hit: false });
    out.push({ text: text.slice(h.start, h.end), hit: true });
    at = h.end;
  }
  if (at < text.length) out.push({ text: text.slice(at), hit: false });
  return out;
}
