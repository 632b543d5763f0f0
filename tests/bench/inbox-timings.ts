// Inbox pages and search through the host's WebSocket, as the renderer asks (inbox-store.ts): the
// timings of bench:history's "inbox page" and "full-text search" figures, shared with inbox-scale.ts.
import { PerformanceObserver } from 'node:perf_hooks';

export type HostCall = (kind: 'query' | 'command', name: string, input: unknown) => Promise<{ ok: boolean; value: any }>;

export interface InboxTimings {
  /** A page after the last row of the page before (scrolling down), ms. */
  keyset: number[];
  /** The first page, and a page at a random position (as after a `changed` event), ms. */
  position: number[];
  search: number[];
  /** The same calls' CPU time in this process (the host and the client side of the socket), ms: what a busy machine weighs on less. */
  cpu: { keyset: number[]; position: number[]; search: number[] };
  /** Garbage collections in this process during the timings, ms each (a pause lands on whichever call is waiting). */
  gc: number[];
}

/** The p-th percentile of some times. */
export const pct = (xs: readonly number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))];

const INBOXES = ['all', 'unassigned', 'team:t_sales', 'mine'];
const SEARCHES = ['price', 'refund', 'deliv', 'invoice plan', 'Contact 4242', 'warranty', 'question 77', 'stock size'];

export async function inboxAndSearchTimings(call: HostCall): Promise<InboxTimings> {
  const out: InboxTimings = { keyset: [], position: [], search: [], cpu: { keyset: [], position: [], search: [] }, gc: [] };
  const gc = new PerformanceObserver((list) => out.gc.push(...list.getEntries().map((e) => e.duration)));
  gc.observe({ entryTypes: ['gc'] });
  const timed = async (name: string, input: Record<string, unknown>, kind: 'keyset' | 'position' | 'search') => {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    const r = await call('query', name, input);
    out[kind].push(performance.now() - t0);
    const c = process.cpuUsage(c0);
    out.cpu[kind].push((c.user + c.system) / 1000);
    if (!r.ok) throw new Error(`${name} ${JSON.stringify(input)}: ${JSON.stringify(r)}`);
    return r.value as { items: { id: string; last_activity_at: number }[]; total: number };
  };
  for (const inbox of INBOXES) {
    for (const status of ['open', 'closed']) {
      // Scrolling down by keyset, 30 pages of 100; after a `changed` event the visible page by position.
      let page = await timed('conversations', { inbox, status, limit: 100, offset: 0 }, 'position');
      for (let i = 0; i < 30; i++) {
        const last = page.items[page.items.length - 1];
        if (!last) break;
        page = await timed('conversations', { inbox, status, limit: 100, after: { last_activity_at: last.last_activity_at, id: last.id } }, 'keyset');
        if (i % 3 === 0)
          await timed('conversations', { inbox, status, limit: 100, offset: Math.floor(Math.random() * Math.max(1, page.total - 100)) }, 'position');
      }
    }
  }
  for (let i = 0; i < 200; i++) await timed('search', { q: SEARCHES[i % SEARCHES.length], limit: 50 }, 'search');
  // Entries are delivered after the collection: give the last ones a turn.
  await new Promise((r) => setTimeout(r, 10));
  gc.disconnect();
  return out;
}
