// Who is asking and what they may see: the viewer of a request or a stream, and the one visibility
// rule as SQL, through which every contact query goes.
import { ApiError } from '../../src-shared/api/errors';
import { visibilityScope, type VisibilityScope } from '../../src-shared/access/visibility';
import type { Param, SqlRunner } from '../db/engine';
import type { UserRow } from './rows';

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

export async function scopeOf(sql: SqlRunner, user: Pick<UserRow, 'id' | 'role' | 'team_id' | 'contact_visibility'>): Promise<VisibilityScope> {
  const members = user.role === 'agent' && user.contact_visibility === 'team' && user.team_id ? await teamMemberIds(sql, user.team_id) : [];
  return visibilityScope({ id: user.id, role: user.role, team_id: user.team_id, restrictions: { contact_visibility: user.contact_visibility } }, () => members);
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
  const row = await sql.get<Record<string, unknown>>(`SELECT * FROM contacts WHERE id = ? AND ${cond.sql}`, [contactId, ...cond.params]);
  if (!row) throw new ApiError('not_found', 'contact not found');
  return row;
}
