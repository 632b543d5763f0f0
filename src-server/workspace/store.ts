// The write path: every change of the workspace runs in one transaction (a Tx) that also appends
// its change records; the stream is told once it has committed.
import type { Database } from '../db/engine';
import { Tx } from './tx';

export type Clock = () => number;

export class Store {
  constructor(
    readonly db: Database,
    readonly clock: Clock,
    /** Called after a transaction that appended change records has committed. */
    private readonly committed: () => void,
  ) {}

  async write<T>(fn: (tx: Tx) => Promise<T>): Promise<T> {
    let appended = 0;
    const value = await this.db.transaction(async (sql) => {
      const tx = new Tx(sql, this.clock(), this.db.dialect);
      const v = await fn(tx);
      appended = tx.appended;
      return v;
    });
    if (appended > 0) this.committed();
    return value;
  }
}
