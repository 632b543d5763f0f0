// The open conversation: header with actions, the thread, the composer, and the contact's details.
import { useState } from 'react';
import { command, DesktopError } from '../../bridge/client';
import type { OutboxItem } from '../../../src-shared/desktop/api';
import { Avatar, Button, EmptyState, ErrorState, Icon, IconButton, LoadingState, toast } from '../../ui';
import { useNavigation } from '../shell/navigation-store';
import { AssignMenu } from './AssignMenu';
import { CloseDialog } from './CloseDialog';
import { Composer } from './Composer';
import { ContactPanel } from './ContactPanel';
import { useConversation } from './conversation-store';
import { useOutboxActions } from './outbox-actions';
import { doneOrQueued, useSession } from '../session/session-store';
import { Thread } from './Thread';

export function ConversationPane({ contactId, detailsOpen, onToggleDetails }: { contactId: string; detailsOpen: boolean; onToggleDetails: () => void }) {
  const detail = useConversation((s) => (s.contactId === contactId ? s.detail : null));
  const entries = useConversation((s) => (s.contactId === contactId ? s.entries : null));
  const missing = useConversation((s) => s.missing);
  const error = useConversation((s) => s.error);
  const closeConversation = useNavigation((s) => s.closeConversation);
  const notice = useSession((s) => s.session?.notice ?? null);
  const [closing, setClosing] = useState(false);
  const [reopening, setReopening] = useState(false);

  if (missing) {
    return (
      <section className="thread-pane thread-pane--empty" aria-label="Conversation">
        <EmptyState
          icon="lock"
          title="This conversation is not available"
          action={
            <Button size="sm" onClick={closeConversation}>
              Back to the list
            </Button>
          }
        >
          {notice?.kind === 'access_changed' ? notice.message : "It may have been reassigned to someone whose conversations you can't see."}
        </EmptyState>
      </section>
    );
  }
  if (error && !detail) {
    return (
      <section className="thread-pane thread-pane--empty" aria-label="Conversation">
        <ErrorState error={error} what="this conversation" onRetry={() => void useConversation.getState().refresh()} />
      </section>
    );
  }
  if (!detail || !entries) {
    return (
      <section className="thread-pane thread-pane--empty" aria-label="Conversation">
        <LoadingState label="Opening the conversation…" />
      </section>
    );
  }

  const contact = detail.contact;
  const reopen = async () => {
    setReopening(true);
    try {
      await command('reopen', { contact_id: contact.id });
      toast.success(doneOrQueued('Conversation reopened', 'Will reopen the conversation'));
    } catch (err) {
      toast.error(`Couldn't reopen: ${(err as DesktopError).message}`);
    } finally {
      setReopening(false);
    }
  };

  return (
    <>
      <section className="thread-pane" aria-labelledby="thread-title">
        <header className="thread-header">
          <Avatar name={contact.name} size="md" />
          <div className="thread-header__who">
            <h2 id="thread-title" className="thread-header__name">
              {contact.name}
            </h2>
            <p className="thread-header__sub">
              <span className={`pill pill--${contact.status}`}>{contact.status === 'open' ? 'Open' : 'Closed'}</span>
              {contact.phone && <span>{contact.phone}</span>}
              {!contact.phone && contact.email && <span>{contact.email}</span>}
            </p>
          </div>
          <div className="thread-header__actions">
            <AssignMenu contact={contact} />
            {contact.status === 'open' ? (
              <Button icon="checkCircle" onClick={() => setClosing(true)}>
                Close
              </Button>
            ) : (
              <Button icon="reopen" busy={reopening} onClick={() => void reopen()}>
                Reopen
              </Button>
            )}
            <IconButton
              icon="panel"
              label={detailsOpen ? 'Hide contact details' : 'Show contact details'}
              aria-pressed={detailsOpen}
              onClick={onToggleDetails}
            />
          </div>
        </header>
        {detail.failed_writes.length > 0 && <FailedWrites items={detail.failed_writes} />}
        <Thread contact={contact} entries={entries} />
        <Composer contact={contact} />
      </section>
      {detailsOpen && <ContactPanel detail={detail} />}
      {closing && <CloseDialog contact={contact} onClose={() => setClosing(false)} />}
    </>
  );
}

const REFUSED: Partial<Record<OutboxItem['kind'], string>> = {
  assign: "Couldn't change the assignee",
  close: "Couldn't close this conversation",
  reopen: "Couldn't reopen this conversation",
};

/** The contact's assignments, closes and reopens the server refused: undone here, said so, with the reason, to retry or discard. */
function FailedWrites({ items }: { items: OutboxItem[] }) {
  const { busy, act } = useOutboxActions();
  return (
    <div className="failed-writes">
      {items.map((item) => (
        <div key={item.client_id} className="alert alert--danger failed-writes__item" role="alert">
          <Icon name="alert" size={15} />
          <span className="failed-writes__text">
            {REFUSED[item.kind] ?? "Couldn't save a change"}: <span className="failed-writes__reason">{item.error ?? 'refused by the server'}</span>
          </span>
          <Button
            size="sm"
            variant="secondary"
            busy={busy === `retry:${item.client_id}`}
            onClick={() => void act(item.client_id, 'retry')}
            aria-label={`Retry: ${REFUSED[item.kind] ?? 'the change'}`}
          >
            Retry
          </Button>
          <Button
            size="sm"
            variant="ghost"
            busy={busy === `discard:${item.client_id}`}
            onClick={() => void act(item.client_id, 'discard')}
            aria-label={`Dismiss: ${REFUSED[item.kind] ?? 'the change'}`}
          >
            Dismiss
          </Button>
        </div>
      ))}
    </div>
  );
}
