// Fair turns for feed reads: a bootstrap page or a stream catch-up reads the feed in bounded slices,
// taking a turn for each. A bounded number of pages are built at once (the others wait holding
// nothing but their request), and those take their slices in turn, with the event loop free
// between two slices, so /health, sign-ins and pushes are served while 200 desktops bootstrap.

/** Rows read in one slice: a few milliseconds of synchronous SQLite work. */
export const SLICE_ROWS = 500;

class Semaphore {
  private free: number;
  private readonly waiting: (() => void)[] = [];
  constructor(n: number) {
    this.free = n;
  }
  async take(): Promise<void> {
    if (this.free > 0) {
      this.free -= 1;
      return;
    }
    await new Promise<void>((resolve) => this.waiting.push(resolve));
  }
  give(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.free += 1;
  }
  get queued(): number {
    return this.waiting.length;
  }
}

/** Pages being built at once, all clients together. */
const pages = new Semaphore(16);
/** Slices running at once (one: SQLite reads block the event loop while they run). */
const slices = new Semaphore(1);

/** Runs one page's work holding a page permit: `slice` takes a turn for each bounded read. */
export async function pageTurn<T>(work: (slice: <R>(read: () => Promise<R>) => Promise<R>) => Promise<T>): Promise<T> {
  await pages.take();
  try {
    return await work(async (read) => {
      await slices.take();
      try {
        return await read();
      } finally {
        // The next turn starts after pending I/O (a /health request, a push) has had its go.
        setImmediate(() => slices.give());
      }
    });
  } finally {
    pages.give();
  }
}

/** How many pages wait for their turn (a reconnect storm in progress). */
export function pagesWaiting(): number {
  return pages.queued;
}
