// Host mode keeps settings with conf (electron-store's engine) and the session token in a private file
// (there is no OS keychain without Electron). The folder is 0700 and every file in it 0600.
// A damaged file never stops the app: settings start from defaults, a session is signed in again,
// and the log says why (as the Electron stores do).
import Conf from 'conf';
import { chmodSync, existsSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { KeyValueStore, TokenStore } from '../core/service/ports';
import { makePrivateFolder, PRIVATE_FILE_MODE } from '../core/storage/private-folder';

type Log = (msg: string, err?: unknown) => void;

/** What a settings file holds when it is readable: one JSON object. */
function settingsDamage(file: string): string | null {
  if (!existsSync(file)) return null;
  try {
    const data: unknown = JSON.parse(readFileSync(file, 'utf8'));
    return data !== null && typeof data === 'object' && !Array.isArray(data) ? null : 'it does not hold a JSON object';
  } catch (err) {
    return (err as Error).message;
  }
}

export function confStore(dataDir: string, log: Log = () => {}): KeyValueStore {
  makePrivateFolder(dataDir);
  const conf = new Conf<Record<string, unknown>>({
    cwd: dataDir,
    configName: 'settings',
    projectName: 'is-messenger',
    configFileMode: PRIVATE_FILE_MODE,
    // As electron-store is set up in the app: keys are the core's own names, not paths.
    accessPropertiesByDotNotation: false,
    clearInvalidConfig: true,
  });
  const damage = settingsDamage(conf.path);
  if (damage) {
    log(`the settings file is damaged (${damage}): starting from the default settings`);
    conf.clear();
  }
  return {
    get: (k) => conf.get(k),
    set: (k, v) => (v === undefined ? conf.delete(k) : conf.set(k, v)),
    delete: (k) => conf.delete(k),
  };
}

const MAX_TOKEN_CHARS = 4096;
/** Session tokens are printable ASCII (they travel in an HTTP header). */
const TOKEN = /^[\x21-\x7e]+$/;

export function fileTokenStore(dataDir: string, log: Log = () => {}): TokenStore {
  makePrivateFolder(dataDir);
  const file = join(dataDir, 'session-token');
  const remove = () => rmSync(file, { force: true, recursive: true });
  return {
    load: () => {
      if (!existsSync(file)) return null;
      try {
        const token = readFileSync(file, 'utf8').trim();
        if (token.length > MAX_TOKEN_CHARS || !TOKEN.test(token)) throw new Error(`the file does not hold a session token (${token.length} characters)`);
        return token;
      } catch (err) {
        // A damaged or foreign file: the session is gone; the user signs in again.
        log('the saved session cannot be read; signing in again is needed', err);
        remove();
        return null;
      }
    },
    save: (token) => {
      if (token === null) return remove();
      // Written whole or not at all: a crash mid-write leaves the old token, not half of one.
      const tmp = `${file}.${process.pid}.tmp`;
      writeFileSync(tmp, token, { mode: PRIVATE_FILE_MODE });
      chmodSync(tmp, PRIVATE_FILE_MODE);
      renameSync(tmp, file);
    },
  };
}
