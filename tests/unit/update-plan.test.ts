// When the app checks for updates (src-main/electron/update-plan.ts): never when the policy turns
// them off, outside a packaged build, or on Windows installs the NSIS installer did not make.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AppUpdater } from 'electron-updater/out/AppUpdater';
import type { AppAdapter } from 'electron-updater/out/AppAdapter';
import type { UpdateInfo } from 'builder-util-runtime';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { EMPTY_POLICY, parsePolicy } from '../../src-main/core/policy/policy';
import {
  configureUpdater,
  FIRST_CHECK_DELAY_MS,
  scheduleChecks,
  UPDATE_INTERVAL_MS,
  updatePlan,
  type UpdateContext,
} from '../../src-main/electron/update-plan';

const ctx = (over: Partial<UpdateContext> = {}): UpdateContext => ({
  policy: EMPTY_POLICY.updates,
  packaged: true,
  platform: 'linux',
  env: {},
  nsisInstall: false,
  ...over,
});

describe('updatePlan', () => {
  it('checks the build’s update server by default, at start and every few hours', () => {
    expect(updatePlan(ctx())).toEqual({ enabled: true, url: null, channel: null, firstDelayMs: FIRST_CHECK_DELAY_MS, intervalMs: UPDATE_INTERVAL_MS });
    expect(UPDATE_INTERVAL_MS).toBeGreaterThanOrEqual(60 * 60 * 1000);
  });

  it('the policy’s server and channel win over the build config', () => {
    const policy = parsePolicy({ update_url: 'https://updates.corp.example/ism/', update_channel: 'beta' }).policy.updates;
    expect(updatePlan(ctx({ policy }))).toMatchObject({ enabled: true, url: 'https://updates.corp.example/ism', channel: 'beta' });
  });

  it('is off when the policy says so, whatever else', () => {
    const policy = parsePolicy({ updates: 'off', update_url: 'https://u.example' }).policy.updates;
    for (const platform of ['win32', 'darwin', 'linux'] as const) {
      expect(updatePlan(ctx({ policy, platform, nsisInstall: true }))).toEqual({ enabled: false, reason: 'turned off by the machine policy' });
    }
  });

  it('is off in a build that is not packaged, with ISM_DISABLE_UPDATES=1, and for Windows installs not made by NSIS', () => {
    expect(updatePlan(ctx({ packaged: false })).enabled).toBe(false);
    expect(updatePlan(ctx({ env: { ISM_DISABLE_UPDATES: '1' } })).enabled).toBe(false);
    expect(updatePlan(ctx({ platform: 'win32', nsisInstall: false })).enabled).toBe(false);
    expect(updatePlan(ctx({ platform: 'win32', nsisInstall: true })).enabled).toBe(true);
    expect(updatePlan(ctx({ platform: 'darwin' })).enabled).toBe(true);
  });
});

describe('configureUpdater: never a downgrade, whatever the channel', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ism-updater-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  // electron-updater's own AppUpdater (its decisions need no Electron), as installed version 1.2.0;
  // only downloading and installing, which no test reaches, are left out.
  class InstalledUpdater extends AppUpdater {
    constructor() {
      const app: AppAdapter = {
        version: '1.2.0',
        name: 'IS-Messenger',
        isPackaged: true,
        appUpdateConfigPath: join(dir, 'app-update.yml'),
        userDataPath: dir,
        baseCachePath: dir,
        whenReady: () => Promise.resolve(),
        quit: () => {},
        relaunch: () => {},
        onQuit: () => {},
      };
      super(null, app);
      this.logger = null;
    }
    protected doDownloadUpdate(): never {
      throw new Error('not in tests');
    }
    quitAndInstall(): void {}
  }
  const installed = () => new InstalledUpdater();
  const release = (version: string): UpdateInfo => ({ version, files: [], path: '', sha512: '', releaseDate: '2026-01-01T00:00:00Z' });
  // The question electron-updater asks before downloading (private in its types).
  const wouldInstall = (u: AppUpdater, version: string) =>
    (u as unknown as { isUpdateAvailable(i: UpdateInfo): Promise<boolean> }).isUpdateAvailable(release(version));

  it('an older build on the update server is not installed, with or without a channel or server from the policy', async () => {
    const policies = [{}, { update_channel: 'beta' }, { update_channel: 'latest', update_url: 'https://updates.corp.example/ism' }];
    for (const raw of policies) {
      const plan = updatePlan(ctx({ policy: parsePolicy(raw).policy.updates }));
      if (!plan.enabled) throw new Error('updates should be on');
      const updater = installed();
      configureUpdater(updater, plan);
      expect(updater.allowDowngrade, JSON.stringify(raw)).toBe(false);
      expect(await wouldInstall(updater, '1.1.0'), JSON.stringify(raw)).toBe(false);
      expect(await wouldInstall(updater, '1.3.0'), JSON.stringify(raw)).toBe(true);
      if (plan.channel) expect(updater.channel).toBe(plan.channel);
    }
  });

  it('(electron-updater on its own: setting a channel allows a downgrade, which is why the order matters)', async () => {
    const updater = installed();
    updater.channel = 'beta';
    expect(await wouldInstall(updater, '1.1.0')).toBe(true);
  });

  it('the update server built into the package is https:// too', () => {
    const yml = readFileSync(join(__dirname, '..', '..', 'electron-builder.yml'), 'utf8');
    const publish = yml.slice(yml.indexOf('\npublish:'));
    expect(/\n\s+url:\s*(\S+)/.exec(publish)?.[1]).toMatch(/^https:\/\//);
  });

  it('update_url must be https://: anything else is refused with the reason, and the build’s server stays', () => {
    for (const url of ['http://updates.corp.example/ism', 'file:///srv/updates', 'ftp://updates.corp.example']) {
      const { policy, problems } = parsePolicy({ update_url: url });
      expect(policy.updates.url).toBeNull();
      expect(problems.join('\n')).toMatch(/update_url: must be an https:\/\/ URL.*ignored/);
      expect(updatePlan(ctx({ policy: policy.updates }))).toMatchObject({ enabled: true, url: null });
    }
  });
});

describe('scheduleChecks', () => {
  it('checks after the first delay, then at every interval, never two at once, and stops', async () => {
    vi.useFakeTimers();
    try {
      let calls = 0;
      let release: () => void = () => {};
      const check = () => {
        calls++;
        return new Promise<void>((r) => (release = r));
      };
      const plan = updatePlan(ctx());
      const stop = scheduleChecks(plan, check, () => {});
      await vi.advanceTimersByTimeAsync(FIRST_CHECK_DELAY_MS - 1);
      expect(calls).toBe(0);
      await vi.advanceTimersByTimeAsync(1);
      expect(calls).toBe(1);
      await vi.advanceTimersByTimeAsync(UPDATE_INTERVAL_MS); // the first is still running: skipped
      expect(calls).toBe(1);
      release();
      await vi.advanceTimersByTimeAsync(UPDATE_INTERVAL_MS);
      expect(calls).toBe(2);
      release();
      stop();
      await vi.advanceTimersByTimeAsync(UPDATE_INTERVAL_MS * 3);
      expect(calls).toBe(2);
    } finally {
      vi.useRealTimers();
    }
  });

  it('never checks when updates are off; a failed check is logged, not thrown', async () => {
    vi.useFakeTimers();
    try {
      const check = vi.fn(() => Promise.reject(new Error('offline')));
      scheduleChecks(updatePlan(ctx({ policy: { enabled: false, url: null, channel: null } })), check, () => {});
      await vi.advanceTimersByTimeAsync(UPDATE_INTERVAL_MS * 2);
      expect(check).not.toHaveBeenCalled();
      const logged: string[] = [];
      const stop = scheduleChecks(updatePlan(ctx()), check, (m) => logged.push(m));
      await vi.advanceTimersByTimeAsync(FIRST_CHECK_DELAY_MS);
      expect(check).toHaveBeenCalledTimes(1);
      expect(logged).toEqual(['update check failed']);
      stop();
    } finally {
      vi.useRealTimers();
    }
  });
});
