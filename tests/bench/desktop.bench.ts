// npm run bench:desktop [-- --contacts N --messages M]: figures for the desktop core on a large
// workspace. Prints medians and ratios; it is not a test and never fails on a time.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { randomUUID } from 'node:crypto';
import BetterSqlite3 from 'better-sqlite3';
import { generateWorkspace } from './generate-workspace';
import { DesktopService } from '../../src-main/core/service/desktop-service';
import { MemoryStore } from '../../src-main/core/service/ports';
import type { Notifier, OsAlert } from '../../src-main/core/notifications/notification-center';
import { CACHE_MIGRATIONS } from '../../src-main/core/cache/migrations';
import { TABLE_OF } from '../../src-main/core/cache/entity-store';

const { values } = parseArgs({ options: { contacts: { type: 'string', default: '100000' }, messages: { type: 'string', default: '1000000' } } });
const CONTACTS = Number(values.contacts);
const MESSAGES = Number(values.messages);
const root = resolve(import.meta.dirname, '../..');
const dir = mkdtempSync(join(tmpdir(), 'ism-bench-desktop-'));
const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
};
const ms = (x: number) => `${x.toFixed(x < 10 ? 2 : 1)} ms`;
const line = (name: string, value: string, goal: string) => console.log(`${name.padEnd(48)} ${value.padEnd(32)} ${goal && `goal: ${goal}`}`);

async function startServerProcess(dbFile: string): Promise<{ url: string; proc: ChildProcess }> {
  const proc = spawn(process.execPath, ['--import', 'tsx', resolve(root, 'src-server/cli.ts'), '--port', '0', '--db', dbFile], {
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

/** Raw better-sqlite3: the same number of rows, prepared statement, one transaction, into the cache's table. */
function rawInsertRate(rows: number): number {
  const db = new BetterSqlite3(join(dir, 'raw.sqlite'));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.exec(CACHE_MIGRATIONS[0].sql);
  const ins = db.prepare('INSERT INTO messages (id, contact_id, created_at, status, data) VALUES (?, ?, ?, ?, ?)');
  const data = JSON.stringify({
    id: 'x',
    contact_id: 'c',
    conversation_id: 'v',
    direction: 'incoming',
    text: 'price delivery question 1-2',
    status: 'read',
    fail_reason: null,
    author_id: null,
    created_at: 1,
  });
  const t0 = performance.now();
  db.transaction(() => {
    for (let i = 0; i < rows; i++) ins.run(`m${i}`, `c${i % 1000}`, i, 'read', data);
  })();
  const rate = rows / ((performance.now() - t0) / 1000);
  db.close();
  return rate;
}

class TimingNotifier implements Notifier {
  calls: { at: number; alert: OsAlert }[] = [];
  show(alert: OsAlert) {
    this.calls.push({ at: Date.now(), alert });
  }
}

async function main() {
  console.log(`Desktop benchmark: ${CONTACTS.toLocaleString()} conversations, ${MESSAGES.toLocaleString()} messages (generating…)`);
  const dbFile = join(dir, 'server.sqlite');
  let t = performance.now();
  await generateWorkspace(dbFile, CONTACTS, MESSAGES);
  console.log(`generated in ${((performance.now() - t) / 1000).toFixed(1)} s`);
  const server = await startServerProcess(dbFile);
  const store = new MemoryStore();
  const notifier = new TimingNotifier();
  const service = new DesktopService({
    dataDir: join(dir, 'desktop'),
    notifier,
    tokens: store,
    settings: store,
    alertBurst: { limit: 1_000_000, windowMs: 1000 },
  });
  const call = async (kind: 'query' | 'command', name: string, input: unknown) => {
    const r = await service.handle({ kind, name, input });
    if (!r.ok) throw new Error(`${name}: ${r.message}`);
    return r.value as any;
  };
  try {
    // Bootstrap, end to end: HTTP pages, parse, apply to the cache with FTS.
    t = performance.now();
    await call('command', 'signIn', { server_url: server.url, email: 'manager@demo.test', password: 'demo-password' });
    while (service.session().state !== 'ready') await new Promise((r) => setTimeout(r, 50));
    const bootSeconds = (performance.now() - t) / 1000;
    // What the bootstrap wrote: the rows of every entity table (not the sync cursor, a feed position).
    const cache = service.cache!;
    const rows = Object.values(TABLE_OF).reduce((n, table) => n + cache.get<{ n: number }>(`SELECT COUNT(*) AS n FROM ${table}`)!.n, 0);
    const bootRate = rows / bootSeconds;
    const rss = process.memoryUsage().rss / 1024 / 1024;
    const raw = rawInsertRate(200_000);

    const timed = async (input: Record<string, unknown>, times: number[]) => {
      const t0 = performance.now();
      const page = await call('query', 'conversations', input);
      times.push(performance.now() - t0);
      return page as { items: { id: string; last_activity_at: number }[]; total: number };
    };
    const lists = ['all', 'mine', 'unassigned', 'team:t_sales'].flatMap((inbox) => [undefined, 'open', 'closed'].map((status) => ({ inbox, status })));
    // Inbox pages the way the conversation list asks for them (inbox-store's pageRequest), 50 per
    // inbox and filter, 100 rows each: the first page; then the page after the last row held, as
    // the list scrolls down (scrolling up asks for the page before a row, at the same cost); and
    // after every 9 of those a jump to a random page (a dragged scrollbar: the one request by
    // position, which main walks from the nearer end of the list), from where it scrolls on. One
    // page in ten is a jump, more than a user makes. The manager's Mine is empty (cheap pages, as
    // in the former pattern).
    const walkTimes: number[] = [];
    for (const list of lists) {
      let page = await timed({ ...list, limit: 100 }, walkTimes);
      for (let i = 1; i < 50; i++) {
        const last = page.items[page.items.length - 1];
        const jump = i % 10 === 0 || !last;
        const at = jump
          ? { offset: Math.floor(Math.random() * Math.ceil(page.total / 100)) * 100 }
          : { after: { last_activity_at: last.last_activity_at, id: last.id } };
        page = await timed({ ...list, ...at, limit: 100 }, walkTimes);
      }
    }
    // For comparison with earlier runs: the former pattern, half first pages and half random positions.
    const positionTimes: number[] = [];
    for (let i = 0; i < 600; i++) {
      const list = lists[i % lists.length];
      await timed({ ...list, offset: i % 2 === 0 ? 0 : Math.floor(Math.random() * 2000) * 50, limit: 50 }, positionTimes);
    }
    const searchTimes: number[] = [];
    const words = ['price', 'refund', 'deliv', 'invoice plan', 'Contact 4242', 'warranty', 'question 77', 'stock size'];
    for (let i = 0; i < 200; i++) {
      const t0 = performance.now();
      await call('query', 'search', { q: words[i % words.length], limit: 50 });
      searchTimes.push(performance.now() - t0);
    }

    // Mention: commit on the server to the Notifier being called, on an agent's machine.
    const agentStore = new MemoryStore();
    const agentNotifier = new TimingNotifier();
    const agent = new DesktopService({
      dataDir: join(dir, 'agent'),
      notifier: agentNotifier,
      tokens: agentStore,
      settings: agentStore,
      alertBurst: { limit: 1_000_000, windowMs: 1000 },
    });
    const agentSession = (await agent.handle({
      kind: 'command',
      name: 'signIn',
      input: { server_url: server.url, email: 'agent1@demo.test', password: 'demo-password' },
    })) as any;
    const agentId = agentSession.value.user.id;
    while (agent.session().state !== 'ready' || agent.session().connection !== 'online') await new Promise((r) => setTimeout(r, 50));
    const signIn = await fetch(`${server.url}/api/v1/auth/sign-in`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'manager@demo.test', password: 'demo-password' }),
    });
    const token = ((await signIn.json()) as { token: string }).token;
    const contacts = (
      (await (await fetch(`${server.url}/api/v1/conversations?inbox=all&limit=50`, { headers: { authorization: `Bearer ${token}` } })).json()) as {
        items: { id: string; assignee_id: string }[];
      }
    ).items;
    const target = contacts.find((c) => c.assignee_id === agentId) ?? contacts[0];
    if (target.assignee_id !== agentId) {
      await fetch(`${server.url}/api/v1/contacts/${target.id}/assignee`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({ client_id: randomUUID(), assignee_id: agentId }),
      });
    }
    await new Promise((r) => setTimeout(r, 300));
    agentNotifier.calls = [];
    const mentionLatency: number[] = [];
    for (let i = 0; i < 100; i++) {
      const before = agentNotifier.calls.length;
      await fetch(`${server.url}/api/v1/contacts/${target.id}/comments`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({ client_id: randomUUID(), text: `{{@user.${agentId}}} follow-up ${i}` }),
      });
      const deadline = Date.now() + 2000;
      while (agentNotifier.calls.length === before && Date.now() < deadline) await new Promise((r) => setTimeout(r, 1));
      const c = agentNotifier.calls[before];
      if (!c) continue;
      const n = service.cache ? null : null;
      void n;
      const created = agent.cache!.get<{ created_at: number }>('SELECT created_at FROM notifications WHERE id = ?', c.alert.notificationId)!.created_at;
      mentionLatency.push(c.at - created);
    }
    await agent.shutdown();

    console.log('');
    line(
      'bootstrap: rows cached per second, end to end',
      `${Math.round(bootRate).toLocaleString()} (${rows.toLocaleString()} rows in ${bootSeconds.toFixed(1)} s)`,
      '',
    );
    line('raw inserts/s: 200,000 small rows, one table', `${Math.round(raw).toLocaleString()} (no full-text, no parsing)`, '');
    line('bootstrap rows/s ÷ raw inserts/s', (bootRate / raw).toFixed(3), '≥ 0.25 (like for like: bench:history)');
    line('inbox page in-process, as the list asks p50/p99', `${ms(pct(walkTimes, 50))} / ${ms(pct(walkTimes, 99))}`, 'p99 ≤ 2 ms');
    line('  … by random position, the former pattern p50/p99', `${ms(pct(positionTimes, 50))} / ${ms(pct(positionTimes, 99))}`, '');
    line('full-text search in-process p50 / p99', `${ms(pct(searchTimes, 50))} / ${ms(pct(searchTimes, 99))}`, 'p99 ≤ 30 ms');
    line(
      'mention commit → Notifier p50 / p99',
      `${ms(pct(mentionLatency, 50))} / ${ms(pct(mentionLatency, 99))} (n=${mentionLatency.length})`,
      'p50 ≤ 20 ms, p99 ≤ 100 ms',
    );
    line('main-process RSS after bootstrap', `${rss.toFixed(0)} MB`, '≤ 250 MB');
  } finally {
    await service.shutdown();
    server.proc.kill('SIGTERM');
    await new Promise((r) => server.proc.once('exit', r));
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
