// Why a write could not be delivered, in words the agent understands: the server's own message names
// fields and ids ("assignee_id: no active user u_…"), which mean nothing on screen.
import type { OutboxItem } from '../../../src-shared/desktop/api';

type Kind = OutboxItem['kind'];

const WHAT: Record<Kind, string> = {
  message: 'This message',
  comment: 'This comment',
  assign: 'This assignment',
  close: 'Closing this conversation',
  reopen: 'Reopening this conversation',
  notification_read: 'Marking this notification read',
  notification_archive: 'Archiving this notification',
  notification_archive_all: 'Archiving all notifications',
};

/** The contact was taken out of the user's sight (restriction, reassignment) while the write waited. */
export const ACCESS_LOST = 'You no longer have access to this contact, so this could not be sent. Copy it or discard it.';

/** The reason shown for a write the server refused with `status`/`code`. */
export function refusalInWords(kind: Kind, status: number, code: string): string {
  const what = WHAT[kind];
  if (code === 'not_found' || status === 404) return `${what} could not be delivered: the contact or item is no longer available to you.`;
  if (code === 'forbidden' || status === 403) return `${what} was refused: you are not allowed to do this.`;
  if (code === 'payload_too_large' || status === 413) return `${what} is too long for the server.`;
  if (code === 'conflict' || code === 'idempotency_mismatch' || status === 409) return `${what} could not be applied: it changed on the server meanwhile.`;
  if (kind === 'assign') return 'This assignment was refused: that person can no longer be assigned contacts.';
  if (kind === 'comment') return 'This comment was refused: it mentions someone who is not a user of this workspace, or is not valid.';
  if (kind === 'message') return 'This message was refused: it is empty or too long.';
  if (kind === 'close') return 'Closing this conversation was refused: check the closing note.';
  return `${what} was refused by the server.`;
}
