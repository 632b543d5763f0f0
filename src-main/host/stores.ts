// Host mode keeps settings with conf (electron-store's engine) and the session token in a private file
// (there is no OS keychain without Electron). The folder is 0700 and every file in it 0600.
import Conf from 'conf';
import { chmodSync, existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { KeyValueStore, TokenStore } from '../core/service/ports';
import { makePrivateFolder, PRIVATE_FILE_MODE } from '../core/storage/private-folder';

export function confStore(dataDir: string): KeyValueStore {
  makePrivateFolder(dataDir);
  const conf = new Conf<Record<string, unknown>>({ cwd: dataDir, configName: 'settings', projectName: 'is-messenger', configFileMode: PRIVATE_FILE_MODE });
  return { get: (k) => conf.get(k), set: (k, v) => conf.set(k, v), delete: (k) => conf.delete(k) };
}

export function fileTokenStore(dataDir: string): TokenStore {
  makePrivateFolder(dataDir);
  const file = join(dataDir, 'session-token');
  return {
    load: () => (existsSync(file) ? readFileSync(file, 'utf8').trim() || null : null),
    save: (token) => {
      if (token === null) return rmSync(file, { force: true });
      writeFileSync(file, token, { mode: PRIVATE_FILE_MODE });
      chmodSync(file, PRIVATE_FILE_MODE);
    },
  };
}
