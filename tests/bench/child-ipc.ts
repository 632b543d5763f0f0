// A bench's helper process (the host, the replay process) forked with an IPC channel: it says when it is ready with a
// `listening` message, then answers the parent's questions, each `{ id, ... }` answered by `{ id, value }`.
import { fork, type ChildProcess } from 'node:child_process';

export interface AskedChild<L> {
  child: ChildProcess;
  /** What the child sent in its `listening` message. */
  listening: L;
  /** A question (the child's own message fields); its answer's `value`. */
  ask<T>(question: object): Promise<T>;
  /** Kills the child now. */
  kill(): void;
  /** No longer kills the child when this process exits (it is leaving by itself). */
  release(): void;
}

/** Forks `file` with `args` and `execArgv`, and waits for its `listening` message; the child is killed if this process exits first. */
export async function forkAsked<L>(what: string, file: string, args: string[], execArgv: string[]): Promise<AskedChild<L>> {
  const child = fork(file, args, { execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  let n = 0;
  const waiting = new Map<number, (value: unknown) => void>();
  const listening = await new Promise<L>((ok, fail) => {
    child.once('exit', (code) => fail(new Error(`${what} exited (${code}) before it listened`)));
    child.on('message', (m: { id?: number; value?: unknown; listening?: L }) => {
      if (m.listening !== undefined) ok(m.listening);
      else if (m.id !== undefined) {
        waiting.get(m.id)?.(m.value);
        waiting.delete(m.id);
      }
    });
  });
  // A bench that ends early (an error, Ctrl-C) takes its helper with it.
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  const release = () => process.off('exit', killOnExit);
  return {
    child,
    listening,
    ask: <T>(question: object) =>
      new Promise<T>((ok) => {
        const id = ++n;
        waiting.set(id, ok as (value: unknown) => void);
        child.send({ ...question, id });
      }),
    kill() {
      release();
      child.kill('SIGKILL');
    },
    release,
  };
}
