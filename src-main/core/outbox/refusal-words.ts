// Why a write was refused, in the user's words. The server's messages are written for API
// developers ("assignee_id: no active user u_agent11"); the agent sees what happened and what to do.
import type { ServerError } from '../sync/server-api';

interface Rule {
  /** Matched against the server's message. */
  pattern: RegExp;
  words: string;
}

const BY_MESSAGE: Rule[] = [
  { pattern: /^assignee_id:/, words: 'The person chosen can no longer be assigned conversations (their account was deactivated or removed).' },
  { pattern: /^closing_category_id:.*archived/, words: 'The closing category was archived meanwhile; close again with another category.' },
  { pattern: /^closing_category_id:/, words: 'The closing category no longer exists; close again with another category.' },
  { pattern: /closing note .*required/, words: 'A closing note (a category and a summary) is required to close a conversation.' },
  { pattern: /^text: mentions/, words: 'It mentions someone who is not a user of this workspace (any more).' },
  { pattern: /has no open conversation/, words: 'The conversation had already been closed.' },
  { pattern: /already has an open conversation/, words: 'The conversation had already been reopened.' },
];

const BY_CODE: Record<string, string> = {
  not_found: 'You no longer have access to this contact, or it was deleted.',
  forbidden: 'You are not allowed to do this (any more): your access was changed.',
  payload_too_large: 'It is too long to be sent.',
  idempotency_mismatch: 'It clashed with an earlier change; write it again.',
};

/** Looks like an internal id (u_agent11, c_3f2…) or a field name prefix (assignee_id: …). */
const INTERNAL = /\b[a-z]{1,4}_[A-Za-z0-9_-]+\b|^[a-z_.]+:/;

export function refusalInWords(err: Pick<ServerError, 'code' | 'message'>): string {
  for (const r of BY_MESSAGE) if (r.pattern.test(err.message)) return r.words;
  if (BY_CODE[err.code]) return BY_CODE[err.code];
  // A plain sentence from the server is shown as it is; anything that names internals is not.
  if (!INTERNAL.test(err.message) && err.message.trim()) {
    const m = err.message.trim();
    return m[0].toUpperCase() + m.slice(1) + (/[.!?]$/.test(m) ? '' : '.');
  }
  return 'The server refused this change.';
}
