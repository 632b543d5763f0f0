// The workspace directory every view needs names from: users, teams, closing categories.
import { create } from 'zustand';
import type { ClosingCategory, Team, User } from '../../src-shared/model';
import { onEvent, query } from '../bridge/client';
import { isAffected } from '../bridge/useQuery';

interface DirectoryStore {
  users: User[];
  usersById: Map<string, User>;
  teams: Team[];
  teamsById: Map<string, Team>;
  categories: ClosingCategory[];
  loaded: boolean;
  load: () => Promise<void>;
  reset: () => void;
}

let subscribed = false;

export const useDirectory = create<DirectoryStore>((set, get) => ({
  users: [],
  usersById: new Map(),
  teams: [],
  teamsById: new Map(),
  categories: [],
  loaded: false,

  async load() {
    if (!subscribed) {
      subscribed = true;
      onEvent('changed', (change) => {
        if (get().loaded && isAffected(change, ['user', 'team', 'closing_category'])) void get().load();
      });
    }
    try {
      const [users, teams, categories] = await Promise.all([query('users', {}), query('teams', {}), query('closingCategories', {})]);
      users.sort((a, b) => a.name.localeCompare(b.name));
      set({
        users,
        usersById: new Map(users.map((u) => [u.id, u])),
        teams,
        teamsById: new Map(teams.map((t) => [t.id, t])),
        categories: [...categories].sort((a, b) => a.position - b.position),
        loaded: true,
      });
    } catch {
      // Views show what they have; the next 'changed' event or reconnect loads again.
    }
  },

  reset() {
    set({ users: [], usersById: new Map(), teams: [], teamsById: new Map(), categories: [], loaded: false });
  },
}));

/** The ids of a team's members (what canSeeContact needs). */
export function teamMembersOf(users: readonly User[]): (teamId: string) => string[] {
  return (teamId) => users.filter((u) => u.team_id === teamId).map((u) => u.id);
}
