// Updates through electron-updater from a generic (plain HTTPS) server: the machine policy's
// update_url/update_channel, or the build's publish settings (electron-builder.yml, written into
// resources/app-update.yml). update-plan.ts decides whether to check at all.
import { existsSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { app } from 'electron';
import type { UpdatePolicy } from '../core/policy/policy';
import { configureUpdater, scheduleChecks, updatePlan } from './update-plan';

export function startUpdates(policy: UpdatePolicy, log: (msg: string, err?: unknown) => void): () => void {
  const exe = process.execPath;
  const plan = updatePlan({
    policy,
    packaged: app.isPackaged === true,
    platform: process.platform,
    env: process.env,
    nsisInstall: existsSync(join(dirname(exe), `Uninstall ${basename(exe, '.exe')}.exe`)),
  });
  if (!plan.enabled) {
    log(`updates are off: ${plan.reason}`);
    return () => {};
  }
  let updater: typeof import('electron-updater').autoUpdater | null = null;
  const check = async () => {
    if (!updater) {
      updater = (await import('electron-updater')).autoUpdater;
      updater.logger = { info: (m) => log(`updates: ${m}`), warn: (m) => log(`updates: ${m}`), error: (m) => log(`updates: ${m}`), debug: () => {} };
      configureUpdater(updater, plan);
      updater.on('error', (err) => log('updates', err));
    }
    await updater.checkForUpdates();
  };
  const channel = plan.channel ? ` (channel ${plan.channel})` : '';
  log(`updates: checking ${plan.url ?? 'the build’s update server'}${channel} every ${plan.intervalMs / 3_600_000} h`);
  return scheduleChecks(plan, check, log);
}
