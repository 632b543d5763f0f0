// The Contacts widget: every open conversation, those breaking an alert rule first (with the rule and
// how long overdue), then the longest open; its last message, how long it has been open and who has
// it. Only rows breaking a rule stand out. A click opens the conversation in the Messages module;
// "Nudge" opens it with a comment to its assignee started.
import { useState } from 'react';
import type { Team, User } from '../../../src-shared/model';
import { useQuery } from '../../bridge';
import { DASHBOARD_OPEN_MAX } from '../../../src-shared/desktop/api';
import { Avatar, Button, EmptyState, ErrorState, formatCount, formatDateTime, formatDuration, Icon, Skeleton } from '../../ui';
import { useNavigation } from '../shell/navigation-store';
import { useConversation } from '../messages/conversation-store';
import type { AlertRule } from '../../../src-shared/alerts';
import { FilterSelect, Panel } from './layout';

/** Rows listed at first, and added by each "Show more". */
const PAGE = 100;

const RULE_SHORT: Record<AlertRule, string> = {
  open_too_long: 'Open too long',
  first_response_overdue: 'First response overdue',
  unassigned_too_long: 'Unassigned too long',
};

/** Opens the conversation with a comment started that mentions its assignee (the follow-up of a breach). */
function nudge(contactId: string, assignee: User | undefined, open: (id: string) => void) {
  useConversation.getState().startDraft(contactId, {
    text: assignee ? `@${assignee.name} ` : '',
    mode: 'comment',
    mentions: assignee ? [{ id: assignee.id, name: assignee.name, at: 0 }] : [],
  });
  open(contactId);
}

export function ContactsWidget({ now, teams, usersById }: { now: number; teams: Team[]; usersById: Map<string, User> }) {
  const [team, setTeam] = useState('all');
  const [agent, setAgent] = useState('all');
  const [limit, setLimit] = useState(PAGE);
  const teamId = team === 'all' ? undefined : team;
  const assignee = agent === 'all' ? undefined : agent;
  const open = useQuery('dashboardOpen', { team_id: teamId, assignee, limit }, [teamId, assignee, limit]);
  const openConversation = useNavigation((s) => s.openConversation);

  const data = open.data;
  const rows = (data?.items ?? []).map((r) => {
    // Re-derived from the ticking clock so the times move on screen between re-queries.
    const openFor = Math.max(r.open_for_ms, now - r.conversation.opened_at);
    const breaches = r.breaches ?? [];
    return { ...r, openFor, breaches, over: breaches.length > 0 };
  });
  const overCount = rows.filter((r) => r.over).length;

  const teamOptions = [{ value: 'all', label: 'All teams' }, ...teams.map((t) => ({ value: t.id, label: t.name }))];
  const agentOptions = [
    { value: 'all', label: 'Everyone' },
    { value: 'unassigned', label: 'Unassigned' },
    ...[...usersById.values()].filter((u) => !u.deactivated).map((u) => ({ value: u.id, label: u.name })),
  ];

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
                {data.total > rows.length && rows[rows.length - 1]?.over ? '+' : ''} breaking a rule
              </span>
            )}
          </>
        )
      }
      actions={
        <>
          <FilterSelect
            label="Team"
            value={team}
            onChange={(t) => {
              setTeam(t);
              setLimit(PAGE);
            }}
            options={teamOptions}
          />
          <FilterSelect
            label="Agent"
            value={agent}
            onChange={(a) => {
              setAgent(a);
              setLimit(PAGE);
            }}
            options={agentOptions}
          />
        </>
      }
      footer={
        data && (
          <>
            <span className="dash-legend">
              <span className="dash-legend__swatch" aria-hidden="true" />
              Highlighted: breaks an alert rule (Settings &gt; Workspace &gt; Alerts)
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
              Open conversations, longest open first, with those breaking an alert rule before the rest. Rows breaking a rule are marked. Choose a contact to
              open the conversation.
            </caption>
            <thead>
              <tr>
                <th scope="col">Contact</th>
                <th scope="col">Open for</th>
                <th scope="col">Assignee</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {rows.map(({ contact, conversation, openFor, over, breaches }) => {
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
                      </span>
                      {breaches.map((b) => (
                        <span key={b.rule} className="dash-breach">
                          {RULE_SHORT[b.rule]} · overdue {formatDuration(Math.max(0, now - b.due_at))}
                        </span>
                      ))}
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
                    <td>
                      {over && (
                        <Button
                          size="sm"
                          variant="secondary"
                          onClick={(e) => {
                            e.stopPropagation();
                            nudge(contact.id, assignee, openConversation);
                          }}
                          aria-label={`Nudge about ${contact.name}`}
                        >
                          Nudge
                        </Button>
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
