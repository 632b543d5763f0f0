// Whether and how the app checks for updates. Pure (no electron import): updates.ts applies it.
//
// Off when the machine policy says "updates": "off", in a build that is not packaged (no
// app-update.yml), with ISM_DISABLE_UPDATES=1, and on Windows when the app was not installed by
// the NSIS installer (MSI or a copied folder: IT deploys new versions itself). Otherwise the
// policy's update_url / update_channel (https:// only), or the build's publish settings
// (electron-builder.yml). Never a downgrade (configureUpdater).
import type { UpdatePolicy } from '../core/policy/policy';

/** How often a running app checks again. */
export const UPDATE_INTERVAL_MS = 4 * 60 * 60 * 1000;
/** The first check waits for the app to settle after start. */
export const FIRST_CHECK_DELAY_MS = 30 * 1000;

export type UpdatePlan =
  { enabled: false; reason: string } | { enabled: true; url: string | null; channel: string | null; firstDelayMs: number; intervalMs: number };

export interface UpdateContext {
  policy: UpdatePolicy;
  packaged: boolean;
  platform: NodeJS.Platform;
  env: Record<string, string | undefined>;
  /** Windows: the NSIS uninstaller sits beside the executable (absent for MSI installs). */
  nsisInstall: boolean;
}

export function updatePlan(ctx: UpdateContext): UpdatePlan {
  if (!ctx.policy.enabled) return { enabled: false, reason: 'turned off by the machine policy' };
  if (ctx.env.ISM_DISABLE_UPDATES === '1') return { enabled: false, reason: 'turned off by ISM_DISABLE_UPDATES' };
  if (!ctx.packaged) return { enabled: false, reason: 'not a packaged build' };
  if (ctx.platform === 'win32' && !ctx.nsisInstall) return { enabled: false, reason: 'not installed by the NSIS installer (MSI installs are updated by IT)' };
  return { enabled: true, url: ctx.policy.url, channel: ctx.policy.channel, firstDelayMs: FIRST_CHECK_DELAY_MS, intervalMs: UPDATE_INTERVAL_MS };
}

/** The part of electron-updater's AppUpdater that configureUpdater sets (a real one in the tests). */
export interface ConfigurableUpdater {
  autoDownload: boolean;
  autoInstallOnAppQuit: boolean;
  allowDowngrade: boolean;
  allowPrerelease: boolean;
  channel: string | null;
  setFeedURL(options: { provider: 'generic'; url: string; channel?: string }): void;
}

/**
 * Applies an enabled plan to electron-updater. Never a downgrade, whatever the channel: an older
 * build may carry fixed flaws. electron-updater's `channel` setter turns `allowDowngrade` back on,
 * so it is set last.
 */
export function configureUpdater(updater: ConfigurableUpdater, plan: Extract<UpdatePlan, { enabled: true }>): void {
  updater.autoDownload = true;
  updater.autoInstallOnAppQuit = true;
  updater.allowPrerelease = false;
  if (plan.url) updater.setFeedURL({ provider: 'generic', url: plan.url, ...(plan.channel ? { channel: plan.channel } : {}) });
  if (plan.channel) updater.channel = plan.channel;
  updater.allowDowngrade = false;
}

export interface Timers {
  setTimeout(fn: () => void, ms: number): { unref?(): unknown };
  setInterval(fn: () => void, ms: number): { unref?(): unknown };
  clear(handle: unknown): void;
}

const realTimers: Timers = {
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  setInterval: (fn, ms) => setInterval(fn, ms),
  clear: (h) => {
    clearTimeout(h as NodeJS.Timeout);
    clearInterval(h as NodeJS.Timeout);
  },
};

/** Runs `check` after the first delay and then at every interval, never twice at once; stop() ends it. */
export function scheduleChecks(
  plan: UpdatePlan,
  check: () => Promise<unknown>,
  log: (msg: string, err?: unknown) => void,
  timers: Timers = realTimers,
): () => void {
  if (!plan.enabled) return () => {};
  let running = false;
  let stopped = false;
  const run = () => {
    if (running || stopped) return;
    running = true;
    check()
      .catch((err) => log('update check failed', err))
      .finally(() => {
        running = false;
      });
  };
  const first = timers.setTimeout(run, plan.firstDelayMs);
  const every = timers.setInterval(run, plan.intervalMs);
  first.unref?.();
  every.unref?.();
  return () => {
    stopped = true;
    timers.clear(first);
    timers.clear(every);
  };
}
