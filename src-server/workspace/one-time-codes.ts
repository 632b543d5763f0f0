// Secrets a person reads and types once: setup codes and one-time passwords. Random (crypto), in
// groups of letters and digits that are hard to mistake for one another.
import { randomInt } from 'node:crypto';

// No 0/o, 1/l/i: read off a screen and typed in by hand.
const ALPHABET = 'abcdefghjkmnpqrstuvwxyz23456789';

/** `groups` groups of 4 characters joined by '-' (each group about 19.6 bits). */
export function readableCode(groups: number): string {
  const parts: string[] = [];
  for (let g = 0; g < groups; g++) {
    let part = '';
    for (let i = 0; i < 4; i++) part += ALPHABET[randomInt(ALPHABET.length)];
    parts.push(part);
  }
  return parts.join('-');
}

/** A one-time password given to a new user or after a reset: about 78 bits, changed at first sign-in. */
export const oneTimePassword = () => readableCode(4);
