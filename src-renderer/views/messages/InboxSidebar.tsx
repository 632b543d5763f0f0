// The inboxes: All, Mine, Unassigned, one per team, and custom inboxes, each with its open count.
import { useEffect, useState } from 'react';
import type { InboxSummary } from '../../../src-shared/api/routes';
import { formatCount, Icon, IconButton, Skeleton, type IconName } from '../../ui';
import { useQuery } from '../../bridge/useQuery';
import { useSession } from '../session/session-store';
import { CustomInboxDialog } from './CustomInboxDialog';
import { useInbox, type StatusFilter } from './inbox-store';

const ICONS: Record<InboxSummary['kind'], IconName> = { all: 'inbox', mine: 'user', unassigned: 'userX', team: 'users', custom: 'folder' };

export function InboxSidebar() {
  const summaries = useInbox((s) => s.summaries);
  const error = useInbox((s) => s.summariesError);
  const inbox = useInbox((s) => s.inbox);
  const total = useInbox((s) => s.total);
  const setInbox = useInbox((s) => s.setInbox);
  const meInboxes = useSession((s) => s.me?.inboxes.join(','));
  const [editing, setEditing] = useState<{ id: string | null } | null>(null);
  // A custom inbox that filters on a status opens on that status's tab.
  const { data: customInboxes } = useQuery('customInboxes', {}, []);
  const statusOf = new Map<string, StatusFilter>((customInboxes ?? []).flatMap((c) => (c.filter.status ? [[`custom:${c.id}`, c.filter.status] as const] : [])));

  useEffect(() => {
    void useInbox.getState().loadSummaries();
  }, [meInboxes]);

  // Start the list once the allowed inboxes are known; leave an inbox this user may no longer use.
  useEffect(() => {
    if (!summaries) return;
    const keys = summaries.map((s) => s.key);
    if (!keys.includes(inbox)) setInbox(keys[0] ?? 'mine');
    else if (total === null) setInbox(inbox);
    // eslint-disable-next-line react-hooks/exhaustive-deps -- only new summaries move the user; their own choice of inbox must not
  }, [summaries]);

  const builtIn = summaries?.filter((s) => s.kind === 'all' || s.kind === 'mine' || s.kind === 'unassigned') ?? [];
  const teams = summaries?.filter((s) => s.kind === 'team') ?? [];
  const customs = summaries?.filter((s) => s.kind === 'custom') ?? [];

  const item = (s: InboxSummary & { unread?: boolean }) => (
    <li key={s.key} className="inbox-item-row">
      <button
        type="button"
        className="inbox-item"
        aria-current={inbox === s.key ? 'true' : undefined}
        title={s.name}
        onClick={() => setInbox(s.key, statusOf.get(s.key))}
      >
        <Icon name={ICONS[s.kind]} size={17} />
        <span className="inbox-item__name">{s.name}</span>
        {s.unread && (
          <span className="inbox-item__dot" title="New messages">
            <span className="visually-hidden">, new messages</span>
          </span>
        )}
        <span className="inbox-item__count">
          {formatCount(s.open_count)}
          <span className="visually-hidden"> open</span>
        </span>
      </button>
      {s.kind === 'custom' && (
        <IconButton icon="pencil" size="sm" label={`Edit ${s.name}`} className="inbox-item__edit" onClick={() => setEditing({ id: s.key.slice(7) })} />
      )}
    </li>
  );

  return (
    <aside className="inbox-sidebar" aria-label="Inboxes">
      <div className="pane-header inbox-sidebar__header">
        <h1 className="pane-title">Messages</h1>
      </div>
      <div className="inbox-sidebar__scroll">
        {!summaries && !error && (
          <div className="inbox-sidebar__loading" aria-hidden="true">
            {[70, 55, 80, 60].map((w, i) => (
              <Skeleton key={i} width={`${w}%`} height={14} />
            ))}
          </div>
        )}
        {error && !summaries && (
          <p className="inbox-sidebar__error" role="alert">
            Couldn't load inboxes: {error.message}
          </p>
        )}
        {builtIn.length > 0 && (
          <section aria-labelledby="inboxes-builtin">
            <h2 id="inboxes-builtin" className="section-label">
              Inboxes
            </h2>
            <ul className="inbox-list">{builtIn.map(item)}</ul>
          </section>
        )}
        {teams.length > 0 && (
          <section aria-labelledby="inboxes-teams">
            <h2 id="inboxes-teams" className="section-label">
              Teams
            </h2>
            <ul className="inbox-list">{teams.map(item)}</ul>
          </section>
        )}
        {summaries && (
          <section aria-labelledby="inboxes-custom">
            <div className="section-label-row">
              <h2 id="inboxes-custom" className="section-label">
                Custom inboxes
              </h2>
              <IconButton icon="plus" size="sm" label="New custom inbox" onClick={() => setEditing({ id: null })} />
            </div>
            {customs.length > 0 ? (
              <ul className="inbox-list">{customs.map(item)}</ul>
            ) : (
              <p className="inbox-sidebar__hint">
                Save a filter — by assignee, team, tag, lifecycle, field or words — as your own inbox, and share it with your team.
              </p>
            )}
          </section>
        )}
      </div>
      {editing && <CustomInboxDialog inboxId={editing.id} onClose={() => setEditing(null)} />}
    </aside>
  );
}
