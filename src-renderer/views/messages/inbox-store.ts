// The Messages module's left half: the inbox summaries (with open counts), the chosen inbox,
// open/closed filter and search, and the conversation list, loaded page by page so a 100,000-row
// inbox costs only the rows on screen. Scrolling asks for the page after (or before) a page it
// holds; only a jump (a dragged scrollbar) or a refresh asks by position, which costs main a walk
// over the rows before it.
import { create } from 'zustand';
import type { InboxRow, ListCursor } from '../../../src-shared/desktop/api';
import type { InboxSummary } from '../../../src-shared/api/routes';
import { DesktopError, onEvent, query } from '../../bridge/client';
import { isAffected } from '../../bridge/useQuery';

const PAGE_SIZE = 100;
/** Pages kept around the visible ones; farther pages are dropped and fetched again when needed. */
const KEEP_PAGES = 8;

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
  const neededPages = (): number[] => {
    const first = Math.max(0, Math.floor(visible[0] / PAGE_SIZE));
    const last = Math.floor(visible[1] / PAGE_SIZE);
    const total = get().total;
    const out: number[] = [];
    for (let p = first; p <= last; p++) if (total === null || p * PAGE_SIZE < total || p === 0) out.push(p);
    return out;
  };

  const fetchPage = async (page: number, force = false) => {
    const gen = generation;
    const key = `${gen}:${page}`;
    if (inflight.has(key) || (!force && get().pages[page])) return;
    inflight.add(key);
    const { inbox, status, q, pages } = get();
    // After a change rows may have moved: a refresh places its pages by position again.
    const where = force ? { offset: page * PAGE_SIZE } : pageRequest(pages, page);
    try {
      const res = await query('conversations', { inbox, status, q: q.trim() || undefined, ...where, limit: PAGE_SIZE });
      if (gen !== generation) return;
      const pages = { ...get().pages, [page]: res.items };
      // Keep memory flat however far the user scrolls.
      const mid = Math.floor(visible[0] / PAGE_SIZE);
      for (const p of Object.keys(pages)) if (Math.abs(Number(p) - mid) > KEEP_PAGES) delete pages[Number(p)];
      set({ pages, total: res.total, listError: null });
    } catch (err) {
      if (gen === generation) set({ listError: err instanceof DesktopError ? err : new DesktopError('internal', String(err)) });
    } finally {
      inflight.delete(key);
    }
  };

  const restart = () => {
    generation++;
    window.clearTimeout(fetchTimer);
    visible = [0, 30];
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
      visible = [start, end];
      const missing = neededPages().filter((p) => !get().pages[p]);
      if (missing.length === 0) return;
      // While the scrollbar is dragged fast, only the pages where it stops are fetched.
      window.clearTimeout(fetchTimer);
      fetchTimer = window.setTimeout(() => missing.forEach((p) => void fetchPage(p)), 40);
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
