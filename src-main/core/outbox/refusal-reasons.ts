// Why a write could not be delivered, in words the agent understands: the server's own message names
// fields and ids ("assignee_id: no active user u_…"), which mean nothing on screen. Never shown: the
// server's field names, ids or codes.
import type { OutboxItem } from '../../../src-shared/desktop/api';
import type { ServerError } from '../sync/server-api';

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

/** The server's message (written for API developers) matched to what happened, in the user's words. */
const BY_MESSAGE: { pattern: RegExp; reason: string }[] = [
  { pattern: /^assignee_id:/, reason: 'that person can no longer be assigned conversations (their account was deactivated or removed)' },
  { pattern: /^closing_category_id:.*archived/, reason: 'the closing category was archived meanwhile; close again with another category' },
  { pattern: /^closing_category_id:/, reason: 'the closing category no longer exists; close again with another category' },
  { pattern: /closing note .*required/, reason: 'a closing note (a category and a summary) is required to close a conversation' },
  { pattern: /^text: mentions/, reason: 'it mentions someone who is not a user of this workspace (any more)' },
  { pattern: /has no open conversation/, reason: 'the conversation had already been closed' },
  { pattern: /already has an open conversation/, reason: 'the conversation had already been reopened' },
];

/** When the message says nothing more precise: what each kind of write is usually refused for. */
const BY_KIND: Partial<Record<Kind, string>> = {
  assign: 'that person can no longer be assigned conversations',
  comment: 'it mentions someone who is not a user of this workspace, or is not valid',
  message: 'it is empty or too long',
  close: 'check the closing note',
};

/** The contact was taken out of the user's sight (restriction, reassignment) while the write waited. */
export const ACCESS_LOST = 'You no longer have access to this contact, so this could not be sent. Copy it or discard it.';

/** The reason shown for a write of this kind the server refused. */
export function refusalInWords(kind: Kind, err: Pick<ServerError, 'status' | 'code' | 'message'>): string {
  const what = WHAT[kind];
  // The write's id had been used for other content (another copy of this app, an older queue): the
  // server kept the other write and did not apply this one.
  if (err.code === 'idempotency_mismatch') {
    return 'Not applied: the server had already received a different change under the same id (from another copy of this app or an older queue). Discard it and write it again.';
  }
  const said = BY_MESSAGE.find((r) => r.pattern.test(err.message));
  if (said) return `${what} was refused: ${said.reason}.`;
  if (err.code === 'not_found' || err.status === 404) return `${what} could not be delivered: the contact or item is no longer available to you.`;
  if (err.code === 'forbidden' || err.status === 403) return `${what} was refused: you are not allowed to do this (your access may have changed).`;
  if (err.code === 'payload_too_large' || err.status === 413) return `${what} is too long for the server.`;
  if (err.code === 'conflict' || err.status === 409) return `${what} could not be applied: it changed on the server meanwhile.`;
  const usual = BY_KIND[kind];
  return usual ? `${what} was refused: ${usual}.` : `${what} was refused by the server.`;
}

/** A write queued by an older version of the app whose address this one cannot read (cache migration 5). */
export const UNREADABLE_OLD_WRITE = 'This could not be sent: an older version of the app queued it in a form this one cannot read. Copy it or discard it.';
