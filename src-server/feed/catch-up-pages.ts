// Catch-up pages shared by the streams of one user at the same point of the feed. When many streams
// of a user connect together (a restart brings back every window and device at once), the first
// reads the page and the others wait for that same read: one feed read, one JSON text and one frame
// per sender's cursor, however many streams of that user catch up side by side.
import type { SqlRunner } from '../db/engine';
import type { ViewerCtx } from '../workspace/viewer';
import { changesFrameBuffer } from './stream-client';
import { feedPage, type FeedPage } from './sync';
import { SLICE_ROWS } from './turns';

/** Records in one catch-up page: two slices (turns.ts), each read and written as JSON in a turn of its own. */
export const CATCH_UP_PAGE = 2 * SLICE_ROWS;

/** A page as read for a user, with its `changes` frames encoded once for each cursor they are sent from. */
export class CatchUpPage {
  private readonly frames = new Map<number, Buffer>();
  constructor(readonly page: FeedPage) {}

  /** The page's records as a frame to a client whose last frame ended at `sentUpto` (the page must hold records). */
  frameFrom(sentUpto: number): Buffer {
    const p = this.page;
    if ('mustRefetch' in p) throw new Error('a refetch has no frame');
    let frame = this.frames.get(sentUpto);
    if (!frame) {
      frame = changesFrameBuffer(sentUpto, p.next, p.records);
      this.frames.set(sentUpto, frame);
    }
    return frame;
  }
}

export class CatchUpPages {
  /** Reads in flight by user, cursor and epoch; a read is forgotten once it is done, so a later stream reads anew. */
  private readonly reading = new Map<string, Promise<CatchUpPage>>();

  constructor(private readonly sql: SqlRunner) {}

  /**
   * The page after `after` for this user. A stream that joins a read already in flight gets what
   * that read found, as it would have had it connected a moment earlier: the stream keeps catching
   * up past the page's end, and every record committed since reaches it like any other.
   */
  read(viewer: ViewerCtx, after: number, epoch: number | undefined): Promise<CatchUpPage> {
    const key = `${viewer.user.id} ${after} ${epoch ?? ''}`;
    let pending = this.reading.get(key);
    if (!pending) {
      pending = feedPage(this.sql, viewer, after, CATCH_UP_PAGE, epoch)
        .then((page) => new CatchUpPage(page))
        .finally(() => this.reading.delete(key));
      this.reading.set(key, pending);
    }
    return pending;
  }
}
