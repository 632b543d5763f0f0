// One delivery round of the stream: a batch of new feed records, worked out once and sent to every
// ready client as what it may see. What does not depend on the client (the contacts' assignees, each
// record's JSON, the rows everyone who sees everything gets, the frames) is computed once per round.
import type { VisibilityScope } from '../../src-shared/access/visibility';
import { StreamClose } from '../../src-shared/sync/changes';
import { inList, type Database } from '../db/engine';
import type { UserRow } from '../workspace/rows';
import { grantJson, recordJson, redactsUser, type FeedRow, type Reader } from './records';
import { recordVisible } from './sync';
import { changesFrame, send, sendRaw, type Client } from './stream-client';

/** What a connected user may see, and their access level (what they are shown of other users). */
export interface Seen {
  scope: VisibilityScope;
  role: UserRow['role'];
}

const NONE: readonly number[] = [];

/** For restricted users: the records of the batch that may concern them, by who they are addressed to or whose contact they are about. */
interface BatchIndex {
  common: number[];
  byTarget: Map<string, number[]>;
  byAssignee: Map<string, number[]>;
}

function push(m: Map<string, number[]>, key: string, i: number): void {
  const list = m.get(key);
  if (list) list.push(i);
  else m.set(key, [i]);
}

/** The current assignee of each contact the rows are about, read once for every client. */
async function assigneesOf(db: Database, rows: readonly FeedRow[]): Promise<Map<string, string | null>> {
  const contactIds = [...new Set(rows.map((r) => r.contact_id).filter((id): id is string => id !== null))];
  const assignee = new Map<string, string | null>();
  for (let i = 0; i < contactIds.length; i += 500) {
    const ids = inList(contactIds.slice(i, i + 500));
    const found = await db.all<{ id: string; assignee_id: string | null }>(`SELECT id, assignee_id FROM contacts WHERE id IN ${ids.sql}`, ids.params);
    for (const f of found) assignee.set(f.id, f.assignee_id);
  }
  return assignee;
}

export class DeliveryRound {
  private readonly json = new Map<number, string>();
  private readonly redactedJson = new Map<number, string>();
  private readonly usersIn: Set<string>;
  /** Users some record of the batch is addressed to: they never take the shared path. */
  private readonly addressed = new Set<string>();
  /** Clients that see the same records from the same cursor get the same frame: encoded once. */
  private readonly frames = new Map<string, Buffer>();
  private shared: number[] | null = null;
  private index: BatchIndex | null = null;

  private constructor(
    private readonly db: Database,
    private readonly rows: readonly FeedRow[],
    private readonly from: number,
    private readonly upto: number,
    private readonly assignee: Map<string, string | null>,
  ) {
    this.usersIn = new Set(rows.filter((r) => r.entity === 'user').map((r) => r.entity_id));
    for (const r of rows) if (r.target_user_id !== null) this.addressed.add(r.target_user_id);
  }

  static async of(db: Database, rows: readonly FeedRow[], from: number, upto: number): Promise<DeliveryRound> {
    return new DeliveryRound(db, rows, from, upto, await assigneesOf(db, rows));
  }

  /** Sends this client what it may see of the round (a ready client at the round's start), and moves its cursor to the round's end. */
  async deliverTo(client: Client, seen: Seen): Promise<void> {
    // A frame's text depends on who reads it only through user records: an agent's own is whole.
    const audience = seen.role !== 'agent' ? 'all' : this.usersIn.has(client.userId) ? `agent:${client.userId}` : 'agents';
    const encode = this.encoderFor({ id: client.userId, role: seen.role });
    if (seen.scope.kind === 'all' && client.processed === this.from && !this.addressed.has(client.userId)) this.deliverShared(client, audience, encode);
    else await this.deliverPicked(client, seen.scope, audience, encode);
    client.processed = this.upto;
  }

  /**
   * Most clients see everything (owners, managers, unrestricted agents) and are addressed by no
   * record of the batch: they all see the same rows, worked out once with the same rule.
   */
  private deliverShared(client: Client, audience: string, encode: (i: number) => string): void {
    const picked = this.sharedRows();
    if (!picked.length) return;
    const key = `${client.sentUpto}:shared:${audience}`;
    let frame = this.frames.get(key);
    if (!frame) this.frames.set(key, (frame = Buffer.from(changesFrame(client.sentUpto, this.upto, picked.map(encode).join(',')))));
    sendRaw(client, frame);
    client.sentUpto = this.upto;
  }

  /** Every other client: the rule applied to each record that may concern it. */
  private async deliverPicked(client: Client, scope: VisibilityScope, audience: string, encode: (i: number) => string): Promise<void> {
    const picked: number[] = [];
    let grants: Map<number, string[]> | null = null;
    let ended = false;
    for (const i of scope.kind === 'all' ? this.rows.keys() : this.candidates(client.userId, scope.userIds)) {
      const r = this.rows[i];
      if (Number(r.seq) <= client.processed) continue;
      const mine = r.target_user_id === client.userId;
      // The removal of a contact whose grant this client was not sent (as /sync does).
      if (mine && r.op === 'remove' && client.withheld?.delete(r.contact_id!)) continue;
      if (mine && r.op === 'session_end') {
        if (r.data && (JSON.parse(r.data) as { token_hash?: string }).token_hash === client.tokenHash) ended = true;
        continue;
      }
      if (mine && r.op === 'reset') {
        send(client, { type: 'must_refetch', reason: 'visibility_reset' });
        continue;
      }
      const withhold = () => r.op === 'grant' && mine && (client.withheld ??= new Set()).add(r.contact_id!);
      if (!recordVisible(r, client.userId, scope, (id) => this.assignee.get(id))) {
        withhold();
        continue;
      }
      if (r.op === 'grant') {
        // Expanded for this user (their own notifications are part of it): never shared.
        const expanded = await grantJson(this.db, r, client.userId);
        if (!expanded.length) {
          withhold();
          continue;
        }
        client.withheld?.delete(r.contact_id!);
        (grants ??= new Map()).set(i, expanded);
      }
      picked.push(i);
    }
    if (picked.length) {
      const build = () => changesFrame(client.sentUpto, this.upto, picked.map((i) => grants?.get(i)?.join(',') ?? encode(i)).join(','));
      let frame: Buffer | string;
      if (grants) frame = build();
      else {
        const key = `${client.sentUpto}:${audience}:${picked.join(',')}`;
        let cached = this.frames.get(key);
        if (!cached) this.frames.set(key, (cached = Buffer.from(build())));
        frame = cached;
      }
      sendRaw(client, frame);
      client.sentUpto = this.upto;
    }
    if (ended) client.ws.close(StreamClose.signedOut, 'signed out');
  }

  /** A record's JSON as this reader is shown it, each encoded once per round. Agents get other users' records without their restrictions (as /sync does). */
  private encoderFor(reader: Reader): (i: number) => string {
    return (i) => {
      const redact = redactsUser(this.rows[i], reader);
      const cache = redact ? this.redactedJson : this.json;
      let s = cache.get(i);
      if (s === undefined) cache.set(i, (s = recordJson(this.rows[i], redact)));
      return s;
    };
  }

  /** The rows every client that sees all contacts and is addressed by nothing gets. */
  private sharedRows(): number[] {
    if (this.shared) return this.shared;
    const everything: VisibilityScope = { kind: 'all' };
    this.shared = [];
    for (let i = 0; i < this.rows.length; i++) {
      if (this.rows[i].target_user_id === null && recordVisible(this.rows[i], '', everything, (id) => this.assignee.get(id))) this.shared.push(i);
    }
    return this.shared;
  }

  /**
   * For restricted users (a few assignees each), the records that may concern them, found through
   * an index of the batch instead of testing every record for every client. A superset: the rule
   * in deliverPicked still decides.
   */
  private candidates(userId: string, userIds: readonly string[]): readonly number[] {
    const index = (this.index ??= this.indexRows());
    // Most restricted clients have nothing in a round: no lists gathered for them.
    const lists: number[][] = [];
    if (index.common.length) lists.push(index.common);
    const targeted = index.byTarget.get(userId);
    if (targeted) lists.push(targeted);
    for (const u of userIds) {
      const assigned = index.byAssignee.get(u);
      if (assigned) lists.push(assigned);
    }
    return lists.length === 0 ? NONE : lists.length === 1 ? lists[0] : lists.flat().sort((x, y) => x - y);
  }

  private indexRows(): BatchIndex {
    const index: BatchIndex = { common: [], byTarget: new Map(), byAssignee: new Map() };
    for (let i = 0; i < this.rows.length; i++) {
      const r = this.rows[i];
      if (r.target_user_id !== null) push(index.byTarget, r.target_user_id, i);
      else if (r.contact_id === null || r.op === 'remove') index.common.push(i);
      else {
        const a = this.assignee.get(r.contact_id);
        if (a) push(index.byAssignee, a, i);
      }
    }
    return index;
  }
}
