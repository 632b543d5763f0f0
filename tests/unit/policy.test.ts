// The machine policy (src-main/core/policy): where the file lives, the key-by-key validation, the
// reading that never throws, and the precedence policy-locked > user > policy default > built-in.
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DEFAULT_LOCAL_PREFS, type LocalPrefs } from '../../src-shared/desktop/api';
import {
  EMPTY_POLICY,
  LOCKABLE,
  POLICY_KEYS,
  effectivePrefs,
  parsePolicy,
  parsePolicyText,
  policyDefaultPrefs,
  policyFilePath,
  policyView,
  userPrefs,
} from '../../src-main/core/policy/policy';
import { readPolicyFile } from '../../src-main/core/policy/read';

const dir = mkdtempSync(join(tmpdir(), 'ism-policy-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('policyFilePath', () => {
  const none = () => false;
  const deployed = () => true;

  it('is the machine-wide place of each OS', () => {
    expect(policyFilePath('win32', {}, none)).toBe('C:\\ProgramData\\IS-Messenger\\policy.json');
    expect(policyFilePath('darwin', {}, none)).toBe('/Library/Application Support/IS-Messenger/policy.json');
    expect(policyFilePath('linux', {}, none)).toBe('/etc/is-messenger/policy.json');
    expect(policyFilePath('freebsd', {}, none)).toBe('/etc/is-messenger/policy.json');
  });

  it("on Windows it is the machine's ProgramData folder, whatever the user's environment says", () => {
    const mine = { ProgramData: 'D:\\Mine', PROGRAMDATA: 'D:\\Mine', ALLUSERSPROFILE: 'D:\\Mine' };
    expect(policyFilePath('win32', mine, none)).toBe('C:\\ProgramData\\IS-Messenger\\policy.json');
    // Pointing the environment at an empty folder does not make ISM_POLICY_FILE count either.
    const deployedThere = (f: string) => f === 'C:\\ProgramData\\IS-Messenger\\policy.json';
    expect(policyFilePath('win32', { ...mine, ISM_POLICY_FILE: 'D:\\Mine\\mine.json' }, deployedThere)).toBe('C:\\ProgramData\\IS-Messenger\\policy.json');
  });

  it('ISM_POLICY_FILE names another file on every OS, where no machine-wide policy is deployed', () => {
    for (const os of ['win32', 'darwin', 'linux'] as const) expect(policyFilePath(os, { ISM_POLICY_FILE: '/tmp/p.json' }, none)).toBe('/tmp/p.json');
    expect(policyFilePath('linux', { ISM_POLICY_FILE: '  ' }, none)).toBe('/etc/is-messenger/policy.json');
  });

  it('ISM_POLICY_FILE never overrides a deployed machine-wide policy', () => {
    for (const os of ['win32', 'darwin', 'linux'] as const) {
      const seen: string[] = [];
      const machine = policyFilePath(os, {}, none);
      expect(policyFilePath(os, { ISM_POLICY_FILE: '/tmp/mine.json' }, (f) => (seen.push(f), true))).toBe(machine);
      expect(seen).toEqual([machine]);
    }
  });
});

describe('parsePolicy', () => {
  it('reads a complete, valid policy', () => {
    const { policy, problems } = parsePolicy({
      $comment: 'for people',
      server_url: 'https://messenger.example.com/',
      server_url_locked: true,
      updates: 'on',
      update_channel: 'beta',
      update_url: 'https://updates.example.com/ism',
      notifications: { os_alerts: { new_message_unassigned: true, comment_mention: false }, do_not_disturb: true, sound: false },
      locked: ['sound', 'prefs.do_not_disturb'],
    });
    expect(problems).toEqual([]);
    expect(policy).toEqual({
      serverUrl: 'https://messenger.example.com',
      serverUrlLocked: true,
      insecureServers: [],
      updates: { enabled: true, channel: 'beta', url: 'https://updates.example.com/ism' },
      prefs: { os_alerts: { new_message_unassigned: true, comment_mention: false }, do_not_disturb: true, sound: false },
      locked: ['sound', 'do_not_disturb'],
    });
  });

  it('an empty object is no policy', () => {
    expect(parsePolicy({})).toEqual({ policy: EMPTY_POLICY, problems: [] });
  });

  it('"updates": "off" turns updates off', () => {
    expect(parsePolicy({ updates: 'off' }).policy.updates).toEqual({ enabled: false, channel: null, url: null });
  });

  it('ignores invalid keys one by one, with the reason, and keeps the valid ones', () => {
    const { policy, problems } = parsePolicy({
      server_url: 'javascript:alert(1)',
      server_url_locked: 'yes',
      updates: 'sometimes',
      update_channel: 'Beta Channel!',
      update_url: 'https://user:pw@updates.example.com',
      notifications: { os_alerts: { comment_mention: 'no', contact_assigned: false, typing: true }, sound: 1, do_not_disturb: true, volume: 3 },
      locked: ['sound', 'server_url', 'theme', 42],
      colour: 'blue',
    });
    expect(policy).toEqual({
      serverUrl: null,
      serverUrlLocked: false,
      insecureServers: [],
      updates: { enabled: true, channel: null, url: null },
      prefs: { os_alerts: { contact_assigned: false }, do_not_disturb: true },
      locked: ['sound'],
    });
    const text = problems.join('\n');
    for (const key of [
      'server_url:',
      'server_url_locked:',
      'updates:',
      'update_channel:',
      'update_url:',
      'notifications.os_alerts.comment_mention',
      'notifications.os_alerts.typing',
      'notifications.sound',
      'notifications.volume',
      'locked: "theme"',
      'locked: 42',
      'locked: "server_url" needs a valid server_url',
      'colour: not a policy key',
    ]) {
      expect(text).toContain(key);
    }
    expect(problems.every((p) => p.endsWith('ignored'))).toBe(true);
  });

  it('locking server_url through "locked" is the same as server_url_locked', () => {
    const { policy } = parsePolicy({ server_url: 'https://a.example', locked: ['server_url'] });
    expect(policy.serverUrlLocked).toBe(true);
    expect(policyView(policy)).toEqual({ serverUrl: 'https://a.example', serverUrlLocked: true, insecureServers: [], locked: [] });
  });

  it('server_url over plain http:// to another machine is refused unless allow_insecure_servers lists it', () => {
    const refused = parsePolicy({ server_url: 'http://chat.lan:4010' });
    expect(refused.policy.serverUrl).toBeNull();
    expect(refused.problems.join('\n')).toMatch(/server_url: .*not a secure address.*ignored/);
    const listed = parsePolicy({ server_url: 'http://chat.lan:4010/', allow_insecure_servers: ['http://chat.lan:4010'] });
    expect(listed.problems).toEqual([]);
    expect(listed.policy.serverUrl).toBe('http://chat.lan:4010');
    expect(policyView(listed.policy).insecureServers).toEqual(['http://chat.lan:4010']);
    // this machine needs no listing
    expect(parsePolicy({ server_url: 'http://127.0.0.1:4010' }).policy.serverUrl).toBe('http://127.0.0.1:4010');
  });

  it('allow_insecure_servers takes http:// addresses only', () => {
    for (const bad of [['https://a.example'], ['javascript:alert(1)'], ['http://u:p@a.example'], 'http://a.example']) {
      const r = parsePolicy({ allow_insecure_servers: bad });
      expect(r.policy.insecureServers).toEqual([]);
      expect(r.problems.join('\n')).toMatch(/allow_insecure_servers: .*ignored/);
    }
  });

  it('--server over http:// to another machine is not offered', () => {
    expect(policyView(EMPTY_POLICY, 'http://chat.lan:4010').serverUrl).toBeNull();
    expect(policyView(parsePolicy({ allow_insecure_servers: ['http://chat.lan:4010'] }).policy, 'http://chat.lan:4010').serverUrl).toBe('http://chat.lan:4010');
  });

  it('server_url_locked without a server is refused', () => {
    const { policy, problems } = parsePolicy({ server_url_locked: true });
    expect(policy.serverUrlLocked).toBe(false);
    expect(problems[0]).toMatch(/server_url_locked/);
  });

  it('a file that is not a JSON object is refused whole', () => {
    for (const raw of [null, [], 'x', 3]) {
      const r = parsePolicy(raw);
      expect(r.policy).toEqual(EMPTY_POLICY);
      expect(r.problems).toHaveLength(1);
    }
  });

  it('malformed JSON is one problem and no policy; a byte-order mark is fine', () => {
    const bad = parsePolicyText('{ "server_url": ');
    expect(bad.policy).toEqual(EMPTY_POLICY);
    expect(bad.problems[0]).toMatch(/not valid JSON/);
    expect(parsePolicyText('\uFEFF{"updates":"off"}').policy.updates.enabled).toBe(false);
  });
});

describe('readPolicyFile', () => {
  it('a missing file is no policy and nothing logged', () => {
    const logged: string[] = [];
    const r = readPolicyFile(join(dir, 'missing.json'), (m) => logged.push(m));
    expect(r).toEqual({ policy: EMPTY_POLICY, file: null, problems: [] });
    expect(logged).toEqual([]);
  });

  it('logs each refused key with the file name and applies the rest', () => {
    const file = join(dir, 'mixed.json');
    writeFileSync(file, JSON.stringify({ server_url: 'https://ok.example', updates: 42 }));
    const logged: string[] = [];
    const r = readPolicyFile(file, (m) => logged.push(m));
    expect(r.file).toBe(file);
    expect(r.policy.serverUrl).toBe('https://ok.example');
    expect(r.policy.updates.enabled).toBe(true);
    expect(logged).toHaveLength(1);
    expect(logged[0]).toContain(file);
    expect(logged[0]).toContain('updates');
  });

  it('logs and ignores malformed JSON, a directory, an unreadable or a huge file: never throws', () => {
    const malformed = join(dir, 'malformed.json');
    writeFileSync(malformed, '{"server_url": "https://x.example",');
    const huge = join(dir, 'huge.json');
    writeFileSync(huge, `{"$comment": "${'x'.repeat(300_000)}"}`);
    const unreadable = join(dir, 'unreadable.json');
    writeFileSync(unreadable, '{}');
    chmodSync(unreadable, 0o000);
    const cases = [malformed, huge, dir];
    // root reads any file whatever its mode: check the unreadable case only where it is unreadable
    if (process.getuid?.() !== 0) cases.push(unreadable);
    for (const file of cases) {
      const logged: string[] = [];
      const r = readPolicyFile(file, (m) => logged.push(m));
      expect(r.policy).toEqual(EMPTY_POLICY);
      expect(r.file).toBeNull();
      expect(logged).toHaveLength(1);
      expect(logged[0]).toMatch(/ignored/);
    }
  });
});

describe('precedence: policy-locked > user setting > policy default > built-in default', () => {
  const builtIn = DEFAULT_LOCAL_PREFS;
  const policy = parsePolicy({
    notifications: { os_alerts: { new_message_unassigned: true }, do_not_disturb: true, sound: false },
    locked: ['sound'],
  }).policy;
  const defaults = policyDefaultPrefs(policy);
  const locked = policyView(policy).locked;

  it('the policy defaults sit over the built-in ones', () => {
    expect(defaults).toEqual({ os_alerts: { ...builtIn.os_alerts, new_message_unassigned: true }, do_not_disturb: true, sound: false });
    expect(policyDefaultPrefs(EMPTY_POLICY)).toEqual(builtIn);
  });

  it('with no user choice: the policy default, else the built-in default', () => {
    expect(effectivePrefs(undefined, defaults, locked)).toEqual(defaults);
    expect(effectivePrefs(undefined, builtIn, [])).toEqual(builtIn);
  });

  it("the user's choice beats a policy default; a locked key keeps the policy's value", () => {
    const stored: LocalPrefs = { os_alerts: { ...builtIn.os_alerts, new_message_unassigned: false }, do_not_disturb: false, sound: true };
    expect(effectivePrefs(stored, defaults, locked)).toEqual({
      os_alerts: { ...builtIn.os_alerts, new_message_unassigned: false }, // user over policy default
      do_not_disturb: false, // user over policy default
      sound: false, // locked: policy over user
    });
  });

  it('a locked key with no policy value is the built-in default, whatever the user chose', () => {
    const p = parsePolicy({ locked: ['do_not_disturb'] }).policy;
    expect(effectivePrefs({ do_not_disturb: true }, policyDefaultPrefs(p), policyView(p).locked).do_not_disturb).toBe(builtIn.do_not_disturb);
  });

  it('stored settings are taken key by key: a damaged key falls back, the others stay', () => {
    expect(userPrefs({ sound: 'loud', do_not_disturb: true, os_alerts: 'all' })).toEqual({ do_not_disturb: true });
    expect(effectivePrefs({ sound: 'loud', do_not_disturb: true }, builtIn, [])).toEqual({ ...builtIn, do_not_disturb: true });
    expect(effectivePrefs('garbage', builtIn, [])).toEqual(builtIn);
  });

  it('--server is used only when the policy names no server', () => {
    expect(policyView(EMPTY_POLICY, 'http://127.0.0.1:1').serverUrl).toBe('http://127.0.0.1:1');
    expect(policyView(parsePolicy({ server_url: 'https://p.example' }).policy, 'http://127.0.0.1:1').serverUrl).toBe('https://p.example');
  });
});

describe('docs/deploying.md matches the code, key for key', () => {
  const doc = readFileSync(join(__dirname, '..', '..', 'docs', 'deploying.md'), 'utf8');
  /** The first column of the first table after `heading`: each row's `key`. */
  const tableKeys = (heading: string) => {
    const section = doc.slice(doc.indexOf(heading) + heading.length);
    const rows = section.slice(section.indexOf('\n|')).split('\n').slice(1);
    const keys: string[] = [];
    for (const row of rows) {
      if (!row.startsWith('|')) break;
      const m = /^\|\s*`([^`]+)`\s*\|/.exec(row);
      if (m) keys.push(m[1]);
    }
    return keys;
  };

  it('every policy key is documented, and every documented key exists', () => {
    expect(tableKeys('### Keys').sort()).toEqual(Object.keys(POLICY_KEYS).sort());
  });

  it('the notification settings and the lockable settings too', () => {
    expect(tableKeys('`notifications`:').sort()).toEqual(['do_not_disturb', 'os_alerts', 'sound']);
    const lockedRow = doc.split('\n').find((l) => l.startsWith('| `locked` |'))!;
    expect([...lockedRow.split('|')[2].matchAll(/"([a-z_]+)"/g)].map((m) => m[1]).sort()).toEqual([...LOCKABLE].sort());
  });

  it('the policy file places are the ones the code reads', () => {
    for (const os of ['win32', 'darwin', 'linux'] as const) expect(doc).toContain(`\`${policyFilePath(os, {}, () => false)}\``);
  });
});
