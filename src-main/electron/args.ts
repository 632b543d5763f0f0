// The shell's own command-line options. Pure (no electron import).
//
//   --server=URL     the server the sign-in screen offers when none is saved (npm start passes the demo server)
//   --data-dir=DIR   the userData folder (tests run each app in a fresh one)
//   ismessenger://conversation/ID   open that conversation
//
// Only the `--name=value` form is read: Chromium and Electron add switches of their own to argv,
// and a value after a space could be taken for one of them.
import { deepLinkFromArgv, type DeepLink } from './deep-link';

export interface ShellArgs {
  serverUrl: string | null;
  dataDir: string | null;
  deepLink: DeepLink | null;
}

function option(argv: readonly string[], name: string): string | null {
  const prefix = `--${name}=`;
  const hit = argv.find((a) => typeof a === 'string' && a.startsWith(prefix));
  return hit ? hit.slice(prefix.length) : null;
}

function httpUrl(raw: string | null): string | null {
  if (!raw || raw.length > 500) return null;
  try {
    const u = new URL(raw);
    return u.protocol === 'http:' || u.protocol === 'https:' ? u.href.replace(/\/+$/, '') : null;
  } catch {
    return null;
  }
}

export function parseShellArgs(argv: readonly string[], env: Record<string, string | undefined> = {}): ShellArgs {
  const dataDir = option(argv, 'data-dir') ?? env.ISM_DATA_DIR ?? null;
  return {
    serverUrl: httpUrl(option(argv, 'server') ?? env.ISM_SERVER_URL ?? null),
    dataDir: dataDir && dataDir.trim() ? dataDir : null,
    deepLink: deepLinkFromArgv(argv),
  };
}
