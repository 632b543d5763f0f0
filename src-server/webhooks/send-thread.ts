// The webhook sending thread: signs and posts the deliveries the dispatcher claimed, off the main
// thread (whose event loop answers the API and does the database work). Each endpoint's deliveries
// claimed ahead wait in a queue here, with its limit of requests in flight, so a request that ends
// starts the next one at once; a delivery is started only while its claim outlasts its request (the
// dispatcher gives each one a `startBy`), otherwise it is handed back unsent. The answers, and what is
// handed back, go to the main thread in batches, at most every `flushMs`, to be recorded in the next
// claim's transaction.
//
// The thread runs the source of `runSendingThread` and of the outbound rules as they are (like the
// other worker threads of the project: no file to find at run time, whatever runs or bundles the server).
import type * as Crypto from 'node:crypto';
import { Worker, type MessagePort } from 'node:worker_threads';
import { outboundRules, type OutboundResult, type OutboundRules } from './safe-request';

/** What the dispatcher hands over of a claimed delivery. */
export interface Sendable {
  d: { id: number; endpoint_id: string; url: string; signing_key: string; body: string };
  /** Not started after this (the server's clock): its request might outlast its claim. */
  startBy: number;
}

interface ThreadOptions {
  allowPrivate: boolean;
  /** Requests in flight per endpoint. */
  perEndpoint: number;
  timeoutMs: number;
  /** Answers are sent to the main thread at most this often, many in one message. */
  flushMs: number;
}

interface Handed {
  id: number;
  endpointId: string;
  body: string;
  startBy: number;
}

type ToThread =
  | {
      kind: 'claimed';
      /** The server's clock minus this thread's Date.now(): a test may run the server on another clock. */
      clockOffset: number;
      /** The URL and signing key of each endpoint in `deliveries`, as claimed. */
      targets: Record<string, { url: string; key: string }>;
      deliveries: Handed[];
      /** Endpoints paused or deleted: what they have waiting is handed back. */
      dropped: string[];
    }
  | { kind: 'close' };

/** A receiver's answer: the delivery's id, then its OutboundResult's status, error and latency. */
type ThreadAnswer = [id: number, status: number | null, error: string | null, latencyMs: number];

interface FromThread {
  answers: ThreadAnswer[];
  /** Deliveries handed back unsent (too late to start, or their endpoint dropped, or closing). */
  unsent: number[];
  /** The last message: nothing is going any more, and the thread ends. */
  final: boolean;
}

/** The thread's work. Self-contained (no imports or closures: Node's modules come as arguments), since the thread runs its source. */
function runSendingThread(port: MessagePort, o: ThreadOptions, rules: OutboundRules, hmac: typeof Crypto): void {
  const agents = rules.keepAliveAgents();
  const queues = new Map<string, { d: Handed; to: { url: string; key: string } }[]>();
  const inFlight = new Map<string, number>();
  let going = 0;
  let offset = 0;
  let closing = false;
  let answers: ThreadAnswer[] = [];
  let unsent: number[] = [];
  let timer: NodeJS.Timeout | null = null;

  /** Hands back what waited too long: another instance may claim it once its claim runs out, so the sooner the better. */
  const sweep = () => {
    const now = Date.now() + offset;
    for (const [endpointId, queue] of queues) {
      if (!queue.some((q) => q.d.startBy < now)) continue;
      for (const q of queue) if (q.d.startBy < now) unsent.push(q.d.id);
      queues.set(
        endpointId,
        queue.filter((q) => q.d.startBy >= now),
      );
    }
  };
  const flush = () => {
    timer = null;
    sweep();
    const final = closing && going === 0;
    if (answers.length > 0 || unsent.length > 0 || final) port.postMessage({ answers, unsent, final } satisfies FromThread);
    [answers, unsent] = [[], []];
    if (!final) return;
    agents.http.destroy();
    agents.https.destroy();
    port.close();
  };
  const soon = () => {
    if (!timer) timer = setTimeout(flush, o.flushMs);
  };
  const start = (endpointId: string) => {
    const queue = queues.get(endpointId);
    while (!closing && queue && queue.length > 0 && (inFlight.get(endpointId) ?? 0) < o.perEndpoint) {
      const { d, to } = queue.shift()!;
      // Checked just before sending: started later, it might still be going when its claim runs out.
      if (Date.now() + offset > d.startBy) {
        unsent.push(d.id);
        soon();
        continue;
      }
      inFlight.set(endpointId, (inFlight.get(endpointId) ?? 0) + 1);
      going++;
      const headers = {
        'content-type': 'application/json',
        'user-agent': 'IS-Messenger-Webhooks',
        'x-webhook-signature': hmac.createHmac('sha256', to.key).update(d.body).digest('base64'),
      };
      void rules
        .postSafely(to.url, headers, d.body, { allowPrivate: o.allowPrivate, agents, timeoutMs: o.timeoutMs })
        .catch((err: unknown) => ({ status: null, error: String(err), latencyMs: 0 }))
        .then((r) => {
          inFlight.set(endpointId, inFlight.get(endpointId)! - 1);
          going--;
          answers.push([d.id, r.status, r.error, r.latencyMs]);
          start(endpointId);
          if (closing && going === 0) {
            if (timer) clearTimeout(timer);
            flush();
          } else soon();
        });
    }
    if (queue?.length === 0) queues.delete(endpointId);
  };

  port.on('message', (m: ToThread) => {
    if (m.kind === 'close') {
      closing = true;
      for (const queue of queues.values()) for (const q of queue) unsent.push(q.d.id);
      queues.clear();
      if (timer) clearTimeout(timer);
      flush();
      return;
    }
    if (closing) {
      // Not sent: handed back with the rest.
      for (const d of m.deliveries) unsent.push(d.id);
      return;
    }
    offset = m.clockOffset;
    for (const endpointId of m.dropped) {
      for (const q of queues.get(endpointId) ?? []) unsent.push(q.d.id);
      queues.delete(endpointId);
    }
    for (const d of m.deliveries) {
      const queue = queues.get(d.endpointId) ?? [];
      queue.push({ d, to: m.targets[d.endpointId] });
      queues.set(d.endpointId, queue);
    }
    for (const endpointId of Object.keys(m.targets)) start(endpointId);
    sweep();
    if (unsent.length > 0) soon();
  });
}

// `__name` is defined in case a transpiler that keeps function names wrapped the source with it.
const THREAD_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const __name = (f) => f;
const outboundRules = ${outboundRules.toString()};
const runSendingThread = ${runSendingThread.toString()};
const rules = outboundRules({ dns: require('node:dns'), http: require('node:http'), https: require('node:https'), net: require('node:net') });
runSendingThread(parentPort, workerData, rules, require('node:crypto'));`;

/** A thread that failed is started again this long after its last start, at the earliest. */
const RESTART_GAP_MS = 1_000;

/**
 * The main thread's side: hands claimed deliveries to the thread and takes back its answers. It keeps
 * what the thread holds (queued or going), to count each endpoint's share and to map the answers back.
 * If the thread dies, what it held is forgotten (still claimed: the claims run out and the deliveries
 * are claimed again) and a new thread is started.
 */
export class SendingThread<T extends Sendable> {
  private worker: Worker | null = null;
  private lastStart = -Infinity;
  private closing = false;
  private readonly held = new Map<number, T>();
  private readonly heldPerEndpoint = new Map<string, number>();
  /** Resolves close() when the thread has sent its last answers (or died). */
  private ended: (() => void) | null = null;

  constructor(
    private readonly opts: ThreadOptions,
    /** The answers and the deliveries handed back unsent, one call per message. */
    private readonly onBatch: (answers: { held: T; r: OutboundResult }[], unsent: T[]) => void,
    /** Called when a thread may be started again after one died. */
    private readonly onRestartable: () => void,
    private readonly log: (msg: string, err?: unknown) => void,
  ) {}

  /** Whether deliveries may be handed over now: a thread is running, or is started now (none yet, or a second after one died). */
  available(): boolean {
    if (this.closing) return false;
    if (this.worker) return true;
    if (performance.now() - this.lastStart < RESTART_GAP_MS) return false;
    this.lastStart = performance.now();
    const worker = (this.worker = new Worker(THREAD_SOURCE, { eval: true, workerData: this.opts }));
    // It never holds the process up: what it holds is claimed and is claimed again after a stop without close().
    worker.unref();
    worker.on('message', (m: FromThread) => this.take(m));
    worker.on('error', (err) => this.log('webhook sending thread failed', err));
    worker.on('exit', (code) => {
      if (this.worker !== worker) return;
      this.worker = null;
      const lost = this.held.size;
      this.held.clear();
      this.heldPerEndpoint.clear();
      if (this.ended) return this.ended();
      this.log(`webhook sending thread stopped (exit code ${code}); its ${lost} deliveries are sent again once their claims run out`);
      setTimeout(() => this.onRestartable(), RESTART_GAP_MS).unref();
    });
    return true;
  }

  /** Deliveries of the endpoint in the thread (waiting or going). */
  heldFor(endpointId: string): number {
    return this.heldPerEndpoint.get(endpointId) ?? 0;
  }

  /** Hands claimed deliveries over; what the thread has waiting for endpoints no longer active (`active`) is handed back. */
  hand(claimed: readonly T[], active: ReadonlySet<string>, clock: number): void {
    const dropped = [...this.heldPerEndpoint.keys()].filter((id) => !active.has(id));
    if (!this.worker || (claimed.length === 0 && dropped.length === 0)) {
      // No thread (it died since available()): the claims run out and the deliveries are claimed again.
      return;
    }
    const targets: Record<string, { url: string; key: string }> = {};
    const deliveries: Handed[] = [];
    for (const item of claimed) {
      const { d } = item;
      targets[d.endpoint_id] ??= { url: d.url, key: d.signing_key };
      deliveries.push({ id: d.id, endpointId: d.endpoint_id, body: d.body, startBy: item.startBy });
      // Claimed again while the thread still held it (its answer much later than the claim allows): counted once.
      if (!this.held.has(d.id)) this.heldPerEndpoint.set(d.endpoint_id, this.heldFor(d.endpoint_id) + 1);
      this.held.set(d.id, item);
    }
    this.worker.postMessage({ kind: 'claimed', clockOffset: clock - Date.now(), targets, deliveries, dropped } satisfies ToThread);
  }

  /** Sends nothing more; resolves once what is going has been answered (and handed to onBatch), and the thread has ended. */
  async close(): Promise<void> {
    this.closing = true;
    const worker = this.worker;
    if (!worker) return;
    const ended = new Promise<void>((resolve) => (this.ended = resolve));
    worker.postMessage({ kind: 'close' } satisfies ToThread);
    // A request ends by its timeout at the latest; a thread stuck past that is stopped (its deliveries are claimed again later).
    const stuck = setTimeout(() => void worker.terminate(), this.opts.timeoutMs + 5_000);
    await ended;
    clearTimeout(stuck);
  }

  /** Tests only: ends the thread as a crash would. */
  async crashForTest(): Promise<void> {
    await this.worker?.terminate();
  }

  private take(m: FromThread): void {
    const forget = (id: number): T | undefined => {
      const item = this.held.get(id);
      if (!item) return undefined;
      this.held.delete(id);
      const left = this.heldFor(item.d.endpoint_id) - 1;
      if (left > 0) this.heldPerEndpoint.set(item.d.endpoint_id, left);
      else this.heldPerEndpoint.delete(item.d.endpoint_id);
      return item;
    };
    const answers: { held: T; r: OutboundResult }[] = [];
    for (const [id, status, error, latencyMs] of m.answers) {
      const held = forget(id);
      if (held) answers.push({ held, r: { status, error, latencyMs } });
    }
    const unsent = m.unsent.map(forget).filter((item): item is T => item !== undefined);
    this.onBatch(answers, unsent);
    if (m.final) this.ended?.();
  }
}
