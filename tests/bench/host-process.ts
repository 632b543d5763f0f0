// The host (the desktop core behind its WebSocket, as `npm run start:web` runs it) in a process of its own, for the
// benches that time calls through the socket. As in the app, the caller (the renderer there, the bench here) has its
// own process and heap: the pages it parses are not garbage the host's collector has to sweep, and the host's pauses
// are not the client's. The benches ask the host process, over its IPC channel, what only it can see: the host's
// own time on each call, the bytes it read from files, its GC pauses, its RSS and its session state.
import { existsSync, readFileSync } from 'node:fs';
import { constants, performance, PerformanceObserver, type PerformanceEntry } from 'node:perf_hooks';
import { HOST_NODE_FLAGS } from '../../src-main/host/node-flags';
import { forkAsked } from './child-ipc';

/** One call as the host served it: its own time (`handleAsJson`) and, when counted, the bytes it read from files meanwhile. */
export interface Served {
  ms: number;
  readKb?: number;
}

/** A GC pause: when it began (ms since the epoch, comparable across processes), how long, of which kind. */
export interface GcPause {
  at: number;
  ms: number;
  kind: string;
}

export interface HostProcessOptions {
  dataDir: string;
  rendererDir: string;
  /** Settings and token kept in the data folder (`true`, as the app does) or in memory (`false`: every run signs in afresh). */
  keepSession: boolean;
  /** Each call's bytes read from files (`Served.readKb`): two reads of `/proc/self/io` a call, about 0.03 ms the app does not spend. */
  countReads?: boolean;
}

export interface HostProcess {
  url: string;
  token: string;
  pid: number;
  /** The calls served since the last `served()`, in order (calls made one at a time pair with them one to one). */
  served(): Promise<Served[]>;
  /** The host process's GC pauses since the last `gcPauses()`. */
  gcPauses(): Promise<GcPause[]>;
  rss(): Promise<number>;
  sessionState(): Promise<string>;
  close(): Promise<void>;
}

type Ask = 'served' | 'gc' | 'rss' | 'session' | 'close';

/** Starts the host in a child process and waits until it listens. */
export async function startHostProcess(opts: HostProcessOptions): Promise<HostProcess> {
  const host = await forkAsked<{ url: string; token: string }>(
    'the host process',
    import.meta.filename,
    ['--child', JSON.stringify(opts)],
    [
      // Started as host mode is (HOST_NODE_FLAGS); BENCH_HOST_NODE_FLAGS: more flags for the host's process alone (e.g. --trace-gc-nvp).
      ...HOST_NODE_FLAGS,
      '--import',
      'tsx',
      ...(process.env.BENCH_HOST_NODE_FLAGS?.split(' ').filter(Boolean) ?? []),
    ],
  );
  const ask = <T>(what: Ask) => host.ask<T>({ ask: what });
  return {
    ...host.listening,
    pid: host.child.pid!,
    served: () => ask<Served[]>('served'),
    gcPauses: () => ask<GcPause[]>('gc'),
    rss: () => ask<number>('rss'),
    sessionState: () => ask<string>('session'),
    async close() {
      const exited = new Promise((r) => host.child.once('exit', r));
      await ask('close');
      await exited;
      host.release();
    },
  };
}

const GC_KINDS: Record<number, string> = {
  [constants.NODE_PERFORMANCE_GC_MINOR]: 'minor',
  [constants.NODE_PERFORMANCE_GC_MAJOR]: 'major',
  [constants.NODE_PERFORMANCE_GC_INCREMENTAL]: 'incremental',
  [constants.NODE_PERFORMANCE_GC_WEAKCB]: 'weak callbacks',
};

/** This process's GC pauses from now on, pushed into `out` as they are reported. */
export function observeGc(out: GcPause[]): PerformanceObserver {
  const gc = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      const kind = GC_KINDS[(e as PerformanceEntry & { detail?: { kind?: number } }).detail?.kind ?? 0] ?? 'other';
      out.push({ at: performance.timeOrigin + e.startTime, ms: e.duration, kind });
    }
  });
  gc.observe({ entryTypes: ['gc'] });
  return gc;
}

/** The host process: starts the host, then answers the parent's questions until told to close or left alone. */
async function child(opts: HostProcessOptions): Promise<void> {
  const { startHost } = await import('../../src-main/host/host');
  const { confStore, fileTokenStore } = await import('../../src-main/host/stores');
  const { MemoryStore } = await import('../../src-main/core/service/ports');
  const memory = new MemoryStore();
  const host = await startHost({
    dataDir: opts.dataDir,
    rendererDir: opts.rendererDir,
    settings: opts.keepSession ? confStore(opts.dataDir) : memory,
    tokens: opts.keepSession ? fileTokenStore(opts.dataDir) : memory,
    notifier: { show: () => {} },
    log: (m) => console.error(`[desktop] ${m}`),
  });
  const served: Served[] = [];
  const pauses: GcPause[] = [];
  observeGc(pauses);
  const countReads = opts.countReads && existsSync('/proc/self/io');
  const bytesRead = () => (countReads ? Number(/rchar: (\d+)/.exec(readFileSync('/proc/self/io', 'utf8'))![1]) : 0);
  const handleAsJson = host.service.handleAsJson.bind(host.service);
  host.service.handleAsJson = async (raw) => {
    const r0 = bytesRead();
    const t = performance.now();
    const out = await handleAsJson(raw);
    const ms = performance.now() - t;
    served.push({ ms, readKb: countReads ? (bytesRead() - r0) / 1024 : undefined });
    return out;
  };
  const drain = <T>(xs: T[]) => xs.splice(0, xs.length);
  process.on('message', async (m: { id: number; ask: Ask }) => {
    const answer = (value: unknown) => process.send!({ id: m.id, value });
    if (m.ask === 'served') answer(drain(served));
    else if (m.ask === 'gc') answer(drain(pauses));
    else if (m.ask === 'rss') answer(process.memoryUsage().rss);
    else if (m.ask === 'session') answer(host.service.session().state);
    else if (m.ask === 'close') {
      await host.close();
      answer(null);
      process.disconnect();
    }
  });
  process.once('disconnect', () => setTimeout(() => process.exit(0), 100).unref());
  process.send!({ listening: { url: host.url, token: host.token } });
}

if (process.argv[2] === '--child') await child(JSON.parse(process.argv[3]) as HostProcessOptions);
