// npm run bench:server (third part): webhook delivery under inbound load. Prints figures; it is not a
// test and never fails on a time.
//
// A server (tests/support/server-process.ts: its own process, a temporary SQLite file, receivers on
// 127.0.0.1 allowed) takes inbound messages at a steady rate from 200 senders through the signed
// custom channel, for five runs of the same length:
//  1. no webhook endpoint: the inbound rate and answer p99 it reaches alone;
//  2. one endpoint (message.received) with a receiver answering at once: deliveries/s and the delivery
//     lag, from the server's acknowledgement of each message (its commit is just before) to the
//     receiver having it, p50/p99;
//  3. the same endpoint beside one whose receiver answers after 5 s: the fast one's figures;
//  4. three endpoints answering at once (three deliveries per message): the same figures for each;
//  5. three endpoints, one of them answering after 5 s: the other two's figures.
// Goal (issue 17): with a local receiver (run 2), lag p99 <= 1 s and the inbound rate within 10% of
// run 1; a slow receiver leaving the other as it was (run 3 against run 2). Runs 4 and 5 weigh three
// times the deliveries on the same two cores (the bench's senders and receivers share them).
// The senders are kept cheap, since they share those cores with the server: undici's request(), not
// fetch() (about half the CPU per message), a request ending wakes a waiting sender rather than a
// 1 ms poll; the requests the server gets are the same. Their CPU per message is printed beside the
// server's.
// Server CPU per delivery is given for the whole process and for its main thread alone (the sending
// thread signs and posts; the main thread answers the API and does the database work).
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { Agent } from 'undici';
import { signBody } from '../../src-server/workspace/ingest';
import { WebhookReceiver } from '../support/webhook-receiver';

const RATE = Number(process.env.BENCH_WEBHOOK_RATE ?? 1000);
const SECONDS = Number(process.env.BENCH_WEBHOOK_SECONDS ?? 10);
const SENDERS = 200;
const IN_FLIGHT = 64;
const CHILD = join(import.meta.dirname, '../support/server-process.ts');
/** BENCH_CPU_PROF=<folder>: the server process writes a CPU profile there when it ends. */
const CPU_PROF = process.env.BENCH_CPU_PROF;
/** BENCH_WEBHOOK_RUNS=<n>: only the first n runs (1: no endpoint alone, e.g. for a profile of the inbound path). */
const RUNS = Number(process.env.BENCH_WEBHOOK_RUNS ?? 5);
const dispatcher = new Agent({ connections: IN_FLIGHT, pipelining: 1, keepAliveTimeout: 30_000 });

const fmt = (n: number, d = 0) => (Number.isFinite(n) ? n.toLocaleString('en-US', { minimumFractionDigits: d, maximumFractionDigits: d }) : 'n/a');
const pct = (xs: number[], p: number) => {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The server process's CPU time so far (user + system, ms), from /proc: NaN where there is none. With `mainThread`, its main thread's alone. */
function cpuMsOf(pid: number | undefined, mainThread = false): number {
  try {
    const fields = readFileSync(mainThread ? `/proc/${pid}/task/${pid}/stat` : `/proc/${pid}/stat`, 'utf8')
      .split(') ')[1]
      .split(' ');
    // utime and stime, fields 14 and 15 of the line, in clock ticks (100 a second on Linux).
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return NaN;
  }
}

interface Server {
  child: ChildProcess;
  url: string;
  channel: { id: string; secret: string };
}

async function startServer(dir: string): Promise<Server> {
  const profile = CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${CPU_PROF}`] : [];
  const child = spawn(process.execPath, [...profile, '--import', 'tsx', CHILD, JSON.stringify({ dbFile: join(dir, 'workspace.sqlite') })], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const line = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout! }).once('line', resolve);
    child.once('exit', (code) => reject(new Error(`server exited with ${code}`)));
  });
  const { url, channel } = JSON.parse(line) as { url: string; channel: { id: string; secret: string } };
  return { child, url, channel };
}

async function api(server: Server, token: string | null, method: string, path: string, body?: unknown): Promise<any> {
  const r = await fetch(server.url + path, {
    method,
    headers: { 'content-type': 'application/json', ...(token && { authorization: `Bearer ${token}` }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return r.json();
}

/** Messages at RATE per second for SECONDS, at most IN_FLIGHT waiting; answers when each was acknowledged, by text. */
async function inboundRun(server: Server, run: string): Promise<{ acked: Map<string, number>; answerMs: number[]; seconds: number; failed: number }> {
  const acked = new Map<string, number>();
  const answerMs: number[] = [];
  let failed = 0;
  let inFlight = 0;
  /** The sender waiting for a request to end (woken by it, not by polling). */
  const slotFreed: (() => void)[] = [];
  const total = RATE * SECONDS;
  const started = performance.now();
  const waiting: Promise<void>[] = [];
  for (let i = 0; i < total; i++) {
    const due = started + (i * 1000) / RATE;
    const now = performance.now();
    if (due > now) await sleep(due - now);
    while (inFlight >= IN_FLIGHT) await new Promise<void>((r) => slotFreed.push(r));
    const text = `${run} ${i}`;
    const raw = JSON.stringify({ sender: { id: `bench-sender-${i % SENDERS}` }, message: { id: `${run}-${i}`, text } });
    inFlight++;
    const sent = performance.now();
    waiting.push(
      dispatcher
        .request({
          origin: server.url,
          path: `/api/v1/channels/${server.channel.id}/inbound`,
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-signature': signBody(server.channel.secret, raw) },
          body: raw,
        })
        .then(async (r) => {
          await r.body.arrayBuffer();
          const at = performance.now();
          if (r.statusCode === 200) {
            acked.set(text, at);
            answerMs.push(at - sent);
          } else failed++;
        })
        .catch(() => void failed++)
        .finally(() => {
          inFlight--;
          slotFreed.shift()?.();
        }),
    );
  }
  await Promise.all(waiting);
  return { acked, answerMs, seconds: (performance.now() - started) / 1000, failed };
}

function lagOf(receiver: WebhookReceiver, acked: Map<string, number>): number[] {
  const lags: number[] = [];
  for (const e of receiver.received) {
    const at = acked.get(e.body.message?.message.text ?? '');
    if (at !== undefined) lags.push(e.receivedAt - at);
  }
  return lags;
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'ism-bench-webhooks-'));
  const server = await startServer(dir);
  try {
    const owner = (await api(server, null, 'POST', '/api/v1/auth/sign-in', { email: 'owner@demo.test', password: 'demo-password' })).token as string;
    console.log(`webhooks: ${fmt(RATE)} inbound messages/s for ${SECONDS} s from ${SENDERS} senders (SQLite), ${IN_FLIGHT} in flight`);

    const aloneCpu = cpuMsOf(server.child.pid);
    const ownCpu = process.cpuUsage();
    const aloneMain = cpuMsOf(server.child.pid, true);
    const alone = await inboundRun(server, 'alone');
    const ownUsed = process.cpuUsage(ownCpu);
    const aloneRate = alone.acked.size / alone.seconds;
    const aloneCpuPerMessage = (cpuMsOf(server.child.pid) - aloneCpu) / alone.acked.size;
    const aloneMainPerMessage = (cpuMsOf(server.child.pid, true) - aloneMain) / alone.acked.size;
    console.log(
      `  no endpoint             inbound ${fmt(aloneRate).padStart(6)}/s, answer p99 ${fmt(pct(alone.answerMs, 99), 1)} ms, server CPU ${fmt(aloneCpuPerMessage, 2)} ms/message (main thread ${fmt(aloneMainPerMessage, 2)}; the senders' ${fmt((ownUsed.user + ownUsed.system) / 1000 / alone.acked.size, 2)})${alone.failed ? `, ${alone.failed} refused` : ''}`,
    );

    const scenarios = [
      { run: 'one', label: 'one endpoint', endpoints: 1, slow: false },
      { run: 'pair', label: 'and one slow (5 s)', endpoints: 2, slow: true },
      { run: 'three', label: 'three endpoints', endpoints: 3, slow: false },
      { run: 'slow', label: 'one receiver slow (5 s)', endpoints: 3, slow: true },
    ];
    for (const { run, label, endpoints, slow } of scenarios.slice(0, Math.max(0, RUNS - 1))) {
      const receivers = await Promise.all(
        Array.from({ length: endpoints }, (_, k) =>
          WebhookReceiver.start(async () => {
            if (slow && k === endpoints - 1) await sleep(5000);
            return 200;
          }),
        ),
      );
      const ids: string[] = [];
      for (const r of receivers) {
        const added = await api(server, owner, 'POST', '/api/v1/webhooks', {
          client_id: `bench-${run}-${ids.length}-${Date.now()}`,
          url: r.url,
          events: ['message.received'],
        });
        ids.push(added.endpoint.id as string);
      }
      const cpuBefore = cpuMsOf(server.child.pid);
      const mainBefore = cpuMsOf(server.child.pid, true);
      const load = await inboundRun(server, run);
      const fast = slow ? receivers.slice(0, -1) : receivers;
      const end = performance.now() + 60_000;
      while (performance.now() < end && fast.some((r) => r.received.length < load.acked.size)) await sleep(50);
      const rate = load.acked.size / load.seconds;
      // The server's CPU time for taking the messages and delivering them to the receivers that answer at once.
      const cpuPerMessage = (cpuMsOf(server.child.pid) - cpuBefore) / load.acked.size;
      const perDelivery = (cpuPerMessage - aloneCpuPerMessage) / fast.length;
      // The main thread's share: what the inbound route and the webhooks' database work contend for.
      const mainPerDelivery = ((cpuMsOf(server.child.pid, true) - mainBefore) / load.acked.size - aloneMainPerMessage) / fast.length;
      console.log(
        `  ${label.padEnd(23)} inbound ${fmt(rate).padStart(6)}/s (${fmt(((rate - aloneRate) / aloneRate) * 100, 1)}% against none), answer p99 ${fmt(pct(load.answerMs, 99), 1)} ms, server CPU ${fmt(cpuPerMessage, 2)} ms/message (${fmt(perDelivery, 2)} ms more per delivery, ${fmt(mainPerDelivery, 2)} on the main thread)`,
      );
      fast.forEach((r, k) => {
        const lags = lagOf(r, load.acked);
        const first = Math.min(...r.received.map((e) => e.receivedAt));
        const last = Math.max(...r.received.map((e) => e.receivedAt));
        console.log(
          `    endpoint ${k + 1}: ${fmt(r.received.length)} delivered of ${fmt(load.acked.size)}, ${fmt(r.received.length / ((last - first) / 1000))} deliveries/s, lag from acknowledgement p50 ${fmt(pct(lags, 50), 1)} ms p99 ${fmt(pct(lags, 99), 1)} ms`,
        );
      });
      if (slow)
        console.log(
          `    endpoint ${endpoints} (answers after 5 s): ${fmt(receivers[endpoints - 1].received.length)} delivered meanwhile (16 requests in flight at a time)`,
        );
      for (const id of ids) await api(server, owner, 'DELETE', `/api/v1/webhooks/${id}?client_id=bench-del-${id}`);
      await Promise.all(receivers.map((r) => r.close()));
    }
    console.log(
      '  goal (one endpoint, and beside a slow one): lag p99 <= 1,000 ms at 1,000 messages/s, inbound within 10% of no endpoint, a slow receiver leaving the other as it was',
    );
  } finally {
    server.child.kill('SIGTERM');
    await dispatcher.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
