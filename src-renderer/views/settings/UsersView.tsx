// F9 Settings > Users (Owners and Managers): everyone in the workspace with their status and when
// they were last active; Edit opens access level, team and Advanced Restrictions.
import { useId, useState } from 'react';
import { isApiActor, type Role, type User } from '../../../src-shared/model';
import { useQuery } from '../../bridge';
import { Avatar, Button, EmptyState, ErrorState, formatDateTime, formatRelative, Icon, LoadingState, StatusLabel } from '../../ui';
import { ConnectionPill, FilterSelect, ViewHeader } from '../dashboard/layout';
import { useNow } from '../dashboard/useNow';
import { useSession } from '../session/session-store';
import { editBlockedReason, restrictionSummary, ROLE_LABEL } from './access';
import { EditUserDialog } from './EditUserDialog';
import { AddUserDialog } from './AddUserDialog';
import { OneTimePasswordDialog } from './OneTimePasswordDialog';
import { TeamsCard } from './TeamsCard';
import { CategoriesCard } from './CategoriesCard';
import { WorkspaceCard } from './WorkspaceCard';
import { AlertRulesCard } from './AlertRulesCard';
import { DeveloperApiCard } from './DeveloperApiCard';
import { WebhooksCard } from './WebhooksCard';
import './users.css';

type RoleFilter = 'all' | Role;

export function UsersView() {
  const actor = useSession((s) => s.me?.user ?? s.session?.user ?? null);
  const settings = useSession((s) => s.me?.settings ?? null);
  const users = useQuery('users', {}, []);
  const teams = useQuery('teams', {}, []);
  const now = useNow(30_000);
  const [search, setSearch] = useState('');
  const [role, setRole] = useState<RoleFilter>('all');
  const [team, setTeam] = useState('all');
  const [editing, setEditing] = useState<string | null>(null);
  const [adding, setAdding] = useState(false);
  const [oneTime, setOneTime] = useState<{ title: string; user: User; password: string } | null>(null);
  const searchId = useId();

  if (actor && actor.role === 'agent') {
    return (
      <section className="sv-view" aria-label="Users">
        <EmptyState icon="lock" title="Settings are for Owners and Managers" />
      </section>
    );
  }

  const teamList = teams.data ?? [];
  const teamsById = new Map(teamList.map((t) => [t.id, t.name]));
  // A Developer API token's actor writes in threads but is nobody to manage here (Integrations lists tokens).
  const all = (users.data ?? []).filter((u) => !isApiActor(u));
  const q = search.trim().toLowerCase();
  const shown = all.filter(
    (u) =>
      (role === 'all' || u.role === role) &&
      (team === 'all' || (team === 'none' ? u.team_id === null : u.team_id === team)) &&
      (!q || u.name.toLowerCase().includes(q) || u.email.toLowerCase().includes(q)),
  );
  const editingUser = editing ? all.find((u) => u.id === editing) : undefined;
  const filtered = q !== '' || role !== 'all' || team !== 'all';
  const activeCount = all.filter((u) => !u.deactivated).length;

  return (
    <section className="sv-view users" aria-labelledby="users-title">
      <ViewHeader
        titleId="users-title"
        eyebrow="Settings"
        title="Users"
        subtitle="Access levels, teams and Advanced Restrictions, and the workspace's settings. Changes reach each person's app within seconds."
        actions={
          <>
            <ConnectionPill />
            <Button variant="primary" icon="userPlus" onClick={() => setAdding(true)}>
              Add user
            </Button>
          </>
        }
      />

      <div className="sv-card">
        <div className="users-toolbar" role="search" aria-label="Filter users">
          <div className="users-search">
            <label htmlFor={searchId} className="visually-hidden">
              Search users by name or email
            </label>
            <Icon name="search" size={16} className="users-search__icon" />
            <input
              id={searchId}
              className="users-search__input"
              type="search"
              placeholder="Search by name or email"
              value={search}
              onChange={(e) => setSearch(e.target.value)}
            />
          </div>
          <FilterSelect<RoleFilter>
            label="Access level"
            value={role}
            onChange={setRole}
            options={[
              { value: 'all', label: 'Any' },
              { value: 'owner', label: 'Owners' },
              { value: 'manager', label: 'Managers' },
              { value: 'agent', label: 'Agents' },
            ]}
          />
          <FilterSelect
            label="Team"
            value={team}
            onChange={setTeam}
            options={[{ value: 'all', label: 'All teams' }, ...teamList.map((t) => ({ value: t.id, label: t.name })), { value: 'none', label: 'No team' }]}
          />
          <span className="users-toolbar__count" aria-live="polite">
            {users.data && (filtered ? `${shown.length} of ${all.length} users` : `${activeCount} active users`)}
          </span>
        </div>

        {users.loading ? (
          <LoadingState label="Loading users…" />
        ) : users.error && !users.data ? (
          <ErrorState error={users.error} onRetry={users.refresh} what="the users" />
        ) : shown.length === 0 ? (
          <EmptyState
            icon="users"
            title={filtered ? 'No users match' : 'No users yet'}
            action={
              filtered && (
                <Button
                  size="sm"
                  onClick={() => {
                    setSearch('');
                    setRole('all');
                    setTeam('all');
                  }}
                >
                  Clear filters
                </Button>
              )
            }
          >
            {filtered ? 'Try another name, access level or team.' : undefined}
          </EmptyState>
        ) : (
          <div className="users-table-wrap">
            <table className="sv-table users-table">
              <caption className="visually-hidden">Workspace users</caption>
              <thead>
                <tr>
                  <th scope="col">User</th>
                  <th scope="col">Access level</th>
                  <th scope="col">Team</th>
                  <th scope="col">Status</th>
                  <th scope="col" className="sv-col-low">
                    Last active
                  </th>
                  <th scope="col">Restrictions</th>
                  <th scope="col">
                    <span className="visually-hidden">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {shown.map((u) => (
                  <UserRow
                    key={u.id}
                    user={u}
                    actor={actor}
                    teamName={u.team_id ? teamsById.get(u.team_id) : undefined}
                    now={now}
                    onEdit={() => setEditing(u.id)}
                  />
                ))}
              </tbody>
            </table>
          </div>
        )}
      </div>

      {actor && <TeamsCard users={all} teams={teamList} />}
      {settings && actor && <WorkspaceCard settings={settings} actor={actor} />}
      {settings && actor && <AlertRulesCard settings={settings} />}
      {actor && <CategoriesCard actor={actor} />}
      {actor && <DeveloperApiCard actor={actor} />}
      {actor && <WebhooksCard actor={actor} />}

      {editingUser && actor && (
        <EditUserDialog
          user={editingUser}
          actor={actor}
          teams={teamList}
          onClose={() => setEditing(null)}
          onReset={(password) => {
            setEditing(null);
            setOneTime({ title: `New password for ${editingUser.name}`, user: editingUser, password });
          }}
        />
      )}
      {adding && actor && (
        <AddUserDialog
          actor={actor}
          teams={teamList}
          onClose={() => setAdding(false)}
          onAdded={({ user, password }) => {
            setAdding(false);
            setOneTime({ title: `${user.name} was added`, user, password });
          }}
        />
      )}
      {oneTime && (
        <OneTimePasswordDialog
          title={oneTime.title}
          name={oneTime.user.name}
          email={oneTime.user.email}
          password={oneTime.password}
          onClose={() => setOneTime(null)}
        />
      )}
    </section>
  );
}

function UserRow({ user, actor, teamName, now, onEdit }: { user: User; actor: User | null; teamName?: string; now: number; onEdit: () => void }) {
  const blocked = editBlockedReason(actor, user);
  const reasonId = useId();
  const restrictions = user.role === 'agent' && user.restrictions ? restrictionSummary(user.restrictions) : [];
  const isMe = actor?.id === user.id;
  return (
    <tr className={user.deactivated ? 'users-row--deactivated' : undefined}>
      <td>
        <span className="users-who">
          <Avatar name={user.name} color={user.avatar_color} size="sm" />
          <span className="users-who__text">
            <span className="users-who__name">
              {user.name}
              {isMe && <span className="sv-chip sv-chip--accent">You</span>}
              {user.deactivated && <span className="sv-chip sv-chip--muted">Deactivated</span>}
            </span>
            <span className="users-who__email">{user.email}</span>
          </span>
        </span>
      </td>
      <td>
        <span className={`sv-role sv-role--${user.role}`}>{ROLE_LABEL[user.role]}</span>
      </td>
      <td className={teamName ? undefined : 'sv-muted'}>{teamName ?? 'No team'}</td>
      <td>
        <StatusLabel status={user.status} />
      </td>
      <td className="sv-muted sv-col-low" title={user.last_active_at ? formatDateTime(user.last_active_at) : undefined}>
        {user.last_active_at ? formatRelative(user.last_active_at, now) : 'Never'}
      </td>
      <td>
        {user.role !== 'agent' ? (
          <span className="sv-muted">Full access</span>
        ) : restrictions.length ? (
          <span className="users-restrictions">
            {restrictions.map((r) => (
              <span key={r} className="sv-chip sv-chip--warn">
                {r}
              </span>
            ))}
          </span>
        ) : (
          <span className="sv-muted">None</span>
        )}
      </td>
      <td className="users-actions">
        {blocked ? (
          <span className="sv-tooltip" data-tip={blocked}>
            <Button size="sm" variant="ghost" icon="lock" aria-disabled="true" aria-describedby={reasonId} className="users-edit users-edit--blocked">
              Edit<span className="visually-hidden"> {user.name}</span>
            </Button>
            <span id={reasonId} className="visually-hidden">
              {blocked}
            </span>
          </span>
        ) : (
          <Button size="sm" icon="pencil" className="users-edit" onClick={onEdit}>
            Edit<span className="visually-hidden"> {user.name}</span>
          </Button>
        )}
      </td>
    </tr>
  );
}
