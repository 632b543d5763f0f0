// The session token every signed-in request and stream carries, and what it allows.
import { ApiError } from '../../src-shared/api/errors';
import type { UserRow } from '../workspace/rows';
import type { Store } from '../workspace/store';
import { authenticate } from '../workspace/users';

export const PASSWORD_FIRST = 'Choose your own password first: the one you were given works only for that.';

const BEARER = /^Bearer ([A-Za-z0-9_-]{20,200})$/i;

/** The signed-in user of an Authorization header; 401 without a valid session. */
export async function sessionOf(store: Store, authorization: string | undefined, missing: string): Promise<{ user: UserRow; tokenHash: string }> {
  const m = BEARER.exec(String(authorization ?? ''));
  if (!m) throw new ApiError('unauthorized', missing);
  return authenticate(store, m[1]);
}

/** A user signed in with a password someone else gave may only choose their own. */
export function mustChangePassword(user: UserRow): boolean {
  return Boolean(Number(user.must_change_password));
}
