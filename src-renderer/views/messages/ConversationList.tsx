// The conversation list: virtualized (only the rows on screen exist in the DOM, pages fetched as
// they come into view: see inbox-store), so 100,000 conversations scroll as smoothly as ten. J/K
// anywhere, arrows when focused.
import { useVirtualizer } from '@tanstack/react-virtual';
import { memo, useCallback, useEffect, useMemo, useRef, useState } from 'react';
import type { InboxRow } from '../../../src-shared/desktop/api';
import { mentionsToNames } from '../../../src-shared/mentions';
import type { User } from '../../../src-shared/model';
import { Avatar, Button, EmptyState, ErrorState, formatCount, formatDateTime, formatTime, Icon, Skeleton } from '../../ui';
import { useDirectory } from '../../workspace/directory-store';
import { useNavigation } from '../shell/navigation-store';
import { highlight } from '../../../src-shared/search-match';
import { indexOfContact, rowAt, useInbox, type StatusFilter } from './inbox-store';

const ROW_HEIGHT = 84;

export function ConversationList() {
  const total = useInbox((s) => s.total);
  const pages = useInbox((s) => s.pages);
  const listError = useInbox((s) => s.listError);
  const status = useInbox((s) => s.status);
  const q = useInbox((s) => s.q);
  const inboxName = useInbox((s) => s.summaries?.find((x) => x.key === s.inbox)?.name ?? 'Conversations');
  const contactId = useNavigation((s) => s.contactId);
  const openConversation = useNavigation((s) => s.openConversation);
  const usersById = useDirectory((s) => s.usersById);
  const scrollRef = useRef<HTMLDivElement>(null);
  const nameOf = useCallback((id: string) => usersById.get(id)?.name, [usersById]);

  const count = total ?? 0;
  const virtualizer = useVirtualizer({
    count,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 10,
  });
  const items = virtualizer.getVirtualItems();
  const first = items[0]?.index ?? 0;
  const last = items[items.length - 1]?.index ?? 0;

  useEffect(() => {
    useInbox.getState().showRange(first, Math.max(last, first + 20));
  }, [first, last, total]);

  // A new inbox, filter or search starts at the top.
  useEffect(() => {
    scrollRef.current?.scrollTo({ top: 0 });
  }, [status, q, inboxName]);

  // A conversation opened from elsewhere (the Dashboard, a notification, a restart) is shown and
  // highlighted in the list: found in this list, or the list switches to one that holds it.
  useEffect(() => {
    if (!contactId || indexOfContact(useInbox.getState().pages, contactId) >= 0) return;
    void useInbox.getState().locate(contactId);
  }, [contactId]);
  const focusIndex = useInbox((s) => s.focusIndex);
  useEffect(() => {
    if (focusIndex === null || total === null) return;
    if (focusIndex < total) virtualizer.scrollToIndex(focusIndex, { align: 'center' });
    useInbox.getState().clearFocusIndex();
  }, [focusIndex, total, virtualizer]);

  const selectedIndex = useMemo(() => (contactId ? indexOfContact(pages, contactId) : -1), [pages, contactId]);

  const move = useCallback(
    (delta: number) => {
      const { pages: p, total: t } = useInbox.getState();
      if (!t) return;
      const current = contactId ? indexOfContact(p, contactId) : -1;
      const next = current < 0 ? (delta > 0 ? 0 : Math.max(0, first)) : Math.min(t - 1, Math.max(0, current + delta));
      const row = rowAt(p, next);
      virtualizer.scrollToIndex(next, { align: 'auto' });
      if (row) openConversation(row.id);
    },
    [contactId, first, openConversation, virtualizer],
  );

  // J / K move through the list from anywhere but a text field or an open dialog.
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.ctrlKey || e.metaKey || e.altKey || e.defaultPrevented) return;
      const t = e.target as HTMLElement | null;
      if (t && (t.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(t.tagName))) return;
      if (document.querySelector('dialog[open]')) return;
      const inList = scrollRef.current?.contains(t) ?? false;
      let delta = 0;
      if (e.key === 'j' || (inList && e.key === 'ArrowDown')) delta = 1;
      else if (e.key === 'k' || (inList && e.key === 'ArrowUp')) delta = -1;
      else if (inList && e.key === 'PageDown') delta = 10;
      else if (inList && e.key === 'PageUp') delta = -10;
      if (delta === 0) return;
      e.preventDefault();
      move(delta);
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [move]);

  // Only a rendered row can be the active descendant.
  const activeId = contactId && selectedIndex >= first && selectedIndex <= last ? `conv-option-${contactId}` : undefined;

  return (
    <section className="conv-list" aria-labelledby="conv-list-title">
      <div className="pane-header conv-list__header">
        <div className="conv-list__title-row">
          <h2 id="conv-list-title" className="pane-title">
            {inboxName}
          </h2>
          {total !== null && (
            <span className="conv-list__total" aria-live="polite">
              {formatCount(total)} {status}
            </span>
          )}
        </div>
        <SearchBox />
        <StatusToggle />
      </div>
      {listError && total === null ? (
        <ErrorState error={listError} what="the conversations" onRetry={() => useInbox.getState().refresh()} />
      ) : total === 0 ? (
        <ListEmpty status={status} q={q} inboxName={inboxName} />
      ) : (
        <div
          ref={scrollRef}
          className="conv-list__scroll"
          role="listbox"
          aria-label={`${inboxName}: ${status} conversations`}
          tabIndex={0}
          aria-activedescendant={activeId}
          aria-busy={total === null || undefined}
        >
          {total === null ? (
            <div role="presentation">
              {Array.from({ length: 8 }, (_, i) => (
                <SkeletonRow key={i} />
              ))}
            </div>
          ) : (
            <div role="presentation" className="conv-list__inner" style={{ height: virtualizer.getTotalSize() }}>
              {items.map((v) => {
                const row = rowAt(pages, v.index);
                return (
                  <div key={v.key} role="presentation" className="conv-list__slot" style={{ transform: `translateY(${v.start}px)`, height: ROW_HEIGHT }}>
                    {row ? (
                      <ConversationRow
                        row={row}
                        index={v.index}
                        total={count}
                        selected={row.id === contactId}
                        showClosed={status === 'open'}
                        assignee={row.assignee_id ? usersById.get(row.assignee_id) : undefined}
                        nameOf={nameOf}
                        onOpen={openConversation}
                        q={q.trim()}
                      />
                    ) : (
                      <SkeletonRow />
                    )}
                  </div>
                );
              })}
            </div>
          )}
        </div>
      )}
    </section>
  );
}

interface RowProps {
  row: InboxRow;
  index: number;
  total: number;
  selected: boolean;
  /** Mark closed rows (in the Open list, a row closed a moment ago stays until the list refreshes). */
  showClosed: boolean;
  assignee: User | undefined;
  nameOf: (id: string) => string | undefined;
  onOpen: (id: string) => void;
  /** The search in the box, to mark what matched. */
  q: string;
}

/** Text with the search's matches marked: React text nodes only (contact text is untrusted). */
function Marked({ text, q, around }: { text: string; q: string; around?: number }) {
  if (!q) return <>{text}</>;
  return (
    <>
      {highlight(text, q, around).map((s, i) =>
        s.hit ? (
          <mark key={i} className="search-hit">
            {s.text}
          </mark>
        ) : (
          <span key={i}>{s.text}</span>
        ),
      )}
    </>
  );
}

const ConversationRow = memo(function ConversationRow({ row, index, total, selected, showClosed, assignee, nameOf, onOpen, q }: RowProps) {
  // Searching: the message that matched (its words marked), not the latest one.
  const match = q ? row.match : null;
  const excerpt = match ? mentionsToNames(match.text, nameOf) : row.last_message ? mentionsToNames(row.last_message, nameOf) : 'No messages yet';
  const direction = match ? match.direction : row.last_message_direction;
  return (
    <div
      id={`conv-option-${row.id}`}
      role="option"
      aria-selected={selected}
      aria-posinset={index + 1}
      aria-setsize={total}
      className={`conv-row${selected ? ' conv-row--selected' : ''}${row.unread ? ' conv-row--unread' : ''}`}
      data-contact-id={row.id}
      onClick={() => onOpen(row.id)}
    >
      <Avatar name={row.name} size="md" />
      <div className="conv-row__body">
        <div className="conv-row__top">
          <span className="conv-row__name">
            <Marked text={row.name} q={q} />
          </span>
          <time className="conv-row__time" dateTime={new Date(row.last_activity_at).toISOString()} title={formatDateTime(row.last_activity_at)}>
            {formatTime(row.last_activity_at)}
          </time>
        </div>
        <div className="conv-row__excerpt">
          {direction === 'outgoing' && <span className="conv-row__you">You: </span>}
          <Marked text={excerpt} q={match ? q : ''} around={24} />
        </div>
        <div className="conv-row__bottom">
          {assignee ? (
            <span className="conv-row__assignee">
              <Avatar name={assignee.name} color={assignee.avatar_color} size="xs" />
              {assignee.name}
            </span>
          ) : (
            <span className="conv-row__assignee conv-row__assignee--none">Unassigned</span>
          )}
          {row.failed > 0 ? (
            <span className="conv-row__failed" title={`${row.failed} change(s) the server refused: open the conversation to retry or dismiss`}>
              <Icon name="alert" size={13} />
              Not saved
            </span>
          ) : (
            row.pending > 0 && (
              <span className="conv-row__pending" title={`${row.pending} change(s) waiting to be sent`}>
                <Icon name="clock" size={13} />
                Pending
              </span>
            )
          )}
          {showClosed && row.status === 'closed' && <span className="pill pill--closed">Closed</span>}
          {row.unread && (
            <span className="conv-row__unread">
              <span className="visually-hidden">Unread</span>
            </span>
          )}
        </div>
      </div>
    </div>
  );
});

function SkeletonRow() {
  return (
    <div className="conv-row conv-row--skeleton" aria-hidden="true">
      <span className="skeleton skeleton--circle" />
      <div className="conv-row__body">
        <Skeleton width="55%" height={12} />
        <Skeleton width="85%" height={10} />
        <Skeleton width="35%" height={10} />
      </div>
    </div>
  );
}

function ListEmpty({ status, q, inboxName }: { status: StatusFilter; q: string; inboxName: string }) {
  const setQuery = useInbox((s) => s.setQuery);
  if (q.trim()) {
    return (
      <EmptyState
        icon="search"
        title={`No ${status} conversations match “${q.trim()}”`}
        action={
          <Button size="sm" onClick={() => setQuery('')}>
            Clear search
          </Button>
        }
      >
        Try another name, phone number or word from the conversation.
      </EmptyState>
    );
  }
  return status === 'open' ? (
    <EmptyState icon="checkCircle" title="You're all caught up">
      No open conversations in {inboxName}.
    </EmptyState>
  ) : (
    <EmptyState icon="archive" title="No closed conversations">
      Conversations closed in {inboxName} will show here.
    </EmptyState>
  );
}

function SearchBox() {
  const q = useInbox((s) => s.q);
  const setQuery = useInbox((s) => s.setQuery);
  const [text, setText] = useState(q);
  const isMac = /Mac|iPhone|iPad/.test(navigator.platform);

  useEffect(() => setText(q), [q]);
  useEffect(() => {
    const t = window.setTimeout(() => setQuery(text), 200);
    return () => window.clearTimeout(t);
  }, [text, setQuery]);

  return (
    <div className="search">
      <Icon name="search" size={16} className="search__icon" />
      <input
        id="conversation-search"
        className="search__input"
        type="search"
        aria-label="Search conversations"
        placeholder="Search conversations"
        value={text}
        maxLength={200}
        onChange={(e) => setText(e.target.value)}
        onKeyDown={(e) => {
          if (e.key === 'Escape' && text) {
            e.preventDefault();
            setText('');
          } else if (e.key === 'ArrowDown' || e.key === 'Enter') {
            e.preventDefault();
            (document.querySelector('.conv-list__scroll') as HTMLElement | null)?.focus();
          }
        }}
      />
      {!text && (
        <kbd className="search__kbd" aria-hidden="true">
          {isMac ? '⌘K' : 'Ctrl K'}
        </kbd>
      )}
    </div>
  );
}

function StatusToggle() {
  const status = useInbox((s) => s.status);
  const setStatus = useInbox((s) => s.setStatus);
  return (
    <div className="segmented" role="group" aria-label="Show conversations">
      {(['open', 'closed'] as const).map((s) => (
        <button key={s} type="button" className="segmented__btn" aria-pressed={status === s} onClick={() => setStatus(s)}>
          {s === 'open' ? 'Open' : 'Closed'}
        </button>
      ))}
    </div>
  );
}
