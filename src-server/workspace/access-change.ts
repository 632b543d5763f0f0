// What changed in a user's access (level, team, restrictions), in words, kept on the user so their
// app can say in one line who changed what (F16). Only the user and supervisors are shown it.
import type { BodyOf } from '../../src-shared/api/routes';
import type { SqlRunner } from '../db/engine';
import type { UserRow } from './rows';

const LEVEL = { owner: 'Owner', manager: 'Manager', agent: 'Agent' } as const;
const VISIBILITY = { off: 'off', user: 'User only', team: "User's team" } as const;
const RESTRICTED = [
  ['data_export', 'restrict_export', 'data export'],
  ['contact_deletion', 'restrict_deletion', 'contact deletion'],
  ['workspace_settings', 'restrict_settings', 'workspace settings'],
  ['integrations', 'restrict_integrations', 'integrations'],
] as const;

/** The access changes an edit makes, each in words ("team: Support"); none when it changes nothing of them. */
export async function accessChanges(sql: SqlRunner, before: UserRow, body: BodyOf<'updateUser'>): Promise<string[]> {
  const out: string[] = [];
  if (body.role !== undefined && body.role !== before.role) out.push(`access level: ${LEVEL[body.role]}`);
  if (body.team_id !== undefined && body.team_id !== before.team_id) {
    const team = body.team_id ? await sql.get<{ name: string }>('SELECT name FROM teams WHERE id = ?', [body.team_id]) : undefined;
    out.push(`team: ${team?.name ?? 'none'}`);
  }
  const r = body.restrictions ?? {};
  if (r.contact_visibility !== undefined && r.contact_visibility !== before.contact_visibility) {
    out.push(`Restrict Contact Visibility: ${VISIBILITY[r.contact_visibility]}`);
  }
  for (const [key, column, words] of RESTRICTED) {
    const on = r[key];
    if (on !== undefined && on !== !!Number(before[column])) out.push(`${words}: ${on ? 'restricted' : 'allowed'}`);
  }
  return out;
}
