// The write path: every change of the workspace runs in one transaction that also appends its
// change records, so the feed and the data never disagree.
import { randomFillSync } from 'node:crypto';
import type { ChangeRow, Database, Param, SqlRunner, TxRunner } from '../db/engine';
import type { Entity, ChangeOp } from '../../src-shared/sync/changes';
import { ApiError } from '../../src-shared/api/errors';
import { visibilityScope, type VisibilityScope } from '../../src-shared/access/visibility';
import { WorkspaceSettings } from '../../src-shared/model';
import {
  toChannel,
  toClosingCategory,
  toComment,
  toContact,
  toConversation,
  toCustomInbox,
  toEvent,
  toMessage,
  toNotification,
  toTeam,
  toUser,
  type UserRow,
} from './rows';

export type Clock = () => number;

/** Ops stored in the feed but never served as they are: grant is served as the contact's history, reset as must_refetch, session_end closes streams. */
export type InternalOp = 'grant' | 'reset' | 'session_end';

/** Random bytes for ids, drawn from the CSPRNG 512 ids at a time (one call per id showed in profiles). */
const idPool = Buffer.alloc(9 * 512);
let idPos = idPool.length;

export function newId(prefix: string): string {
  if (idPos === idPool.length) {
    randomFillSync(idPool);
    idPos = 0;
  }
  idPos += 9;
  return `${prefix}_${idPool.toString('base64url', idPos - 9, idPos)}`;
}

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

export const DEFAULT_SETTINGS: WorkspaceSettings = {
  name: 'IS-Messenger workspace',
  inactivity_timeout_minutes: 15,
  closing_note_required: false,
  open_too_long_hours: 2,
};

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
    const contactId = t.contactColumn ? String(row[t.contactColumn]) : null;
    const target = entity === 'notification' ? String(row.user_id) : targetUserId;
    this.emit(entity, 'upsert', String(row.id), contactId, data, target);
    return data;
  }

  async run(sql: string, params?: readonly Param[]): Promise<number> {
    return (await this.sql.run(sql, params)).changes;
  }
}

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

  /** The feed's newest seq. */
  async head(sql: SqlRunner = this.db): Promise<number> {
    const r = await sql.get<{ head: number | null }>('SELECT MAX(seq) AS head FROM changes');
    return Number(r?.head ?? 0);
  }
}

export async function getSettings(sql: SqlRunner): Promise<WorkspaceSettings> {
  const r = await sql.get<{ value: string }>("SELECT value FROM meta WHERE key = 'settings'");
  if (!r) return { ...DEFAULT_SETTINGS };
  return WorkspaceSettings.parse({ ...DEFAULT_SETTINGS, ...JSON.parse(r.value) });
}

export interface ViewerCtx {
  user: UserRow;
  scope: VisibilityScope;
}

export async function loadUserRow(sql: SqlRunner, id: string): Promise<UserRow | undefined> {
  return sql.get<UserRow>('SELECT * FROM users WHERE id = ?', [id]);
}

export async function teamMemberIds(sql: SqlRunner, teamId: string): Promise<string[]> {
  const rows = await sql.all<{ id: string }>('SELECT id FROM users WHERE team_id = ?', [teamId]);
  return rows.map((r) => r.id);
}

export async function scopeOf(
  sql: SqlRunner,
  user: Pick<UserRow, 'id' | 'role' | 'team_id' | 'contact_visibility'>,
): Promise<VisibilityScope> {
  const members =
    user.role === 'agent' && user.contact_visibility === 'team' && user.team_id ? await teamMemberIds(sql, user.team_id) : [];
  return visibilityScope(
    { id: user.id, role: user.role, team_id: user.team_id, restrictions: { contact_visibility: user.contact_visibility } },
    () => members,
  );
}

export async function loadViewer(sql: SqlRunner, userId: string): Promise<ViewerCtx | undefined> {
  const user = await loadUserRow(sql, userId);
  if (!user) return undefined;
  return { user, scope: await scopeOf(sql, user) };
}

/** The visibility rule as an SQL condition on a contact's assignee column. */
export function scopeCondition(scope: VisibilityScope, column: string): { sql: string; params: Param[] } {
  if (scope.kind === 'all') return { sql: '1 = 1', params: [] };
  if (scope.userIds.length === 0) return { sql: '1 = 0', params: [] };
  return { sql: `${column} IN (${scope.userIds.map(() => '?').join(', ')})`, params: [...scope.userIds] };
}

/** The contact row if the viewer may see it; otherwise 404, the same answer as for a contact that does not exist. */
export async function visibleContact(sql: SqlRunner, viewer: ViewerCtx, contactId: string): Promise<Record<string, unknown>> {
  const cond = scopeCondition(viewer.scope, 'assignee_id');
  const row = await sql.get<Record<string, unknown>>(`SELECT * FROM contacts WHERE id = ? AND ${cond.sql}`, [
    contactId,
    ...cond.params,
  ]);
  if (!row) throw new ApiError('not_found', 'contact not found');
  return row;
}

export function escapeLike(s: string): string {
  return s.replace(/[\\%_]/g, (c) => `\\${c}`);
}
