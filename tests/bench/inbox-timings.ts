// Inbox pages and search through the host's WebSocket, as the renderer asks (inbox-store.ts): the
// timings of bench:history's "inbox page" and "full-text search" figures, shared with inbox-scale.ts.
import { constants, PerformanceObserver, type PerformanceEntry } from 'node:perf_hooks';
import type WebSocket from 'ws';

/**
 * A call through the socket; when the caller knows them, `servedMs` is the time the host took to answer it (the rest: the
 * socket and parsing the frame) and `readKb` what it read from files meanwhile.
 */
export type HostCall = (kind: 'query' | 'command', name: string, input: unknown) => Promise<{ ok: boolean; value: any; servedMs?: number; readKb?: number }>;

/** One timed call: what it asked and what it took. */
export interface TimedCall {
  kind: 'keyset' | 'position' | 'search';
  input: Record<string, unknown>;
  ms: number;
  cpu: number;
  servedMs?: number;
  readKb?: number;
  /** When it was sent (performance.now()). */
  at: number;
  /** GC pauses of this process that began while the call was waiting, ms in all (a scavenge lands on whichever call is waiting). */
  gcMs: number;
}

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
  /** The same pauses by kind (minor: a scavenge of the young objects; major: mark-compact of them all). */
  gcKinds: Record<string, number[]>;
  /** Each pause's start (performance.now()) and length, to tell which calls they landed on. */
  gcAt: { start: number; ms: number }[];
  /** Every call, to print the slowest. */
  calls: TimedCall[];
}

/** The p-th percentile of some times. */
export const pct = (xs: readonly number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))];

const INBOXES = ['all', 'unassigned', 'team:t_sales', 'mine'];
const SEARCHES = ['price', 'refund', 'deliv', 'invoice plan', 'Contact 4242', 'warranty', 'question 77', 'stock size'];

const GC_KINDS: Record<number, string> = {
  [constants.NODE_PERFORMANCE_GC_MINOR]: 'minor',
  [constants.NODE_PERFORMANCE_GC_MAJOR]: 'major',
  [constants.NODE_PERFORMANCE_GC_INCREMENTAL]: 'incremental',
  [constants.NODE_PERFORMANCE_GC_WEAKCB]: 'weak callbacks',
};

/** This thread's GC pauses from now until `stop()` into `out`: their lengths, by kind, and when each began. */
function watchGc(out: Pick<InboxTimings, 'gc' | 'gcKinds' | 'gcAt'>): { stop: () => Promise<void> } {
  const gc = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      out.gc.push(e.duration);
      out.gcAt.push({ start: e.startTime, ms: e.duration });
      const kind = GC_KINDS[(e as PerformanceEntry & { detail?: { kind?: number } }).detail?.kind ?? 0] ?? 'other';
      (out.gcKinds[kind] ??= []).push(e.duration);
    }
  });
  gc.observe({ entryTypes: ['gc'] });
  return {
    async stop() {
      // Entries are delivered after the collection: give the last ones a turn.
      await new Promise((r) => setTimeout(r, 10));
      gc.disconnect();
    },
  };
}

/** The pauses that began between each call's start and its end, on the call (`gcMs`). */
function landPauses(t: InboxTimings): void {
  for (const c of t.calls) c.gcMs = t.gcAt.filter((g) => g.start >= c.at && g.start < c.at + c.ms).reduce((a, g) => a + g.ms, 0);
}

/** Calls over a socket to the host, one frame each, answered by id (as the renderer's bridge does); `onFrame` sees every frame parsed. */
export function socketCaller(ws: WebSocket, onFrame?: (msg: { id?: number; event?: string }) => void): HostCall {
  let n = 0;
  const waiting = new Map<number, (reply: { ok: boolean; value: unknown }) => void>();
  ws.on('message', (d) => {
    const msg = JSON.parse(d.toString()) as { id?: number; reply?: { ok: boolean; value: unknown }; event?: string };
    onFrame?.(msg);
    if (msg.id === undefined) return;
    const done = waiting.get(msg.id);
    // Forgotten once answered: a kept resolver would keep its reply, and every page would stay in the heap.
    waiting.delete(msg.id);
    done?.(msg.reply!);
  });
  return (kind, name, input) =>
    new Promise((ok) => {
      const id = ++n;
      waiting.set(id, ok as never);
      ws.send(JSON.stringify({ id, call: { kind, name, input } }));
    });
}

/** The timings: the calls made one at a time, each timed from its frame sent to its answer parsed. */
export async function inboxAndSearchTimings(call: HostCall): Promise<InboxTimings> {
  const out: InboxTimings = { keyset: [], position: [], search: [], cpu: { keyset: [], position: [], search: [] }, gc: [], gcKinds: {}, gcAt: [], calls: [] };
  const watch = watchGc(out);
  const timed = async (name: string, input: Record<string, unknown>, kind: 'keyset' | 'position' | 'search') => {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    const r = await call('query', name, input);
    const ms = performance.now() - t0;
    const c = process.cpuUsage(c0);
    const cpu = (c.user + c.system) / 1000;
    out[kind].push(ms);
    out.cpu[kind].push(cpu);
    out.calls.push({ kind, input, ms, cpu, servedMs: r.servedMs, readKb: r.readKb, at: t0, gcMs: 0 });
    if (!r.ok) throw new Error(`${name} ${JSON.stringify(input)}: ${JSON.stringify(r)}`);
    return r.value as { items: { id: string; last_activity_at: number }[]; total: number };
  };
  // The same positions every time (a fixed seed): rounds and runs ask the same pages, and can be compared call by call.
  let seed = 7;
  const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  for (const inbox of INBOXES) {
    for (const status of ['open', 'closed']) {
      // Scrolling down by keyset, 30 pages of 100; after a `changed` event the visible page by position.
      let page = await timed('conversations', { inbox, status, limit: 100, offset: 0 }, 'position');
      for (let i = 0; i < 30; i++) {
        const last = page.items[page.items.length - 1];
        if (!last) break;
        page = await timed('conversations', { inbox, status, limit: 100, after: { last_activity_at: last.last_activity_at, id: last.id } }, 'keyset');
        if (i % 3 === 0) await timed('conversations', { inbox, status, limit: 100, offset: Math.floor(random() * Math.max(1, page.total - 100)) }, 'position');
      }
    }
  }
  for (let i = 0; i < 200; i++) await timed('search', { q: SEARCHES[i % SEARCHES.length], limit: 50 }, 'search');
  await watch.stop();
  landPauses(out);
  return out;
}

/** The slowest calls, one a line: what was asked (inbox, status, offset or keyset, search) and its wall, CPU and host time. */
export function slowestCalls(calls: readonly TimedCall[], n: number): string[] {
  const f = (x: number | undefined) => (x === undefined ? '-' : x.toFixed(2));
  return [...calls]
    .sort((a, b) => b.ms - a.ms)
    .slice(0, n)
    .map((c) => {
      const i = c.input;
      const what = c.kind === 'search' ? `search ${JSON.stringify(i.q)}` : `${i.inbox}/${i.status} ${i.after ? 'after a row' : `offset ${i.offset}`}`;
      return `${f(c.ms)} ms (CPU ${f(c.cpu)}, host ${f(c.servedMs)}, GC ${f(c.gcMs)}, read ${c.readKb === undefined ? '-' : Math.round(c.readKb)} kB): ${c.kind} ${what}`;
    });
}
