import { describe, expect, it } from 'vitest';
import { canManageUser, canSeeContact, inboxesFor, visibilityScope, type Viewer } from '../../src-shared/access/visibility';

const team: Record<string, string[]> = { sales: ['alice', 'bob', 'carol'], support: ['dan'] };
const members = (t: string) => team[t] ?? [];
const agent = (id: string, v: 'off' | 'user' | 'team', teamId: string | null = 'sales'): Viewer => ({
  id,
  role: 'agent',
  team_id: teamId,
  restrictions: { contact_visibility: v },
});

describe('the visibility rule', () => {
  it('lets owners and managers see every contact, restricted or not', () => {
    for (const role of ['owner', 'manager'] as const) {
      const v: Viewer = { id: 'm', role, team_id: null, restrictions: { contact_visibility: 'user' } };
      expect(canSeeContact(v, { assignee_id: null }, members)).toBe(true);
      expect(canSeeContact(v, { assignee_id: 'dan' }, members)).toBe(true);
    }
  });

  it('lets an unrestricted agent see every contact, assigned or not', () => {
    expect(canSeeContact(agent('bob', 'off'), { assignee_id: null }, members)).toBe(true);
    expect(canSeeContact(agent('bob', 'off'), { assignee_id: 'dan' }, members)).toBe(true);
  });

  it('shows a "User only" agent only the contacts assigned to them', () => {
    const bob = agent('bob', 'user');
    expect(canSeeContact(bob, { assignee_id: 'bob' }, members)).toBe(true);
    expect(canSeeContact(bob, { assignee_id: 'alice' }, members)).toBe(false);
    expect(canSeeContact(bob, { assignee_id: null }, members)).toBe(false);
  });

  it('shows a "User\'s team" agent their own and their teammates\' contacts, never unassigned ones', () => {
    const bob = agent('bob', 'team');
    expect(canSeeContact(bob, { assignee_id: 'carol' }, members)).toBe(true);
    expect(canSeeContact(bob, { assignee_id: 'dan' }, members)).toBe(false);
    expect(canSeeContact(bob, { assignee_id: null }, members)).toBe(false);
    const loner = agent('eve', 'team', null);
    expect(visibilityScope(loner, members)).toEqual({ kind: 'assignees', userIds: ['eve'] });
  });

  it('offers each user the inboxes their restriction allows', () => {
    expect(inboxesFor(agent('bob', 'off'), ['sales', 'support'])).toEqual(['all', 'mine', 'unassigned', 'team:sales']);
    expect(inboxesFor(agent('bob', 'user'), ['sales', 'support'])).toEqual(['mine']);
    expect(inboxesFor(agent('bob', 'team'), ['sales', 'support'])).toEqual(['mine', 'team:sales']);
    expect(inboxesFor({ id: 'm', role: 'manager', team_id: null, restrictions: { contact_visibility: 'off' } }, ['sales', 'support'])).toEqual([
      'all',
      'mine',
      'unassigned',
      'team:sales',
      'team:support',
    ]);
  });

  it('never lets a user manage themselves; managers manage agents only', () => {
    expect(canManageUser({ id: 'o', role: 'owner' }, { id: 'o', role: 'owner' })).toBe(false);
    expect(canManageUser({ id: 'o', role: 'owner' }, { id: 'm', role: 'manager' })).toBe(true);
    expect(canManageUser({ id: 'm', role: 'manager' }, { id: 'a', role: 'agent' })).toBe(true);
    expect(canManageUser({ id: 'm', role: 'manager' }, { id: 'a', role: 'agent' }, 'manager')).toBe(false);
    expect(canManageUser({ id: 'm', role: 'manager' }, { id: 'm2', role: 'manager' })).toBe(false);
    expect(canManageUser({ id: 'a', role: 'agent' }, { id: 'b', role: 'agent' })).toBe(false);
  });
});
