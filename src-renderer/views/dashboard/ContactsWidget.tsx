// The Contacts widget: every open conversation, longest open first, with its last message, how long
// it has been open and who has it. Rows open longer than the workspace's threshold stand out; a
// click opens the conversation in the Messages module.
import { useState } from 'react';
import type { Team, User } from '../../../src-shared/model';
import { useQuery } from '../../bridge';
import { DASHBOARD_OPEN_MAX } from '../../../src-shared/desktop/api';
import { Avatar, Button, EmptyState, ErrorState, formatCount, formatDateTime, formatDuration, Icon, Skeleton } from '../../ui';
import { useNavigation } from '../shell/navigation-store';
import { FilterSelect, Panel } from './layout';

const HOUR_MS = 3_600_000;
/** Rows listed at first, and added by each "Show more". */
const PAGE = 100;

const hoursLabel = (h: number) => (h === 1 ? '1 hour' : `${Number.isInteger(h) ? h : h.toFixed(1)} hours`);

export function ContactsWidget({ now, teams, usersById }: { now: number; teams: Team[]; usersById: Map<string, User> }) {
  const [team, setTeam] = useState('all');
  const [limit, setLimit] = useState(PAGE);
  const teamId = team === 'all' ? undefined : team;
  const open = useQuery('dashboardOpen', { team_id: teamId, limit }, [teamId, limit]);
  const openConversation = useNavigation((s) => s.openConversation);

  const data = open.data;
  const thresholdMs = (data?.threshold_hours ?? 2) * HOUR_MS;
  const rows = (data?.items ?? []).map((r) => {
    // Re-derived from the ticking clock so a row crosses the threshold on screen between re-queries.
    const openFor = Math.max(r.open_for_ms, now - r.conversation.opened_at);
    return { ...r, openFor, over: r.over_threshold || openFor > thresholdMs };
  });
  const overCount = rows.filter((r) => r.over).length;

  const teamOptions = [{ value: 'all', label: 'All teams' }, ...teams.map((t) => ({ value: t.id, label: t.name }))];

  return (
    <Panel
      title="Open conversations"
      className="dash-contacts"
      flush
      meta={
        data && (
          <>
            {formatCount(data.total)} open
            {overCount > 0 && (
              <span className="dash-over-count">
                <Icon name="clock" size={13} />
                {overCount}
                {data.total > rows.length && rows[rows.length - 1]?.over ? '+' : ''} over {hoursLabel(data.threshold_hours)}
              </span>
            )}
          </>
        )
      }
      actions={
        <FilterSelect
          label="Team"
          value={team}
          onChange={(t) => {
            setTeam(t);
            setLimit(PAGE);
          }}
          options={teamOptions}
        />
      }
      footer={
        data && (
          <>
            <span className="dash-legend">
              <span className="dash-legend__swatch" aria-hidden="true" />
              Highlighted: open longer than {hoursLabel(data.threshold_hours)}
            </span>
            {data.total > rows.length && (
              <span className="dash-contacts__more">
                Showing the {formatCount(rows.length)} longest open of {formatCount(data.total)}
                {limit < DASHBOARD_OPEN_MAX && (
                  <Button size="sm" variant="secondary" onClick={() => setLimit((l) => Math.min(DASHBOARD_OPEN_MAX, l + PAGE))}>
                    Show {formatCount(Math.min(PAGE, data.total - rows.length))} more
                  </Button>
                )}
              </span>
            )}
          </>
        )
      }
    >
      {open.loading ? (
        <ContactsSkeleton />
      ) : open.error && !data ? (
        <ErrorState error={open.error} onRetry={open.refresh} what="open conversations" compact />
      ) : rows.length === 0 ? (
        <EmptyState icon="checkCircle" title={teamId ? 'No open conversations for this team' : 'No open conversations'} compact>
          Every conversation is closed. New ones appear here the moment a contact writes in.
        </EmptyState>
      ) : (
        <div className="dash-scroll" tabIndex={0} role="region" aria-label="Open conversations (scrollable)">
          <table className="sv-table dash-contacts__table">
            <caption className="visually-hidden">
              Open conversations, longest open first. Rows open longer than {hoursLabel(data!.threshold_hours)} are marked. Choose a contact to open the
              conversation.
            </caption>
            <thead>
              <tr>
                <th scope="col">Contact</th>
                <th scope="col">Open for</th>
                <th scope="col">Assignee</th>
              </tr>
            </thead>
            <tbody>
              {rows.map(({ contact, conversation, openFor, over }) => {
                const assignee = contact.assignee_id ? usersById.get(contact.assignee_id) : undefined;
                return (
                  <tr key={contact.id} className={`dash-row${over ? ' dash-row--over' : ''}`} onClick={() => openConversation(contact.id)}>
                    <td>
                      <div className="dash-contact">
                        <Avatar name={contact.name} size="sm" />
                        <div className="dash-contact__text">
                          <button
                            type="button"
                            className="dash-contact__name"
                            onClick={(e) => {
                              e.stopPropagation();
                              openConversation(contact.id);
                            }}
                          >
                            {contact.name}
                          </button>
                          <span className="dash-contact__last">
                            {contact.last_message_direction === 'outgoing' && <span className="dash-contact__you">Reply: </span>}
                            {contact.last_message ?? 'No messages yet'}
                          </span>
                        </div>
                      </div>
                    </td>
                    <td className="dash-open-for" title={`Opened ${formatDateTime(conversation.opened_at)}`}>
                      <span className={`dash-duration${over ? ' dash-duration--over' : ''}`}>
                        {over && <Icon name="clock" size={14} />}
                        {formatDuration(openFor)}
                        {over && <span className="visually-hidden"> (over the threshold)</span>}
                      </span>
                    </td>
                    <td>
                      {contact.assignee_id ? (
                        <span className="dash-assignee">
                          <Avatar name={assignee?.name ?? 'Former user'} color={assignee?.avatar_color} size="xs" status={assignee?.status} />
                          <span className="dash-assignee__name">{assignee?.name ?? 'A former user'}</span>
                        </span>
                      ) : (
                        <span className="sv-chip sv-chip--muted">Unassigned</span>
                      )}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
    </Panel>
  );
}

function ContactsSkeleton() {
  return (
    <div className="dash-skeleton" role="status">
      <span className="visually-hidden">Loading open conversations…</span>
      {Array.from({ length: 6 }, (_, i) => (
        <div key={i} className="dash-skeleton__row">
          <Skeleton width={28} height={28} />
          <div className="dash-skeleton__text">
            <Skeleton width="45%" />
            <Skeleton width="80%" height={10} />
          </div>
          <Skeleton width={60} />
          <Skeleton width={90} />
        </div>
      ))}
    </div>
  );
}
