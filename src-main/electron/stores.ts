// The core's storage ports over Electron: settings in electron-store, the session token through
// safeStorage (see token-store.ts for what happens without OS encryption).
import { safeStorage } from 'electron';
import Store from 'electron-store';
import type { KeyValueStore } from '../core/service/ports';
import { PRIVATE_FILE_MODE } from '../core/storage/private-folder';
import type { Cipher } from './token-store';

/** A KeyValueStore in electron-store (a JSON file in userData, written atomically). */
export class ElectronSettings implements KeyValueStore {
  readonly store: Store<Record<string, unknown>>;

  constructor(name: string) {
    this.store = new Store<Record<string, unknown>>({
      name,
      // Keys are the core's own names, not paths into nested objects.
      accessPropertiesByDotNotation: false,
      // A damaged settings file must not stop the app from starting: it starts from defaults.
      clearInvalidConfig: true,
      // Readable by this OS user only (the folder is 0700 too: main.ts).
      configFileMode: PRIVATE_FILE_MODE,
    });
  }

  get(key: string): unknown {
    return this.store.get(key);
  }

  set(key: string, value: unknown): void {
    if (value === undefined) this.store.delete(key);
    else this.store.set(key, value);
  }

  delete(key: string): void {
    this.store.delete(key);
  }
}

/** safeStorage as a Cipher. On Linux, the "basic_text" backend uses a key from Chromium's source: not protection. */
export const safeStorageCipher: Cipher = {
  available: () => safeStorage.isEncryptionAvailable() && !(process.platform === 'linux' && safeStorage.getSelectedStorageBackend() === 'basic_text'),
  encrypt: (plain) => safeStorage.encryptString(plain),
  decrypt: (sealed) => safeStorage.decryptString(sealed),
};
