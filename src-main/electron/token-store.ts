// The session token, encrypted by the OS (Electron safeStorage: Keychain, DPAPI, libsecret/kwallet)
// into a file in userData. Pure (no electron import): main.ts passes safeStorage in as a Cipher, so
// this is unit-tested with a stand-in cipher.
//
// The choice when the OS offers no real encryption (isEncryptionAvailable() is false, or on Linux
// the "basic_text" backend, whose key is a constant in Chromium's source): the token is kept in
// memory for this run only and never written in plaintext. The user signs in again after a restart;
// the cache on disk stays, so the app still opens from it. A token file left from an earlier run
// that cannot be decrypted now is deleted on sign-out and replaced on the next sign-in.
import { existsSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import type { TokenStore } from '../core/service/ports';

export interface Cipher {
  /** True only when the OS really protects the key (not a hard-coded one). */
  available(): boolean;
  encrypt(plain: string): Buffer;
  decrypt(sealed: Buffer): string;
}

export type TokenPersistence = 'encrypted-file' | 'memory-only';

const MAX_TOKEN_FILE = 64 * 1024;

export class SafeTokenStore implements TokenStore {
  private memory: string | null = null;

  constructor(
    private readonly file: string,
    private readonly cipher: Cipher,
    private readonly log: (msg: string, err?: unknown) => void = () => {},
  ) {}

  /** Where a token saved now would live. */
  get persistence(): TokenPersistence {
    return this.cipher.available() ? 'encrypted-file' : 'memory-only';
  }

  load(): string | null {
    if (this.memory !== null) return this.memory;
    if (!this.cipher.available() || !existsSync(this.file)) return null;
    try {
      const sealed = readFileSync(this.file);
      if (sealed.length === 0 || sealed.length > MAX_TOKEN_FILE) throw new Error(`token file of ${sealed.length} bytes`);
      const token = this.cipher.decrypt(sealed);
      if (!token) throw new Error('empty token');
      this.memory = token;
      return token;
    } catch (err) {
      // Another user's keychain, a reset keyring, a damaged file: the session is gone; sign in again.
      this.log('the saved session cannot be read; signing in again is needed', err);
      this.remove();
      return null;
    }
  }

  save(token: string | null): void {
    this.memory = token;
    if (token === null) {
      this.remove();
      return;
    }
    if (!this.cipher.available()) {
      this.log('no OS encryption for the session token: it is kept for this run only');
      this.remove();
      return;
    }
    const tmp = `${this.file}.${process.pid}.tmp`;
    writeFileSync(tmp, this.cipher.encrypt(token), { mode: 0o600 });
    renameSync(tmp, this.file);
  }

  private remove(): void {
    try {
      rmSync(this.file, { force: true });
    } catch (err) {
      this.log('could not delete the token file', err);
    }
  }
}
