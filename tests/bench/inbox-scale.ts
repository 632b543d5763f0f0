// node --import tsx tests/bench/inbox-scale.ts --dir DIR [--contacts N --messages M --port P --rounds R --idle S --wait S --writes N]
// bench:history's inbox and search timings against a workspace and a bootstrapped cache kept in DIR
// between runs: the workspace is generated and the manager's cache bootstrapped through a host only
// when DIR does not hold them yet, so a change to the lists is measured in seconds, not in the hour
// the full scale takes to generate. Not a test; prints figures.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import WebSocket from 'ws';
import { generateHistory } from './generate-history';
import { startHostProcess } from './host-process';
import { floorFor, gcSummary, inboxAndSearchTimings, pct, slowestCalls } from './inbox-timings';
import { recordAnswers, type Floor } from './replay-process';
import { socketCaller, type HostCall } from '../support/host-socket';
import { DESKTOP_SOCKET_PATH } from '../../src-main/host/host';

const { values } = parseArgs({
  options: {
    dir: { type: 'string' },
    contacts: { type: 'string', default: '100000' },
    messages: { type: 'string', default: '400000' },
    port: { type: 'string', default: '4791' },
    rounds: { type: 'string', default: '1' },
    // Seconds the app is left idle after the first page of each list was asked, before the rounds (as a user reads): the lists are walked ahead meanwhile.
    idle: { type: 'string', default: '0' },
    // Seconds the app is left idle once ready, before anything is asked (as a user looks at the window): the lists the inbox opens on are walked ahead meanwhile.
    wait: { type: 'string', default: '0' },
    // Contacts' writes after each of which the sidebar's counts are asked (as the renderer does on a `changed` event).
    writes: { type: 'string', default: '60' },
  },
});
if (!values.dir) throw new Error('--dir DIR: where the workspace and the cache are kept between runs');
const dir = resolve(values.dir);
const root = resolve(import.meta.dirname, '../..');
const serverFile = join(dir, 'server.sqlite');
const ms = (x: number) => `${x.toFixed(x < 10 ? 2 : 1)} ms`;
const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;

async function serverProcess(port: string): Promise<ChildProcess> {
  const proc = spawn(process.execPath, ['--import', 'tsx', resolve(root, 'src-server/cli.ts'), '--port', port, '--db', serverFile], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise<void>((ok, fail) => {
    let out = '';
    proc.stdout!.on('data', (d) => {
      out += d.toString();
      if (/on http:\/\/127\.0\.0\.1:\d+/.test(out)) ok();
    });
    proc.on('exit', (code) => fail(new Error(`server exited ${code}`)));
  });
  return proc;
}

/** The manager's custom inboxes the sidebar figure counts: filters the kept counts cannot answer. */
const BENCH_INBOXES = [
  { name: 'Bench: demo channel', filter: { channel_id: 'ch_demo' } },
  { name: 'Bench: tagged vip', filter: { tag: 'vip' } },
  { name: 'Bench: demo channel, mine', filter: { channel_id: 'ch_demo', assignee: 'me' } },
] as const;

/**
 * "sidebar counts after a write": a contact changes hands (`assign`, written to the cache at once),
 * then the sidebar's counts are asked (`inboxes`: every inbox's open conversations, the custom
 * inboxes above among them); and a conversation's position in its list after the same kind of write.
 * The custom inboxes are made through the server once (kept in DIR with the workspace).
 */
async function sidebarAfterWrites(call: HostCall, writes: number): Promise<void> {
  const have = async () => ((await call('query', 'customInboxes', {})).value as { name: string }[]).map((c) => c.name);
  for (const inbox of BENCH_INBOXES)
    if (!(await have()).includes(inbox.name)) {
      const made = await call('command', 'createCustomInbox', { ...inbox, sharing: 'private', shared_user_ids: [], shared_team_ids: [] });
      if (!made.ok) throw new Error(`createCustomInbox: ${JSON.stringify(made)}`);
    }
  // Made on the server: in the cache once the feed brings them.
  for (let names = await have(), t0 = performance.now(); !BENCH_INBOXES.every((i) => names.includes(i.name)); names = await have()) {
    if (performance.now() - t0 > 60_000) throw new Error(`the custom inboxes made did not reach the cache (it has ${JSON.stringify(names)})`);
    await new Promise((r) => setTimeout(r, 100));
  }
  const agents = ((await call('query', 'users', {})).value as { id: string; role: string }[]).filter((u) => u.role === 'agent').map((u) => u.id);
  const total = ((await call('query', 'conversations', { inbox: 'all', status: 'open', limit: 1, offset: 0 })).value as { total: number }).total;
  let seed = 19;
  const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  const contactAt = async (offset: number) =>
    ((await call('query', 'conversations', { inbox: 'all', status: 'open', limit: 1, offset })).value as { items: { id: string }[] }).items[0].id;
  const counts: number[] = [];
  const positions: number[] = [];
  // The first sidebar counts every custom inbox (the kept counts cannot answer them); the rest follow writes.
  const first = await call('query', 'inboxes', {});
  for (let i = 0; i < writes; i++) {
    const id = await contactAt(Math.floor(random() * total));
    await call('command', 'assign', { contact_id: id, assignee_id: agents[Math.floor(random() * agents.length)] });
    const r = await call('query', 'inboxes', {});
    if (!r.ok) throw new Error(`inboxes: ${JSON.stringify(r)}`);
    counts.push(r.servedMs!);
    const p = await call('query', 'conversationPosition', { inbox: 'all', status: 'open', contact_id: await contactAt(Math.floor(random() * total)) });
    positions.push(p.servedMs!);
  }
  const fig = (xs: number[]) => `${ms(pct(xs, 50))} / ${ms(pct(xs, 99))} (n=${xs.length})`;
  console.log(`host: sidebar counts first ${ms(first.servedMs!)} (${BENCH_INBOXES.length} custom inboxes); after a write p50/p99 ${fig(counts)}`);
  console.log(`host: conversation position after a write (open, all) p50/p99 ${fig(positions)}`);
}

async function main() {
  mkdirSync(dir, { recursive: true });
  if (!existsSync(serverFile)) {
    const t0 = performance.now();
    await generateHistory(serverFile, { contacts: Number(values.contacts), messages: Number(values.messages) });
    console.log(`generated ${values.contacts} contacts, ${values.messages} messages in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  }
  const server = await serverProcess(values.port!);
  // The server goes with the bench however it ends (it would hold the port, and the next run would wait for a server that cannot bind).
  process.once('exit', () => server.kill('SIGKILL'));
  const dataDir = join(dir, 'desktop');
  const renderer = join(dir, 'renderer');
  mkdirSync(renderer, { recursive: true });
  writeFileSync(join(renderer, 'index.html'), '<!doctype html><title>bench</title>');
  // The host in a process of its own, as the app's main process is: the pages this client parses are not in its heap.
  const host = await startHostProcess({ dataDir, rendererDir: renderer, keepSession: true, countReads: true });
  const ws = new WebSocket(`${host.url.replace('http', 'ws')}${DESKTOP_SOCKET_PATH}?token=${host.token}`);
  await new Promise((ok) => ws.once('open', ok));
  const sent = socketCaller(ws);
  // The host's own time on a call, asked after it (calls are one at a time): what the socket adds is the rest.
  const call: HostCall = async (kind, name, input) => {
    const reply = await sent(kind, name, input);
    const s = (await host.served()).at(-1);
    return { ...reply, servedMs: s?.ms, readKb: s?.readKb };
  };
  const t0 = performance.now();
  if ((await host.sessionState()) === 'signed_out')
    await call('command', 'signIn', { server_url: `http://127.0.0.1:${values.port}`, email: 'manager@demo.test', password: 'demo-password' });
  while ((await host.sessionState()) !== 'ready') await new Promise((r) => setTimeout(r, 50));
  console.log(`ready in ${((performance.now() - t0) / 1000).toFixed(1)} s, host RSS ${mb(await host.rss())}`);
  if (Number(values.wait) > 0) {
    await new Promise((r) => setTimeout(r, Number(values.wait) * 1000));
    console.log(`${values.wait} s idle once ready, nothing asked`);
  }
  if (Number(values.idle) > 0) {
    for (const inbox of ['all', 'unassigned', 'team:t_sales', 'mine'])
      for (const status of ['open', 'closed']) await call('query', 'conversations', { inbox, status, limit: 100, offset: 0 });
    await new Promise((r) => setTimeout(r, Number(values.idle) * 1000));
    console.log(`first page of each list asked, then ${values.idle} s idle`);
  }
  const leastServed = new Map<string, { kind: string; ms: number }>();
  // The first round's answers, replayed in the later rounds by a process that does no work, each call paired with the host's (just before or after it, in turn): this machine's floor.
  let floor: Floor | undefined;
  for (let round = 0; round < Number(values.rounds); round++) {
    const recording = round === 0 ? recordAnswers(ws) : undefined;
    const t = await inboxAndSearchTimings(sent, host, floor);
    if (recording) floor = await floorFor(t, recording.stop());
    // Each call's least host time over the rounds after the first (the rounds ask the same calls): the work itself, without the machine's load.
    for (const c of round > 0 ? t.calls : []) {
      const key = `${c.kind}\u0000${JSON.stringify(c.input)}`;
      const least = leastServed.get(key);
      if (c.servedMs !== undefined && (!least || c.servedMs < least.ms)) leastServed.set(key, { kind: c.kind, ms: c.servedMs });
    }
    const fig = (xs: number[]) => `${ms(pct(xs, 50))} / ${ms(pct(xs, 99))} (n=${xs.length})`;
    console.log(`wall: inbox by keyset p50/p99 ${fig(t.keyset)}; by position ${fig(t.position)}; search ${fig(t.search)}`);
    console.log(
      `received (not yet parsed): inbox by keyset p50/p99 ${fig(t.received.keyset)}; by position ${fig(t.received.position)}; search ${fig(t.received.search)}`,
    );
    console.log(`client CPU: inbox by keyset p50/p99 ${fig(t.cpu.keyset)}; by position ${fig(t.cpu.position)}; search ${fig(t.cpu.search)}`);
    const hostMs = (kind: string) => t.calls.filter((c) => c.kind === kind && c.servedMs !== undefined).map((c) => c.servedMs!);
    console.log(`host: inbox by keyset p50/p99 ${fig(hostMs('keyset'))}; by position ${fig(hostMs('position'))}; search ${fig(hostMs('search'))}`);
    console.log(`slowest calls:\n  ${slowestCalls(t.calls, 8).join('\n  ')}`);
    const [all, ...kinds] = gcSummary(t.hostGc);
    console.log(`host GC pauses: ${all}\n${kinds.join('\n')}`);
    const [mine, ...mineKinds] = gcSummary(t.gc);
    console.log(`this client's GC pauses: ${mine}\n${mineKinds.join('\n')}`);
    if (round > 0)
      console.log(
        `the same answers from a process doing no work: inbox by keyset p50/p99 ${fig(t.floor.keyset)}; by position ${fig(t.floor.position)}; search ${fig(t.floor.search)}`,
      );
  }
  floor?.close();
  if (leastServed.size) {
    const least = (kind: string) => [...leastServed.values()].filter((c) => c.kind === kind).map((c) => c.ms);
    const fig = (xs: number[]) => `${ms(pct(xs, 50))} / ${ms(pct(xs, 99))} / ${ms(Math.max(...xs))} (n=${xs.length})`;
    console.log(
      `host, each call's least over rounds 2-${values.rounds}, p50/p99/max: inbox by keyset ${fig(least('keyset'))}; by position ${fig(least('position'))}; search ${fig(least('search'))}`,
    );
  }
  if (Number(values.writes) > 0) await sidebarAfterWrites(call, Number(values.writes));
  console.log(`host RSS after the timings ${mb(await host.rss())}`);
  ws.close();
  await host.close();
  server.kill('SIGTERM');
}

await main();
