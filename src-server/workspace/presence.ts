// Presence that cannot flood: presence reports set a user offline at most PRESENCE_STATUS_GAP_MS after
// their status last changed. A report that would set them offline sooner is held, and the latest held
// report is applied when the gap ends (a user coming back is shown at once), so a client flipping
// between idle and active makes a few change records a minute, not one per report (each record goes
// to every client and every future bootstrap). Last-active times are still written at once
// (published at most once a minute).

/** Least time between two status changes a user's presence reports make. */
const PRESENCE_STATUS_GAP_MS = 30_000;

interface UserGate {
  /** When presence last changed this user's status (server clock, ms). */
  changedAt: number;
  /** The instant the latest held report said the user was last active, and when it is applied. */
  held: { activeAt: number; timer: NodeJS.Timeout } | null;
}

export class PresenceGate {
  private readonly users = new Map<string, UserGate>();
  private readonly queues = new Map<string, Promise<unknown>>();

  /** One user's reports run one after another: each decides from what the one before it wrote. */
  serial<T>(userId: string, fn: () => Promise<T>): Promise<T> {
    const next = (this.queues.get(userId) ?? Promise.resolve()).then(fn, fn);
    const tail = next.catch(() => {});
    this.queues.set(userId, tail);
    void tail.then(() => {
      if (this.queues.get(userId) === tail) this.queues.delete(userId);
    });
    return next;
  }

  constructor(private readonly gapMs = PRESENCE_STATUS_GAP_MS) {}

  /** May presence change this user's status now? */
  mayChange(userId: string, now: number): boolean {
    const g = this.users.get(userId);
    return !g || now - g.changedAt >= this.gapMs;
  }

  changed(userId: string, now: number): void {
    const g = this.users.get(userId);
    if (g) g.changedAt = now;
    else this.users.set(userId, { changedAt: now, held: null });
  }

  /**
   * A status change was held: `apply(idleSeconds)` runs when the gap ends, with the idle time of
   * the latest held report as of then (a later report replaces an earlier one).
   */
  hold(userId: string, now: number, idleSeconds: number, apply: (idleSeconds: number) => void): void {
    const g = this.users.get(userId) ?? { changedAt: now, held: null };
    this.users.set(userId, g);
    const activeAt = Date.now() - idleSeconds * 1000;
    if (g.held) {
      g.held.activeAt = activeAt;
      return;
    }
    const timer = setTimeout(
      () => {
        const held = g.held;
        g.held = null;
        if (held) apply(Math.max(0, (Date.now() - held.activeAt) / 1000));
      },
      Math.max(0, g.changedAt + this.gapMs - now),
    );
    timer.unref();
    g.held = { activeAt, timer };
  }

  /** A report that changes nothing (the user is back where they were) cancels what was held. */
  settled(userId: string): void {
    const g = this.users.get(userId);
    if (g?.held) {
      clearTimeout(g.held.timer);
      g.held = null;
    }
  }
}
