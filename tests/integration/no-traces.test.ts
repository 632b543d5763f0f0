// Story 3 leaves nothing behind: after an agent loses sight of contacts (a restriction turned on), no
// byte of a lost contact (name, phone, email, message text, id) remains in any file of the desktop's
// data folder (cache, its journal, the full-text indexes), whether the app then stops cleanly or is
// killed outright; and after sign-out nothing of any contact remains. The core runs in a process of
// its own (tests/support/desktop-process.ts), stopped with SIGTERM or killed with SIGKILL.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient, clientId, signIn, startServer, type TestServer } from '../support/server';
import { eventually } from '../support/desktop';
import { signBody } from '../../src-server/workspace/ingest';
import type { ChangeRecord } from '../../src-shared/sync/changes';

const CHILD = join(import.meta.dirname, '../support/desktop-process.ts');
const tag = () => randomBytes(6).toString('hex');

/** The core in its own process, answering desktop API calls over stdin/stdout. */
class DesktopProcess {
  private readonly child: ChildProcessWithoutNullStreams;
  private readonly waiting: ((v: any) => void)[] = [];
  readonly exited: Promise<number | null>;
  constructor(readonly dir: string) {
    this.child = spawn(process.execPath, ['--import', 'tsx', CHILD, dir], { stdio: 'pipe' });
    this.child.stderr.on('data', () => {});
    createInterface({ input: this.child.stdout }).on('line', (line) => {
      const msg = JSON.parse(line);
      if (!msg.started) this.waiting.shift()?.(msg);
    });
    this.exited = new Promise((resolve) => this.child.on('exit', (code) => resolve(code)));
  }
  private ask(req: unknown): Promise<any> {
    return new Promise((resolve) => {
      this.waiting.push(resolve);
      this.child.stdin.write(`${JSON.stringify(req)}\n`);
    });
  }
  async call(kind: 'query' | 'command', name: string, input: unknown = {}): Promise<any> {
    const r = await this.ask({ kind, name, input });
    if (!r.ok) throw new Error(`${name}: ${r.code}: ${r.message}`);
    return r.value;
  }
  async cached(): Promise<string[]> {
    return (await this.ask({ cached: true })).value;
  }
  /** The process kills itself (SIGKILL) once its cache has work under way in a worker, before that work is done. */
  async dieInBackgroundWork(): Promise<void> {
    await this.ask({ dieInBackgroundWork: true });
  }
  stop(): Promise<number | null> {
    this.child.kill('SIGTERM');
    return this.exited;
  }
  kill(): Promise<number | null> {
    this.child.kill('SIGKILL');
    return this.exited;
  }
}

/** Every file under `dir`, whole. */
function filesOf(dir: string): { name: string; bytes: Buffer }[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesOf(path).map((f) => ({ ...f, name: `${name}/${f.name}` })) : [{ name, bytes: readFileSync(path) }];
  });
}

/** Which of `needles` some file under `dir` holds, and where. */
function tracesIn(dir: string, needles: string[]): string[] {
  const files = filesOf(dir);
  return needles.flatMap((n) => files.filter((f) => f.bytes.includes(Buffer.from(n, 'utf8'))).map((f) => `${JSON.stringify(n)} in ${f.name}`));
}

/** How many of these contacts' ids some file under `dir` holds. */
const idsFoundIn = (dir: string, contacts: { id: string }[]) =>
  tracesIn(
    dir,
    contacts.map((x) => x.id),
  ).length;

let server: TestServer;
let owner: ApiClient;
const dirs: string[] = [];

beforeAll(async () => {
  server = await startServer({ demo: { seed: 7, contacts: 250 } });
  owner = await signIn(server, 'owner@demo.test');
});
afterAll(async () => {
  await server?.stop();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** A new unassigned contact writing in, with a name, phone, email and texts found nowhere else. */
async function strangerWritesIn(): Promise<{ id: string; needles: string[] }> {
  const t = tag();
  const sender = { id: `s-${t}`, name: `Quillfeather Zx${t}`, phone: `+44${BigInt(`0x${t}`) % 10_000_000_000n}`, email: `zq${t}@example.net` };
  const texts = [`Parcel kumquat${t} at dock nine`, `Invoice number inv${tag()} please`, `Call me on ${tag()} tomorrow`];
  const channel = server.demo!.channel;
  let id = '';
  for (const text of texts) {
    const raw = JSON.stringify({ sender, message: { id: randomUUID(), text } });
    const r = await new ApiClient(server.url).request('POST', `/api/v1/channels/${channel.id}/inbound`, raw, { 'x-signature': signBody(channel.secret, raw) });
    expect(r.status).toBe(200);
    id = r.body.contact_id;
  }
  // The words as the full-text index keeps them (lower case, digits of the phone), and their ends,
  // which the index's prefix compression never shares with a neighbour.
  const words = [`zx${t}`, `kumquat${t}`, sender.phone.slice(1), t];
  return { id, needles: [id, sender.name, sender.phone, sender.email, ...texts, ...words, ...words.map((w) => w.slice(-8))] };
}

/** What every contact in the workspace is (records of it, by contact id; '' for the rest: users, teams), as the owner sees it. */
async function recordsByContact(): Promise<Map<string, ChangeRecord[]>> {
  const { changes } = await owner.syncAll(0, 5000);
  const by = new Map<string, ChangeRecord[]>();
  for (const r of changes) {
    const id = r.entity === 'contact' ? r.id : (r.contact_id ?? '');
    by.set(id, [...(by.get(id) ?? []), r]);
  }
  return by;
}

/**
 * What must not remain of `lost` contacts: their ids, and every name, phone, email and message text
 * of theirs that no contact still in sight shares (two demo contacts may share a first name).
 */
function needlesOf(lost: string[], kept: string[], records: Map<string, ChangeRecord[]>): string[] {
  const keptText = ['', ...kept].flatMap((id) => (records.get(id) ?? []).map((r) => JSON.stringify(r.data))).join('\n');
  const out = new Set<string>();
  for (const id of lost) {
    out.add(id);
    for (const r of records.get(id) ?? []) {
      const d = (r.data ?? {}) as Record<string, unknown>;
      // A phone as the full-text index keeps it: its digits.
      const fields =
        r.entity === 'contact'
          ? [d.name, d.phone, typeof d.phone === 'string' ? d.phone.replace(/\D/g, '') : null, d.email]
          : r.entity === 'message' || r.entity === 'comment'
            ? [d.text]
            : [];
      for (const f of fields) if (typeof f === 'string' && f.length >= 6 && !keptText.includes(JSON.stringify(f).slice(1, -1))) out.add(f);
    }
  }
  return [...out];
}

async function agentSignedIn(email: string): Promise<{ d: DesktopProcess; agentId: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'ism-traces-'));
  dirs.push(dir);
  const d = new DesktopProcess(dir);
  await d.call('command', 'signIn', { server_url: server.url, email, password: 'demo-password' });
  await eventually(
    async () => {
      const s = await d.call('query', 'session');
      return s.state === 'ready' && s.connection === 'online';
    },
    20_000,
    `${email} synced`,
  );
  const users = (await owner.get('/api/v1/users')).body.items as { id: string; email: string }[];
  return { d, agentId: users.find((u) => u.email === email)!.id };
}

/** Restricts the agent to their own contacts; answers what their app lost and kept, once it has. */
async function restrictAndWait(d: DesktopProcess, agentId: string, strangers: { id: string }[]): Promise<{ lost: string[]; kept: string[] }> {
  const before = await d.cached();
  for (const s of strangers) expect(before).toContain(s.id);
  const r = await owner.patch(`/api/v1/users/${agentId}`, { client_id: clientId(), restrictions: { contact_visibility: 'user' } });
  expect(r.status).toBe(200);
  const agent = await signIn(server, (await owner.get(`/api/v1/users/${agentId}`)).body.email);
  const kept = ((await agent.get('/api/v1/contacts?limit=200')).body.items as { id: string }[]).map((c) => c.id).sort();
  await eventually(async () => JSON.stringify(await d.cached()) === JSON.stringify(kept), 20_000, 'the app left with only its own contacts');
  const lost = before.filter((id) => !kept.includes(id));
  expect(lost.length).toBeGreaterThan(strangers.length);
  return { lost, kept };
}

describe('lost contacts leave no bytes in the data folder', () => {
  it('after a restriction and a clean stop, then after sign-out', async () => {
    const { d, agentId } = await agentSignedIn('agent1@demo.test');
    // Written in live, after the first sync: indexed row by row, as most of a working day's are.
    const strangers = [await strangerWritesIn(), await strangerWritesIn(), await strangerWritesIn()];
    await eventually(async () => (await d.cached()).includes(strangers[2].id), 10_000, 'the new contacts in the cache');
    // Searched for while in sight, so the indexes have been read as well as written.
    expect((await d.call('query', 'search', { q: 'Quillfeather', limit: 10 })).contacts.length).toBe(3);
    // The scan sees what is there: the new contacts, before the restriction.
    expect(idsFoundIn(d.dir, strangers)).toBeGreaterThan(0);
    const { lost, kept } = await restrictAndWait(d, agentId, strangers);
    expect(await d.stop()).toBe(0);

    const records = await recordsByContact();
    const needles = [...strangers.flatMap((s) => s.needles), ...needlesOf(lost, kept, records)];
    expect(tracesIn(d.dir, needles)).toEqual([]);

    // Sign-out: nothing of any contact the agent had remains.
    const again = new DesktopProcess(d.dir);
    expect(await again.cached()).toEqual(kept);
    await again.call('command', 'signOut', {});
    expect(await again.stop()).toBe(0);
    expect(tracesIn(d.dir, [...needles, ...needlesOf(kept, [], records)])).toEqual([]);
  }, 90_000);

  it('after a restriction and the app killed outright (SIGKILL)', async () => {
    const { d, agentId } = await agentSignedIn('agent2@demo.test');
    const strangers = [await strangerWritesIn(), await strangerWritesIn(), await strangerWritesIn()];
    await eventually(async () => (await d.cached()).includes(strangers[2].id), 10_000, 'the new contacts in the cache');
    const { lost, kept } = await restrictAndWait(d, agentId, strangers);
    await d.kill();
    const needles = [...strangers.flatMap((s) => s.needles), ...needlesOf(lost, kept, await recordsByContact())];
    expect(tracesIn(d.dir, needles)).toEqual([]);
  }, 90_000);

  it('a contact taken away from a restricted agent leaves no bytes while the app runs: scrubbed beside the core', async () => {
    const { d, agentId } = await agentSignedIn('agent4@demo.test');
    expect((await owner.patch(`/api/v1/users/${agentId}`, { client_id: clientId(), restrictions: { contact_visibility: 'user' } })).status).toBe(200);
    const stranger = await strangerWritesIn();
    const assign = (to: string) => owner.post(`/api/v1/contacts/${stranger.id}/assignee`, { client_id: clientId(), assignee_id: to });
    expect((await assign(agentId)).status).toBe(200);
    await eventually(async () => (await d.cached()).includes(stranger.id), 10_000, 'the contact assigned to the agent in the cache');
    // One contact of many: removed in place, then scrubbed (a VACUUM) in a worker.
    const users = (await owner.get('/api/v1/users')).body.items as { id: string; email: string }[];
    expect((await assign(users.find((u) => u.email === 'agent5@demo.test')!.id)).status).toBe(200);
    await eventually(async () => !(await d.cached()).includes(stranger.id), 10_000, 'the contact gone from the cache');
    await eventually(() => tracesIn(d.dir, stranger.needles).length === 0, 20_000, 'no byte of the contact left in the data folder');
    expect((await d.call('query', 'session')).state).toBe('ready');
    expect(await d.stop()).toBe(0);
  }, 90_000);

  it('after the app is killed (SIGKILL) while the cache file is being rewritten: finished at the next start, the draft and place kept', async () => {
    const { d, agentId } = await agentSignedIn('agent3@demo.test');
    const strangers = [await strangerWritesIn(), await strangerWritesIn(), await strangerWritesIn()];
    await eventually(async () => (await d.cached()).includes(strangers[2].id), 10_000, 'the new contacts in the cache');
    const before = await d.cached();
    const own = (await d.call('query', 'conversations', { inbox: 'mine', limit: 50 })).items as { id: string }[];
    expect(own.length).toBeGreaterThan(0);
    // What the agent was doing in a conversation that stays theirs.
    const draft = { contact_id: own[0].id, text: 'Your refund is on its way', mode: 'message' as const, mentions: [] };
    await d.call('command', 'saveDraft', draft);
    const place = { module: 'messages' as const, inbox: 'mine', status: 'open' as const, contact_id: own[0].id };
    await d.call('command', 'savePlace', place);

    await d.dieInBackgroundWork();
    const r = await owner.patch(`/api/v1/users/${agentId}`, { client_id: clientId(), restrictions: { contact_visibility: 'user' } });
    expect(r.status).toBe(200);
    await d.exited;
    // Killed in the middle: the folder still holds the contacts it was taking out.
    expect(idsFoundIn(d.dir, strangers)).toBeGreaterThan(0);

    // The next start, with the server out of reach: only what the data folder holds can finish the removal.
    const settings = join(d.dir, 'settings.json');
    writeFileSync(settings, readFileSync(settings, 'utf8').replace(server.url, 'http://127.0.0.1:9'));
    const again = new DesktopProcess(d.dir);
    const agent = await signIn(server, 'agent3@demo.test');
    const kept = ((await agent.get('/api/v1/contacts?limit=200')).body.items as { id: string }[]).map((c) => c.id).sort();
    expect(await again.cached()).toEqual(kept);
    expect((await again.call('query', 'session')).connection).not.toBe('online');
    expect(await again.call('query', 'drafts')).toEqual([draft]);
    expect(await again.call('query', 'place')).toEqual(place);
    expect(await again.stop()).toBe(0);
    const lost = before.filter((id) => !kept.includes(id));
    expect(lost.length).toBeGreaterThan(strangers.length);
    const needles = [...strangers.flatMap((s) => s.needles), ...needlesOf(lost, kept, await recordsByContact())];
    expect(tracesIn(d.dir, needles)).toEqual([]);
  }, 90_000);
});
