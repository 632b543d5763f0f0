// Test harness for the desktop core: a real DesktopService with a real cache file in its own data
// folder, signed in to a real server.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DesktopService, type DesktopOptions } from '../../src-main/core/service/desktop-service';
import { MemoryStore } from '../../src-main/core/service/ports';
import type { Notifier, OsAlert } from '../../src-main/core/notifications/notification-center';
import {
  commands,
  events,
  queries,
  Reply,
  type CommandInput,
  type CommandName,
  type CommandOutput,
  type EventName,
  type QueryInput,
  type QueryName,
  type QueryOutput,
} from '../../src-shared/desktop/api';

/** Records what the core asked the OS to show (the OS itself is tested through dunst). */
export class RecordingNotifier implements Notifier {
  readonly shown: (OsAlert & { at: number })[] = [];
  show(alert: OsAlert): void {
    this.shown.push({ ...alert, at: Date.now() });
  }
}

export interface TestDesktop {
  service: DesktopService;
  dir: string;
  notifier: Notifier;
  store: MemoryStore;
  /** Every answer and every event is checked against its schema in the contract: a mismatch fails the test. */
  query<N extends QueryName>(name: N, input?: QueryInput<N>): Promise<QueryOutput<N>>;
  command<N extends CommandName>(name: N, input: CommandInput<N>): Promise<CommandOutput<N>>;
  stop(): Promise<void>;
}

export async function startDesktop(opts: Partial<DesktopOptions> & { dir?: string; store?: MemoryStore } = {}): Promise<TestDesktop> {
  const dir = opts.dir ?? mkdtempSync(join(tmpdir(), 'ism-desktop-'));
  const store = opts.store ?? new MemoryStore();
  const notifier = opts.notifier ?? new RecordingNotifier();
  const service = new DesktopService({
    dataDir: dir,
    notifier,
    tokens: store,
    settings: store,
    sync: { backoffBaseMs: 50, backoffMaxMs: 500 },
    log: () => {},
    ...opts,
  });
  // Events are checked as they come; one that does not fit fails the test at its next call or at stop.
  const badEvents: string[] = [];
  service.on('event', (name, payload) => {
    const parsed = events[name as EventName]?.safeParse(payload);
    if (!parsed?.success) badEvents.push(`event ${name} does not fit its schema: ${parsed?.error.message ?? 'unknown event'}`);
  });
  const checkEvents = () => {
    if (badEvents.length) throw new Error(badEvents.join('\n'));
  };
  await service.start();
  const call = async (kind: 'query' | 'command', name: string, input: unknown) => {
    const r = Reply.parse(await service.handle({ kind, name, input: input ?? {} }));
    checkEvents();
    if (!r.ok) throw Object.assign(new Error(`${name}: ${r.code}: ${r.message}`), { code: r.code });
    const output = (kind === 'query' ? queries[name as QueryName] : commands[name as CommandName]).output.safeParse(r.value);
    if (!output.success) throw new Error(`the answer to ${name} does not fit its schema: ${output.error.message}`);
    return r.value as never;
  };
  return {
    service,
    dir,
    notifier,
    store,
    query: (name, input) => call('query', name, input),
    command: (name, input) => call('command', name, input),
    async stop() {
      await service.shutdown();
      if (!opts.dir) rmSync(dir, { recursive: true, force: true });
      checkEvents();
    },
  };
}

/** Waits until `pred` holds, polling. */
export async function eventually(pred: () => boolean | Promise<boolean>, ms = 5000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    if (await pred()) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Signs in and waits for the first sync to finish. */
export async function signedIn(d: TestDesktop, serverUrl: string, email: string, ms = 10_000): Promise<void> {
  await d.command('signIn', { server_url: serverUrl, email, password: 'demo-password' });
  await eventually(() => d.service.session().state === 'ready' && d.service.session().connection === 'online', ms, `${email} ready and online`);
}
