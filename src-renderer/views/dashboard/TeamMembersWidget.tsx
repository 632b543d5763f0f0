// The Team Members widget: who is working, in which team, and how many open contacts each holds.
import { useState } from 'react';
import type { ActivityStatus, Team } from '../../../src-shared/model';
import { useQuery } from '../../bridge';
import { Avatar, Button, EmptyState, ErrorState, formatCount, Skeleton, StatusLabel } from '../../ui';
import { FilterSelect, Panel } from './layout';

const STATUS_ORDER: Record<ActivityStatus, number> = { online: 0, busy: 1, offline: 2 };
type StatusFilter = 'all' | ActivityStatus;

export function TeamMembersWidget({ teams }: { teams: Team[] }) {
  const [team, setTeam] = useState('all');
  const [status, setStatus] = useState<StatusFilter>('all');
  const teamId = team === 'all' ? undefined : team;
  const statusParam = status === 'all' ? undefined : status;
  const members = useQuery('dashboardMembers', { team_id: teamId, status: statusParam }, [teamId, statusParam]);
  const teamsById = new Map(teams.map((t) => [t.id, t.name]));

  const rows = [...(members.data ?? [])].sort((a, b) => STATUS_ORDER[a.user.status] - STATUS_ORDER[b.user.status] || a.user.name.localeCompare(b.user.name));
  const online = rows.filter((r) => r.user.status === 'online').length;
  const busy = rows.filter((r) => r.user.status === 'busy').length;
  const filtered = teamId !== undefined || statusParam !== undefined;

  return (
    <Panel
      title="Team members"
      className="dash-members"
      flush
      meta={members.data && `${online} online · ${busy} busy`}
      actions={
        <>
          <FilterSelect
            label="Team"
            value={team}
            onChange={setTeam}
            options={[{ value: 'all', label: 'All teams' }, ...teams.map((t) => ({ value: t.id, label: t.name }))]}
          />
          <FilterSelect<StatusFilter>
            label="Status"
            value={status}
            onChange={setStatus}
            options={[
              { value: 'all', label: 'Any status' },
              { value: 'online', label: 'Online' },
              { value: 'busy', label: 'Busy' },
              { value: 'offline', label: 'Offline' },
            ]}
          />
        </>
      }
    >
      {members.loading ? (
        <div className="dash-skeleton" role="status">
          <span className="visually-hidden">Loading team members…</span>
          {Array.from({ length: 5 }, (_, i) => (
            <div key={i} className="dash-skeleton__row">
              <Skeleton width={28} height={28} />
              <div className="dash-skeleton__text">
                <Skeleton width="55%" />
              </div>
              <Skeleton width={50} />
            </div>
          ))}
        </div>
      ) : members.error && !members.data ? (
        <ErrorState error={members.error} onRetry={members.refresh} what="team members" compact />
      ) : rows.length === 0 ? (
        <EmptyState
          icon="users"
          title={filtered ? 'Nobody matches these filters' : 'No team members yet'}
          compact
          action={
            filtered && (
              <Button
                size="sm"
                onClick={() => {
                  setTeam('all');
                  setStatus('all');
                }}
              >
                Clear filters
              </Button>
            )
          }
        />
      ) : (
        <div className="dash-scroll" tabIndex={0} role="region" aria-label="Team members (scrollable)">
          <table className="sv-table dash-members__table">
            <caption className="visually-hidden">Team members with their activity status, team and open contacts assigned</caption>
            <thead>
              <tr>
                <th scope="col">Member</th>
                <th scope="col">Status</th>
                <th scope="col" className="sv-col-low">
                  Team
                </th>
                <th scope="col" className="sv-num">
                  Open contacts
                </th>
              </tr>
            </thead>
            <tbody>
              {rows.map(({ user, open_assigned }) => (
                <tr key={user.id}>
                  <td>
                    <span className="dash-member">
                      <Avatar name={user.name} color={user.avatar_color} size="sm" status={user.status} />
                      <span className="dash-member__name">{user.name}</span>
                    </span>
                  </td>
                  <td>
                    <StatusLabel status={user.status} />
                  </td>
                  <td className="sv-muted sv-col-low">{user.team_id ? (teamsById.get(user.team_id) ?? '—') : 'No team'}</td>
                  <td className="sv-num">
                    <span className={`dash-count${open_assigned === 0 ? ' dash-count--zero' : ''}`}>{formatCount(open_assigned)}</span>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </Panel>
  );
}
