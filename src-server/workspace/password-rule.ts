// The password rule (src-shared/passwords.ts) with the part only the server can check: the list of
// common passwords kept beside this file.
import { readFileSync } from 'node:fs';
import { ApiError } from '../../src-shared/api/errors';
import { passwordProblem } from '../../src-shared/passwords';

let common: Set<string> | undefined;

function commonPasswords(): Set<string> {
  common ??= new Set(
    readFileSync(new URL('./common-passwords.txt', import.meta.url), 'utf8')
      .split('\n')
      .map((l) => l.trim().toLowerCase())
      .filter((l) => l && !l.startsWith('#')),
  );
  return common;
}

/** Throws 400 with the reason in words when `password` breaks the rule for the user with `email`. */
export function assertPasswordAllowed(password: string, email: string): void {
  const problem = passwordProblem(password, email);
  if (problem) throw new ApiError('invalid_request', problem);
  if (commonPasswords().has(password.trim().toLowerCase())) {
    throw new ApiError('invalid_request', 'This password is too common and easy to guess: choose another.');
  }
}
