// The change feed: every write appends records with a server-assigned, strictly increasing seq.
// A client keeps the highest seq it has applied (its cursor) in the same transaction as the data.
import { z } from 'zod';

export const Entity = z.enum([
  'user',
  'team',
  'settings',
  'closing_category',
  'channel',
  'custom_inbox',
  'contact',
  'conversation',
  'message',
  'comment',
  'event',
  'notification',
]);
export type Entity = z.infer<typeof Entity>;

/**
 * upsert: data is the entity's whole current row. delete: the entity is gone.
 * remove: (entity 'contact', for one user) that user lost sight of the contact: drop it with
 * its conversations, messages, comments, events and notifications.
 * narrow: (entity 'user', for that user) what they may see shrank by more contacts than the feed
 * lists one by one: drop, as for remove, every contact not assigned to one of `data.assignee_ids`
 * (NarrowData), the unassigned included. Served only to a client that held those contacts.
 */
export const ChangeOp = z.enum(['upsert', 'delete', 'remove', 'narrow']);
export type ChangeOp = z.infer<typeof ChangeOp>;

export const NarrowData = z.object({ assignee_ids: z.array(z.string()) });
export type NarrowData = z.infer<typeof NarrowData>;

export const ChangeRecord = z.object({
  /** Its place in the feed; in a snapshot page, the page's version (0 for a workspace whose feed is empty). */
  seq: z.number().int().min(0),
  entity: Entity,
  op: ChangeOp,
  id: z.string(),
  contact_id: z.string().nullable(),
  data: z.unknown().nullable(),
  /** Commit time on the server, ms since the epoch. */
  at: z.number(),
});
export type ChangeRecord = z.infer<typeof ChangeRecord>;

export const MustRefetchReason = z.enum(['cursor_too_old', 'cursor_ahead', 'visibility_reset']);
export type MustRefetchReason = z.infer<typeof MustRefetchReason>;

/**
 * A cache's visibility epoch: the seq as of which its data was chosen, the feed's head when its
 * bootstrap began. Every page says it; a client keeps it with its cursor and sends both back. A
 * cursor from an epoch before the user's last visibility reset is answered `must_refetch` (its data
 * was chosen under visibility since replaced); the pages of a bootstrap that started after the reset
 * go on. Removals from before the epoch are never served: that client never had those contacts.
 */
const Epoch = z.coerce.number().int().min(0);

export const SyncQuery = z.object({
  after: z.coerce.number().int().min(0),
  limit: z.coerce.number().int().min(1).max(5000).default(1000),
  /** The epoch of the page the cursor came from. Without it, any cursor before the last reset must refetch. */
  epoch: Epoch.optional(),
  /**
   * A bootstrap from a snapshot (with after=0): 'begin' for its first page, then each page's
   * `snapshot.next`. Without it, after=0 replays the feed (older desktops), which only a feed
   * nothing was pruned from can answer.
   */
  snapshot: z.string().min(1).max(600).optional(),
});

/**
 * Where a snapshot page stands. Its records are upserts of rows as they were when the feed's head
 * was `version` (their seq) or later: the feed records at or below it for the same rows are already
 * in them. `after_key`: the page holds the contacts after this id (with everything of theirs), up to
 * the next page's; null: the page of everything that belongs to no contact (users, teams, settings…).
 */
export const SnapshotProgress = z.object({
  next: z.string().nullable(),
  after_key: z.string().nullable(),
  version: z.number().int().min(0),
  /** Contacts sent so far, and how many the user could see when the snapshot began (for progress). */
  done: z.number().int().min(0),
  total: z.number().int().min(0),
});
export type SnapshotProgress = z.infer<typeof SnapshotProgress>;

/** The stream's query string (/api/v1/stream?after=N&epoch=E): where the client's cursor stands. */
export const StreamQuery = SyncQuery.pick({ after: true, epoch: true });

export const SyncPage = z.union([
  z.object({
    must_refetch: z.literal(false),
    changes: z.array(ChangeRecord),
    /** The cursor to ask from next (and to store once these changes are applied). */
    next: z.number().int().min(0),
    has_more: z.boolean(),
    /** The feed's newest seq when the page was read: lets a client show bootstrap progress. */
    head: z.number().int().min(0),
    /** The user's visibility epoch (see SyncQuery): keep it with `next`. */
    epoch: z.number().int().min(0),
    /**
     * A snapshot page (asked with `snapshot`): `next` stays 0 until its last page, whose `next` is
     * the epoch, the feed position the client follows from.
     */
    snapshot: SnapshotProgress.optional(),
  }),
  z.object({ must_refetch: z.literal(true), reason: MustRefetchReason }),
]);
export type SyncPage = z.infer<typeof SyncPage>;

/** Frames the server pushes over the stream (/api/v1/stream). */
export const ServerFrame = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('hello'),
    head: z.number().int(),
    user_id: z.string(),
    /**
     * If this stream drops (a server restart), wait this long before reconnecting: each client is
     * given its own point in a window that grows with the number of clients, so a restart's
     * reconnects arrive spread out instead of all at once.
     */
    reconnect_ms: z.number().int().nonnegative().optional(),
  }),
  /** Complete for this user from `after` (exclusive) to `upto` (inclusive): a client whose cursor is not `after` has a gap. */
  z.object({ type: z.literal('changes'), after: z.number().int(), upto: z.number().int(), changes: z.array(ChangeRecord) }),
  z.object({ type: z.literal('heartbeat'), head: z.number().int(), at: z.number() }),
  z.object({ type: z.literal('must_refetch'), reason: MustRefetchReason }),
  /** The client is too far behind for the stream: page through /sync, then reconnect. */
  z.object({ type: z.literal('resync') }),
  z.object({ type: z.literal('error'), code: z.string(), message: z.string() }),
]);
export type ServerFrame = z.infer<typeof ServerFrame>;

/** Frames a client may send. */
export const ClientFrame = z.discriminatedUnion('type', [
  z.object({ type: z.literal('ping') }),
  /** OS idle time, so the server can set the user offline after the workspace's inactivity timeout. */
  z.object({
    type: z.literal('presence'),
    idle_seconds: z
      .number()
      .min(0)
      .max(10 * 365 * 24 * 3600),
  }),
]);
export type ClientFrame = z.infer<typeof ClientFrame>;

export const STREAM_PATH = '/api/v1/stream';
/** Close codes the stream uses. */
export const StreamClose = {
  signedOut: 4001,
  deactivated: 4003,
  badFrames: 4008,
  /** The client sent frames faster than the stream takes them (a burst of 20, then 5 a second). */
  tooManyFrames: 4029,
  /** The server is busy (too many streams for this user or address, or a reconnect storm): reconnect after the reason's retry_after_ms. */
  tryAgainLater: 1013,
} as const;
