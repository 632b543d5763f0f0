// Retrying or discarding a write the server refused (a message, a comment, an assignment, a close or
// a reopen), with which of them is under way, for the buttons that offer it.
import { useState } from 'react';
import { command, DesktopError } from '../../bridge/client';
import { toast } from '../../ui';

export type OutboxAction = 'retry' | 'discard';

export function useOutboxActions(): { busy: string | null; act: (clientId: string, kind: OutboxAction) => Promise<void> } {
  /** `${kind}:${clientId}` of the action under way. */
  const [busy, setBusy] = useState<string | null>(null);
  const act = async (clientId: string, kind: OutboxAction) => {
    setBusy(`${kind}:${clientId}`);
    try {
      await command(kind === 'retry' ? 'retryOutbox' : 'discardOutbox', { client_id: clientId });
    } catch (err) {
      toast.error(`Couldn't ${kind}: ${(err as DesktopError).message}`);
    } finally {
      setBusy(null);
    }
  };
  return { busy, act };
}
