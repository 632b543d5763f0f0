// npm run start:web -- --server URL [--port N] [--data DIR] [--policy FILE] [--renderer DIR]
// Runs the desktop core under Node and serves the app to a browser on 127.0.0.1, building the
// renderer into --renderer (default dist/renderer) first when it is not there.
// --policy: the machine policy file (docs/deploying.md); without it, ISM_POLICY_FILE or the OS's
// machine-wide file, as in the app.
import { parseArgs } from 'node:util';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { startHost } from './host';
import { confStore, fileTokenStore } from './stores';
import { createOsNotifier } from '../core/notifications/os-notifier';
import { policyDefaultPrefs, policyFilePath, policyView } from '../core/policy/policy';
import { readPolicyFile } from '../core/policy/read';
import { checkServerAddress } from '../../src-shared/desktop/server-address';

const { values } = parseArgs({
  options: {
    server: { type: 'string' },
    port: { type: 'string', default: '0' },
    data: { type: 'string', default: './data/desktop-host' },
    renderer: { type: 'string', default: './dist/renderer' },
    policy: { type: 'string' },
  },
});

const port = Number(values.port);
if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--port: ${values.port} is not a port`);

const policyFile = values.policy ? resolve(values.policy) : policyFilePath(process.platform, process.env);
const machine = readPolicyFile(policyFile, (msg) => console.error(`[policy] ${msg}`));
if (machine.file) console.error(`[policy] applied ${machine.file}`);
const server = values.server ? checkServerAddress(values.server, machine.policy.insecureServers) : null;
if (server && !server.ok) {
  console.error(`--server: ${server.reason}`);
  process.exit(2);
}

// A fresh checkout has no built renderer: build it now rather than serve a page saying so.
const rendererDir = resolve(values.renderer!);
if (!existsSync(join(rendererDir, 'index.html'))) {
  console.log(`The app is not built yet (${rendererDir}): building it (about a minute the first time)…`);
  const root = resolve(import.meta.dirname, '../..');
  const build = spawnSync('npm', ['run', '--silent', 'build:renderer', '--', '--outDir', rendererDir, '--emptyOutDir'], { cwd: root, stdio: 'inherit' });
  if (build.status !== 0 || !existsSync(join(rendererDir, 'index.html'))) {
    console.error('Building the app failed (see above). Run `npm run build:renderer` to see why, then start again.');
    process.exit(1);
  }
}

const dataDir = resolve(values.data!);
const log = (msg: string, err?: unknown) => console.error(`[desktop] ${msg}`, err ?? '');
const settings = confStore(dataDir, log);
if (server?.ok && !settings.get('server_url')) settings.set('server_url', server.url);
let activate: (alert: Parameters<typeof host.service.activate>[0]) => void = () => {};
const notifier = createOsNotifier({ onClick: (alert) => activate(alert), onError: (err) => console.error(`[notifications] ${err.message}`) });
const host = await startHost({
  dataDir,
  rendererDir,
  port,
  settings,
  tokens: fileTokenStore(dataDir, log),
  notifier,
  policy: policyView(machine.policy),
  defaultPrefs: policyDefaultPrefs(machine.policy),
  log,
});
activate = (alert) => void host.service.activate(alert);
console.log(`IS-Messenger is running in host mode. Open ${host.openUrl}`);
const stop = async () => {
  notifier.stop();
  await host.close();
  process.exit(0);
};
process.on('SIGINT', () => void stop());
process.on('SIGTERM', () => void stop());
