// The password rule every password a person chooses must pass. The server checks all of it (the
// list of common passwords lives there); clients state it on screen and check what they can.
import { z } from 'zod';

const PASSWORD_MIN_CHARS = 10;

/** The rule in words, as the screens that ask for a new password state it. */
export const PASSWORD_RULE = `At least ${PASSWORD_MIN_CHARS} characters, not your email, and not a common password.`;

/** A password being chosen (sign-in takes any non-empty one: older passwords stay valid until changed). */
export const NewPassword = z.string().min(PASSWORD_MIN_CHARS, `must be at least ${PASSWORD_MIN_CHARS} characters`).max(200);

/** What is wrong with a new password, as far as can be told without the list of common ones; null when nothing. */
export function passwordProblem(password: string, email: string): string | null {
  if (password.length < PASSWORD_MIN_CHARS) return `The password must be at least ${PASSWORD_MIN_CHARS} characters.`;
  const p = password.trim().toLowerCase();
  const e = email.trim().toLowerCase();
  if (e && (p === e || p === e.split('@')[0])) return 'The password must not be your email.';
  return null;
}
