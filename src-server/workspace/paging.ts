// Keyset cursors: "<time>:<id>", opaque to clients.
import { ApiError } from '../../src-shared/api/errors';

export function encodeCursor(at: number, id: string): string {
  return `${at}:${id}`;
}

export function decodeCursor(cursor: string | undefined): { at: number; id: string } | null {
  if (!cursor) return null;
  const m = /^(\d{1,16}):([A-Za-z0-9_-]{1,64})$/.exec(cursor);
  if (!m) throw new ApiError('invalid_request', 'cursor: not a cursor this server gave');
  return { at: Number(m[1]), id: m[2] };
}
