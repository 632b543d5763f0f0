// npm start: build, start the embedded demo workspace server when no server is configured, and
// launch Electron; where the Electron binary is missing, run host mode and print the URL to open.
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { createServer } from '../src-server/http/app';
import { findElectronBinary } from './electron-binary';

const { values } = parseArgs({ options: { server: { type: 'string' }, 'no-build': { type: 'boolean', default: false } } });
const root = resolve(import.meta.dirname, '..');

if (!values['no-build']) {
  const build = spawnSync('npm', ['run', '--silent', 'build'], { cwd: root, stdio: 'inherit' });
  if (build.status !== 0) process.exit(build.status ?? 1);
}

let serverUrl = values.server ?? process.env.ISM_SERVER_URL ?? null;
let stopServer: (() => Promise<void>) | null = null;
if (!serverUrl) {
  mkdirSync(resolve(root, 'data'), { recursive: true });
  const server = await createServer({ dbFile: resolve(root, 'data/workspace.sqlite'), port: 4010, demo: {}, simulate: true, log: (m, e) => console.error(`[server] ${m}`, e ?? '') });
  serverUrl = server.url;
  stopServer = () => server.close();
  console.log(`Demo workspace server on ${serverUrl} — sign in as manager@demo.test / demo-password (agents: agent1@demo.test …)`);
}

const stopAll = async (code: number) => {
  await stopServer?.();
  process.exit(code);
};
// Found without require('electron') (which would try to download it), and run once to be sure it works here.
const electron = findElectronBinary();
const bin = electron.path;
if (bin) {
  const app = spawn(bin, [resolve(root, 'dist/main/main.cjs')], { stdio: 'inherit', env: { ...process.env, ISM_SERVER_URL: serverUrl } });
  app.on('exit', (code) => void stopAll(code ?? 0));
} else {
  console.log(`Electron cannot run here (${electron.reason}), so IS-Messenger runs in host mode in your browser instead.`);
  const host = spawn(process.execPath, ['--import', 'tsx', resolve(root, 'src-main/host/cli.ts'), '--server', serverUrl], { cwd: root, stdio: 'inherit' });
  host.on('exit', (code) => void stopAll(code ?? 0));
  process.on('SIGINT', () => host.kill('SIGINT'));
  process.on('SIGTERM', () => host.kill('SIGTERM'));
}
