// One write transaction and the change records it appends: every row a write changes is emitted
// in the same transaction, so the feed and the data never disagree.
import type { ChangeRow, Database, Param, TxRunner } from '../db/engine';
import type { Entity, ChangeOp } from '../../src-shared/sync/changes';
import { toChannel, toClosingCategory, toComment, toContact, toConversation, toCustomInbox, toEvent, toMessage, toNotification, toTeam, toUser } from './rows';

/** Ops stored in the feed but never served as they are: grant is served as the contact's history, reset as must_refetch, session_end closes streams. */
type InternalOp = 'grant' | 'reset' | 'session_end';

type Mapper = (row: never) => unknown;
const TABLES: Partial<Record<Entity, { table: string; map: Mapper; contactColumn?: string }>> = {
  user: { table: 'users', map: toUser as Mapper },
  team: { table: 'teams', map: toTeam as Mapper },
  channel: { table: 'channels', map: toChannel as Mapper },
  closing_category: { table: 'closing_categories', map: toClosingCategory as Mapper },
  contact: { table: 'contacts', map: toContact as Mapper, contactColumn: 'id' },
  conversation: { table: 'conversations', map: toConversation as Mapper, contactColumn: 'contact_id' },
  message: { table: 'messages', map: toMessage as Mapper, contactColumn: 'contact_id' },
  comment: { table: 'comments', map: toComment as Mapper, contactColumn: 'contact_id' },
  event: { table: 'events', map: toEvent as Mapper, contactColumn: 'contact_id' },
  notification: { table: 'notifications', map: toNotification as Mapper, contactColumn: 'contact_id' },
  custom_inbox: { table: 'custom_inboxes', map: toCustomInbox as Mapper },
};

function tableOf(entity: Entity) {
  const t = TABLES[entity];
  if (!t) throw new Error(`no table for ${entity}`);
  return t;
}

/** One write transaction: the SQL runner, the time of the write, and the feed it appends to. */
export class Tx {
  /** Change records appended by this transaction. */
  appended = 0;
  constructor(
    readonly sql: TxRunner,
    readonly now: number,
    /** The engine: for the rare statement only one of them needs (PostgreSQL's row locks; SQLite has one writer). */
    readonly dialect: Database['dialect'] = 'sqlite',
  ) {}

  private row(entity: Entity, op: ChangeOp | InternalOp, id: string, contactId: string | null, data: unknown, targetUserId: string | null): ChangeRow {
    this.appended++;
    return {
      entity,
      op,
      entity_id: id,
      contact_id: contactId,
      target_user_id: targetUserId,
      data: data === null || data === undefined ? null : JSON.stringify(data),
      at: this.now,
    };
  }

  /** Appends a change record; it is written with the transaction's other records just before COMMIT. */
  emit(entity: Entity, op: ChangeOp | InternalOp, id: string, contactId: string | null, data: unknown, targetUserId: string | null = null): void {
    this.sql.append(this.row(entity, op, id, contactId, data, targetUserId));
  }

  /** Appends a change record now and answers its seq (see TxRunner.appendNow: only where the number is needed). */
  emitNow(entity: Entity, op: ChangeOp | InternalOp, id: string, contactId: string | null, data: unknown, targetUserId: string | null = null): Promise<number> {
    return this.sql.appendNow(this.row(entity, op, id, contactId, data, targetUserId));
  }

  /** Emits the entity's current row as an upsert (or a delete when the row is gone). */
  async emitRow(entity: Entity, id: string, targetUserId: string | null = null): Promise<unknown> {
    const row = await this.sql.get<Record<string, unknown>>(`SELECT * FROM ${tableOf(entity).table} WHERE id = ?`, [id]);
    if (!row) {
      this.emit(entity, 'delete', id, null, null, targetUserId);
      return null;
    }
    return this.upserted(entity, row, targetUserId);
  }

  /**
   * Runs an INSERT or UPDATE of one row of the entity's table that ends in `RETURNING *`, and emits
   * the row it answers as an upsert: the write and the record in one statement, not a write and a
   * read. Answers the row, or undefined when nothing matched (and nothing is emitted).
   */
  async writeRow(entity: Entity, sql: string, params: readonly Param[], targetUserId: string | null = null): Promise<Record<string, unknown> | undefined> {
    const row = await this.sql.get<Record<string, unknown>>(sql, params);
    if (row) this.upserted(entity, row, targetUserId);
    return row;
  }

  /** Emits a row of the entity's table, as a write just left it (e.g. from RETURNING *), as an upsert; answers its entity. */
  upserted(entity: Entity, row: Record<string, unknown>, targetUserId: string | null = null): unknown {
    const t = tableOf(entity);
    const data = (t.map as (r: Record<string, unknown>) => unknown)(row);
    // A notification about no contact (a paused webhook) has none: it goes to its user only.
    const contactId = t.contactColumn && row[t.contactColumn] !== null ? String(row[t.contactColumn]) : null;
    const target = entity === 'notification' ? String(row.user_id) : targetUserId;
    this.emit(entity, 'upsert', String(row.id), contactId, data, target);
    return data;
  }

  async run(sql: string, params?: readonly Param[]): Promise<number> {
    return (await this.sql.run(sql, params)).changes;
  }
}
