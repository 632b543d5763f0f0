// Inbox pages and search through the host's WebSocket, as the renderer asks (inbox-store.ts): the
// timings of bench:history's "inbox page" and "full-text search" figures, shared with inbox-scale.ts.
import { performance } from 'node:perf_hooks';
import { observeGc, type GcPause, type HostProcess } from './host-process';
import { startFloor, type Floor } from './replay-process';
import type { HostCall } from '../support/host-socket';

/** One timed call: what it asked and what it took. */
export interface TimedCall {
  kind: 'keyset' | 'position' | 'search';
  input: Record<string, unknown>;
  ms: number;
  /** From the frame sent to the answer's frame received, before the client parses it (`ms` includes that parse). */
  receivedMs: number;
  cpu: number;
  servedMs?: number;
  readKb?: number;
  /** When it was sent (ms since the epoch, comparable with the host process's GC pauses). */
  at: number;
  /** GC pauses of the calling process that began while the call was waiting, ms in all (a pause lands on whichever call is waiting). */
  gcMs: number;
  /** The same, of the host's process. */
  hostGcMs?: number;
}

export interface InboxTimings {
  /** A page after the last row of the page before (scrolling down), ms. */
  keyset: number[];
  /** The first page, and a page at a random position (as after a `changed` event), ms. */
  position: number[];
  search: number[];
  /** With a floor: each call also sent to the replay process just before or after it, ms (replay-process.ts). */
  floor: { keyset: number[]; position: number[]; search: number[] };
  /** The same calls to their answer's frame received, not yet parsed, ms. */
  received: { keyset: number[]; position: number[]; search: number[] };
  /** The same calls' CPU time in the calling process (the client side of the socket, and the host when it is in the same process), ms. */
  cpu: { keyset: number[]; position: number[]; search: number[] };
  /** The calling process's GC pauses during the timings. */
  gc: GcPause[];
  /** The host process's GC pauses during the timings (when the host has a process of its own). */
  hostGc: GcPause[];
  /** Every call, to print the slowest. */
  calls: TimedCall[];
}

/** The p-th percentile of some times. */
export const pct = (xs: readonly number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))];

const INBOXES = ['all', 'unassigned', 'team:t_sales', 'mine'];
const SEARCHES = ['price', 'refund', 'deliv', 'invoice plan', 'Contact 4242', 'warranty', 'question 77', 'stock size'];

/** The pauses that began between a call's start and its end, ms in all. */
const landed = (pauses: readonly GcPause[], c: TimedCall) => pauses.filter((g) => g.at >= c.at && g.at < c.at + c.ms).reduce((a, g) => a + g.ms, 0);

/** Some GC pauses summed up: how many, their total and the longest, and the same by kind (minor: a scavenge of the young objects). */
export function gcSummary(pauses: readonly GcPause[]): string[] {
  const ms = (x: number) => `${x.toFixed(2)} ms`;
  const sum = (xs: readonly GcPause[]) => `${xs.length}, total ${ms(xs.reduce((a, g) => a + g.ms, 0))}, longest ${ms(Math.max(0, ...xs.map((g) => g.ms)))}`;
  const kinds = [...new Set(pauses.map((g) => g.kind))];
  return [sum(pauses), ...kinds.map((k) => `  ${k}: ${sum(pauses.filter((g) => g.kind === k))}`)];
}

/**
 * The timings: the calls made one at a time, each timed from its frame sent to its answer parsed. With `host` (the host in a
 * process of its own) each call also gets the host's own time on it and the host's GC pauses that landed on it. With `floor`,
 * each call is also sent to the replay process, just before or just after (in turn), and timed the same way: the two sides
 * of each pair meet the machine in the same moment. Throws unless the calls are exactly those the floor's answers were
 * recorded for.
 */
export async function inboxAndSearchTimings(call: HostCall, host?: HostProcess, floor?: Floor): Promise<InboxTimings> {
  const out: InboxTimings = {
    keyset: [],
    position: [],
    search: [],
    received: { keyset: [], position: [], search: [] },
    floor: { keyset: [], position: [], search: [] },
    cpu: { keyset: [], position: [], search: [] },
    gc: [],
    hostGc: [],
    calls: [],
  };
  // What the host saw before these calls is not theirs.
  await host?.served();
  await host?.gcPauses();
  await floor?.replay.rewind();
  const gc = observeGc(out.gc);
  // The floor's call goes first every other time, so that neither side is always the one right after the other.
  let pairs = 0;
  const floorTimed = async (name: string, input: Record<string, unknown>, kind: 'keyset' | 'position' | 'search') => {
    const f0 = performance.now();
    const r = await floor!.call('query', name, input);
    out.floor[kind].push(performance.now() - f0);
    if (!r.ok) throw new Error(`the replay process: ${JSON.stringify(r)}`);
  };
  const timed = async (name: string, input: Record<string, unknown>, kind: 'keyset' | 'position' | 'search') => {
    const floorFirst = floor !== undefined && pairs++ % 2 === 1;
    if (floorFirst) await floorTimed(name, input, kind);
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    const r = await call('query', name, input);
    const ms = performance.now() - t0;
    const c = process.cpuUsage(c0);
    const cpu = (c.user + c.system) / 1000;
    const receivedMs = r.receivedAt! - t0;
    out[kind].push(ms);
    out.received[kind].push(receivedMs);
    out.cpu[kind].push(cpu);
    out.calls.push({ kind, input, ms, receivedMs, cpu, servedMs: r.servedMs, readKb: r.readKb, at: performance.timeOrigin + t0, gcMs: 0 });
    if (!r.ok) throw new Error(`${name} ${JSON.stringify(input)}: ${JSON.stringify(r)}`);
    if (floor && !floorFirst) await floorTimed(name, input, kind);
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
  // Entries are delivered after the collection: give the last ones a turn.
  await new Promise((r) => setTimeout(r, 10));
  gc.disconnect();
  if (floor) {
    const replayed = await floor.replay.rewind();
    if (replayed !== floor.calls.length) throw new Error(`the replay process answered ${replayed} calls, ${floor.calls.length} answers were recorded`);
    sameCalls(out, floor);
  }
  for (const c of out.calls) c.gcMs = landed(out.gc, c);
  if (host) {
    const served = await host.served();
    if (served.length !== out.calls.length) throw new Error(`the host served ${served.length} calls, ${out.calls.length} were timed`);
    out.hostGc = await host.gcPauses();
    out.calls.forEach((c, i) => Object.assign(c, { servedMs: served[i].ms, readKb: served[i].readKb, hostGcMs: landed(out.hostGc, c) }));
  }
  return out;
}

/** What a call asked, to compare passes call by call. */
const callKey = (c: TimedCall) => JSON.stringify([c.kind, c.input]);

/** Throws unless a pass asked exactly the calls the floor's answers were recorded for, in the same order. */
function sameCalls(t: InboxTimings, floor: Floor): void {
  const asked = t.calls.map(callKey);
  for (let n = 0; n < Math.max(asked.length, floor.calls.length); n++)
    if (asked[n] !== floor.calls[n])
      throw new Error(`call ${n} of this pass is not the call recorded: ${asked[n] ?? 'none'} against ${floor.calls[n] ?? 'none'}`);
}

/**
 * This machine's floor for the calls of a pass (`first`), from the answers recorded during it (`recordAnswers`): a replay
 * process holding them, warmed up by one untimed pass of the same calls against it alone (as the host was by `first`).
 */
export async function floorFor(first: InboxTimings, answers: readonly string[]): Promise<Floor> {
  const floor = await startFloor(answers, first.calls.map(callKey));
  const warmUp = await inboxAndSearchTimings(floor.call);
  await floor.replay.rewind();
  sameCalls(warmUp, floor);
  return floor;
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
      return `${f(c.ms)} ms (received ${f(c.receivedMs)}, CPU ${f(c.cpu)}, host ${f(c.servedMs)}, GC ${f(c.gcMs)}, host GC ${f(c.hostGcMs)}, read ${c.readKb === undefined ? '-' : Math.round(c.readKb)} kB): ${c.kind} ${what}`;
    });
}
