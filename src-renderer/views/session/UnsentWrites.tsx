// What the user wrote and is not delivered yet is never dropped without a word: signing out with
// unsent writes asks first (send them now, or discard them, with what they are), and writes that can
// no longer be delivered (the contact was taken away) stay listed, to copy or discard.
import { useState } from 'react';
import type { OutboxItem } from '../../../src-shared/desktop/api';
import { command, DesktopError } from '../../bridge/client';
import { useQuery } from '../../bridge/useQuery';
import { Button, Dialog, formatTime, toast } from '../../ui';
import { useSession, type SignOutAsk } from './session-store';

const KIND: Record<OutboxItem['kind'], string> = {
  message: 'Message',
  comment: 'Comment',
  assign: 'Assignment',
  close: 'Close',
  reopen: 'Reopen',
  notification_read: 'Notification marked read',
  notification_archive: 'Notification archived',
  notification_archive_all: 'All notifications archived',
};

function copy(text: string): void {
  void navigator.clipboard.writeText(text).then(
    () => toast.success('Copied'),
    () => toast.error("Couldn't copy: select the text and copy it yourself."),
  );
}

function WriteRow({ item, onDiscard }: { item: OutboxItem; onDiscard?: () => void }) {
  return (
    <li className="unsent__item">
      <p className="unsent__what">
        <strong>{KIND[item.kind]}</strong>
        {item.contact_name && ` to ${item.contact_name}`} · {formatTime(item.created_at)} · {item.state === 'failed' ? 'failed' : 'waiting to be sent'}
      </p>
      {item.text && <p className="unsent__text">{item.text}</p>}
      {item.error && <p className="unsent__reason">{item.error}</p>}
      <div className="unsent__actions">
        {item.text && (
          <Button size="sm" variant="ghost" onClick={() => copy(item.text!)}>
            Copy text
          </Button>
        )}
        {onDiscard && (
          <Button size="sm" variant="ghost" onClick={onDiscard}>
            Discard
          </Button>
        )}
      </div>
    </li>
  );
}

/** Asked when sign-out finds unsent writes (the session store opens it). */
export function SignOutDialog({ ask, onClose }: { ask: SignOutAsk; onClose: () => void }) {
  const finish = (discard_unsent: boolean) => (ask.everywhere ? command('signOutEverywhere', { discard_unsent }) : command('signOut', { discard_unsent }));
  const { data: items } = useQuery('outbox', {}, []);
  const [busy, setBusy] = useState<'send' | 'discard' | null>(null);
  const [left, setLeft] = useState<string | null>(null);

  const sendNow = async () => {
    setBusy('send');
    try {
      const remaining = await command('sendUnsent', {});
      if (remaining.length === 0) {
        await finish(false);
        return onClose();
      }
      const changes = remaining.length === 1 ? '1 change' : `${remaining.length} changes`;
      const offline = remaining.some((r) => r.state === 'pending') ? ' (the server cannot be reached)' : '';
      setLeft(`${changes} could not be sent${offline}. Copy what you need, or discard to sign out.`);
    } catch (err) {
      setLeft(err instanceof DesktopError ? err.message : "Couldn't send them.");
    } finally {
      setBusy(null);
    }
  };
  const discard = async () => {
    setBusy('discard');
    try {
      await finish(true);
      onClose();
    } finally {
      setBusy(null);
    }
  };

  return (
    <Dialog
      title={ask.everywhere ? 'Sign out everywhere with changes not sent?' : 'Sign out with changes not sent?'}
      description={left ?? ask.reason}
      onClose={onClose}
      size="md"
      footer={
        <>
          <Button variant="ghost" onClick={onClose}>
            Cancel
          </Button>
          <Button variant="danger" busy={busy === 'discard'} disabled={busy !== null} onClick={() => void discard()}>
            Discard and sign out
          </Button>
          <Button variant="primary" busy={busy === 'send'} disabled={busy !== null} onClick={() => void sendNow()} data-autofocus>
            Send now
          </Button>
        </>
      }
    >
      <ul className="unsent">
        {(items ?? []).map((i) => (
          <WriteRow key={i.client_id} item={i} />
        ))}
      </ul>
    </Dialog>
  );
}

/** Writes that can no longer be delivered anywhere (their contact was taken away): listed above every view. */
export function UndeliverableWrites() {
  const { data } = useQuery('outbox', {}, []);
  const [open, setOpen] = useState(false);
  const items = (data ?? []).filter((i) => !i.deliverable);
  if (!items.length) return null;
  const discard = (id: string) => void command('discardOutbox', { client_id: id });
  return (
    <>
      <div className="banner banner--danger" role="status">
        <span>{items.length === 1 ? '1 thing you wrote could not be delivered.' : `${items.length} things you wrote could not be delivered.`}</span>
        <Button size="sm" variant="ghost" onClick={() => setOpen(true)}>
          Review
        </Button>
      </div>
      {open && (
        <Dialog
          title="Not delivered"
          description="You no longer have access to these contacts. Copy what you wrote, or discard it."
          onClose={() => setOpen(false)}
        >
          <ul className="unsent">
            {items.map((i) => (
              <WriteRow key={i.client_id} item={i} onDiscard={() => discard(i.client_id)} />
            ))}
          </ul>
        </Dialog>
      )}
    </>
  );
}

/** The one line about this computer's copy of the data (rebuilt after damage, or too new to open), or about the user's access changed by a supervisor. */
export function CacheNotice() {
  const notice = useSession((s) => s.session?.notice ?? null);
  if (!notice) return null;
  return (
    <div className={`banner ${notice.kind === 'cache_too_new' ? 'banner--danger' : 'banner--offline'}`} role="status">
      <span>{notice.message}</span>
      {notice.kind !== 'cache_too_new' && (
        <Button size="sm" variant="ghost" onClick={() => void command('dismissNotice', {})}>
          Dismiss
        </Button>
      )}
    </div>
  );
}
