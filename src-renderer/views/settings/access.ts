// Words for access levels and restrictions, and who may edit whom, as Settings > Users shows them.
import { canManageUser } from '../../../src-shared/access/visibility';
import type { ContactVisibility, Restrictions, Role, User } from '../../../src-shared/model';

export const ROLE_LABEL: Record<Role, string> = { owner: 'Owner', manager: 'Manager', agent: 'Agent' };

export const ROLE_DESCRIPTION: Record<Role, string> = {
  owner: 'Everything, including workspace settings.',
  manager: 'Dashboard, Reports, Settings; manages Agents.',
  agent: 'The Messages module only.',
};

export const VISIBILITY_LABEL: Record<ContactVisibility, string> = { off: 'Off', user: 'User only', team: "User's team" };

export const VISIBILITY_DESCRIPTION: Record<ContactVisibility, string> = {
  off: 'Sees every contact, and the All, Mine, Unassigned and own-team inboxes.',
  user: 'Sees only the contacts assigned to them, in the Mine inbox only.',
  team: "Sees contacts assigned to them or to their team: Mine and the team's inbox.",
};

export type SwitchKey = 'data_export' | 'contact_deletion' | 'workspace_settings' | 'integrations';
/** The Advanced Restrictions that are on or off (contact visibility has its own cards). */
export const RESTRICTION_SWITCHES: { key: SwitchKey; label: string; description: string }[] = [
  { key: 'data_export', label: 'Restrict data export', description: "They can't export contacts or conversations." },
  { key: 'contact_deletion', label: 'Restrict contact deletion', description: "They can't delete contacts." },
  { key: 'workspace_settings', label: 'Restrict workspace settings', description: "They can't change the workspace's settings." },
  { key: 'integrations', label: 'Restrict integrations', description: "They can't manage integrations and API access." },
];

/** Why `actor` may not edit `target`, or null when they may. */
export function editBlockedReason(actor: Pick<User, 'id' | 'role'> | null, target: Pick<User, 'id' | 'role'>): string | null {
  if (!actor) return 'Loading your account…';
  if (actor.id === target.id) return "You can't change your own access level, team or restrictions. Ask another Owner.";
  if (canManageUser(actor, target)) return null;
  if (actor.role === 'manager') return 'Managers manage Agents only. Ask an Owner to edit Owners and Managers.';
  return 'Only Owners and Managers edit users.';
}

/** Why `actor` may not give `role` to someone, or undefined when they may. */
export function roleBlockedReason(actor: Pick<User, 'role'>, role: Role): string | undefined {
  if (actor.role === 'owner' || role === 'agent') return undefined;
  return `Only Owners can give this access level.`;
}

/** Short labels for the restrictions in force, for the users table. */
export function restrictionSummary(r: Restrictions): string[] {
  const out: string[] = [];
  if (r.contact_visibility === 'user') out.push('Visibility: User only');
  if (r.contact_visibility === 'team') out.push("Visibility: User's team");
  if (r.data_export) out.push('No data export');
  if (r.contact_deletion) out.push('No contact deletion');
  return out;
}
