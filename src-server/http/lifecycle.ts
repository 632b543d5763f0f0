// What a server does at its start besides answering: the workspace made on an empty database, and
// the work that runs on a timer until it closes.
import type { Database } from '../db/engine';
import { seedDemoWorkspace, type DemoOptions, type DemoSummary } from '../demo/seed';
import { Simulator } from '../demo/simulate';
import { createEmptyWorkspace, databaseEmpty, issueSetupCode, setupNeeded } from '../workspace/setup';
import type { SignInLimits } from '../workspace/sign-in-limits';
import type { Store } from '../workspace/store';
import { sweepInactive } from '../workspace/users';

type Log = (msg: string, err?: unknown) => void;

/**
 * The workspace on this database: the demo, an empty one waiting for its first Owner, or the one
 * already there. Instances starting together on one database: one creates it, the others then find
 * it. Each start while setup is pending issues its own setup code.
 */
export async function openWorkspace(
  db: Database,
  store: Store,
  demo: false | DemoOptions | undefined,
): Promise<{ demo: DemoSummary | null; setupCode: string | null }> {
  return db.exclusive(async () => {
    const empty = await databaseEmpty(db);
    if (empty && demo) {
      const summary = await seedDemoWorkspace(store, demo);
      // PostgreSQL plans by its statistics, which a bulk load leaves empty until autovacuum comes
      // by; until then the planner guesses the tables' sizes.
      if (db.dialect === 'postgres') await db.run('ANALYZE');
      return { demo: summary, setupCode: null };
    }
    if (empty) await createEmptyWorkspace(store);
    return { demo: null, setupCode: (await setupNeeded(db)) ? await issueSetupCode(store) : null };
  });
}

export interface BackgroundWork {
  /** How often users silent past the inactivity timeout are set offline (and old sign-in counts dropped). */
  sweepMs: number;
  /** Contacts write in every this many ms (the demo's --simulate); null: they do not. */
  simulateEveryMs: number | null;
  /** How often the feed is compacted, and the run itself (feed/compaction.ts). */
  compactEveryMs: number;
  compact: () => Promise<unknown>;
}

/** Starts the timers; answers what stops them. */
export function startBackgroundWork(store: Store, signInLimits: SignInLimits, work: BackgroundWork, log: Log): () => void {
  const sweeper = setInterval(() => {
    void sweepInactive(store).catch((err) => log('sweep failed', err));
    void signInLimits.sweep().catch((err) => log('sign-in limits sweep failed', err));
  }, work.sweepMs);
  sweeper.unref();
  const simulator = work.simulateEveryMs === null ? null : new Simulator(store, work.simulateEveryMs, log);
  simulator?.start();
  const compact = () => void work.compact().catch((err) => log('feed compaction failed', err));
  // The first run soon after start (not at once: a start is busy enough), then at every interval.
  const firstCompaction = setTimeout(compact, Math.min(60_000, work.compactEveryMs));
  firstCompaction.unref();
  const compactor = setInterval(compact, work.compactEveryMs);
  compactor.unref();
  return () => {
    simulator?.stop();
    clearInterval(sweeper);
    clearTimeout(firstCompaction);
    clearInterval(compactor);
  };
}
