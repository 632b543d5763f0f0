// Sign-in attempts, counted in the database (table sign_in_attempts, migration 5): every instance on
// one PostgreSQL database shares the same budget, and a restart does not reset it.
//
// Every attempt counts against its address; failed ones against the email from that address (so
// failing on purpose from one address does not lock a user out elsewhere) and, ten times as many,
// against the email from anywhere (guessing from many addresses stays slow). An attempt is counted
// as it starts (attempts sent together cannot all pass before the first has failed) and given back
// if the password was right. The address is the client's as the trusted proxy reports it (see
// ServerOptions.trustProxy), or the socket's. Setup codes are counted the same way (startSetup).
import type { Store } from './store';
import type { Tx } from './tx';

export interface SignInLimitOptions {
  perIp: number;
  perEmail: number;
  windowMs: number;
}

export class SignInLimits {
  constructor(
    private readonly store: Store,
    private readonly limits: SignInLimitOptions,
  ) {}

  /** Counts an attempt; false when one of its counters is over its limit. */
  start(ip: string, email: string): Promise<boolean> {
    return this.startFor(ip, `email ${email}`);
  }

  /** The password was right: what only failures count is given back. */
  succeeded(ip: string, email: string): Promise<void> {
    return this.giveBack(ip, `email ${email}`);
  }

  /**
   * Setup codes (POST /setup) are guessed like passwords: the same budgets, in the same table, with
   * the setup code standing where the email does (the address's budget is the one sign-in uses).
   */
  startSetup(ip: string): Promise<boolean> {
    return this.startFor(ip, 'setup code');
  }

  /** The setup code was right. */
  setupSucceeded(ip: string): Promise<void> {
    return this.giveBack(ip, 'setup code');
  }

  private startFor(ip: string, subject: string): Promise<boolean> {
    const { perIp, perEmail } = this.limits;
    return this.store.write(
      async (tx) =>
        (await this.take(tx, `ip ${ip}`, perIp)) && (await this.take(tx, `${subject} from ${ip}`, perEmail)) && (await this.take(tx, subject, perEmail * 10)),
    );
  }

  private async giveBack(ip: string, subject: string): Promise<void> {
    await this.store.write(async (tx) => {
      for (const key of [`${subject} from ${ip}`, subject]) {
        await tx.run('UPDATE sign_in_attempts SET attempts = attempts - 1 WHERE key = ? AND reset_at > ? AND attempts > 0', [key, tx.now]);
      }
    });
  }

  /** Forgets the windows that are over. */
  async sweep(): Promise<void> {
    await this.store.write((tx) => tx.run('DELETE FROM sign_in_attempts WHERE reset_at <= ?', [tx.now]));
  }

  private async take(tx: Tx, key: string, max: number): Promise<boolean> {
    return (await countInWindow(tx, key, this.limits.windowMs)).count <= max;
  }
}

/**
 * A fixed window per key in the sign_in_attempts table (shared by every instance): counts one,
 * starting a new window when the last one is over. Answers the count so far and when the window ends.
 */
export async function countInWindow(tx: Tx, key: string, windowMs: number): Promise<{ count: number; resetAt: number }> {
  const row = await tx.sql.get<{ attempts: number; reset_at: number }>(
    `INSERT INTO sign_in_attempts (key, attempts, reset_at) VALUES (?, 1, ?)
     ON CONFLICT (key) DO UPDATE SET
       attempts = CASE WHEN sign_in_attempts.reset_at <= ? THEN 1 ELSE sign_in_attempts.attempts + 1 END,
       reset_at = CASE WHEN sign_in_attempts.reset_at <= ? THEN excluded.reset_at ELSE sign_in_attempts.reset_at END
     RETURNING attempts, reset_at`,
    [key, tx.now + windowMs, tx.now, tx.now],
  );
  return { count: Number(row?.attempts), resetAt: Number(row?.reset_at) };
}
