// F7 The Notification Center: New, Archived, All; archive one or all; mark read; a click opens
// the conversation at the comment or message and marks the item read.
import { END_WORDS } from '../../../src-shared/alerts';
import { useEffect, useState } from 'react';
import { mentionsToNames } from '../../../src-shared/mentions';
import type { Notification, NotificationKind } from '../../../src-shared/model';
import { isUnread } from '../../../src-shared/unread';
import { command, DesktopError } from '../../bridge/client';
import { Avatar, Button, EmptyState, ErrorState, formatDateTime, formatRelative, Icon, IconButton, LoadingState, toast, type IconName } from '../../ui';
import { useDirectory } from '../../workspace/directory-store';
import { useSession } from '../session/session-store';
import { useNavigation } from '../shell/navigation-store';
import { useNotifications, type NotificationTab } from './notifications-store';

const TABS: { tab: NotificationTab; label: string }[] = [
  { tab: 'new', label: 'New' },
  { tab: 'archived', label: 'Archived' },
  { tab: 'all', label: 'All' },
];

const KIND_ICON: Record<NotificationKind, IconName> = {
  comment_mention: 'at',
  contact_assigned: 'userPlus',
  new_message_assigned: 'message',
  new_message_unassigned: 'inbox',
  needs_attention: 'alert',
  webhook_paused: 'warning',
};

const KIND_LABEL: Record<NotificationKind, string> = {
  comment_mention: 'Comment mention',
  contact_assigned: 'Contact assigned',
  new_message_assigned: 'New message',
  new_message_unassigned: 'New message (unassigned)',
  needs_attention: 'Needs attention',
  webhook_paused: 'Webhook paused',
};

export function NotificationCenter() {
  const tab = useNotifications((s) => s.tab);
  const items = useNotifications((s) => s.items);
  const hasOlder = useNotifications((s) => s.hasOlder);
  const error = useNotifications((s) => s.error);
  const setTab = useNotifications((s) => s.setTab);
  const unread = useSession((s) => s.unread);
  const [archivingAll, setArchivingAll] = useState(false);

  useEffect(() => {
    useNotifications.getState().setActive(true);
    return () => useNotifications.getState().setActive(false);
  }, []);

  const archiveAll = async () => {
    setArchivingAll(true);
    try {
      await command('archiveAllNotifications', {});
      toast.success('All notifications archived');
    } catch (err) {
      toast.error(`Couldn't archive: ${(err as DesktopError).message}`);
    } finally {
      setArchivingAll(false);
    }
  };

  const hasNew = tab !== 'archived' && (items ?? []).some((n) => !n.archived_at);

  return (
    <div className="page notifications">
      <header className="page__header">
        <div>
          <h1 className="page__title">Notifications</h1>
          <p className="page__subtitle">{unread ? `${unread} unread` : 'Nothing unread'}</p>
        </div>
        <Button icon="archive" onClick={() => void archiveAll()} busy={archivingAll} disabled={!hasNew}>
          Archive all
        </Button>
      </header>
      <div className="tabs" role="tablist" aria-label="Notifications">
        {TABS.map((t) => (
          <button
            key={t.tab}
            id={`ntab-${t.tab}`}
            type="button"
            role="tab"
            className="tabs__tab"
            aria-selected={tab === t.tab}
            aria-controls="ntab-panel"
            tabIndex={tab === t.tab ? 0 : -1}
            onClick={() => setTab(t.tab)}
            onKeyDown={(e) => {
              if (e.key !== 'ArrowRight' && e.key !== 'ArrowLeft') return;
              e.preventDefault();
              const i = TABS.findIndex((x) => x.tab === tab);
              const next = TABS[(i + (e.key === 'ArrowRight' ? 1 : TABS.length - 1)) % TABS.length];
              setTab(next.tab);
              document.getElementById(`ntab-${next.tab}`)?.focus();
            }}
          >
            {t.label}
            {t.tab === 'new' && unread > 0 && <span className="tabs__count">{unread}</span>}
          </button>
        ))}
      </div>
      <div className="notifications__panel" role="tabpanel" id="ntab-panel" aria-labelledby={`ntab-${tab}`}>
        {error && !items ? (
          <ErrorState error={error} what="notifications" onRetry={() => void useNotifications.getState().load()} />
        ) : !items ? (
          <LoadingState label="Loading notifications…" />
        ) : items.length === 0 ? (
          <EmptyState
            icon={tab === 'archived' ? 'archive' : 'bell'}
            title={tab === 'new' ? "You're all caught up" : tab === 'archived' ? 'Nothing archived yet' : 'No notifications yet'}
          >
            {tab === 'new'
              ? 'Mentions, assignments and new messages on your contacts will show up here.'
              : tab === 'archived'
                ? 'Archive a notification to keep your New tab short; it will wait here.'
                : 'When a teammate mentions you or assigns you a contact, you will see it here.'}
          </EmptyState>
        ) : (
          <>
            <ul className="notif-list">
              {items.map((n) => (
                <NotificationItem key={n.id} n={n} />
              ))}
            </ul>
            {hasOlder && (
              <div className="notif-list__more">
                <Button variant="secondary" onClick={() => useNotifications.getState().showOlder()}>
                  Show older
                </Button>
              </div>
            )}
          </>
        )}
      </div>
    </div>
  );
}

function NotificationItem({ n }: { n: Notification }) {
  const usersById = useDirectory((s) => s.usersById);
  const contactName = useNotifications((s) => (n.contact_id === null ? undefined : s.contacts[n.contact_id]));
  const actor = n.actor_id ? usersById.get(n.actor_id) : undefined;
  const contact = contactName ?? (contactName === null ? 'a contact you can no longer see' : '…');
  const unread = isUnread(n);
  const excerpt = mentionsToNames(n.excerpt, (id) => usersById.get(id)?.name);

  let title: string;
  switch (n.kind) {
    case 'comment_mention':
      title = `${actor?.name ?? 'Someone'} mentioned you on ${contact}`;
      break;
    case 'contact_assigned':
      title = actor ? `${actor.name} assigned ${contact} to you` : `${contact} was assigned to you`;
      break;
    case 'new_message_assigned':
    case 'new_message_unassigned':
      title = n.count > 1 ? `${n.count} new messages from ${contact}` : `New message from ${contact}`;
      break;
    case 'needs_attention':
      title = n.alert?.ended_at ? `${contact}: ended, ${END_WORDS[n.alert.ended ?? 'closed']}` : `${contact} needs attention`;
      break;
    case 'webhook_paused':
      title = 'A webhook was paused: it kept failing for 24 hours';
      break;
  }

  const open = () => {
    // An item about no contact (a paused webhook) opens Settings, where Integrations > Webhooks is.
    if (n.contact_id === null) useNavigation.getState().go('settings');
    else useNavigation.getState().openConversation(n.contact_id, { commentId: n.comment_id, messageId: n.message_id });
    if (unread) command('markNotificationRead', { id: n.id }).catch(() => undefined);
  };
  const act = async (name: 'markNotificationRead' | 'archiveNotification') => {
    try {
      await command(name, { id: n.id });
    } catch (err) {
      toast.error((err as DesktopError).message);
    }
  };

  return (
    <li className={`notif${unread ? ' notif--unread' : ''}${n.archived_at ? ' notif--archived' : ''}`}>
      <button type="button" className="notif__main" onClick={open}>
        <span className={`notif__icon notif__icon--${n.kind}`}>
          {actor && n.kind === 'comment_mention' ? (
            <Avatar name={actor.name} color={actor.avatar_color} size="md" />
          ) : (
            <Icon name={KIND_ICON[n.kind]} size={18} />
          )}
        </span>
        <span className="notif__body">
          <span className="notif__kind">{KIND_LABEL[n.kind]}</span>
          <span className="notif__title">{title}</span>
          {excerpt && <span className="notif__excerpt">{excerpt}</span>}
        </span>
        <span className="notif__side">
          <time dateTime={new Date(n.created_at).toISOString()} title={formatDateTime(n.created_at)}>
            {formatRelative(n.created_at)}
          </time>
          {unread && (
            <span className="notif__dot">
              <span className="visually-hidden">Unread</span>
            </span>
          )}
        </span>
      </button>
      <div className="notif__actions">
        {unread && <IconButton icon="check" size="sm" label="Mark read" onClick={() => void act('markNotificationRead')} />}
        {!n.archived_at && <IconButton icon="archive" size="sm" label="Archive" onClick={() => void act('archiveNotification')} />}
      </div>
    </li>
  );
}
