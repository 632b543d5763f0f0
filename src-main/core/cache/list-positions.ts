// Where a position of a conversation list starts, without walking the rows before it. OFFSET walks
// its index entry by entry (tens of thousands on a large inbox, on every refresh after a `changed`
// event); instead each list asked by position keeps anchors, rows a step (1,000) apart, and a
// page starts from the nearest one. A contact's write moves the anchors it passes over, so they stay
// exact across writes instead of being walked again after each one. A list asked for (a page of it,
// by position or by keyset) is also walked to its end ahead of its pages, a slice at a time while no
// query waits (`walkSome`): a later page by position starts from an anchor, and the rows' records are
// in the page cache by then (a fresh process otherwise reads each row of a page from the file).
// A list only counted (a sidebar count of a custom inbox, which the kept counts cannot answer) is
// kept too, for its total alone: it is followed through writes like the others, never walked.
import type { ListCursor } from '../../../src-shared/desktop/api';
import type { Sql } from './sql';

/** A list as SQL over `contacts c`. */
export interface ListSql {
  sql: string;
  params: unknown[];
  /** Its members depend on messages (a search): it keeps anchors only until a message is written. */
  byText: boolean;
}

/** Exactly `pos` rows of the list sort before `key` (the row with that key, if any, is at `pos`). */
interface Anchor {
  pos: number;
  key: ListCursor;
}

/** Rows between two anchors made by a walk; a page starts at most this far from one. */
const DEFAULT_STEP = 1000;
/** Lists whose anchors are kept: the most recently asked. */
const KEPT_LISTS = 8;
/**
 * Lists kept only for their count (`setTotal` of a list whose pages were not asked): the most recently
 * counted. Each costs every contact's write a look-up of the row by rowid (a few µs).
 */
const COUNTED_LISTS = 24;
/** Rows a slice of the walk ahead reads: about a millisecond with their records read from the file, a tenth of it from the page cache. */
const WALK_ROWS = 100;

/** A list's order (newest activity first) and its reverse, over `contacts c`. */
export const NEWEST_FIRST = 'ORDER BY c.last_activity_at DESC, c.id DESC';
export const OLDEST_FIRST = 'ORDER BY c.last_activity_at ASC, c.id ASC';
/** Newest first: whether a row's key sorts before another's. */
const before = (a: ListCursor, b: ListCursor) => a.last_activity_at > b.last_activity_at || (a.last_activity_at === b.last_activity_at && a.id > b.id);

/**
 * A list's anchors; where the walk ahead goes on: an anchor followed through writes like the others
 * (null: the list's start), or its end; and its count of rows once one was given (`setTotal`), followed too.
 * `paged`: its pages were asked (walked ahead, with anchors); otherwise it is kept only for its count.
 */
interface KeptList {
  name: string;
  list: ListSql;
  anchors: Anchor[];
  next: Anchor | null | 'end';
  total: number | null;
  paged: boolean;
}

export class ListPositions {
  private readonly lists = new Map<string, KeptList>();

  constructor(
    private readonly db: Sql & { readonly bulkLoading: boolean },
    private readonly step = DEFAULT_STEP,
  ) {}

  /**
   * Where the row at `offset` of a list of `total` rows is: `skip` rows after the first row sorting
   * at or after `from` (null: the list's start), as `from` and `skip` of a page's SQL (`atOrAfter`).
   */
  seek(list: ListSql, offset: number, total: number): { from: ListCursor | null; skip: number } {
    // A bulk load writes without telling the anchors (the lists are slow meanwhile anyway).
    if (this.db.bulkLoading) return { from: null, skip: offset };
    const kept = this.entry(list);
    const at = this.place(list, kept.anchors, offset, total);
    // Kept once it has anchors (a searched list read only at its start costs writes nothing); any other is walked ahead.
    if (kept.anchors.length || !list.byText) this.keep(kept, true);
    return at;
  }

  /**
   * A page of a list was asked: it is kept, to be walked ahead by `walkSome`. A searched list is not:
   * its members follow messages, and every message written would have it walked again.
   */
  asked(list: ListSql): void {
    if (!this.db.bulkLoading && !list.byText) this.keep(this.entry(list), true);
  }

  /**
   * Lists the app is about to show (the user's inboxes, once the cache is ready), most likely first: walked ahead like lists
   * asked but after them, so their first pages are read from memory. They take only room no asked list holds (KEPT_LISTS),
   * and are the first forgotten when lists are asked.
   */
  expect(lists: readonly ListSql[]): void {
    if (this.db.bulkLoading) return;
    const room = KEPT_LISTS - [...this.lists.values()].filter((k) => k.paged).length;
    const added = lists
      .filter((l) => !l.byText)
      .map((l) => this.entry(l))
      .filter((k, i, all) => !this.lists.has(k.name) && all.findIndex((o) => o.name === k.name) === i)
      .slice(0, Math.max(0, room));
    // Least recently asked (walked after every list asked), the most likely last of them (walked first among them).
    const asked = [...this.lists.values()];
    this.lists.clear();
    for (const k of [...added.reverse(), ...asked]) this.lists.set(k.name, k);
    for (const k of added) k.paged = true;
  }

  /**
   * One slice of the walk ahead: WALK_ROWS more rows of the most recently asked list not walked to
   * its end yet, their records read and an anchor left every step. Whether a list is left to walk.
   */
  walkSome(rows = WALK_ROWS): boolean {
    if (this.db.bulkLoading) return false;
    const kept = [...this.lists.values()].reverse().find((k) => k.paged && k.next !== 'end' && !k.list.byText);
    if (!kept || kept.next === 'end') return false;
    const { list, anchors, next } = kept;
    const w = atOrAfter(list, next?.key ?? null);
    // length(c.data) reads each row's record: its table page, which a page of the list reads next, is then in the page cache.
    const found = this.db.all<ListCursor & { n: number }>(
      `SELECT c.last_activity_at, c.id, length(c.data) AS n FROM contacts c WHERE ${w.sql} ${NEWEST_FIRST} LIMIT ?`,
      ...w.params,
      rows + 1,
    );
    let pos = next?.pos ?? 0;
    for (const r of found.slice(0, rows)) {
      if (pos > 0 && pos % this.step === 0) insertAnchor(anchors, { pos, key: { last_activity_at: r.last_activity_at, id: r.id } });
      pos++;
    }
    const after = found[rows];
    kept.next = after ? { pos, key: { last_activity_at: after.last_activity_at, id: after.id } } : 'end';
    return this.walking;
  }

  /** A list asked is left to walk ahead. */
  get walking(): boolean {
    return [...this.lists.values()].some((k) => k.paged && k.next !== 'end' && !k.list.byText);
  }

  /** The count of a kept list's rows, followed through contacts' writes since `setTotal`; null when not known. */
  totalOf(list: ListSql): number | null {
    if (this.db.bulkLoading || list.byText) return null;
    return this.lists.get(this.entry(list).name)?.total ?? null;
  }

  /**
   * A list's count of rows, counted now: from here on it follows contacts' writes. A list whose pages
   * were not asked is kept for its count alone (not walked), among the COUNTED_LISTS most recently counted.
   */
  setTotal(list: ListSql, total: number): void {
    if (this.db.bulkLoading || list.byText) return;
    const kept = this.entry(list);
    kept.total = total;
    this.keep(kept, false);
  }

  /** A list's kept entry, or a new one (not kept until `keep`). */
  private entry(list: ListSql): KeptList {
    const name = `${list.sql}\u0000${JSON.stringify(list.params)}`;
    return this.lists.get(name) ?? { name, list, anchors: [], next: null, total: null, paged: false };
  }

  /**
   * Keeps a list as the most recently asked (`paged`: a page of it; otherwise its count), forgetting the
   * least recently asked of its kind beyond KEPT_LISTS paged or COUNTED_LISTS counted.
   */
  private keep(kept: KeptList, paged: boolean): void {
    kept.paged ||= paged;
    this.lists.delete(kept.name);
    this.lists.set(kept.name, kept);
    const ofKind = [...this.lists.values()].filter((k) => k.paged === kept.paged);
    if (ofKind.length > (kept.paged ? KEPT_LISTS : COUNTED_LISTS)) this.lists.delete(ofKind[0].name);
  }

  /** `seek` over one list's anchors, making those it walks past. */
  private place(list: ListSql, anchors: Anchor[], offset: number, total: number): { from: ListCursor | null; skip: number } {
    // The last anchor at or before the offset (anchors are in list order: their positions never decrease).
    let lo = 0;
    let hi = anchors.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (anchors[mid].pos <= offset) lo = mid + 1;
      else hi = mid;
    }
    // Anchors around the offset by index: before the first is the list's start, after the last its end.
    const pos = (i: number) => (i < 0 ? 0 : i >= anchors.length ? total : anchors[i].pos);
    const key = (i: number) => (i < 0 || i >= anchors.length ? null : anchors[i].key);
    const row = (w: { sql: string; params: unknown[] }, order: string, skip: number) => {
      const r = this.db.get<ListCursor>(`SELECT c.last_activity_at, c.id FROM contacts c WHERE ${w.sql} ${order} LIMIT 1 OFFSET ?`, ...w.params, skip);
      return r ? { last_activity_at: r.last_activity_at, id: r.id } : null;
    };
    let at = lo - 1;
    const next = lo;
    // Nearer the next anchor (or the list's end): back from there, to an anchor at the offset itself.
    if (offset < total && pos(next) - offset < offset - pos(at)) {
      while (pos(next) > offset) {
        const to = Math.max(offset, pos(next) - this.step);
        const k = key(next);
        const found = row(
          k ? { sql: `${list.sql} AND (c.last_activity_at, c.id) > (?, ?)`, params: [...list.params, k.last_activity_at, k.id] } : list,
          OLDEST_FIRST,
          pos(next) - 1 - to,
        );
        if (!found) break;
        anchors.splice(next, 0, { pos: to, key: found });
      }
      if (pos(next) === offset && next < anchors.length) return { from: key(next), skip: 0 };
    }
    // Further than a step: walk there a step at a time, leaving anchors for the next page.
    while (offset - pos(at) > this.step) {
      const found = row(atOrAfter(list, key(at)), NEWEST_FIRST, this.step);
      if (!found) break;
      const to = pos(at) + this.step;
      anchors.splice(++at, 0, { pos: to, key: found });
    }
    return { from: key(at), skip: offset - pos(at) };
  }

  /**
   * How many rows of a list sort before `key` (a row of it): counted from the nearest kept anchor at
   * or before the row (a step of rows at most once the list was walked ahead), else from the list's start.
   */
  rowsBefore(list: ListSql, key: ListCursor): number {
    const anchors = this.db.bulkLoading || list.byText ? [] : (this.lists.get(this.entry(list).name)?.anchors ?? []);
    // The last anchor sorting at or before the row (anchors are in list order, their keys too).
    let lo = 0;
    let hi = anchors.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (before(key, anchors[mid].key)) hi = mid;
      else lo = mid + 1;
    }
    const from = lo > 0 ? anchors[lo - 1] : null;
    const w = atOrAfter(list, from?.key ?? null);
    const n = this.db.get<{ n: number }>(
      `SELECT COUNT(*) AS n FROM contacts c WHERE ${w.sql} AND (c.last_activity_at, c.id) > (?, ?)`,
      ...w.params,
      key.last_activity_at,
      key.id,
    )!.n;
    return (from?.pos ?? 0) + n;
  }

  /** The lists' places of a contact's row (by rowid), before a write of it: to give to `written` after. */
  placesOf(rowid: number | bigint): (ListCursor | null)[] | null {
    if (!this.lists.size) return null;
    return [...this.lists.values()].map(({ list }) =>
      list.byText
        ? null
        : (this.db.get<ListCursor>(`SELECT c.last_activity_at, c.id FROM contacts c WHERE c.rowid = ? AND (${list.sql})`, rowid, ...list.params) ?? null),
    );
  }

  /**
   * A contact's row was written: each anchor it left from before or arrived before moves by one.
   * `was`: what `placesOf` answered before the write (null: the row is new, or nothing was kept).
   */
  written(rowid: number | bigint, was: (ListCursor | null)[] | null): void {
    const now = this.placesOf(rowid);
    if (!now) return;
    let i = 0;
    for (const [name, kept] of this.lists) {
      const { list, anchors, next } = kept;
      const [a, b] = [was?.[i] ?? null, now[i++]];
      // A search's members also follow its full-text rows: walked again rather than followed.
      if (list.byText) this.lists.delete(name);
      else if (a || b) {
        for (const anchor of next && next !== 'end' ? [...anchors, next] : anchors)
          anchor.pos += (b && before(b, anchor.key) ? 1 : 0) - (a && before(a, anchor.key) ? 1 : 0);
        if (kept.total !== null) kept.total += (b ? 1 : 0) - (a ? 1 : 0);
      }
    }
  }

  /** A message was written: searched lists may have gained a member. */
  textChanged(): void {
    for (const [name, { list }] of this.lists) if (list.byText) this.lists.delete(name);
  }

  /** Lists changed in a way not followed row by row (a removal, a team move, a new file, a write undone). */
  clear(): void {
    this.lists.clear();
  }
}

/** Adds an anchor in its place among a list's (anchors are in list order); one at the same position is there already. */
function insertAnchor(anchors: Anchor[], anchor: Anchor): void {
  let lo = 0;
  let hi = anchors.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (anchors[mid].pos < anchor.pos) lo = mid + 1;
    else hi = mid;
  }
  if (anchors[lo]?.pos !== anchor.pos) anchors.splice(lo, 0, anchor);
}

/** The list from a row on (that row included: an anchor's row sorts at its position), or the whole list. */
export function atOrAfter(list: Pick<ListSql, 'sql' | 'params'>, from: ListCursor | null): { sql: string; params: unknown[] } {
  if (!from) return list;
  return { sql: `${list.sql} AND (c.last_activity_at, c.id) <= (?, ?)`, params: [...list.params, from.last_activity_at, from.id] };
}
