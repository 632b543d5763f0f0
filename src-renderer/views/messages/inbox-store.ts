// The Messages module's left half: the inbox summaries (with open counts), the chosen inbox,
// open/closed filter and search, and the conversation list, loaded page by page so a 100,000-row
// inbox costs only the rows on screen. Scrolling asks for the page after (or before) a page it
// holds; only a jump (a dragged scrollbar) or a refresh asks by position, which costs main a walk
// over the rows before it.
import { create } from 'zustand';
import { CONVERSATIONS_MAX_LIMIT, type InboxRow, type ListCursor } from '../../../src-shared/desktop/api';
import type { InboxSummary } from '../../../src-shared/api/routes';
import { DesktopError, onEvent, query } from '../../bridge/client';
import { isAffected } from '../../bridge/useQuery';

const PAGE_SIZE = 100;
/** Pages kept around the visible ones; farther pages are dropped and fetched again when needed. */
const KEEP_PAGES = 8;
/**
 * Pages fetched beyond the visible ones in the direction the list scrolls, so rows are there when they come into view. Four
 * keep a list scrolled at 60 rows a frame without placeholder rows (bench:renderer: 220-239 frames of 1,667 showed some
 * with two, 35 with three, 0-5 with four).
 */
const AHEAD_PAGES = 4;
/** The most pages one request may ask (the API's limit). */
const MAX_PAGES_PER_FETCH = Math.floor(CONVERSATIONS_MAX_LIMIT / PAGE_SIZE);
/** While the list moves, what it needs is fetched at most this often (a dragged scrollbar asks for where it is, not every row it passes). */
const FETCH_EVERY_MS = 40;

export type StatusFilter = 'open' | 'closed';

interface InboxStore {
  inbox: string;
  status: StatusFilter;
  q: string;
  summaries: InboxSummary[] | null;
  summariesError: DesktopError | null;
  /** Rows in the current list; null until the first page answers. */
  total: number | null;
  pages: Record<number, InboxRow[]>;
  listError: DesktopError | null;
  /** A row the list should scroll to once it holds it (a conversation opened from elsewhere). */
  focusIndex: number | null;
  /** Shows a contact in the list: this list if it holds it, else the first list that does; false when none does. */
  locate: (contactId: string) => Promise<boolean>;
  clearFocusIndex: () => void;
  /** Chooses an inbox; a custom inbox that filters on a status opens on that status's tab. */
  setInbox: (key: string, status?: StatusFilter) => void;
  setStatus: (status: StatusFilter) => void;
  setQuery: (q: string) => void;
  /** The list's visible rows changed: fetch the pages they need. */
  showRange: (start: number, end: number) => void;
  /** Something changed in the cache: fetch the visible pages and the counts again. */
  refresh: () => void;
  loadSummaries: () => Promise<void>;
  reset: () => void;
}

let generation = 0;
let visible: [number, number] = [0, 30];
/** The way the list last moved: +1 down, -1 up. */
let direction = 1;
const inflight = new Set<string>();
let fetchTimer: number | undefined;
let subscribed = false;

export function rowAt(pages: Record<number, InboxRow[]>, index: number): InboxRow | undefined {
  return pages[Math.floor(index / PAGE_SIZE)]?.[index % PAGE_SIZE];
}

const cursorOf = (row: InboxRow): ListCursor => ({ last_activity_at: row.last_activity_at, id: row.id });

/** Where a page is asked from: the end of the page before it, the start of the page after it, or its position. */
function pageRequest(pages: Record<number, InboxRow[]>, page: number): { after: ListCursor } | { before: ListCursor } | { offset: number } {
  const prev = pages[page - 1];
  if (prev?.length === PAGE_SIZE) return { after: cursorOf(prev[PAGE_SIZE - 1]) };
  const next = pages[page + 1];
  if (next?.length) return { before: cursorOf(next[0]) };
  return { offset: page * PAGE_SIZE };
}

/** The index of a contact among the loaded rows, or -1. */
export function indexOfContact(pages: Record<number, InboxRow[]>, contactId: string): number {
  for (const [p, rows] of Object.entries(pages)) {
    const i = rows.findIndex((r) => r.id === contactId);
    if (i >= 0) return Number(p) * PAGE_SIZE + i;
  }
  return -1;
}

export const useInbox = create<InboxStore>((set, get) => {
  /** The visible pages (with `ahead`, and those the scrolling comes to next). */
  const neededPages = (ahead = false): number[] => {
    const first = Math.max(0, Math.floor(visible[0] / PAGE_SIZE) - (ahead && direction < 0 ? AHEAD_PAGES : 0));
    const last = Math.floor(visible[1] / PAGE_SIZE) + (ahead && direction > 0 ? AHEAD_PAGES : 0);
    const total = get().total;
    const out: number[] = [];
    for (let p = first; p <= last; p++) if (total === null || p * PAGE_SIZE < total || p === 0) out.push(p);
    return out;
  };

  /** Fetches `count` pages from `page` in one request (several only after a held page, by keyset). */
  const fetchPage = async (page: number, force = false, count = 1) => {
    const gen = generation;
    const keys = Array.from({ length: count }, (_, i) => `${gen}:${page + i}`);
    if (keys.some((k) => inflight.has(k)) || (!force && get().pages[page])) return;
    for (const k of keys) inflight.add(k);
    const { inbox, status, q, pages } = get();
    // After a change rows may have moved: a refresh places its pages by position again.
    const where = force ? { offset: page * PAGE_SIZE } : pageRequest(pages, page);
    try {
      const res = await query('conversations', { inbox, status, q: q.trim() || undefined, ...where, limit: PAGE_SIZE * count });
      if (gen !== generation) return;
      const pages = { ...get().pages, [page]: res.items.slice(0, PAGE_SIZE) };
      for (let i = 1; i * PAGE_SIZE < res.items.length; i++) pages[page + i] = res.items.slice(i * PAGE_SIZE, (i + 1) * PAGE_SIZE);
      // Keep memory flat however far the user scrolls.
      const mid = Math.floor(visible[0] / PAGE_SIZE);
      for (const p of Object.keys(pages)) if (Math.abs(Number(p) - mid) > KEEP_PAGES) delete pages[Number(p)];
      set({ pages, total: res.total, listError: null });
      fetchNeeded();
    } catch (err) {
      if (gen === generation) set({ listError: err instanceof DesktopError ? err : new DesktopError('internal', String(err)) });
    } finally {
      for (const k of keys) inflight.delete(k);
    }
  };

  /**
   * The needed pages not held yet: those next to a held page first (asked by keyset, cheap; going
   * down, the missing pages in a row in one request), each answer fetching what is still missing;
   * by position only the first visible one, after a jump.
   */
  const fetchNeeded = () => {
    const { pages } = get();
    const missing = neededPages(true).filter((p) => !pages[p]);
    const byKeyset = missing.filter((p) => pages[p - 1]?.length === PAGE_SIZE || pages[p + 1]?.length);
    for (const p of byKeyset) {
      let run = 1;
      if (pages[p - 1]?.length === PAGE_SIZE) while (run < MAX_PAGES_PER_FETCH && missing.includes(p + run)) run++;
      void fetchPage(p, false, run);
    }
    const jump = neededPages().find((p) => !pages[p]);
    if (!byKeyset.length && jump !== undefined) void fetchPage(jump);
  };

  const restart = () => {
    generation++;
    window.clearTimeout(fetchTimer);
    fetchTimer = undefined;
    visible = [0, 30];
    direction = 1;
    set({ total: null, pages: {}, listError: null });
    void fetchPage(0);
  };

  const subscribe = () => {
    if (subscribed) return;
    subscribed = true;
    let timer: number | undefined;
    onEvent('changed', (change) => {
      if (!isAffected(change, ['contact', 'outbox', 'notification', 'custom_inbox', 'user', 'team'])) return;
      window.clearTimeout(timer);
      timer = window.setTimeout(() => get().refresh(), 150);
    });
  };

  return {
    inbox: 'all',
    status: 'open',
    q: '',
    summaries: null,
    summariesError: null,
    total: null,
    pages: {},
    listError: null,
    focusIndex: null,

    setInbox(key, status) {
      subscribe();
      if (key === get().inbox && get().total !== null && (!status || status === get().status)) return;
      set({ inbox: key, ...(status && { status }) });
      restart();
    },

    async locate(contactId) {
      const { inbox, status, q, summaries } = get();
      const other: StatusFilter = status === 'open' ? 'closed' : 'open';
      const keys = (summaries ?? []).map((s) => s.key).filter((k) => k !== inbox);
      // This list first, then this inbox's other tab, then the other inboxes (All first).
      const candidates = [
        { inbox, status, q },
        { inbox, status: other, q: '' },
        ...keys.flatMap((k) => [
          { inbox: k, status, q: '' },
          { inbox: k, status: other, q: '' },
        ]),
      ];
      for (const c of candidates) {
        try {
          const { index } = await query('conversationPosition', { inbox: c.inbox, status: c.status, q: c.q.trim() || undefined, contact_id: contactId });
          if (index === null) continue;
          const same = c.inbox === get().inbox && c.status === get().status && c.q === get().q;
          set({ focusIndex: index, ...(!same && { inbox: c.inbox, status: c.status, q: c.q }) });
          if (!same) restart();
          return true;
        } catch {
          return false;
        }
      }
      return false;
    },

    clearFocusIndex() {
      set({ focusIndex: null });
    },
    setStatus(status) {
      if (status === get().status) return;
      set({ status });
      restart();
    },
    setQuery(q) {
      if (q === get().q) return;
      set({ q });
      restart();
    },

    showRange(start, end) {
      subscribe();
      if (start !== visible[0]) direction = start > visible[0] ? 1 : -1;
      visible = [start, end];
      if (fetchTimer !== undefined || neededPages(true).every((p) => get().pages[p])) return;
      // At once, then at most every FETCH_EVERY_MS while the list moves: the pages needed by then.
      fetchNeeded();
      fetchTimer = window.setTimeout(() => {
        fetchTimer = undefined;
        fetchNeeded();
      }, FETCH_EVERY_MS);
    },

    refresh() {
      const need = neededPages();
      const keep: Record<number, InboxRow[]> = {};
      for (const p of need) if (get().pages[p]) keep[p] = get().pages[p];
      set({ pages: keep });
      for (const p of need.length ? need : [0]) void fetchPage(p, true);
      void get().loadSummaries();
    },

    async loadSummaries() {
      subscribe();
      try {
        set({ summaries: await query('inboxes', {}), summariesError: null });
      } catch (err) {
        set({ summariesError: err instanceof DesktopError ? err : new DesktopError('internal', String(err)) });
      }
    },

    reset() {
      generation++;
      set({ inbox: 'all', status: 'open', q: '', summaries: null, summariesError: null, total: null, pages: {}, listError: null, focusIndex: null });
    },
  };
});
