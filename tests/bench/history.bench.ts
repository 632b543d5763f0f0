// npm run bench:history [-- --contacts N --messages M --churn K]: a workspace after a year of
// history (default 100,000 contacts, 2,000,000 messages, 10,000,000 change records of churn). Prints
// what each figure includes beside it; it is not a test and never fails on a time (README, Benchmarks).
import { spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import BetterSqlite3 from 'better-sqlite3';
import WebSocket from 'ws';
import { addChurn, generateHistory, type HistoryScale } from './generate-history';
import { startHostProcess, type HostProcess } from './host-process';
import { floorFor, gcSummary, inboxAndSearchTimings, pct, type InboxTimings } from './inbox-timings';
import { recordAnswers } from './replay-process';
import { socketCaller, type HostCall } from '../support/host-socket';
import { DESKTOP_SOCKET_PATH } from '../../src-main/host/host';
import { Cache } from '../../src-main/core/cache/cache';
import { TEXT_SOURCES } from '../../src-main/core/cache/entity-store';
import { SqliteDatabase } from '../../src-server/db/sqlite';
import { FeedCompactor } from '../../src-server/feed/compaction';
import type { ChangeRecord, SyncPage } from '../../src-shared/sync/changes';

const { values } = parseArgs({
  options: {
    contacts: { type: 'string', default: '100000' },
    messages: { type: 'string', default: '2000000' },
    churn: { type: 'string', default: '10000000' },
    /** A folder keeping the generated workspaces between runs (one pair per scale); each run works on copies. */
    keep: { type: 'string' },
  },
});
const scale: HistoryScale = { contacts: Number(values.contacts), messages: Number(values.messages), churn: Number(values.churn) };
const PAGE = 5000; // the desktop's page size (SyncEngine)
const root = resolve(import.meta.dirname, '../..');
const dir = mkdtempSync(join(tmpdir(), 'ism-bench-history-'));
const ms = (x: number) => `${x.toFixed(x < 10 ? 2 : 1)} ms`;
const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;
const row = (name: string, value: string, goal = '') => `${name.padEnd(52)} ${value.padEnd(40)} ${goal && `goal: ${goal}`}`;
const line = (name: string, value: string, goal = '') => console.log(row(name, value, goal));
/** A child process's CPU seconds so far (user + system; Linux's /proc, null elsewhere). */
function cpuOf(pid: number | undefined): number | null {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return null;
  }
}

async function serverProcess(dbFile: string, args: string[] = []): Promise<{ url: string; proc: ChildProcess }> {
  const proc = spawn(process.execPath, ['--import', 'tsx', resolve(root, 'src-server/cli.ts'), '--port', '0', '--db', dbFile, ...args], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const url = await new Promise<string>((ok, fail) => {
    let out = '';
    proc.stdout!.on('data', (d) => {
      out += d.toString();
      const m = /on (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
      if (m) ok(m[1]);
    });
    proc.on('exit', (code) => fail(new Error(`server exited ${code}`)));
  });
  return { url, proc };
}

async function stop(p: ChildProcess): Promise<void> {
  p.kill('SIGTERM');
  await new Promise((r) => p.once('exit', r));
}

async function token(url: string): Promise<string> {
  const r = await fetch(`${url}/api/v1/auth/sign-in`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: 'manager@demo.test', password: 'demo-password' }),
  });
  return ((await r.json()) as { token: string }).token;
}

/** The manager's snapshot, page by page at the desktop's page size, as the server sends it: bytes, records, the page texts. */
async function snapshotPages(url: string): Promise<{ bytes: number; records: number; pages: string[]; seconds: number }> {
  const auth = { authorization: `Bearer ${await token(url)}` };
  const pages: string[] = [];
  let bytes = 0;
  let records = 0;
  let next: string | null = 'begin';
  const t0 = performance.now();
  while (next) {
    const text = await (await fetch(`${url}/api/v1/sync?after=0&limit=${PAGE}&snapshot=${next}`, { headers: auth })).text();
    const page = JSON.parse(text) as Extract<SyncPage, { must_refetch: false }>;
    pages.push(text);
    bytes += Buffer.byteLength(text);
    records += page.changes.length;
    next = page.snapshot?.next ?? null;
  }
  return { bytes, records, pages, seconds: (performance.now() - t0) / 1000 };
}

/**
 * The same rows, from the same page texts, straight into an empty cache of the same schema with
 * plain INSERTs in one transaction, then its full-text index in one statement per table: what the
 * bootstrap's writing could cost at best (parsing included, no HTTP).
 */
function rawLoad(pages: string[]): number {
  const cache = Cache.open(join(dir, 'raw-cache.sqlite'));
  const db = cache.db;
  const ins = {
    contact: db.prepare('INSERT INTO contacts (id, assignee_id, status, channel_id, conversation_id, last_activity_at, data) VALUES (?, ?, ?, ?, ?, ?, ?)'),
    conversation: db.prepare('INSERT INTO conversations (id, contact_id, status, opened_at, closed_at, data) VALUES (?, ?, ?, ?, ?, ?)'),
    message: db.prepare('INSERT INTO messages (id, contact_id, created_at, status, data) VALUES (?, ?, ?, ?, ?)'),
    other: (table: string) => db.prepare(`INSERT OR REPLACE INTO ${table} (id, data) VALUES (?, ?)`),
  };
  const t0 = performance.now();
  db.transaction(() => {
    for (const text of pages) {
      for (const r of (JSON.parse(text) as { changes: ChangeRecord[] }).changes) {
        const d = r.data as Record<string, unknown>;
        const data = JSON.stringify(d);
        if (r.entity === 'contact') ins.contact.run(r.id, d.assignee_id, d.status, d.channel_id, d.conversation_id, d.last_activity_at, data);
        else if (r.entity === 'conversation') ins.conversation.run(r.id, d.contact_id, d.status, d.opened_at, d.closed_at, data);
        else if (r.entity === 'message') ins.message.run(r.id, d.contact_id, d.created_at, d.status, data);
        else if (r.entity === 'team' || r.entity === 'channel' || r.entity === 'custom_inbox')
          ins.other(`${r.entity === 'custom_inbox' ? 'custom_inboxes' : `${r.entity}s`}`).run(r.id, data);
      }
    }
    for (const [, fill] of TEXT_SOURCES) db.exec(fill);
  })();
  const seconds = (performance.now() - t0) / 1000;
  cache.close();
  return seconds;
}

/**
 * The manager's bootstrap through a host-mode desktop (the app without Electron) in a process of its own, as the app's main
 * process is: from sign-in to ready with its search index. Its CPU meanwhile is that process's.
 */
async function bootstrap(url: string, name: string) {
  const renderer = join(dir, 'renderer');
  mkdirSync(renderer, { recursive: true });
  writeFileSync(join(renderer, 'index.html'), '<!doctype html><title>bench</title>');
  const host = await startHostProcess({ dataDir: join(dir, name), rendererDir: renderer, keepSession: false });
  const ws = new WebSocket(`${host.url.replace('http', 'ws')}${DESKTOP_SOCKET_PATH}?token=${host.token}`);
  await new Promise((ok) => ws.once('open', ok));
  let changed = 0;
  const call = socketCaller(ws, (msg) => {
    if (msg.event === 'changed') changed++;
  });
  const cpu0 = cpuOf(host.pid);
  const t0 = performance.now();
  await call('command', 'signIn', { server_url: url, email: 'manager@demo.test', password: 'demo-password' });
  while ((await host.sessionState()) !== 'ready') await new Promise((r) => setTimeout(r, 50));
  const seconds = (performance.now() - t0) / 1000;
  const cpu = cpuOf(host.pid);
  const rss = await host.rss();
  return { host, ws, call, seconds, rss, cpu: cpu === null || cpu0 === null ? null : cpu - cpu0, changed: () => changed };
}

async function main() {
  console.log(
    `History benchmark: ${scale.contacts.toLocaleString()} contacts, ${scale.messages.toLocaleString()} messages, ${scale.churn.toLocaleString()} churn records`,
  );
  const plain = join(dir, 'plain.sqlite');
  const churned = join(dir, 'churned.sqlite');
  const kept = await generated();
  copyFileSync(kept.plain, plain);
  copyFileSync(kept.churned, churned);
  line('generated: state / churn', kept.seconds ? `${kept.seconds.state.toFixed(1)} s / ${kept.seconds.churn.toFixed(1)} s` : `kept in ${kept.folder}`);

  // Bootstraps: the workspace without churn, then with it (each its own server process and desktop).
  const results: Record<string, { seconds: number; bytes: number; records: number; rss: number; pagesSeconds: number }> = {};
  for (const [name, file] of [
    ['without churn', plain],
    ['with churn', churned],
  ] as const) {
    // The churned feed is compacted before its server starts: a server compacts a minute after it starts,
    // and a first run over a long backlog takes up to half of its time, which a bootstrap then shares.
    if (name === 'with churn') for (const l of await compacted(churned, kept.churned)) console.log(l);
    // The feed without churn is kept whole (it is a year old: 30 days' retention would prune it all),
    // so the catch-up pages below have a feed to read; the generator left nothing to compact in it.
    const server = await serverProcess(file, name === 'without churn' ? ['--feed-retention-days', '400'] : []);
    try {
      const serverCpu0 = cpuOf(server.proc.pid);
      const boot = await bootstrap(server.url, name.replace(' ', '-'));
      const serverCpu = cpuOf(server.proc.pid);
      const pages = await snapshotPages(server.url);
      const r = (results[name] = { seconds: boot.seconds, bytes: pages.bytes, records: pages.records, rss: boot.rss, pagesSeconds: pages.seconds });
      // Each figure as soon as it is known: a full-scale run takes long.
      line(`manager bootstrap, ${name}`, `${r.seconds.toFixed(1)} s, ${mb(r.bytes)}, ${r.records.toLocaleString()} records`);
      line(
        '  CPU meanwhile: server / desktop process',
        `${serverCpu === null || serverCpu0 === null ? '?' : (serverCpu - serverCpu0).toFixed(1)} s / ${boot.cpu === null ? '?' : boot.cpu.toFixed(1)} s`,
      );
      line('  the same pages fetched alone (HTTP, no cache)', `${r.pagesSeconds.toFixed(1)} s`);
      if (name === 'without churn') {
        line('main-process RSS after bootstrap (without churn)', mb(r.rss), '≤ 300 MB');
        const rawCpu0 = process.cpuUsage();
        const rawSeconds = rawLoad(pages.pages);
        const rawCpu = process.cpuUsage(rawCpu0);
        line('raw load of the same rows into the same cache', `${rawSeconds.toFixed(1)} s (CPU ${((rawCpu.user + rawCpu.system) / 1e6).toFixed(1)} s)`);
        line('  raw load ÷ bootstrap (time, without churn)', (rawSeconds / r.seconds).toFixed(2), '≥ 0.5');
        // The page texts (hundreds of MB in this process, the client's) are let go and collected before the timings: the
        // client's own collection of them would otherwise run during the calls, beside the host, on the same cores.
        pages.pages.length = 0;
        (globalThis as { gc?: () => void }).gc?.();
        await inboxAndSearch(boot.ws, boot.call, boot.host);
      }
      boot.ws.close();
      await boot.host.close();
      if (name === 'without churn') await syncPages(server.url);
    } finally {
      await stop(server.proc);
    }
  }
  line('manager bootstrap with ÷ without churn (time)', (results['with churn'].seconds / results['without churn'].seconds).toFixed(2), '≤ 1.2');
  rmSync(dir, { recursive: true, force: true });
}

/**
 * The two generated workspaces: made now, or (with --keep) found in that folder from an earlier run
 * of the same scale. A run never writes to the kept files: it serves and compacts copies.
 */
async function generated(): Promise<{ plain: string; churned: string; folder: string; seconds: { state: number; churn: number } | null }> {
  const folder = resolve(values.keep ?? dir);
  mkdirSync(folder, { recursive: true });
  const name = `${scale.contacts}-${scale.messages}`;
  const plain = join(folder, `history-${name}.sqlite`);
  const churned = join(folder, `history-${name}-churn-${scale.churn}.sqlite`);
  if (existsSync(plain) && existsSync(churned)) return { plain, churned, folder, seconds: null };
  // Written under another name and renamed when whole, so a run cut short leaves nothing to be taken for a workspace.
  const partial = (file: string) => `${file}.partial`;
  for (const f of [plain, churned]) rmSync(partial(f), { force: true });
  let t = performance.now();
  await generateHistory(partial(plain), scale);
  const state = (performance.now() - t) / 1000;
  copyFileSync(partial(plain), partial(churned));
  t = performance.now();
  addChurn(partial(churned), scale);
  const churn = (performance.now() - t) / 1000;
  for (const f of [plain, churned]) renameSync(partial(f), f);
  return { plain, churned, folder, seconds: { state, churn } };
}

/**
 * Inbox pages and search through the host's WebSocket, as the renderer asks (the timings: inbox-timings.ts, shared with
 * inbox-scale.ts): the first pass right after the bootstrap, then two more passes over the same calls taken together (the
 * app as it is used all day: its code compiled, its lists walked). In those two, each call is paired with the same call,
 * just before or just after it in turn, answered by a process that does no work (replay-process.ts) with the answer the
 * host gave it in the first pass: this machine's floor for it, from the same client, in the same moment.
 */
async function inboxAndSearch(ws: WebSocket, call: HostCall, host: HostProcess): Promise<void> {
  const recording = recordAnswers(ws);
  const first = await inboxAndSearchTimings(call, host);
  const floor = await floorFor(first, recording.stop());
  // The recorded answers, and their copy for the replay process, are let go and collected here rather than during the timings.
  (globalThis as { gc?: () => void }).gc?.();
  const later = [await inboxAndSearchTimings(call, host, floor), await inboxAndSearchTimings(call, host, floor)];
  floor.close();
  const fig = (xs: number[]) => `${ms(pct(xs, 50))} / ${ms(pct(xs, 99))} (n=${xs.length})`;
  const p99 = (xs: number[]) => ms(pct(xs, 99));
  const hostMs = (ts: readonly InboxTimings[], kind: string) => ts.flatMap((t) => t.calls.filter((c) => c.kind === kind).map((c) => c.servedMs!));
  const inbox = (ts: readonly InboxTimings[]) => ts.flatMap((t) => [...t.keyset, ...t.position]);
  for (const [when, ts] of [
    ['first pass after bootstrap', [first]],
    ['passes 2-3', later],
  ] as const) {
    const goal = when === 'passes 2-3' ? 'p99 ≤ 2 ms' : '';
    line(`inbox page over the WebSocket, ${when}: by keyset p50 / p99`, fig(ts.flatMap((t) => t.keyset)), goal);
    line('  by position p50 / p99', fig(ts.flatMap((t) => t.position)), goal);
    line(
      '  to the answer received, not yet parsed: by keyset / by position p99',
      `${p99(ts.flatMap((t) => t.received.keyset))} / ${p99(ts.flatMap((t) => t.received.position))}`,
    );
    line("  the host's own time: by keyset / by position p99", `${p99(hostMs(ts, 'keyset'))} / ${p99(hostMs(ts, 'position'))}`);
    if (when === 'passes 2-3') {
      line('  the same answers from a process doing no work: by keyset p50 / p99', fig(ts.flatMap((t) => t.floor.keyset)));
      line('    by position p50 / p99', fig(ts.flatMap((t) => t.floor.position)));
      const [h, f] = [inbox(later), later.flatMap((t) => [...t.floor.keyset, ...t.floor.position])];
      line('    inbox pages, host ÷ no work: p50 / p99', `${(pct(h, 50) / pct(f, 50)).toFixed(2)} / ${(pct(h, 99) / pct(f, 99)).toFixed(2)}`);
    }
    line('  full-text search p50 / p99', fig(ts.flatMap((t) => t.search)), when === 'passes 2-3' ? 'p99 ≤ 30 ms' : '');
    const [hostGc, ...hostKinds] = gcSummary(ts.flatMap((t) => t.hostGc));
    const [clientGc, ...clientKinds] = gcSummary(ts.flatMap((t) => t.gc));
    line('  GC pauses meanwhile, host: count, total, longest', hostGc);
    for (const k of hostKinds) console.log(`    ${k.trim()}`);
    line('  GC pauses meanwhile, this client', clientGc);
    for (const k of clientKinds) console.log(`    ${k.trim()}`);
  }
}

/** /sync pages of the feed at the desktop's page size, for a desktop 100,000 records behind (on the uncompacted feed). */
async function syncPages(url: string): Promise<void> {
  const auth = { authorization: `Bearer ${await token(url)}` };
  const head = (JSON.parse(await (await fetch(`${url}/api/v1/sync?after=0&limit=1&snapshot=begin`, { headers: auth })).text()) as { head: number }).head;
  let after = Math.max(0, head - 100_000);
  const times: number[] = [];
  let records = 0;
  while (after < head) {
    const t0 = performance.now();
    const page = (await (await fetch(`${url}/api/v1/sync?after=${after}&epoch=${after}&limit=${PAGE}`, { headers: auth })).json()) as {
      next: number;
      changes: unknown[];
      has_more: boolean;
    };
    times.push(performance.now() - t0);
    records += page.changes.length;
    after = page.next;
    if (!page.has_more) break;
  }
  const total = times.reduce((x, y) => x + y, 0) / 1000;
  line(
    `/sync pages of ${PAGE} (catch-up) p50 / p99`,
    `${ms(pct(times, 50))} / ${ms(pct(times, 99))}, ${Math.round(records / total).toLocaleString()} records/s`,
  );
}

/**
 * The churned workspace compacted (see `compaction`), or with --keep the compacted copy an earlier run
 * of this scale kept, with the figures that run printed, said to be from then.
 */
async function compacted(file: string, keptChurned: string): Promise<string[]> {
  const keptFile = keptChurned.replace(/\.sqlite$/, '-compacted.sqlite');
  const keptFigures = `${keptFile}.txt`;
  if (values.keep && existsSync(keptFile) && existsSync(keptFigures)) {
    copyFileSync(keptFile, file);
    const made = statSync(keptFigures).mtime.toISOString();
    return [`compaction: kept from the run of ${made} (its figures then):`, ...readFileSync(keptFigures, 'utf8').trimEnd().split('\n')];
  }
  const figures = await compaction(file);
  if (values.keep) {
    copyFileSync(file, `${keptFile}.partial`);
    writeFileSync(keptFigures, `${figures.join('\n')}\n`);
    renameSync(`${keptFile}.partial`, keptFile);
  }
  return figures;
}

/** Feed records and the server file before and after a compaction run (30 days' retention), and after VACUUM: the lines to print. */
async function compaction(file: string): Promise<string[]> {
  const count = () => {
    const raw = new BetterSqlite3(file, { readonly: true });
    const n = (raw.prepare('SELECT COUNT(*) AS n FROM changes').get() as { n: number }).n;
    raw.close();
    return n;
  };
  const before = { records: count(), bytes: statSync(file).size };
  const db = new SqliteDatabase(file);
  const t0 = performance.now();
  const report = await new FeedCompactor(db, Date.now, 30).run();
  const seconds = (performance.now() - t0) / 1000;
  await db.close();
  const after = { records: count(), bytes: statSync(file).size };
  const raw = new BetterSqlite3(file);
  raw.exec('VACUUM');
  raw.close();
  return [
    row('feed records before / after compaction', `${before.records.toLocaleString()} / ${after.records.toLocaleString()} in ${seconds.toFixed(1)} s`),
    row('  superseded / past retention', `${report.superseded.toLocaleString()} / ${report.pruned.toLocaleString()}`),
    row('server file before / after / after VACUUM', `${mb(before.bytes)} / ${mb(after.bytes)} / ${mb(statSync(file).size)}`),
  ];
}

await main();
