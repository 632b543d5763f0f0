// The machine policy: a JSON file IT puts in the OS's machine-wide place (docs/deploying.md).
// Pure: the schema, the key-by-key parse, and how the policy combines with the user's settings.
// Reading the file is read.ts; the Electron shell and host mode call it at start.
//
// {
//   "server_url": "https://messenger.example.com",   the server the sign-in screen uses
//   "server_url_locked": true,                        the user may not sign in to another
//   "allow_insecure_servers": ["http://chat.lan:4010"], servers allowed over plain http:// besides this machine
//   "updates": "on" | "off",                          "off": the app never checks for updates
//   "update_channel": "latest" | "beta" | …,          the update channel (latest.yml, beta.yml…)
//   "update_url": "https://updates.example.com/ism",  the update server (generic provider; https:// only)
//   "notifications": {                                defaults for the user's notification settings
//     "os_alerts": { "comment_mention": true, … }, "do_not_disturb": false, "sound": true },
//   "locked": ["os_alerts", "do_not_disturb", "sound", "server_url"]   settings the user may not change
// }
//
// Precedence, per setting: a locked setting is the policy's value (or the built-in default when the
// policy gives none); otherwise the user's own choice; otherwise the policy's default; otherwise
// the built-in default. An invalid key is reported and ignored on its own: the valid keys still apply.
import { existsSync } from 'node:fs';
import { posix, win32 } from 'node:path';
import { z } from 'zod';
import { DEFAULT_LOCAL_PREFS, LocalPrefs } from '../../../src-shared/desktop/api';
import { NotificationKind } from '../../../src-shared/model';
import { checkServerAddress, serverOrigin } from '../../../src-shared/desktop/server-address';
import type { PolicyView } from '../service/ports';

/** Names another policy file (tests, or IT trying a policy out on a machine that has none). */
const POLICY_FILE_ENV = 'ISM_POLICY_FILE';

/**
 * Windows' machine-wide folder for program data. Fixed, never read from the environment
 * (ProgramData, ALLUSERSPROFILE): a user sets their own environment, and with it could point the
 * app away from the policy IT deployed.
 */
const WINDOWS_PROGRAM_DATA = 'C:\\ProgramData';

/**
 * The machine-wide policy file of each OS; or the file named by ISM_POLICY_FILE, but only where no
 * machine-wide policy is deployed: a user cannot set aside what IT locked by naming a file of their own.
 */
export function policyFilePath(platform: NodeJS.Platform, env: Record<string, string | undefined>, exists: (file: string) => boolean = existsSync): string {
  let machine: string;
  if (platform === 'win32') machine = win32.join(WINDOWS_PROGRAM_DATA, 'IS-Messenger', 'policy.json');
  else if (platform === 'darwin') machine = posix.join('/Library', 'Application Support', 'IS-Messenger', 'policy.json');
  else machine = posix.join('/etc', 'is-messenger', 'policy.json');
  const override = env[POLICY_FILE_ENV]?.trim();
  return override && !exists(machine) ? override : machine;
}

/** Settings a policy may lock (the names the renderer marks "Managed by your organization"). */
export const LOCKABLE = ['server_url', 'os_alerts', 'do_not_disturb', 'sound'] as const;
type Lockable = (typeof LOCKABLE)[number];

/** An update server: https:// only, since what it serves is installed (docs/deploying.md, Updates). */
const HttpsUrl = z
  .string()
  .max(500)
  .refine((s) => {
    try {
      const u = new URL(s);
      return u.protocol === 'https:' && !u.username && !u.password;
    } catch {
      return false;
    }
  }, 'must be an https:// URL without credentials')
  .transform((s) => s.replace(/\/+$/, ''));

/** A server that may be reached over plain http:// (a test server on the LAN): its origin. */
const InsecureServer = z
  .string()
  .max(500)
  .refine((s) => serverOrigin(s)?.startsWith('http://') === true && !/@/.test(s), 'must be an http:// address such as "http://chat.lan:4010"')
  .transform((s) => serverOrigin(s)!);

/** One schema per top-level key, so that each is accepted or refused on its own. */
export const POLICY_KEYS = {
  server_url: z.string().max(500),
  server_url_locked: z.boolean(),
  allow_insecure_servers: z.array(InsecureServer).max(50),
  updates: z.enum(['on', 'off']),
  update_channel: z.string().regex(/^[a-z][a-z0-9-]{0,31}$/, 'must be a channel name such as "latest" or "beta"'),
  update_url: HttpsUrl,
  notifications: z.record(z.string(), z.unknown()),
  locked: z.array(z.unknown()).max(50),
} as const;

export type UpdatePolicy = {
  /** false: never check (policy "updates": "off"); true: check (the default). */
  enabled: boolean;
  channel: string | null;
  url: string | null;
};

/** What a policy file says, after validation (only the keys that were valid). */
export interface MachinePolicy {
  serverUrl: string | null;
  serverUrlLocked: boolean;
  /** Origins the desktop may sign in to over plain http:// (besides this machine). */
  insecureServers: string[];
  updates: UpdatePolicy;
  /** Notification defaults the policy sets (per key; per kind for os_alerts). */
  prefs: { os_alerts?: Partial<LocalPrefs['os_alerts']>; do_not_disturb?: boolean; sound?: boolean };
  locked: Lockable[];
}

export const EMPTY_POLICY: MachinePolicy = {
  serverUrl: null,
  serverUrlLocked: false,
  insecureServers: [],
  updates: { enabled: true, channel: null, url: null },
  prefs: {},
  locked: [],
};

export interface PolicyParse {
  policy: MachinePolicy;
  /** One line per refused key, with the reason (logged by the caller). */
  problems: string[];
}

const reason = (err: z.ZodError) => err.issues.map((i) => (i.path.length ? `${i.path.join('.')}: ${i.message}` : i.message)).join('; ');

/** Validates a parsed policy file key by key: a refused key is reported and the others still apply. */
export function parsePolicy(raw: unknown): PolicyParse {
  const problems: string[] = [];
  const policy: MachinePolicy = { ...EMPTY_POLICY, insecureServers: [], updates: { ...EMPTY_POLICY.updates }, prefs: {}, locked: [] };
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    return { policy, problems: ['the policy must be a JSON object: ignored'] };
  }
  const take = <K extends keyof typeof POLICY_KEYS>(key: K): z.infer<(typeof POLICY_KEYS)[K]> | undefined => {
    if (!(key in raw)) return undefined;
    const value = (raw as Record<string, unknown>)[key];
    const parsed = POLICY_KEYS[key].safeParse(value);
    if (!parsed.success) {
      problems.push(`${key}: ${reason(parsed.error)}: ignored`);
      return undefined;
    }
    return parsed.data as z.infer<(typeof POLICY_KEYS)[K]>;
  };
  for (const key of Object.keys(raw)) {
    // "$schema", "$comment"… are for people and editors.
    if (!(key in POLICY_KEYS) && !key.startsWith('$')) problems.push(`${key}: not a policy key: ignored`);
  }

  policy.insecureServers = take('allow_insecure_servers') ?? [];
  const serverUrl = take('server_url');
  if (serverUrl !== undefined) {
    const checked = checkServerAddress(serverUrl, policy.insecureServers);
    if (checked.ok) policy.serverUrl = checked.url;
    else problems.push(`server_url: ${checked.reason.replace(/\.$/, '')}: ignored`);
  }
  policy.serverUrlLocked = take('server_url_locked') ?? false;
  if (policy.serverUrlLocked && !policy.serverUrl) {
    problems.push('server_url_locked: there is no valid server_url to lock to: ignored');
    policy.serverUrlLocked = false;
  }
  policy.updates = { enabled: take('updates') !== 'off', channel: take('update_channel') ?? null, url: take('update_url') ?? null };

  const notifications = take('notifications');
  if (notifications) {
    for (const [key, value] of Object.entries(notifications)) {
      if (key === 'os_alerts') {
        if (typeof value !== 'object' || value === null || Array.isArray(value)) {
          problems.push('notifications.os_alerts: must be an object of true/false per kind: ignored');
          continue;
        }
        const alerts: Partial<LocalPrefs['os_alerts']> = {};
        for (const [kind, on] of Object.entries(value)) {
          if (!NotificationKind.safeParse(kind).success)
            problems.push(`notifications.os_alerts.${kind}: not a notification kind (${NotificationKind.options.join(', ')}): ignored`);
          else if (typeof on !== 'boolean') problems.push(`notifications.os_alerts.${kind}: must be true or false: ignored`);
          else alerts[kind as keyof LocalPrefs['os_alerts']] = on;
        }
        if (Object.keys(alerts).length) policy.prefs.os_alerts = alerts;
      } else if (key === 'do_not_disturb' || key === 'sound') {
        if (typeof value === 'boolean') policy.prefs[key] = value;
        else problems.push(`notifications.${key}: must be true or false: ignored`);
      } else {
        problems.push(`notifications.${key}: not a notification setting (os_alerts, do_not_disturb, sound): ignored`);
      }
    }
  }

  const locked = take('locked');
  if (locked) {
    for (const entry of locked) {
      // The renderer also accepts "prefs.sound" for "sound": take both spellings.
      const name = typeof entry === 'string' ? entry.replace(/^prefs\./, '') : entry;
      if ((LOCKABLE as readonly unknown[]).includes(name)) {
        if (!policy.locked.includes(name as Lockable)) policy.locked.push(name as Lockable);
      } else {
        problems.push(`locked: ${JSON.stringify(entry)} is not a setting that can be locked (${LOCKABLE.join(', ')}): ignored`);
      }
    }
  }
  if (policy.locked.includes('server_url')) {
    if (policy.serverUrl) policy.serverUrlLocked = true;
    else {
      problems.push('locked: "server_url" needs a valid server_url to lock to: ignored');
      policy.locked = policy.locked.filter((k) => k !== 'server_url');
    }
  }
  return { policy, problems };
}

/** Parses the text of a policy file: malformed JSON is one problem and no policy. */
export function parsePolicyText(text: string): PolicyParse {
  let raw: unknown;
  try {
    raw = JSON.parse(text.replace(/^\uFEFF/, '')); // Notepad writes a byte-order mark
  } catch (err) {
    return { policy: EMPTY_POLICY, problems: [`not valid JSON (${(err as Error).message}): the whole file is ignored`] };
  }
  return parsePolicy(raw);
}

/** The built-in notification defaults with the policy's defaults over them. */
export function policyDefaultPrefs(policy: MachinePolicy, builtIn: LocalPrefs = DEFAULT_LOCAL_PREFS): LocalPrefs {
  return {
    os_alerts: { ...builtIn.os_alerts, ...policy.prefs.os_alerts },
    do_not_disturb: policy.prefs.do_not_disturb ?? builtIn.do_not_disturb,
    sound: policy.prefs.sound ?? builtIn.sound,
  };
}

/** What the desktop core needs of the policy. `fallbackServerUrl` is the shell's --server. */
export function policyView(policy: MachinePolicy, fallbackServerUrl: string | null = null): PolicyView {
  return {
    serverUrl: policy.serverUrl ?? (fallbackServerUrl && checkServerAddress(fallbackServerUrl, policy.insecureServers).ok ? fallbackServerUrl : null),
    serverUrlLocked: policy.serverUrlLocked,
    insecureServers: policy.insecureServers,
    locked: policy.locked.filter((k) => k !== 'server_url'),
  };
}

const PREF_KEYS = ['os_alerts', 'do_not_disturb', 'sound'] as const;

/** The valid parts of what the user chose (stored settings), key by key. */
export function userPrefs(stored: unknown): Partial<LocalPrefs> {
  const out: Partial<LocalPrefs> = {};
  if (typeof stored !== 'object' || stored === null) return out;
  const s = stored as Record<string, unknown>;
  const alerts = LocalPrefs.shape.os_alerts.partial().safeParse(s.os_alerts);
  if (alerts.success && s.os_alerts !== undefined) out.os_alerts = alerts.data as LocalPrefs['os_alerts'];
  if (typeof s.do_not_disturb === 'boolean') out.do_not_disturb = s.do_not_disturb;
  if (typeof s.sound === 'boolean') out.sound = s.sound;
  return out;
}

/**
 * The settings in force: a locked key takes `defaults` (built-in defaults with the policy's over
 * them); any other key takes the user's choice when there is one, else `defaults`.
 */
export function effectivePrefs(stored: unknown, defaults: LocalPrefs, locked: readonly string[]): LocalPrefs {
  const user = userPrefs(stored);
  const isLocked = (k: string) => locked.includes(k);
  const out = structuredClone(defaults);
  for (const key of PREF_KEYS) {
    if (isLocked(key) || user[key] === undefined) continue;
    if (key === 'os_alerts') out.os_alerts = { ...defaults.os_alerts, ...user.os_alerts };
    else out[key] = user[key] as boolean;
  }
  return out;
}
