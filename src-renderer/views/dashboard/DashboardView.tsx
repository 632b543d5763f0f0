// F3 Dashboard (Owners and Managers): key figures, the Contacts widget, the Conversations chart
// and the Team Members widget. Everything reads the local cache and re-reads it on 'changed'
// events, so it is live while connected and still useful offline.
import { useEffect } from 'react';
import type { QueryOutput } from '../../../src-shared/desktop/api';
import { useQuery, type QueryState } from '../../bridge';
import { EmptyState, ErrorState, formatCount, formatDuration, Icon, Skeleton, type IconName } from '../../ui';
import { useDirectory } from '../../workspace/directory-store';
import { useSession } from '../session/session-store';
import { ContactsWidget } from './ContactsWidget';
import { ConversationsChart } from './ConversationsChart';
import { ConnectionPill, Panel, useServerOnline, ViewHeader } from './layout';
import { TeamMembersWidget } from './TeamMembersWidget';
import { useNow } from './useNow';
import './dashboard.css';

/** "Time open" is recomputed on this beat between cache changes. */
const TICK_MS = 30_000;

export function DashboardView() {
  const role = useSession((s) => s.me?.user.role ?? s.session?.user?.role);
  const workspaceName = useSession((s) => s.me?.settings.name);
  if (role === 'agent') {
    return (
      <section className="sv-view" aria-label="Dashboard">
        <EmptyState icon="lock" title="The Dashboard is for Owners and Managers">
          Ask an Owner or a Manager if you need to see the workspace's figures.
        </EmptyState>
      </section>
    );
  }
  return <Dashboard workspaceName={workspaceName} />;
}

function Dashboard({ workspaceName }: { workspaceName?: string }) {
  const now = useNow(TICK_MS);
  const online = useServerOnline();
  const { teams, usersById, loaded, load } = useDirectory();
  useEffect(() => {
    if (!loaded) void load();
  }, [loaded, load]);

  const tz = -new Date().getTimezoneOffset();
  const summary = useQuery('dashboardSummary', { tz_offset_minutes: tz }, [tz, Math.floor(now / 3_600_000)]);

  return (
    <section className="sv-view dash" aria-labelledby="dash-title">
      <ViewHeader
        titleId="dash-title"
        title="Dashboard"
        subtitle={
          !online
            ? "You're offline: this is the workspace as of the last sync. It catches up when the connection returns."
            : `What is happening in ${workspaceName ?? 'your workspace'} right now`
        }
        actions={<ConnectionPill />}
      />
      <KeyFigures summary={summary} />

      <div className="dash-grid">
        <ContactsWidget now={now} teams={teams} usersById={usersById} />
        <Panel title="Conversations" meta="Opened vs closed" className="dash-chart">
          {summary.loading ? (
            <div role="status" className="dash-chart__loading">
              <span className="visually-hidden">Loading the chart…</span>
              <Skeleton height={180} />
            </div>
          ) : summary.error && !summary.data ? (
            <ErrorState error={summary.error} onRetry={summary.refresh} what="the chart" compact />
          ) : (
            summary.data && <ConversationsChart data={summary.data.conversations} />
          )}
        </Panel>
        <TeamMembersWidget teams={teams} />
      </div>
    </section>
  );
}

type Summary = QueryState<QueryOutput<'dashboardSummary'>>;

function KeyFigures({ summary }: { summary: Summary }) {
  const f = summary.data?.figures;
  const cards: { label: string; value: string; hint: string; icon: IconName; tone?: 'warn' }[] = f
    ? [
        { label: 'Open conversations', value: formatCount(f.open), hint: 'across the workspace', icon: 'message' },
        {
          label: 'Unassigned',
          value: formatCount(f.unassigned),
          hint: f.open ? `${Math.round((f.unassigned / f.open) * 100)}% of open conversations` : 'nothing waiting',
          icon: 'userX',
          tone: f.unassigned > 0 ? 'warn' : undefined,
        },
        {
          label: 'Avg. first response',
          value: formatDuration(f.avg_first_response_ms),
          hint: f.avg_first_response_ms === null ? 'no replies in the last 30 days' : 'last 30 days',
          icon: 'clock',
        },
        {
          label: 'Avg. resolution time',
          value: formatDuration(f.avg_resolution_ms),
          hint: f.avg_resolution_ms === null ? 'nothing closed in the last 30 days' : 'last 30 days',
          icon: 'checkCircle',
        },
      ]
    : [];

  if (summary.error && !summary.data) {
    return (
      <div className="dash-figures dash-figures--error">
        <ErrorState error={summary.error} onRetry={summary.refresh} what="the key figures" compact />
      </div>
    );
  }
  return (
    <section className="dash-figures" aria-label="Key figures">
      {summary.loading || !f ? (
        <div className="dash-figures__list" aria-hidden="true">
          {Array.from({ length: 4 }, (_, i) => (
            <div key={i} className="dash-figure">
              <Skeleton width="50%" />
              <Skeleton width="35%" height={26} />
            </div>
          ))}
        </div>
      ) : (
        <dl className="dash-figures__list">
          {cards.map((c) => (
            <div key={c.label} className={`dash-figure${c.tone ? ` dash-figure--${c.tone}` : ''}`}>
              <dt className="dash-figure__label">
                <span className="dash-figure__icon" aria-hidden="true">
                  <Icon name={c.icon} size={16} />
                </span>
                {c.label}
              </dt>
              <dd className="dash-figure__value">{c.value}</dd>
              <dd className="dash-figure__hint">{c.hint}</dd>
            </div>
          ))}
        </dl>
      )}
    </section>
  );
}
