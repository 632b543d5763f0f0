// npm run bench:server: the workspace server under load. Prints figures; it is not a test and never
// fails on a time.
//
// Process layout: this file runs as three kinds of process.
//  - The parent (`tsx tests/bench/server.bench.ts`) is the load side: it signs the 200 users in, holds
//    their 200 WebSocket stream connections (and times the pushes they receive), generates and signs
//    the inbound messages, and pages /sync.
//  - A server child (the same file, forked with `--server-child`) runs createServer on 127.0.0.1
//    over a temporary SQLite file. The server thus has an event loop of its own: the load side does
//    not steal its time, except for sharing the machine's two cores, and the figures say how busy
//    each side was (event-loop utilisation, CPU) so a saturated load side can be told apart from a
//    slow server. Other work on the machine skews everything; the load average is printed at the end.
//  - The sender child (the same file, forked with `--sender-child`, once the servers are up) sends
//    the inbound requests: the parent hands it each run's signed bodies over IPC before the timed
//    part, then says `go`; it answers with its counts, its own duration and how busy its loop was.
//    Sending takes an event loop of its own so that it does not delay the streams' frames: every
//    push-latency sample is timed on the parent's loop, and any lag there would be added to it. It
//    sends with undici (keep-alive pools, one request in flight per connection, each request's head
//    and body in one write): with node:http the sender used about 0.07 ms of CPU per message and
//    undici about 0.04, CPU the servers share on this machine.
//
// What it measures:
//  - inbound messages/s: POST /api/v1/channels/:id/inbound, signed, 48 requests in flight (200 on
//    PostgreSQL) over keep-alive connections, 10,000 per run (90% from existing contacts, 10% from new senders), with
//    the 200 streams connected (10 managers, 95 unrestricted agents, 95 "User only" agents); a warm-up
//    run, then BENCH_RUNS measured runs, and one run paced at the goal rate;
//  - push latency: for every message record any stream receives, receive time minus the record's
//    `at` (the server's commit time, ms since the epoch, stamped as the write transaction starts; the
//    grouped COMMIT follows within a few ms), p50 and p99 over all clients; both processes read the
//    same system clock;
//  - sync pages/s: GET /api/v1/sync?after=…&limit=5000 (the desktop's page size) from 0 to the head, for a manager and for a
//    "User only" agent, one request in flight, repeated.
// It also checks what it sees: every manager heard of every message, the "User only" streams carried
// nothing of other agents' contacts, and the fast frame scan (see scanMessageTimes) agreed with a
// full parse.
//
// Everything is bounded: each phase has a deadline, the whole bench has a watchdog, the children are
// stopped (then killed if they do not stop; they also stop when the parent goes away), and the
// temporary directory is removed.
//
// PostgreSQL (`npm run bench:server -- --database-url postgres://…`, or BENCH_DATABASE_URL): the
// same bench over a fresh database created on that server (and dropped afterwards) with TWO server
// children on it, and 1,000 stream clients (50 managers, 950 "User only" agents) split between
// them; inbound messages alternate between the instances, and the push latency of messages written
// through one instance and pushed by the other (cross-instance, through LISTEN/NOTIFY) is reported
// on its own. Goals there: >= 3,000 inbound messages/s across the instances, cross-instance p99
// <= 100 ms.
//
// Environment knobs (optional): BENCH_MESSAGES (per run, default 10000), BENCH_RUNS (default 3),
// BENCH_CONCURRENCY (default 48; 200 on PostgreSQL), BENCH_WARM_UP (messages before the measured
// runs, default 1000; 20000 on PostgreSQL), BENCH_CONTACTS (default 2000), BENCH_PACED_RATE (default
// 2000 messages/s; 3000 on PostgreSQL), BENCH_PG_WRITERS, BENCH_CPU_PROF=<dir> (each server child, the sender child and the load side write a V8 CPU
// profile of each measured inbound run there, e.g. for `npx speedscope` or Chrome DevTools).
import { fork, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import http from 'node:http';
import os, { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance, monitorEventLoopDelay, type EventLoopUtilization } from 'node:perf_hooks';
import WebSocket from 'ws';
import { Pool } from 'undici';
import { DEMO_PASSWORD, prng, type DemoSummary } from '../../src-server/demo/seed';
import { signBody } from '../../src-server/workspace/ingest';
import { STREAM_PATH } from '../../src-shared/sync/changes';
import postgres from 'postgres';
import { createScratchDatabase } from '../support/postgres';

const SELF = fileURLToPath(import.meta.url);
const env = (name: string, dflt: number) => {
  const v = Number(process.env[name]);
  return Number.isFinite(v) && v > 0 ? Math.floor(v) : dflt;
};

const argAfter = (flag: string) => {
  const i = process.argv.indexOf(flag);
  return i >= 0 ? process.argv[i + 1] : undefined;
};
/** PostgreSQL mode: the server given (a fresh database is created on it), two instances. */
const PG_URL = argAfter('--database-url') ?? process.env.BENCH_DATABASE_URL ?? process.env.BENCH_CHILD_DATABASE_URL;
const INSTANCES = PG_URL ? 2 : 1;

const CFG = {
  seed: 11,
  contacts: env('BENCH_CONTACTS', 2000),
  agents: PG_URL ? 950 : 190,
  /** manager@ and manager2@ plus these: 10 managers (50 on PostgreSQL). */
  extraManagers: PG_URL ? 48 : 8,
  teams: PG_URL ? 10 : 5,
  restrictedAgents: PG_URL ? 950 : 95,
  messagesPerRun: env('BENCH_MESSAGES', 10_000),
  runs: env('BENCH_RUNS', 3),
  /**
   * Inbound requests in flight. PostgreSQL mode stands for a large workspace behind a load balancer,
   * where many channels deliver at once: 200 (the servers write whatever arrives meanwhile in one
   * batch, so fewer in flight leaves them waiting rather than busy).
   */
  concurrency: env('BENCH_CONCURRENCY', PG_URL ? 200 : 48),
  warmUpMessages: env('BENCH_WARM_UP', PG_URL ? 20_000 : 1000),
  /** Share of inbound messages from senders the workspace has never seen (they become contacts). */
  newSenderShare: 0.1,
  pacedRate: env('BENCH_PACED_RATE', PG_URL ? 3000 : 2000),
  runDeadlineMs: 120_000,
  syncRepeats: 3,
  syncDeadlineMs: 60_000,
  watchdogMs: 20 * 60_000,
};

const GOAL_INBOUND_PER_S = PG_URL ? 3000 : 2000;
const GOAL_P99_MS = PG_URL ? 100 : 50;

// ---------------------------------------------------------------------------------------------
// The server child
// ---------------------------------------------------------------------------------------------

/**
 * BENCH_CPU_PROF=<dir>: a V8 CPU profile of this process between `profile(true, name)` and
 * `profile(false, name)`, written to <dir>/<name>-<who>.cpuprofile. Does nothing without the variable.
 */
function cpuProfiler(who: string): (on: boolean, name: string) => Promise<void> {
  let session: import('node:inspector').Session | null = null;
  return async (on, name) => {
    const dir = process.env.BENCH_CPU_PROF;
    if (!dir) return;
    const inspector = await import('node:inspector');
    const post = (method: string, params?: object) =>
      new Promise<any>((resolve, reject) => session!.post(method, params ?? {}, (err, res) => (err ? reject(err) : resolve(res))));
    if (on) {
      session = new inspector.Session();
      session.connect();
      await post('Profiler.enable');
      await post('Profiler.start');
    } else if (session) {
      const { profile: p } = await post('Profiler.stop');
      const { writeFileSync } = await import('node:fs');
      writeFileSync(join(dir, `${name}-${who}.cpuprofile`), JSON.stringify(p));
      session.disconnect();
      session = null;
    }
  };
}

/** What the parent tells either kind of child. */
type CommonCmd = { type: 'stop' } | { type: 'profile'; on: boolean; name: string };

/** A server child's messages to the parent, and the parent's to it (besides CommonCmd). */
type ServerMsg =
  | { type: 'ready'; url: string; port: number; demo: DemoSummary; seedMs: number }
  | { type: 'stats'; elu: EventLoopUtilization; cpu: NodeJS.CpuUsage; lagP99: number; lagMax: number }
  | { type: 'stopped' };
type ServerCmd = { type: 'stats' };

/**
 * What both kinds of child do alike: `stop` (or the parent going away: a child never outlives it)
 * runs `close` and exits; `profile` starts or stops the CPU profile, written as <name>-<who>; every
 * other message goes to `handle`. Ctrl-C reaches the whole process group, and the parent stops its
 * children in order, so SIGINT is ignored here. Returns the way to answer the parent.
 */
function childSide<Out extends { type: string }, In extends { type: string }>(
  who: string,
  close: () => Promise<void>,
  handle: (m: In) => void,
): (m: Out) => void {
  const send = (m: Out | { type: 'stopped' }) => process.send!(m);
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    const hard = setTimeout(() => process.exit(3), 10_000);
    try {
      await close();
    } finally {
      clearTimeout(hard);
    }
    if (process.connected) send({ type: 'stopped' });
    process.exit(0);
  };
  // BENCH_CPU_PROF=<dir>: the parent has the children profiled during the measured inbound runs only.
  const profile = cpuProfiler(who);
  process.on('message', (m: In | CommonCmd) => {
    const c = m as CommonCmd;
    if (c.type === 'stop') void stop();
    else if (c.type === 'profile') void profile(c.on, c.name).catch((err) => console.error('profile failed', err));
    else handle(m as In);
  });
  process.on('disconnect', () => void stop());
  process.on('SIGINT', () => {});
  return send;
}

async function serverChild(): Promise<void> {
  const { createServer } = await import('../../src-server/http/app');
  const dbFile = process.env.BENCH_DB_FILE!;
  const databaseUrl = process.env.BENCH_CHILD_DATABASE_URL;
  const t0 = performance.now();
  const server = await createServer({
    ...(databaseUrl ? { databaseUrl, poolSize: 16, pgWriters: env('BENCH_PG_WRITERS', 1) } : { dbFile }),
    host: '127.0.0.1',
    port: 0,
    demo: {
      seed: CFG.seed,
      contacts: CFG.contacts,
      agents: CFG.agents,
      teams: CFG.teams,
      extraManagers: CFG.extraManagers,
      restrictedAgents: CFG.restrictedAgents,
    },
    signInLimit: { perIp: 10_000, perEmail: 100, windowMs: 60_000 },
    log: (msg, err) => console.error(`[server] ${msg}`, err ?? ''),
  });
  const seedMs = performance.now() - t0;
  const lag = monitorEventLoopDelay({ resolution: 5 });
  lag.enable();
  const send = childSide<ServerMsg, ServerCmd>(
    `server-${process.pid}`,
    () => server.close(),
    (m) => {
      if (m.type === 'stats') {
        // The server's event-loop delay since the last stats: a long synchronous stretch (a WAL
        // checkpoint, a big flush, GC) shows here.
        send({ type: 'stats', elu: performance.eventLoopUtilization(), cpu: process.cpuUsage(), lagP99: lag.percentile(99) / 1e6, lagMax: lag.max / 1e6 });
        lag.reset();
      }
    },
  );
  send({ type: 'ready', url: server.url, port: server.port, demo: server.demo!, seedMs });
}

// ---------------------------------------------------------------------------------------------
// The sender child
// ---------------------------------------------------------------------------------------------

interface InboundBody {
  raw: string;
  sig: string;
}
type GoCmd = { type: 'go'; ports: number[]; path: string; concurrency: number; rate?: number; deadlineMs: number };
type SenderCmd = { type: 'bodies'; bodies: InboundBody[] } | GoCmd;
type SenderMsg =
  | { type: 'ready' }
  | { type: 'ready-to-send' }
  /** `seconds` from the first request to the last answer; the loop's utilisation and p99 lag (ms) meanwhile. */
  | { type: 'ran'; ok: number; failed: number; firstError: string; seconds: number; elu: number; lagP99: number; cpuMs: number }
  | { type: 'stopped' };

/**
 * Sends the signed inbound requests: `bodies` hands over a run's bodies (answered `ready-to-send`),
 * `go` sends them, `concurrency` in flight, request i to ports[i % ports.length], paced at `rate`
 * requests/s if given, and stops starting new ones at the deadline (answered `ran`).
 */
async function senderChild(): Promise<void> {
  let bodies: InboundBody[] = [];
  /** Keep-alive connections, kept from run to run. */
  /** Keep-alive connections to each instance (undici: the request's head and body go out in one write), kept from run to run. */
  let pools = new Map<number, Pool>();
  let poolSize = 0;
  const closePools = () => Promise.all([...pools.values()].map((p) => p.close().catch(() => {})));
  const lag = monitorEventLoopDelay({ resolution: 10 });
  const run = async (go: GoCmd): Promise<SenderMsg> => {
    if (poolSize !== go.concurrency) {
      await closePools();
      // Up to all of them in flight to one instance if the other is slower, as with one agent for both.
      pools = new Map(go.ports.map((port) => [port, new Pool(`http://127.0.0.1:${port}`, { connections: go.concurrency, pipelining: 1 })]));
      poolSize = go.concurrency;
    }
    const todo = bodies;
    bodies = [];
    let ok = 0;
    let failed = 0;
    let firstError = '';
    lag.reset();
    lag.enable();
    const elu0 = performance.eventLoopUtilization();
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    const deadline = t0 + go.deadlineMs;
    let next = 0;
    await Promise.all(
      Array.from({ length: Math.min(go.concurrency, todo.length) }, async () => {
        while (next < todo.length && performance.now() < deadline) {
          const i = next++;
          if (go.rate) {
            const due = t0 + (i * 1000) / go.rate;
            const wait = due - performance.now();
            if (wait > 1) await sleep(wait);
          }
          const b = todo[i];
          try {
            const res = await pools.get(go.ports[i % go.ports.length])!.request({
              method: 'POST',
              path: go.path,
              body: b.raw,
              headers: { 'content-type': 'application/json', 'x-signature': b.sig },
              headersTimeout: 30_000,
              bodyTimeout: 30_000,
            });
            await res.body.dump();
            if (res.statusCode === 200) ok++;
            else {
              failed++;
              firstError ||= `status ${res.statusCode}`;
            }
          } catch (err) {
            failed++;
            firstError ||= String(err);
          }
        }
      }),
    );
    const seconds = (performance.now() - t0) / 1000;
    const elu = performance.eventLoopUtilization(elu0).utilization;
    lag.disable();
    const cpu = process.cpuUsage(cpu0);
    return { type: 'ran', ok, failed, firstError, seconds, elu, lagP99: lag.percentile(99) / 1e6, cpuMs: (cpu.user + cpu.system) / 1000 };
  };
  const send = childSide<SenderMsg, SenderCmd>(
    'sender',
    async () => void (await closePools()),
    (m) => {
      if (m.type === 'bodies') {
        bodies = m.bodies;
        send({ type: 'ready-to-send' });
      } else if (m.type === 'go') {
        run(m).then(send, (err) => {
          console.error('bench sender child: the run failed', err);
          process.exit(1);
        });
      }
    },
  );
  send({ type: 'ready' });
}

// ---------------------------------------------------------------------------------------------
// The load side
// ---------------------------------------------------------------------------------------------

/** A child process seen from the parent: Out is what it says, In what it is told (besides CommonCmd). */
class Child<Out extends { type: string }, In extends { type: string }> {
  private waiters: { take: (m: Out) => boolean; fail: (err: Error) => void }[] = [];
  exited = false;
  /** `what`: how errors name it, e.g. "sender child". */
  constructor(
    readonly what: string,
    readonly proc: ChildProcess,
  ) {
    proc.on('message', (m: Out) => {
      this.waiters = this.waiters.filter((w) => !w.take(m));
    });
    proc.on('exit', (code, signal) => {
      this.exited = true;
      const waiters = this.waiters;
      this.waiters = [];
      for (const w of waiters) w.fail(new Error(`${this.what} exited (${code ?? signal})`));
    });
  }
  wait<T extends Out['type']>(type: T, ms: number): Promise<Extract<Out, { type: T }>> {
    return new Promise((resolve, reject) => {
      if (this.exited) return reject(new Error(`${this.what} has exited; no '${type}'`));
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        reject(new Error(`${this.what}: no '${type}' within ${ms} ms`));
      }, ms);
      const waiter = {
        take: (m: Out) => {
          if (m.type !== type) return false;
          clearTimeout(timer);
          resolve(m as Extract<Out, { type: T }>);
          return true;
        },
        fail: (err: Error) => {
          clearTimeout(timer);
          reject(err);
        },
      };
      this.waiters.push(waiter);
    });
  }
  send(m: In | CommonCmd) {
    if (!this.exited && this.proc.connected) this.proc.send(m);
  }
  /** Sends m and waits (at most ms) for the answer of type `answer`. */
  async ask<T extends Out['type']>(m: In, answer: T, ms: number): Promise<Extract<Out, { type: T }>> {
    const p = this.wait(answer, ms);
    this.send(m);
    return p;
  }
  async stop(): Promise<void> {
    if (this.exited) return;
    const exited = new Promise<void>((resolve) => this.proc.once('exit', () => resolve()));
    this.send({ type: 'stop' });
    const timer = setTimeout(() => this.proc.kill('SIGKILL'), 15_000);
    await exited;
    clearTimeout(timer);
  }
}
type ServerChild = Child<ServerMsg, ServerCmd>;
type SenderChild = Child<SenderMsg, SenderCmd>;

/** The load side's keep-alive connections (sign-in, /health, /sync); the sender child has its own. */
const agent = new http.Agent({ keepAlive: true, maxSockets: CFG.concurrency });

function request(
  port: number,
  method: string,
  path: string,
  body?: string | Buffer,
  headers: Record<string, string> = {},
): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port,
        method,
        path,
        agent,
        headers: {
          ...(body !== undefined && { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) }),
          ...headers,
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    req.setTimeout(30_000, () => req.destroy(new Error(`${method} ${path}: no answer within 30 s`)));
    req.on('error', reject);
    req.end(body);
  });
}

async function json<T = any>(port: number, method: string, path: string, token?: string, body?: unknown): Promise<T> {
  const r = await request(port, method, path, body === undefined ? undefined : JSON.stringify(body), token ? { authorization: `Bearer ${token}` } : {});
  if (r.status >= 300) throw new Error(`${method} ${path} answered ${r.status}: ${r.text.slice(0, 300)}`);
  return JSON.parse(r.text) as T;
}

/** Runs fn over items with at most n in flight. */
async function pool<T>(items: T[], n: number, fn: (item: T, i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(n, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        await fn(items[i], i);
      }
    }),
  );
}

/** Latency samples (ms) go to whichever collector is current; null between phases. */
class Samples {
  private buf = new Float64Array(1 << 20);
  n = 0;
  add(v: number) {
    if (this.n === this.buf.length) {
      const b = new Float64Array(this.buf.length * 2);
      b.set(this.buf);
      this.buf = b;
    }
    this.buf[this.n++] = v;
  }
  percentiles(ps: number[]): number[] {
    const s = this.buf.slice(0, this.n).sort();
    return ps.map((p) => (s.length ? s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))] : NaN));
  }
}

/**
 * Every message delivery of a run (PostgreSQL mode): the record's seq, when it arrived, and whether
 * another instance than the one it was written through pushed it. Timed against the commit after
 * the run (see commitLatencies).
 */
class DeliveryLog {
  private seqs = new Float64Array(1 << 20);
  private times = new Float64Array(1 << 20);
  private crossed = new Uint8Array(1 << 20);
  n = 0;
  add(seq: number, at: number, cross: boolean) {
    if (this.n === this.seqs.length) {
      const grow = <A extends Float64Array | Uint8Array>(a: A): A => {
        const b = new (a.constructor as new (n: number) => A)(a.length * 2);
        b.set(a);
        return b;
      };
      this.seqs = grow(this.seqs);
      this.times = grow(this.times);
      this.crossed = grow(this.crossed);
    }
    this.seqs[this.n] = seq;
    this.times[this.n] = at;
    this.crossed[this.n++] = cross ? 1 : 0;
  }
  /** The lowest and highest seq delivered. */
  range(): [number, number] {
    let lo = Infinity;
    let hi = -Infinity;
    for (let i = 0; i < this.n; i++) {
      if (!Number.isFinite(this.seqs[i])) continue;
      lo = Math.min(lo, this.seqs[i]);
      hi = Math.max(hi, this.seqs[i]);
    }
    return [lo, hi];
  }
  /** Receive time minus commit time for every delivery (all, and cross-instance only); NaN commits are left out. */
  latencies(committedAt: (seq: number) => number): { all: Samples; cross: Samples; missing: number } {
    const all = new Samples();
    const cross = new Samples();
    let missing = 0;
    for (let i = 0; i < this.n; i++) {
      const c = committedAt(this.seqs[i]);
      if (!Number.isFinite(c)) {
        missing++;
        continue;
      }
      all.add(this.times[i] - c);
      if (this.crossed[i]) cross.add(this.times[i] - c);
    }
    return { all, cross, missing };
  }
}

interface Bench {
  current: Samples | null;
  /** Messages pushed by another instance than the one they were written through. */
  cross: Samples | null;
  /** PostgreSQL mode: every delivery, for the latency from commit. */
  log: DeliveryLog | null;
  lastFrameAt: number;
  violations: string[];
  scanChecks: number;
  scanMismatches: number;
}

const CHANGES_PREFIX = Buffer.from('{"type":"changes",');
const MESSAGE_ENTITY = Buffer.from('"entity":"message"');
const AT_KEY = Buffer.from(',"at":');
/** Every this many frames a client also parses the frame fully and checks the fast scan against it. */
const CHECK_EVERY = 25;

/**
 * The `at` of each message record in a changes frame, without parsing the frame: the load side
 * holds 200 clients, and parsing every frame in full would take the CPU the server needs. Records
 * are {"seq","entity","op","id","contact_id","data","at"} in that order; a message's data has no
 * key "at", and a quote inside a string is escaped, so the first ,"at": after "entity":"message" is
 * the record's own. The clients check this against a full parse every CHECK_EVERY frames.
 */
function scanMessageTimes(buf: Buffer, vias?: number[], seqs?: number[]): number[] {
  const out: number[] = [];
  let pos = 0;
  for (;;) {
    pos = buf.indexOf(MESSAGE_ENTITY, pos);
    if (pos < 0) return out;
    const from = pos;
    pos = buf.indexOf(AT_KEY, pos);
    if (pos < 0) return out;
    if (vias) vias.push(viaOf(buf, from, pos));
    if (seqs) seqs.push(seqBefore(buf, from));
    pos += AT_KEY.length;
    let v = 0;
    for (let c = buf[pos]; c >= 48 && c <= 57; c = buf[++pos]) v = v * 10 + (c - 48);
    out.push(v);
  }
}

/** The seq of the record whose `"entity":"message"` starts at `entityAt`: the digits of `{"seq":N,` just before it (NaN if not so). */
const SEQ_KEY = Buffer.from('{"seq":');
function seqBefore(buf: Buffer, entityAt: number): number {
  let i = entityAt - 2; // the last digit (before the comma)
  let v = 0;
  for (let scale = 1; i >= 0 && buf[i] >= 48 && buf[i] <= 57; i--, scale *= 10) v += (buf[i] - 48) * scale;
  const start = i + 1 - SEQ_KEY.length;
  return buf[entityAt - 1] === 0x2c && start >= 0 && buf.subarray(start, i + 1).equals(SEQ_KEY) ? v : NaN;
}

/**
 * Frames scanned lately, by header and length: the managers of one instance get the same frame (one
 * buffer on the server, a copy each here), so it is scanned once and the others are compared byte
 * for byte to it (much cheaper than scanning), each still timed on its own arrival.
 */
const scanned = new Map<string, { buf: Buffer; times: number[]; vias: number[]; seqs: number[] }>();
function scanOnce(buf: Buffer): { times: number[]; vias: number[]; seqs: number[] } {
  const end = buf.indexOf(0x5b); // '[' after {"type":"changes","after":…,"upto":…,"changes":
  const key = `${buf.toString('latin1', 0, end > 0 && end < 100 ? end : 100)}|${buf.length}`;
  const hit = scanned.get(key);
  if (hit && hit.buf.equals(buf)) return hit;
  const vias: number[] = [];
  const seqs: number[] = [];
  const entry = { buf, times: scanMessageTimes(buf, vias, seqs), vias, seqs };
  if (scanned.size >= 256) scanned.clear();
  scanned.set(key, entry);
  return entry;
}

/** Which instance a bench message was sent through: its text carries `[via:N]` (PostgreSQL mode); -1 if none. */
const VIA = Buffer.from('[via:');
function viaOf(buf: Buffer, from: number, to: number): number {
  const i = buf.indexOf(VIA, from);
  return i < 0 || i > to ? -1 : buf[i + VIA.length] - 48;
}

class StreamConn {
  ws!: WebSocket;
  hello = false;
  /** Message records received while a collector was current. */
  messages = 0;
  mustRefetch = 0;
  closed: number | null = null;
  private frames = 0;
  /** Contacts seen assigned to this (restricted) user. */
  private readonly own = new Set<string>();

  instance = 0;
  constructor(
    readonly userId: string,
    readonly role: string,
    readonly restricted: boolean,
  ) {}

  open(port: number, token: string, after: number, bench: Bench): Promise<void> {
    return new Promise((resolve, reject) => {
      this.ws = new WebSocket(`ws://127.0.0.1:${port}${STREAM_PATH}?after=${after}`, {
        headers: { authorization: `Bearer ${token}` },
        perMessageDeflate: false,
        // The load side's CPU is the server's too (two cores): the checks below are what matter here.
        skipUTF8Validation: true,
      });
      const timer = setTimeout(() => reject(new Error(`stream of ${this.userId}: no hello within 10 s`)), 10_000);
      this.ws.on('message', (data: Buffer) => {
        const at = Date.now();
        bench.lastFrameAt = at;
        this.frames++;
        if (!this.restricted && data.length > CHANGES_PREFIX.length && data.subarray(0, CHANGES_PREFIX.length).equals(CHANGES_PREFIX)) {
          const { times, vias, seqs } = scanOnce(data);
          if (this.frames % CHECK_EVERY === 0) {
            const parsed = (JSON.parse(data.toString('utf8')).changes as { seq: number; entity: string; at: number }[]).filter((r) => r.entity === 'message');
            bench.scanChecks++;
            if (parsed.length !== times.length || parsed.some((r, i) => r.at !== times[i] || r.seq !== seqs[i])) bench.scanMismatches++;
          }
          const c = bench.current;
          if (c) {
            for (const t of times) c.add(at - t);
            this.messages += times.length;
            const x = bench.cross;
            if (x) for (let i = 0; i < times.length; i++) if (vias[i] >= 0 && vias[i] !== this.instance) x.add(at - times[i]);
            const log = bench.log;
            if (log) for (let i = 0; i < seqs.length; i++) log.add(seqs[i], at, vias[i] >= 0 && vias[i] !== this.instance);
          }
          return;
        }
        const frame = JSON.parse(data.toString('utf8'));
        if (frame.type === 'hello') {
          this.hello = true;
          clearTimeout(timer);
          resolve();
        } else if (frame.type === 'changes') this.onChanges(frame.changes, at, bench);
        else if (frame.type === 'must_refetch' || frame.type === 'resync') this.mustRefetch++;
      });
      this.ws.on('close', (code) => {
        this.closed = code;
        clearTimeout(timer);
        reject(new Error(`stream of ${this.userId} closed (${code}) before hello`));
      });
      this.ws.on('error', (err) => {
        clearTimeout(timer);
        reject(err);
      });
    });
  }

  private onChanges(changes: { seq: number; entity: string; op: string; contact_id: string | null; data: any; at: number }[], at: number, bench: Bench) {
    const c = bench.current;
    if (this.restricted) {
      // The visibility rule, checked from the outside: a "User only" agent hears only of contacts
      // assigned to them (a contact record in the same frame carries the current assignee).
      for (const r of changes) {
        if (r.entity === 'contact' && r.op === 'upsert') {
          if (r.data.assignee_id === this.userId) this.own.add(r.data.id);
          else bench.violations.push(`${this.userId} got contact ${r.data.id} assigned to ${r.data.assignee_id}`);
        }
      }
      for (const r of changes) {
        if (r.contact_id !== null && r.op !== 'remove' && !this.own.has(r.contact_id)) {
          bench.violations.push(`${this.userId} got ${r.entity} of contact ${r.contact_id}`);
        }
      }
    }
    if (!c) return;
    for (const r of changes) {
      if (r.entity !== 'message') continue;
      c.add(at - r.at);
      this.messages++;
      const m = /\[via:(\d)\]/.exec(String(r.data?.text ?? ''));
      const crossed = m !== null && Number(m[1]) !== this.instance;
      if (bench.cross && crossed) bench.cross.add(at - r.at);
      bench.log?.add(r.seq, at, crossed);
    }
  }
}

interface RunResult {
  label: string;
  sent: number;
  ok: number;
  failed: number;
  firstError: string;
  seconds: number;
  perSecond: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  crossN: number;
  crossP50: number;
  crossP99: number;
  /** PostgreSQL: from the commit (PostgreSQL's commit timestamp of the record's transaction) to receipt; NaN if not tracked. */
  commitP50: number;
  commitP99: number;
  commitCrossP50: number;
  commitCrossP99: number;
  deliveries: number;
  serverElu: number;
  serverCpu: number;
  serverLagP99: number;
  serverLagMax: number;
  /** The load side's loop, which holds the streams and times the pushes (ms for the lag). */
  streamsElu: number;
  streamsLagP99: number;
  /** The sender child's loop while it sent. */
  senderElu: number;
  senderLagP99: number;
  /** CPU time per message (ms): the server instances, the sender child, this process (the streams), and the rest of the machine (PostgreSQL, other work). */
  cpuPerMsg: { servers: number; sender: number; streams: number; rest: number };
  /** The machine's busy share of all its cores over the run, and how many cores. */
  machineBusy: number;
  cores: number;
}

/**
 * The whole machine's CPU time so far (ms, all cores): busy and idle. From /proc/stat where there is
 * one (it counts softirq, where loopback networking spends much of its time; os.cpus() leaves it
 * out), else from os.cpus().
 */
function machineCpu(): { busy: number; idle: number; cores: number } {
  const cores = os.cpus().length;
  try {
    // cpu  user nice system idle iowait irq softirq steal (in clock ticks; 100 per second on Linux)
    const f = readFileSync('/proc/stat', 'latin1').split('\n', 1)[0].trim().split(/\s+/).slice(1, 9).map(Number);
    // (Steal, time the host gave to others, is neither: the shares are of the time this machine had.)
    const tick = 10;
    return { busy: (f[0] + f[1] + f[2] + f[5] + f[6]) * tick, idle: (f[3] + f[4]) * tick, cores };
  } catch {
    let busy = 0;
    let idle = 0;
    for (const c of os.cpus()) {
      busy += c.times.user + c.times.nice + c.times.sys + c.times.irq;
      idle += c.times.idle;
    }
    return { busy, idle, cores };
  }
}

/** Each side's CPU time (ms) per message, the rest of the machine's being what none of ours used. */
function perMessage(messages: number, servers: number, sender: number, streams: number, machine: number): RunResult['cpuPerMsg'] {
  const n = Math.max(1, messages);
  return { servers: servers / n, sender: sender / n, streams: streams / n, rest: Math.max(0, machine - servers - sender - streams) / n };
}

function median(xs: number[]): number {
  const s = [...xs].filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (!s.length) return NaN;
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

const fmt = (n: number, d = 0) => (Number.isFinite(n) ? n.toLocaleString('en-US', { minimumFractionDigits: d, maximumFractionDigits: d }) : 'n/a');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function loadSide(): Promise<void> {
  const started = Date.now();
  const dir = mkdtempSync(join(tmpdir(), 'ism-bench-'));
  const dbFile = join(dir, 'workspace.sqlite');
  const execArgv = [...process.execArgv];
  // PostgreSQL: a fresh database on the server given, dropped at the end.
  let pgDb: { url: string; drop(): Promise<void> } | null = null;
  if (PG_URL) pgDb = await createScratchDatabase(PG_URL, 'ism_bench');
  /** The load side's own connection to the bench database (commit times, after each run). */
  const feedDb = pgDb ? postgres(pgDb.url, { max: 1, onnotice: () => {} }) : null;
  const forkChild = (flag: string, extraEnv: Record<string, string> = {}) =>
    fork(SELF, [flag], { execArgv, env: { ...process.env, ...extraEnv }, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const forkServer = (k: number): ServerChild =>
    new Child(
      INSTANCES > 1 ? `server child ${k + 1}` : 'server child',
      forkChild('--server-child', { BENCH_DB_FILE: dbFile, ...(pgDb && { BENCH_CHILD_DATABASE_URL: pgDb.url }) }),
    );
  const servers: ServerChild[] = [forkServer(0)];
  /** Forked once the servers are up. */
  let senderChild: SenderChild | null = null;
  const loadProfile = cpuProfiler('load');
  /** Every instance's stats: CPU summed, event-loop utilisation averaged, lag the worst. */
  const statsAll = () => Promise.all(servers.map((c) => c.ask({ type: 'stats' }, 'stats', 5000)));
  const conns: StreamConn[] = [];
  // Once, whoever asks first (the end, a failure, a signal, the watchdog); the others wait for it.
  let cleaning: Promise<void> | null = null;
  const cleanup = () =>
    (cleaning ??= (async () => {
      for (const c of conns) c.ws?.terminate();
      agent.destroy();
      const children = [...servers, ...(senderChild ? [senderChild] : [])];
      await Promise.all(children.map((c) => c.stop().catch(() => c.proc.kill('SIGKILL'))));
      await feedDb?.end({ timeout: 5 }).catch(() => {});
      await pgDb?.drop().catch((err) => console.error('bench: could not drop the database', err));
      rmSync(dir, { recursive: true, force: true });
    })());
  const watchdog = setTimeout(() => {
    console.error(`bench: watchdog after ${CFG.watchdogMs / 60_000} minutes; stopping`);
    void cleanup().finally(() => process.exit(2));
  }, CFG.watchdogMs);
  // `on`, not `once`: a wrapper (npx, tsx) may relay the same Ctrl-C again, which must not kill us mid-cleanup.
  for (const sig of ['SIGINT', 'SIGTERM'] as const) process.on(sig, () => void cleanup().finally(() => process.exit(130)));

  try {
    console.log(
      `IS-Messenger server bench: ${CFG.contacts} contacts, 10 managers, ${CFG.agents} agents (${CFG.restrictedAgents} "User only"), node ${process.version}`,
    );
    console.log(
      PG_URL
        ? `layout: PostgreSQL (${new URL(PG_URL).host}), two server instances in two child processes; inbound sender in a child process; ${CFG.agents + 10 + CFG.extraManagers - 8} stream clients (half on each instance) and sync pager in this process`
        : 'layout: server in a child process (own event loop); inbound sender in a child process; 200 stream clients and sync pager in this process',
    );
    const ready = await servers[0].wait('ready', 600_000);
    const { port, demo } = ready;
    console.log(`server up on ${ready.url}; demo workspace created in ${fmt(ready.seedMs / 1000, 1)} s`);
    const ports = [port];
    for (let k = 1; k < INSTANCES; k++) {
      const c = forkServer(k);
      servers.push(c);
      const r = await c.wait('ready', 120_000);
      ports.push(r.port);
      console.log(`instance ${k + 1} up on ${r.url} (same database) in ${fmt(r.seedMs / 1000, 1)} s`);
    }
    const sender: SenderChild = (senderChild = new Child('sender child', forkChild('--sender-child')));
    await sender.wait('ready', 60_000);

    // --- users and streams -----------------------------------------------------------------
    const signIn = async (email: string) =>
      json<{ token: string; user: { id: string; role: string } }>(port, 'POST', '/api/v1/auth/sign-in', undefined, { email, password: DEMO_PASSWORD });
    const managers = demo.users.filter((u) => u.role === 'manager');
    const agents = demo.users.filter((u) => u.role === 'agent');
    if (managers.length !== CFG.extraManagers + 2 || agents.length !== CFG.agents)
      throw new Error(`demo has ${managers.length} managers and ${agents.length} agents`);
    const restricted = new Set(agents.slice(agents.length - CFG.restrictedAgents).map((u) => u.id));
    // The demo workspace made them "User only" from the start (restricting 950 agents one by one
    // through the API would write a removal record for each of the others' contacts).
    const me = await json<{ user: { restrictions: { contact_visibility: string } } }>(
      port,
      'GET',
      '/api/v1/me',
      (await signIn(agents[agents.length - 1].email)).token,
    );
    if (restricted.size && me.user.restrictions.contact_visibility !== 'user') throw new Error('the demo did not restrict the last agents');
    const t1 = performance.now();
    const people = [...managers, ...agents];
    const tokens = new Map<string, string>();
    await pool(people, 8, async (u) => {
      tokens.set(u.id, (await signIn(u.email)).token);
    });
    console.log(`signed in ${tokens.size} users in ${fmt((performance.now() - t1) / 1000, 1)} s; ${restricted.size} agents restricted to "User only"`);

    const bench: Bench = { current: null, cross: null, log: null, lastFrameAt: 0, violations: [], scanChecks: 0, scanMismatches: 0 };
    // PostgreSQL: the commit time of each message record, from PostgreSQL itself (its commit
    // timestamps, if the cluster keeps them: track_commit_timestamp = on, as
    // scripts/pg-test-cluster.sh --durable sets), so that push latency is also timed from the commit
    // as the goal puts it; a record's `at` is its transaction's start, before the batch was written.
    // (PostgreSQL stamps the commit just before flushing it to disk: the flush is timed too.)
    const tracksCommits = feedDb
      ? (await feedDb.unsafe<{ track_commit_timestamp: string }[]>('SHOW track_commit_timestamp'))[0].track_commit_timestamp === 'on'
      : false;
    if (feedDb && !tracksCommits)
      console.log('note: this PostgreSQL does not keep commit timestamps (track_commit_timestamp = off): latency from commit is not reported');
    // Commit times are PostgreSQL's clock, receipts this machine's: the same clock when PostgreSQL
    // runs here, else corrected by the offset seen over the quickest of a few round trips.
    let pgClockAhead = 0;
    if (feedDb && tracksCommits) {
      let best = Infinity;
      for (let k = 0; k < 20; k++) {
        const t0 = performance.timeOrigin + performance.now();
        const [{ now }] = await feedDb.unsafe<{ now: number }[]>('SELECT (EXTRACT(EPOCH FROM clock_timestamp()) * 1000)::float8 AS now');
        const t1 = performance.timeOrigin + performance.now();
        if (t1 - t0 < best) ((best = t1 - t0), (pgClockAhead = now - (t0 + t1) / 2));
      }
      console.log(
        `PostgreSQL's clock is ${fmt(Math.round(pgClockAhead * 10) / 10 || 0, 1)} ms ahead of this machine's (±${fmt(best / 2, 1)} ms); commit times are corrected by it`,
      );
    }
    const commitLatencies = async (log: DeliveryLog) => {
      const none = { all: new Samples(), cross: new Samples(), missing: log.n };
      if (!feedDb || !tracksCommits || log.n === 0) return none;
      const [lo, hi] = log.range();
      if (!Number.isFinite(lo)) return none;
      const rows = await feedDb.unsafe<{ seq: number; committed: number | null }[]>(
        `SELECT seq::float8 AS seq, (EXTRACT(EPOCH FROM pg_xact_commit_timestamp(xmin)) * 1000)::float8 AS committed
           FROM changes WHERE seq BETWEEN $1 AND $2 AND entity = 'message'`,
        [lo, hi],
      );
      const committed = new Float64Array(hi - lo + 1).fill(NaN);
      for (const r of rows) if (r.committed !== null) committed[r.seq - lo] = r.committed - pgClockAhead;
      return log.latencies((seq) => committed[seq - lo]);
    };
    const head0 = (await json<{ head: number }>(port, 'GET', '/api/v1/sync?after=0&limit=1', tokens.get(managers[0].id))).head;
    for (const [i, u] of people.entries()) {
      const c = new StreamConn(u.id, u.role, restricted.has(u.id));
      c.instance = i % INSTANCES;
      conns.push(c);
    }
    await pool(conns, 20, (c) => c.open(ports[c.instance], tokens.get(c.userId)!, head0, bench));
    console.log(
      `${conns.length} stream clients connected (${managers.length} managers, ${agents.length - restricted.size} unrestricted agents, ${restricted.size} "User only" agents)`,
    );
    await sleep(500);

    // --- inbound load ----------------------------------------------------------------------
    const rnd = prng(4242);
    const channel = demo.channel;
    const texts = ['Hi, is the offer still valid?', 'Where is my order?', 'Can you call me back?', 'Thanks, that helped!', 'I was charged twice.'];
    let newSenders = 0;
    const makeBodies = (tag: string, n: number): InboundBody[] =>
      Array.from({ length: n }, (_, i) => {
        const fresh = rnd() < CFG.newSenderShare;
        const sender = fresh
          ? { id: `bench-${tag}-${newSenders++}`, name: `Bench Sender ${newSenders}` }
          : { id: `ext-${1 + Math.floor(rnd() * CFG.contacts)}` };
        // Through which instance (PostgreSQL): request i goes to instance i % INSTANCES, and says so.
        const via = INSTANCES > 1 ? ` [via:${i % INSTANCES}]` : '';
        const raw = JSON.stringify({ sender, message: { id: `bench-${tag}-m${i}`, text: `${texts[i % texts.length]} (#${i})${via}` } });
        return { raw, sig: signBody(channel.secret, raw) };
      });
    const path = `/api/v1/channels/${channel.id}/inbound`;
    const lag = monitorEventLoopDelay({ resolution: 10 });

    /**
     * One inbound run: the bodies go to the sender child first, then the measurement window opens
     * (the collectors, the servers' stats, the profiles if `profile` names the run) and the sender
     * is told to go; once it has sent them all, the last pushes drain.
     */
    const runInbound = async (label: string, bodies: InboundBody[], opts: { rate?: number; measure: boolean; profile?: string }): Promise<RunResult> => {
      await sender.ask({ type: 'bodies', bodies }, 'ready-to-send', 60_000);
      const profiled = [...servers, sender];
      if (opts.profile) {
        for (const c of profiled) c.send({ type: 'profile', on: true, name: opts.profile });
        await loadProfile(true, opts.profile);
      }
      const samples = new Samples();
      const cross = new Samples();
      const before = conns.reduce((n, c) => n + c.messages, 0);
      const s0 = await statsAll();
      const elu0 = performance.eventLoopUtilization();
      const cpu0 = process.cpuUsage();
      const m0 = machineCpu();
      lag.reset();
      lag.enable();
      bench.current = opts.measure ? samples : null;
      bench.cross = opts.measure && INSTANCES > 1 ? cross : null;
      const log = opts.measure && tracksCommits ? new DeliveryLog() : null;
      bench.log = log;
      const ran = await sender.ask(
        { type: 'go', ports, path, concurrency: CFG.concurrency, rate: opts.rate, deadlineMs: CFG.runDeadlineMs },
        'ran',
        // Requests still in flight at the deadline may take their 30 s timeout.
        CFG.runDeadlineMs + 60_000,
      );
      // Let the last pushes arrive: until the streams are quiet for 300 ms (at most 10 s).
      const drainUntil = Date.now() + 10_000;
      while (Date.now() < drainUntil && Date.now() - bench.lastFrameAt < 300) await sleep(50);
      bench.current = null;
      bench.cross = null;
      bench.log = null;
      lag.disable();
      const elu = performance.eventLoopUtilization(elu0);
      const cpu = process.cpuUsage(cpu0);
      const m1 = machineCpu();
      const s1 = await statsAll();
      if (opts.profile) {
        await loadProfile(false, opts.profile);
        for (const c of profiled) c.send({ type: 'profile', on: false, name: opts.profile });
      }
      const { ok, failed, firstError, seconds } = ran;
      const serverElu = s1.reduce((n, s, k) => n + performance.eventLoopUtilization(s.elu, s0[k].elu).utilization, 0) / s1.length;
      const cpuMs = s1.reduce((n, s, k) => n + (s.cpu.user + s.cpu.system - s0[k].cpu.user - s0[k].cpu.system) / 1000, 0);
      const [p50, p90, p99, max] = samples.percentiles([50, 90, 99, 100]);
      const [crossP50, crossP99] = cross.percentiles([50, 99]);
      const fromCommit = log ? await commitLatencies(log) : { all: new Samples(), cross: new Samples(), missing: 0 };
      if (fromCommit.missing) console.log(`  (${fmt(fromCommit.missing)} deliveries without a commit time)`);
      const [commitP50, commitP99] = fromCommit.all.percentiles([50, 99]);
      const [commitCrossP50, commitCrossP99] = fromCommit.cross.percentiles([50, 99]);
      return {
        label,
        sent: ok + failed,
        ok,
        failed,
        firstError,
        seconds,
        perSecond: ok / seconds,
        p50,
        p90,
        p99,
        max,
        crossN: cross.n,
        crossP50,
        crossP99,
        commitP50,
        commitP99,
        commitCrossP50,
        commitCrossP99,
        deliveries: conns.reduce((n, c) => n + c.messages, 0) - before,
        serverElu,
        serverCpu: cpuMs / (seconds * 1000),
        serverLagP99: Math.max(...s1.map((s) => s.lagP99)),
        serverLagMax: Math.max(...s1.map((s) => s.lagMax)),
        streamsElu: elu.utilization,
        streamsLagP99: lag.percentile(99) / 1e6,
        senderElu: ran.elu,
        senderLagP99: ran.lagP99,
        cpuPerMsg: perMessage(ok, cpuMs, ran.cpuMs, (cpu.user + cpu.system) / 1000, m1.busy - m0.busy),
        machineBusy: (m1.busy - m0.busy) / (m1.busy - m0.busy + m1.idle - m0.idle),
        cores: m1.cores,
      };
    };
    const printRun = (r: RunResult) =>
      console.log(
        `  ${r.label.padEnd(22)} ${fmt(r.ok).padStart(6)} ok ${r.failed ? `${r.failed} failed (${r.firstError}) ` : ''}in ${fmt(r.seconds, 2)} s = ${fmt(r.perSecond).padStart(5)} msg/s | ` +
          `push p50 ${fmt(r.p50, 1)} p90 ${fmt(r.p90, 1)} p99 ${fmt(r.p99, 1)} max ${fmt(r.max)} ms over ${fmt(r.deliveries)} deliveries | ` +
          (r.crossN ? `cross-instance p50 ${fmt(r.crossP50, 1)} p99 ${fmt(r.crossP99, 1)} ms (${fmt(r.crossN)}) | ` : '') +
          (Number.isFinite(r.commitP99)
            ? `from commit: p50 ${fmt(r.commitP50, 1)} p99 ${fmt(r.commitP99, 1)}, cross-instance p50 ${fmt(r.commitCrossP50, 1)} p99 ${fmt(r.commitCrossP99, 1)} ms | `
            : '') +
          `server loop ${fmt(r.serverElu * 100)}% (lag p99 ${fmt(r.serverLagP99)} max ${fmt(r.serverLagMax)} ms) cpu ${fmt(r.serverCpu * 100)}% (${fmt((r.serverCpu * r.seconds * 1000) / Math.max(1, r.ok), 2)} ms/msg), ` +
          `load side: streams loop ${fmt(r.streamsElu * 100)}% (lag p99 ${fmt(r.streamsLagP99, 1)} ms), sender loop ${fmt(r.senderElu * 100)}% (lag p99 ${fmt(r.senderLagP99, 1)} ms) | ` +
          `machine ${fmt(r.machineBusy * 100)}% of ${r.cores} cores; cpu ms/msg: servers ${fmt(r.cpuPerMsg.servers, 3)}, sender ${fmt(r.cpuPerMsg.sender, 3)}, ` +
          `streams ${fmt(r.cpuPerMsg.streams, 3)}, rest ${fmt(r.cpuPerMsg.rest, 3)} (${PG_URL ? 'PostgreSQL and ' : ''}other work)`,
      );

    console.log(`\ninbound: ${fmt(CFG.messagesPerRun)} messages per run, ${CFG.concurrency} in flight, ${fmt(CFG.newSenderShare * 100)}% from new senders`);
    // Warm-up, so that the runs measure a server that has been up a while: the JIT of every process,
    // and on PostgreSQL each of the 16 connections' prepared statements (every shape of statement
    // is parsed and described once per connection) and the statistics of the growing tables. With
    // 5,000 messages the first measured run was a quarter slower than the later ones.
    printRun(await runInbound('warm-up', makeBodies('w', CFG.warmUpMessages), { measure: false }));
    const runs: RunResult[] = [];
    for (let k = 1; k <= CFG.runs; k++) {
      const r = await runInbound(`run ${k} (saturating)`, makeBodies(`r${k}`, CFG.messagesPerRun), { measure: true, profile: `inbound-run-${k}` });
      runs.push(r);
      printRun(r);
    }
    const pacedN = Math.min(CFG.messagesPerRun, CFG.pacedRate * 5);
    const paced = await runInbound(`paced ${fmt(CFG.pacedRate)}/s`, makeBodies('p', pacedN), { rate: CFG.pacedRate, measure: true });
    printRun(paced);
    const managerConns = conns.filter((c) => c.role === 'manager');
    const expectedPerManager = [...runs, paced].reduce((n, r) => n + r.ok, 0);
    const short = managerConns.filter((c) => c.messages < expectedPerManager).length;
    console.log(
      `  deliveries check: every manager should have heard of all ${fmt(expectedPerManager)} measured messages; ${short ? `${short} heard fewer` : 'all did'}; ` +
        `must_refetch/resync frames: ${conns.reduce((n, c) => n + c.mustRefetch, 0)}; streams closed: ${conns.filter((c) => c.closed !== null).length}`,
    );
    console.log(
      `  frame scan check: ${fmt(bench.scanChecks)} frames also parsed in full, ${bench.scanMismatches ? `${bench.scanMismatches} MISMATCHES` : 'all agreed'}`,
    );
    console.log(
      `  visibility check on the ${restricted.size} "User only" streams: ${bench.violations.length ? `${bench.violations.length} VIOLATIONS, e.g. ${bench.violations[0]}` : "no record of another agent's contact"}`,
    );

    // --- sync paging -----------------------------------------------------------------------
    const pageThrough = async (token: string, deadline: number) => {
      let pages = 0;
      let records = 0;
      let after = 0;
      for (;;) {
        const r = await request(port, 'GET', `/api/v1/sync?after=${after}&limit=5000`, undefined, { authorization: `Bearer ${token}` });
        if (r.status !== 200) throw new Error(`sync answered ${r.status}: ${r.text.slice(0, 200)}`);
        const page = JSON.parse(r.text);
        if (page.must_refetch) throw new Error(`sync answered must_refetch (${page.reason})`);
        pages++;
        records += page.changes.length;
        after = page.next;
        if (!page.has_more || performance.now() > deadline) return { pages, records };
      }
    };
    const syncUsers = [
      { label: 'manager', id: managers[0].id },
      { label: '"User only" agent', id: [...restricted][0] },
    ];
    console.log(`\nsync: paging GET /api/v1/sync?after=…&limit=5000 from 0, one request in flight, ${CFG.syncRepeats} times per user`);
    const syncRates: Record<string, number[]> = {};
    for (const u of syncUsers) {
      syncRates[u.label] = [];
      for (let k = 0; k < CFG.syncRepeats; k++) {
        const t0 = performance.now();
        const r = await pageThrough(tokens.get(u.id)!, t0 + CFG.syncDeadlineMs);
        const s = (performance.now() - t0) / 1000;
        syncRates[u.label].push(r.pages / s);
        console.log(
          `  ${u.label.padEnd(18)} ${fmt(r.pages).padStart(4)} pages, ${fmt(r.records).padStart(7)} records in ${fmt(s, 2)} s = ${fmt(r.pages / s, 1)} pages/s`,
        );
      }
    }
    // Both users at once, two requests in flight: what the server serves when busy with sync.
    {
      const t0 = performance.now();
      const rs = await Promise.all(syncUsers.map((u) => pageThrough(tokens.get(u.id)!, t0 + CFG.syncDeadlineMs)));
      const s = (performance.now() - t0) / 1000;
      const pages = rs.reduce((n, r) => n + r.pages, 0);
      syncRates['both at once'] = [pages / s];
      console.log(`  both at once       ${fmt(pages).padStart(4)} pages in ${fmt(s, 2)} s = ${fmt(pages / s, 1)} pages/s`);
    }

    // --- summary ---------------------------------------------------------------------------
    const inbound = median(runs.map((r) => r.perSecond));
    const p50 = median(runs.map((r) => r.p50));
    const p99 = median(runs.map((r) => r.p99));
    const verdict = (ok: boolean) => (ok ? 'met' : 'NOT met');
    console.log(
      `\nsummary (medians over ${runs.length} saturating runs; ${conns.length} stream clients connected${PG_URL ? ', PostgreSQL, two instances' : ''})`,
    );
    console.log(
      `  inbound messages/s        ${fmt(inbound).padStart(8)}      goal >= ${fmt(GOAL_INBOUND_PER_S)}/s   ${verdict(inbound >= GOAL_INBOUND_PER_S)}`,
    );
    console.log(`  push latency p50          ${fmt(p50, 1).padStart(8)} ms`);
    console.log(
      `  push latency p99          ${fmt(p99, 1).padStart(8)} ms   goal <= ${GOAL_P99_MS} ms      ${verdict(p99 <= GOAL_P99_MS)}  (under saturating load)`,
    );
    console.log(
      `  push latency p99 paced    ${fmt(paced.p99, 1).padStart(8)} ms   goal <= ${GOAL_P99_MS} ms      ${verdict(paced.p99 <= GOAL_P99_MS)}  (at ${fmt(paced.perSecond)} msg/s, p50 ${fmt(paced.p50, 1)} ms)`,
    );
    if (INSTANCES > 1) {
      // The goal is about a committed change reaching a client on the other instance: timed from the
      // commit when PostgreSQL keeps commit times; the time from the record's `at` (its transaction's
      // start) adds how long the write itself took, and is printed beside it.
      const crossP99 = median(runs.map((r) => r.crossP99));
      const byCommit = Number.isFinite(paced.commitCrossP99);
      const commitCrossP99 = median(runs.map((r) => r.commitCrossP99));
      if (byCommit) {
        console.log(
          `  cross-instance p99 from commit ${fmt(commitCrossP99, 1).padStart(5)} ms   goal <= ${GOAL_P99_MS} ms      ${verdict(commitCrossP99 <= GOAL_P99_MS)}  (under saturating load; p50 ${fmt(median(runs.map((r) => r.commitCrossP50)), 1)} ms)`,
        );
        console.log(
          `  cross-instance p99 from commit, paced ${fmt(paced.commitCrossP99, 1).padStart(5)} ms   goal <= ${GOAL_P99_MS} ms      ${verdict(paced.commitCrossP99 <= GOAL_P99_MS)}  (at ${fmt(paced.perSecond)} msg/s, p50 ${fmt(paced.commitCrossP50, 1)} ms)`,
        );
      }
      const also = byCommit ? "(from the transaction's start: includes writing the batch)" : `goal <= ${GOAL_P99_MS} ms`;
      console.log(
        `  cross-instance push p99   ${fmt(crossP99, 1).padStart(8)} ms   ${also}${byCommit ? '' : `      ${verdict(crossP99 <= GOAL_P99_MS)}`}  (under saturating load; p50 ${fmt(median(runs.map((r) => r.crossP50)), 1)} ms)`,
      );
      console.log(
        `  cross-instance push p99 paced ${fmt(paced.crossP99, 1).padStart(4)} ms   ${also}${byCommit ? '' : `      ${verdict(paced.crossP99 <= GOAL_P99_MS)}`}  (at ${fmt(paced.perSecond)} msg/s)`,
      );
    }
    for (const [label, rates] of Object.entries(syncRates)) {
      console.log(`  sync pages/s, ${label.padEnd(18)} ${fmt(median(rates), 1).padStart(6)}      (limit=1000, no goal set)`);
    }
    const size = (f: string) => (existsSync(f) ? statSync(f).size / 2 ** 20 : 0);
    if (!PG_URL)
      console.log(
        `database ${fmt(size(dbFile), 1)} MB + WAL ${fmt(size(`${dbFile}-wal`), 1)} MB; load average ${loadavg()
          .map((l) => l.toFixed(1))
          .join(' ')} (other work on the machine skews the figures)`,
      );
    else
      console.log(
        `load average ${loadavg()
          .map((l) => l.toFixed(1))
          .join(' ')} (PostgreSQL, both instances and the load side share this machine)`,
      );
    console.log(`bench took ${fmt((Date.now() - started) / 1000)} s`);
  } finally {
    clearTimeout(watchdog);
    await cleanup();
  }
}

const childMain = process.argv.includes('--server-child') ? serverChild : process.argv.includes('--sender-child') ? senderChild : null;
if (childMain) {
  childMain().catch((err) => {
    console.error(`bench ${childMain === serverChild ? 'server' : 'sender'} child failed`, err);
    process.exit(1);
  });
} else {
  loadSide().then(
    () => process.exit(0),
    (err) => {
      console.error('bench failed:', err);
      process.exit(1);
    },
  );
}
