// What the desktop core needs from its host (Electron or plain Node), as small interfaces.

/** Where the session token lives: the OS keychain through safeStorage in the app; a private file in host mode. */
export interface TokenStore {
  load(): string | null;
  save(token: string | null): void;
}

/** Settings: electron-store in the app, conf (its engine) in host mode and tests. */
export interface KeyValueStore {
  get(key: string): unknown;
  set(key: string, value: unknown): void;
  delete(key: string): void;
}

/** The machine policy as the core needs it (the shell reads and validates the file). */
export interface PolicyView {
  serverUrl: string | null;
  serverUrlLocked: boolean;
  /** Origins the user may sign in to over plain http:// besides this machine (`allow_insecure_servers`). */
  insecureServers: string[];
  /** Setting keys the user may not change. */
  locked: string[];
}

export const NO_POLICY: PolicyView = { serverUrl: null, serverUrlLocked: false, insecureServers: [], locked: [] };

/** A KeyValueStore in memory (tests and first runs). */
export class MemoryStore implements KeyValueStore, TokenStore {
  private readonly map = new Map<string, unknown>();
  private token: string | null = null;
  get(key: string) {
    return this.map.get(key);
  }
  set(key: string, value: unknown) {
    this.map.set(key, value);
  }
  delete(key: string) {
    this.map.delete(key);
  }
  load() {
    return this.token;
  }
  save(token: string | null) {
    this.token = token;
  }
}
