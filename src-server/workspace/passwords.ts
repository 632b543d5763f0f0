// Passwords are hashed with argon2id at OWASP's parameters, off the event loop (libuv's thread pool);
// tokens are random and stored hashed. Hashes of earlier versions (scrypt) still verify, and are
// replaced at the user's next sign-in (needsRehash).
import { createHash, randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import { hash, verify, type Algorithm, type Options } from '@node-rs/argon2';

/**
 * OWASP's password storage cheat sheet: argon2id, 19 MiB, 2 passes, 1 lane. About 15-50 ms a hash
 * on our 2-core machines, where scrypt at OWASP's level (N=2^17) took over 600 ms.
 */
const ARGON2ID: Options = { algorithm: 2 as Algorithm /* Argon2id (an ambient const enum) */, memoryCost: 19_456, timeCost: 2, parallelism: 1 };
/** How every hash made with ARGON2ID starts: anything else is upgraded at the next sign-in. */
const CURRENT_PREFIX = `$argon2id$v=19$m=${ARGON2ID.memoryCost},t=${ARGON2ID.timeCost},p=${ARGON2ID.parallelism}$`;

export function hashPassword(password: string): Promise<string> {
  return hash(password, ARGON2ID);
}

/** True when the password matches; false for a wrong one or a hash this server cannot read. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  if (stored.startsWith('$argon2')) return verify(stored, password).catch(() => false);
  // scrypt$N$r$p$salt$key: the hashes of earlier versions (N=2^14, r=8, p=1).
  const [kind, n, r, p, salt, key] = stored.split('$');
  if (kind !== 'scrypt' || !key) return false;
  const expected = Buffer.from(key, 'base64');
  const actual = await new Promise<Buffer>((resolve, reject) =>
    scrypt(password, Buffer.from(salt, 'base64'), expected.length, { N: Number(n), r: Number(r), p: Number(p), maxmem: 64 * 1024 * 1024 }, (err, k) =>
      err ? reject(err) : resolve(k),
    ),
  ).catch(() => null);
  return !!actual && actual.length === expected.length && timingSafeEqual(actual, expected);
}

/** A stored hash made with other parameters than today's: hash the password again once it is known right. */
export function needsRehash(stored: string): boolean {
  return !stored.startsWith(CURRENT_PREFIX);
}

export function newToken(): string {
  return randomBytes(32).toString('base64url');
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}
