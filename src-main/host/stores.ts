// Host mode keeps settings with conf (electron-store's engine) and the session token in a private file
// (there is no OS keychain without Electron; the file is readable by this OS user only).
import Conf from 'conf';
import { chmodSync, existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { KeyValueStore, TokenStore } from '../core/service/ports';

export function confStore(dataDir: string): KeyValueStore {
  const conf = new Conf<Record<string, unknown>>({ cwd: dataDir, configName: 'settings', projectName: 'is-messenger' });
  return { get: (k) => conf.get(k), set: (k, v) => conf.set(k, v), delete: (k) => conf.delete(k) };
}

export function fileTokenStore(dataDir: string): TokenStore {
  const file = join(dataDir, 'session-token');
  return {
    load: () => (existsSync(file) ? readFileSync(file, 'utf8').trim() || null : null),
    save: (token) => {
      if (token === null) return rmSync(file, { force: true });
      writeFileSync(file, token, { mode: 0o600 });
      chmodSync(file, 0o600);
    },
  };
}
