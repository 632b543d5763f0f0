// The thread: messages, comments (internal notes) and events in time order, grouped by day.
// Everything a contact wrote is rendered as React text: never HTML, never a live link.
import { Fragment, memo, useEffect, useLayoutEffect, useRef, useState } from 'react';
import type { ThreadEntry } from '../../../src-shared/desktop/api';
import { splitMentions } from '../../../src-shared/mentions';
import type { Contact, Message, ThreadEvent, User } from '../../../src-shared/model';
import { Avatar, Button, EmptyState, formatClock, formatDateTime, formatDay, Icon, sameDay, toast } from '../../ui';
import { useDirectory } from '../../workspace/directory-store';
import { useNavigation } from '../shell/navigation-store';
import { useConversation } from './conversation-store';
import { useOutboxActions } from './outbox-actions';

const NEAR_BOTTOM_PX = 160;

function entryDomId(e: ThreadEntry): string {
  return e.type === 'message' ? `message-${e.message.id}` : e.type === 'comment' ? `comment-${e.comment.id}` : `event-${e.event.id}`;
}

export function Thread({ contact, entries }: { contact: Contact; entries: ThreadEntry[] }) {
  const usersById = useDirectory((s) => s.usersById);
  const categories = useDirectory((s) => s.categories);
  const target = useNavigation((s) => s.target);
  const limit = useConversation((s) => s.limit);
  const sentNonce = useConversation((s) => s.sentNonce);
  const scrollRef = useRef<HTMLDivElement>(null);
  const stickToBottom = useRef(true);
  const shownFor = useRef<string | null>(null);
  const [highlight, setHighlight] = useState<string | null>(null);

  // Opening a conversation starts at the newest entry; new entries keep it there if the reader was.
  useLayoutEffect(() => {
    const el = scrollRef.current;
    if (!el) return;
    if (shownFor.current !== contact.id) {
      shownFor.current = contact.id;
      stickToBottom.current = true;
    }
    if (stickToBottom.current && !target) el.scrollTop = el.scrollHeight;
  }, [contact.id, entries, target]);

  useEffect(() => {
    if (sentNonce === 0) return;
    stickToBottom.current = true;
    const el = scrollRef.current;
    if (el) el.scrollTop = el.scrollHeight;
  }, [sentNonce]);

  // A notification or deep link asked for one comment or message: scroll to it and flash it.
  useEffect(() => {
    if (!target) return;
    const domId = `${target.kind}-${target.id}`;
    const el = document.getElementById(domId);
    if (el) {
      stickToBottom.current = false;
      el.scrollIntoView({ block: 'center' });
      // Entries above may settle their height after the jump; aim again once they have.
      window.setTimeout(() => el.scrollIntoView({ block: 'center' }), 120);
      setHighlight(domId);
      useNavigation.getState().clearTarget();
      const t = window.setTimeout(() => setHighlight(null), 4000);
      return () => window.clearTimeout(t);
    }
    if (entries.length >= limit && limit < 5000) {
      useConversation.getState().showEarlier();
    } else {
      useNavigation.getState().clearTarget();
      toast.info(`That ${target.kind} is no longer in this conversation.`);
    }
  }, [target, entries, limit]);

  // Entries render lazily (content-visibility) and change height as they do: stay at the bottom.
  useEffect(() => {
    const el = scrollRef.current;
    const list = el?.querySelector('.thread__list');
    if (!el || !list) return;
    const ro = new ResizeObserver(() => {
      if (stickToBottom.current) el.scrollTop = el.scrollHeight;
    });
    ro.observe(list);
    return () => ro.disconnect();
  }, [entries.length === 0]);

  const onScroll = () => {
    const el = scrollRef.current;
    if (el) stickToBottom.current = el.scrollHeight - el.scrollTop - el.clientHeight < NEAR_BOTTOM_PX;
  };

  const nameOf = (id: string | null) => (id ? (usersById.get(id)?.name ?? 'a former user') : null);
  const categoryName = (id: string | null) => (id ? (categories.find((c) => c.id === id)?.name ?? null) : null);

  return (
    <div ref={scrollRef} className="thread" onScroll={onScroll} tabIndex={0} aria-label={`Conversation with ${contact.name}`} role="region">
      {entries.length >= limit && limit < 5000 && (
        <div className="thread__more">
          <Button size="sm" variant="ghost" icon="history" onClick={() => useConversation.getState().showEarlier()}>
            Show earlier
          </Button>
        </div>
      )}
      {entries.length === 0 ? (
        <EmptyState icon="message" title="No messages yet" compact>
          Write the first message below, or add an internal comment for your team.
        </EmptyState>
      ) : (
        <ol className="thread__list">
          {entries.map((e, i) => {
            const prev = entries[i - 1];
            const newDay = !prev || !sameDay(prev.at, e.at);
            const id = entryDomId(e);
            return (
              <Fragment key={id}>
                {newDay && (
                  <li className="thread__day" aria-hidden="false">
                    <span>{formatDay(e.at)}</span>
                  </li>
                )}
                {e.type === 'message' ? (
                  <MessageItem
                    domId={id}
                    message={e.message}
                    outboxId={e.message.outbox_id}
                    outboxError={e.message.outbox_error}
                    contactName={contact.name}
                    author={e.message.author_id ? usersById.get(e.message.author_id) : undefined}
                    grouped={
                      !newDay &&
                      prev?.type === 'message' &&
                      prev.message.direction === e.message.direction &&
                      prev.message.author_id === e.message.author_id &&
                      e.at - prev.at < 5 * 60_000
                    }
                    highlighted={highlight === id}
                  />
                ) : e.type === 'comment' ? (
                  <CommentItem
                    domId={id}
                    text={e.comment.text}
                    at={e.comment.created_at}
                    author={usersById.get(e.comment.author_id)}
                    pending={e.comment.pending}
                    outboxId={e.comment.outbox_id}
                    outboxError={e.comment.outbox_error}
                    usersById={usersById}
                    highlighted={highlight === id}
                  />
                ) : (
                  <EventItem domId={id} event={e.event} nameOf={nameOf} categoryName={categoryName} />
                )}
              </Fragment>
            );
          })}
        </ol>
      )}
    </div>
  );
}

/** A write the server refused, by its outbox row's client id: retry or discard it. */
function OutboxFailure({ clientId, reason, what }: { clientId: string; reason: string; what: 'message' | 'comment' }) {
  const { busy, act } = useOutboxActions();
  return (
    <div className="entry__failure" role="alert">
      <Icon name="alert" size={15} />
      <span className="entry__failure-text">
        Not sent: <span className="entry__failure-reason">{reason}</span>
      </span>
      <Button
        size="sm"
        variant="secondary"
        busy={busy === `retry:${clientId}`}
        onClick={() => void act(clientId, 'retry')}
        aria-label={`Retry sending this ${what}`}
      >
        Retry
      </Button>
      <Button size="sm" variant="ghost" busy={busy === `discard:${clientId}`} onClick={() => void act(clientId, 'discard')} aria-label={`Discard this ${what}`}>
        Discard
      </Button>
    </div>
  );
}

const STATUS_TEXT: Record<Message['status'], string> = { pending: 'Pending', sent: 'Sent', delivered: 'Delivered', read: 'Read', failed: 'Failed' };

function MessageStatus({ status }: { status: Message['status'] }) {
  const icon = status === 'pending' ? 'clock' : status === 'sent' ? 'check' : status === 'failed' ? 'alert' : 'checkCheck';
  return (
    <span className={`msg-status msg-status--${status}`} title={STATUS_TEXT[status]}>
      <Icon name={icon} size={14} />
      <span className="msg-status__text">{STATUS_TEXT[status]}</span>
    </span>
  );
}

const MessageItem = memo(function MessageItem({
  domId,
  message,
  outboxId,
  outboxError,
  contactName,
  author,
  grouped,
  highlighted,
}: {
  domId: string;
  message: Message & { written_at?: number };
  outboxId: string | null;
  outboxError: string | null;
  contactName: string;
  author: User | undefined;
  grouped: boolean;
  highlighted: boolean;
}) {
  const out = message.direction === 'outgoing';
  const failed = message.status === 'failed' || outboxError !== null;
  const who = out ? (author?.name ?? 'You') : contactName;
  const writtenAt = message.written_at ?? message.created_at;
  return (
    <li
      id={domId}
      className={`entry entry--message entry--${message.direction}${grouped ? ' entry--grouped' : ''}${highlighted ? ' entry--highlight' : ''}${failed ? ' entry--failed' : ''}`}
    >
      {!grouped && <span className="entry__author">{who}</span>}
      <div className="bubble">
        <span className="visually-hidden">{who}: </span>
        <p className="bubble__text">{message.text}</p>
      </div>
      <div className="entry__meta">
        {/* A message that waited offline shows when it was written; the tooltip says when it went. */}
        <time
          dateTime={new Date(writtenAt).toISOString()}
          title={
            writtenAt !== message.created_at
              ? `Written ${formatDateTime(writtenAt)}, sent ${formatDateTime(message.created_at)}`
              : formatDateTime(message.created_at)
          }
        >
          {formatClock(writtenAt)}
        </time>
        {out && <MessageStatus status={outboxError ? 'failed' : message.status} />}
      </div>
      {out &&
        failed &&
        (outboxError !== null && outboxId !== null ? (
          <OutboxFailure clientId={outboxId} reason={outboxError} what="message" />
        ) : (
          message.fail_reason && <p className="entry__failure-static">{message.fail_reason}</p>
        ))}
    </li>
  );
});

const CommentItem = memo(function CommentItem({
  domId,
  text,
  at,
  author,
  pending,
  outboxId,
  outboxError,
  usersById,
  highlighted,
}: {
  domId: string;
  text: string;
  at: number;
  author: User | undefined;
  pending: boolean;
  outboxId: string | null;
  outboxError: string | null;
  usersById: Map<string, User>;
  highlighted: boolean;
}) {
  return (
    <li id={domId} className={`entry entry--comment${highlighted ? ' entry--highlight' : ''}`}>
      <div className="note">
        <div className="note__head">
          {author && <Avatar name={author.name} color={author.avatar_color} size="xs" />}
          <span className="note__author">{author?.name ?? 'A former user'}</span>
          <span className="note__tag">
            <Icon name="lock" size={12} /> Internal comment
          </span>
          <time className="note__time" dateTime={new Date(at).toISOString()} title={formatDateTime(at)}>
            {formatClock(at)}
          </time>
          {pending && !outboxError && (
            <span className="msg-status msg-status--pending" title="Pending">
              <Icon name="clock" size={13} />
              <span className="msg-status__text">Pending</span>
            </span>
          )}
        </div>
        <p className="note__text">
          {splitMentions(text).map((p, i) =>
            p.kind === 'text' ? (
              <Fragment key={i}>{p.text}</Fragment>
            ) : (
              <span key={i} className="mention">
                @{usersById.get(p.userId)?.name ?? 'unknown user'}
              </span>
            ),
          )}
        </p>
      </div>
      {outboxError !== null && outboxId !== null && <OutboxFailure clientId={outboxId} reason={outboxError} what="comment" />}
    </li>
  );
});

function EventItem({
  domId,
  event,
  nameOf,
  categoryName,
}: {
  domId: string;
  event: ThreadEvent;
  nameOf: (id: string | null) => string | null;
  categoryName: (id: string | null) => string | null;
}) {
  const actor = nameOf(event.actor_id);
  const assignee = nameOf(event.assignee_id);
  let icon: 'userPlus' | 'userX' | 'reopen' | 'checkCircle' = 'userPlus';
  let text: string;
  switch (event.kind) {
    case 'assigned':
      text = actor && actor !== assignee ? `${actor} assigned this conversation to ${assignee ?? 'someone'}` : `Assigned to ${assignee ?? 'someone'}`;
      break;
    case 'unassigned':
      icon = 'userX';
      text = actor ? `${actor} unassigned this conversation` : 'Conversation unassigned';
      break;
    case 'opened':
      icon = 'reopen';
      text = actor ? `${actor} opened the conversation` : 'Conversation opened';
      break;
    case 'closed':
      icon = 'checkCircle';
      text = actor ? `${actor} closed the conversation` : 'Conversation closed';
      break;
  }
  const category = categoryName(event.closing_category_id);
  return (
    <li id={domId} className={`entry entry--event entry--event-${event.kind}`}>
      <div className="event-line">
        <Icon name={icon} size={14} />
        <span>{text}</span>
        <time dateTime={new Date(event.created_at).toISOString()} title={formatDateTime(event.created_at)}>
          {formatClock(event.created_at)}
        </time>
      </div>
      {event.kind === 'closed' && (category || event.closing_summary) && (
        <div className="closing-note">
          {category && <span className="closing-note__category">{category}</span>}
          {event.closing_summary && <p className="closing-note__summary">{event.closing_summary}</p>}
        </div>
      )}
    </li>
  );
}
