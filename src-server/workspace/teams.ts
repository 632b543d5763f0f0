// Teams (F17): create, rename, delete. A team is deleted empty, or with its members moved to another
// team or to none in the same write; restricted agents who see by team are told what they lost or gained.
import { ApiError } from '../../src-shared/api/errors';
import type { Team } from '../../src-shared/model';
import type { SqlRunner } from '../db/engine';
import { toTeam } from './rows';
import { newId } from './ids';
import type { Tx } from './tx';
import { reconcileUsers, teamWatchers } from './visibility-changes';

export async function listTeams(sql: SqlRunner): Promise<Team[]> {
  return (await sql.all('SELECT * FROM teams ORDER BY name, id')).map(toTeam);
}

async function assertNameFree(tx: Tx, name: string, except: string | null): Promise<void> {
  const taken = await tx.sql.get('SELECT id FROM teams WHERE lower(name) = lower(?) AND id <> ?', [name, except ?? '']);
  if (taken) throw new ApiError('conflict', `A team is already called ${JSON.stringify(name)}.`);
}

export async function createTeam(tx: Tx, name: string): Promise<Team> {
  await assertNameFree(tx, name, null);
  const id = newId('t');
  await tx.run('INSERT INTO teams (id, name, created_at) VALUES (?, ?, ?)', [id, name, tx.now]);
  return toTeam((await tx.emitRow('team', id)) as never);
}

export async function renameTeam(tx: Tx, id: string, name: string): Promise<Team> {
  if (!(await tx.sql.get('SELECT id FROM teams WHERE id = ?', [id]))) throw new ApiError('not_found', 'team not found');
  await assertNameFree(tx, name, id);
  await tx.run('UPDATE teams SET name = ? WHERE id = ?', [name, id]);
  return toTeam((await tx.emitRow('team', id)) as never);
}

/** Deletes a team; its members go to `membersTo` (a team id, or null for none), which must be given when it has members. */
export async function deleteTeam(tx: Tx, id: string, membersTo: string | null | undefined): Promise<void> {
  if (!(await tx.sql.get('SELECT id FROM teams WHERE id = ?', [id]))) throw new ApiError('not_found', 'team not found');
  const members = (await tx.sql.all<{ id: string }>('SELECT id FROM users WHERE team_id = ? ORDER BY id', [id])).map((m) => m.id);
  if (members.length && membersTo === undefined) {
    throw new ApiError('conflict', `This team has ${members.length} member${members.length === 1 ? '' : 's'}: move them to another team or to none.`);
  }
  if (membersTo === id) throw new ApiError('invalid_request', 'members_to: choose another team than the one being deleted');
  if (membersTo && !(await tx.sql.get('SELECT id FROM teams WHERE id = ?', [membersTo])))
    throw new ApiError('invalid_request', `members_to: no team ${membersTo}`);
  const affected = [...members, ...(await teamWatchers(tx, membersTo ?? null))];
  await reconcileUsers(tx, affected, async () => {
    await tx.run('UPDATE users SET team_id = ? WHERE team_id = ?', [membersTo ?? null, id]);
  });
  for (const m of members) await tx.emitRow('user', m);
  await tx.run('DELETE FROM teams WHERE id = ?', [id]);
  await tx.emitRow('team', id);
}
