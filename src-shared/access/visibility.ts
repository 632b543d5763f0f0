// The one visibility rule (PRODUCT.md): "may user U see contact C".
// The server enforces it on every path; clients use it only for hints (the @mention warning).
import type { Role, Restrictions } from '../model';

export interface Viewer {
  id: string;
  role: Role;
  team_id: string | null;
  restrictions: Pick<Restrictions, 'contact_visibility'>;
}

/**
 * A user record as a Viewer when its restrictions are known to the reader (always for one's own
 * record; Agents are not shown other users' restrictions): null otherwise, when no hint can be given.
 */
export function knownViewer(user: Omit<Viewer, 'restrictions'> & { restrictions: Viewer['restrictions'] | null }): Viewer | null {
  return user.restrictions ? { id: user.id, role: user.role, team_id: user.team_id, restrictions: user.restrictions } : null;
}

/** What a viewer may see, as the set of assignees whose contacts they see (or everything). */
export type VisibilityScope = { kind: 'all' } | { kind: 'assignees'; userIds: string[] };

/** teamMembers(teamId) lists the ids of the users in that team. */
export function visibilityScope(viewer: Viewer, teamMembers: (teamId: string) => readonly string[]): VisibilityScope {
  if (viewer.role !== 'agent') return { kind: 'all' };
  switch (viewer.restrictions.contact_visibility) {
    case 'off':
      return { kind: 'all' };
    case 'user':
      return { kind: 'assignees', userIds: [viewer.id] };
    case 'team': {
      const ids = new Set<string>([viewer.id]);
      if (viewer.team_id) for (const id of teamMembers(viewer.team_id)) ids.add(id);
      return { kind: 'assignees', userIds: [...ids] };
    }
  }
}

export function scopeAllows(scope: VisibilityScope, assigneeId: string | null): boolean {
  return scope.kind === 'all' || (assigneeId !== null && scope.userIds.includes(assigneeId));
}

export function canSeeContact(viewer: Viewer, contact: { assignee_id: string | null }, teamMembers: (teamId: string) => readonly string[]): boolean {
  return scopeAllows(visibilityScope(viewer, teamMembers), contact.assignee_id);
}

export type InboxKey = 'all' | 'mine' | 'unassigned' | `team:${string}` | `custom:${string}`;

/** The built-in inboxes a user may open; custom inboxes come on top. */
export function inboxesFor(viewer: Viewer, teamIds: readonly string[]): InboxKey[] {
  if (viewer.role !== 'agent') return ['all', 'mine', 'unassigned', ...teamIds.map((t) => `team:${t}` as const)];
  const ownTeam = viewer.team_id ? [`team:${viewer.team_id}` as const] : [];
  switch (viewer.restrictions.contact_visibility) {
    case 'off':
      return ['all', 'mine', 'unassigned', ...ownTeam];
    case 'user':
      return ['mine'];
    case 'team':
      return ['mine', ...ownTeam];
  }
}

export function canUseInbox(viewer: Viewer, inbox: InboxKey, teamIds: readonly string[]): boolean {
  if (inbox.startsWith('custom:')) return true;
  return inboxesFor(viewer, teamIds).includes(inbox);
}

/** Whether a reader is shown a user's restrictions: their own, and everyone's for Owners and Managers (not an Agent, for others'). */
export function showsRestrictions(reader: { id: string; role: Role }, userId: string): boolean {
  return reader.role !== 'agent' || reader.id === userId;
}

export function isSupervisor(viewer: { role: Role }): boolean {
  return viewer.role === 'owner' || viewer.role === 'manager';
}

/** Owners edit anyone but themselves; Managers edit Agents; nobody edits their own access. */
export function canManageUser(actor: { id: string; role: Role }, target: { id: string; role: Role }, newRole?: Role): boolean {
  if (actor.id === target.id) return false;
  if (actor.role === 'owner') return true;
  if (actor.role === 'manager') return target.role === 'agent' && (newRole === undefined || newRole === 'agent');
  return false;
}
