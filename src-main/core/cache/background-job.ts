// The heavy work on the cache file (copying what stays after a large removal, scrubbing: VACUUM)
// runs in a worker thread with its own connection, so the core keeps answering meanwhile. A job is
// only a list of statements: what to run is decided on the main thread, with the cache's own SQL.
import BetterSqlite3 from 'better-sqlite3';
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

export interface Step {
  sql: string;
  params?: unknown[];
}

export interface Job {
  /** The database file the worker opens. */
  file: string;
  /** Pragmas set on the worker's connection first. */
  pragmas: string[];
  steps: Step[];
}

type Driver = new (file: string) => BetterSqlite3.Database;

/**
 * Runs a job's statements in order, on a connection of its own. Self-contained (no closures, no
 * imports, no nested functions): the worker runs its source as it is.
 */
function runSteps(Database: Driver, job: Job): void {
  const db = new Database(job.file);
  try {
    for (const p of job.pragmas) db.pragma(p);
    for (const step of job.steps) {
      const st = db.prepare(step.sql);
      if (st.reader) st.all(...(step.params ?? []));
      else st.run(...(step.params ?? []));
    }
  } catch (err) {
    if (db.inTransaction) db.exec('ROLLBACK');
    throw err;
  } finally {
    db.close();
  }
}

/** The job here, on the calling thread: a start finishing what a stopped run left (nothing to keep answering yet). */
export function runJobHere(job: Job): void {
  runSteps(BetterSqlite3, job);
}

// `__name` is defined in case a transpiler that keeps function names wrapped the source with it.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const __name = (f) => f;
const runSteps = ${runSteps.toString()};
try {
  runSteps(require(workerData.driver), workerData.job);
  parentPort.postMessage({ ok: true });
} catch (err) {
  parentPort.postMessage({ ok: false, message: String((err && err.message) || err), code: err && err.code });
}`;

/** better-sqlite3 as this module loads it (an ES module here, a CommonJS bundle in the app). */
function driverPath(): string {
  return createRequire(import.meta.url).resolve('better-sqlite3');
}

/** A job under way in a worker thread. */
export interface RunningJob {
  /** Resolves when the job's statements have all run; rejects with the worker's error. */
  done: Promise<void>;
  /** Stops the worker (its statements stop at the next one; an open transaction is not committed). */
  cancel(): void;
}

export function runJobInWorker(job: Job): RunningJob {
  const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { driver: driverPath(), job } });
  const done = new Promise<void>((resolve, reject) => {
    worker.once('message', (m: { ok: boolean; message?: string; code?: string }) => {
      if (m.ok) return resolve();
      reject(Object.assign(new Error(m.message), { code: m.code }));
    });
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`the cache worker stopped (exit code ${code})`)));
  });
  return { done, cancel: () => void worker.terminate() };
}
