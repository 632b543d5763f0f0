// When what a user may see changes, their feed must say so: 'remove' records for the contacts they
// lost (the client deletes them from its cache and disk), 'grant' records for the ones they gained
// (served as the contact's whole history); for a loss too large to list, one 'narrow' record naming
// whose contacts stay; for a gain too large, one 'reset' (must_refetch).
import { scopeAllows, type VisibilityScope } from '../../src-shared/access/visibility';
import type { NarrowData } from '../../src-shared/sync/changes';
import type { Param } from '../db/engine';
import { scopeCondition, scopeOf } from './viewer';
import type { Tx } from './tx';
import type { UserRow } from './rows';

/** Above this many contacts lost at once, the user's feed says who stays (narrow); gained, the user re-bootstraps. */
export const MAX_INDIVIDUAL_VISIBILITY_CHANGES = 5000;

function exclusion(scope: VisibilityScope, column: string): { sql: string; params: Param[] } {
  if (scope.kind === 'all') return { sql: '1 = 0', params: [] };
  if (scope.userIds.length === 0) return { sql: '1 = 1', params: [] };
  return { sql: `(${column} IS NULL OR ${column} NOT IN (${scope.userIds.map(() => '?').join(', ')}))`, params: [...scope.userIds] };
}

async function restrictedAgents(tx: Tx): Promise<UserRow[]> {
  return tx.sql.all<UserRow>("SELECT * FROM users WHERE role = 'agent' AND contact_visibility <> 'off' AND deactivated = 0");
}

/** A contact's assignee changed: tell restricted agents who lost or gained it. */
export async function reconcileContactAssignee(tx: Tx, contactId: string, before: string | null, after: string | null): Promise<void> {
  if (before === after) return;
  for (const user of await restrictedAgents(tx)) {
    const scope = await scopeOf(tx.sql, user);
    const saw = scopeAllows(scope, before);
    const sees = scopeAllows(scope, after);
    if (saw && !sees) tx.emit('contact', 'remove', contactId, contactId, null, user.id);
    if (!saw && sees) tx.emit('contact', 'grant', contactId, contactId, null, user.id);
  }
}

export async function resetFeed(tx: Tx, userId: string): Promise<void> {
  const seq = await tx.emitNow('user', 'reset', userId, null, null, userId);
  await tx.run('UPDATE users SET refetch_seq = ? WHERE id = ?', [seq, userId]);
}

/**
 * Runs `mutate` (which changes users' role, team or restrictions) and then tells each of `userIds`
 * what they lost and gained.
 */
export async function reconcileUsers(tx: Tx, userIds: Iterable<string>, mutate: () => Promise<void>): Promise<void> {
  const ids = [...new Set(userIds)];
  const before = new Map<string, VisibilityScope>();
  for (const id of ids) {
    const row = await tx.sql.get<UserRow>('SELECT * FROM users WHERE id = ?', [id]);
    if (row) before.set(id, await scopeOf(tx.sql, row));
  }
  await mutate();
  for (const id of ids) {
    const was = before.get(id);
    const row = await tx.sql.get<UserRow>('SELECT * FROM users WHERE id = ?', [id]);
    if (!was || !row) continue;
    const now = await scopeOf(tx.sql, row);
    const lostWhere = [scopeCondition(was, 'assignee_id'), exclusion(now, 'assignee_id')];
    const gainedWhere = [scopeCondition(now, 'assignee_id'), exclusion(was, 'assignee_id')];
    const query = (parts: { sql: string; params: Param[] }[]) =>
      tx.sql.all<{ id: string }>(
        `SELECT id FROM contacts WHERE ${parts.map((p) => p.sql).join(' AND ')} LIMIT ${MAX_INDIVIDUAL_VISIBILITY_CHANGES + 1}`,
        parts.flatMap((p) => p.params),
      );
    const lost = await query(lostWhere);
    const gained = await query(gainedWhere);
    if (gained.length > MAX_INDIVIDUAL_VISIBILITY_CHANGES || (lost.length > MAX_INDIVIDUAL_VISIBILITY_CHANGES && now.kind === 'all')) {
      await resetFeed(tx, id);
      continue;
    }
    // A large loss is one record naming who stays visible: the client drops the rest of its cache at
    // once, where a reset would have it download what it still sees again.
    if (lost.length > MAX_INDIVIDUAL_VISIBILITY_CHANGES && now.kind === 'assignees') {
      const data: NarrowData = { assignee_ids: now.userIds };
      tx.emit('user', 'narrow', id, null, data, id);
    } else for (const c of lost) tx.emit('contact', 'remove', c.id, c.id, null, id);
    for (const c of gained) tx.emit('contact', 'grant', c.id, c.id, null, id);
  }
}

/** Team-restricted agents who see a team's contacts: they are affected when that team's membership changes. */
export async function teamWatchers(tx: Tx, teamId: string | null): Promise<string[]> {
  if (!teamId) return [];
  const rows = await tx.sql.all<{ id: string }>("SELECT id FROM users WHERE team_id = ? AND role = 'agent' AND contact_visibility = 'team'", [teamId]);
  return rows.map((r) => r.id);
}
