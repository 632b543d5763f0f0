// npm run start:web -- --server URL [--port N] [--data DIR] [--policy FILE]
// Runs the desktop core under Node and serves the app to a browser on 127.0.0.1.
// --policy: the machine policy file (docs/deploying.md); without it, ISM_POLICY_FILE or the OS's
// machine-wide file, as in the app.
import { parseArgs } from 'node:util';
import { resolve } from 'node:path';
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

const dataDir = resolve(values.data!);
const settings = confStore(dataDir);
if (server?.ok && !settings.get('server_url')) settings.set('server_url', server.url);
let activate: (alert: Parameters<typeof host.service.activate>[0]) => void = () => {};
const notifier = createOsNotifier({ onClick: (alert) => activate(alert), onError: (err) => console.error(`[notifications] ${err.message}`) });
const host = await startHost({
  dataDir,
  rendererDir: resolve(values.renderer!),
  port,
  settings,
  tokens: fileTokenStore(dataDir),
  notifier,
  policy: policyView(machine.policy),
  defaultPrefs: policyDefaultPrefs(machine.policy),
  log: (msg, err) => console.error(`[desktop] ${msg}`, err ?? ''),
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
