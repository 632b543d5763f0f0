// npm start [-- --port N] [--server URL] [--data DIR] [--no-build]
// Build, start the embedded demo workspace server when no server is configured, and launch
// Electron; where the Electron binary is missing, run host mode and print the URL to open.
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { createServer as createNetServer } from 'node:net';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { createServer, type WorkspaceServer } from '../src-server/http/app';
import { existingDemoWorkspace, type DemoSummary } from '../src-server/demo/seed';
import { findElectronBinary } from './electron-binary';
import { HOST_NODE_FLAGS } from '../src-main/host/node-flags';

const root = resolve(import.meta.dirname, '..');
const fail = (line: string): never => {
  console.error(line);
  process.exit(2);
};

let values;
try {
  ({ values } = parseArgs({
    options: {
      server: { type: 'string' },
      port: { type: 'string', default: '4010' },
      data: { type: 'string', default: resolve(root, 'data') },
      'no-build': { type: 'boolean', default: false },
    },
  }));
} catch (err) {
  fail(`npm start: ${(err as Error).message}. Options: --port N, --server URL, --data DIR, --no-build.`);
}
const port = Number(values!.port);
if (!/^\d+$/.test(values!.port!) || port < 1 || port > 65535) fail(`--port: "${values!.port}" is not a port number (1-65535).`);
const dataDir = resolve(values!.data!);
const dbFile = resolve(dataDir, 'workspace.sqlite');

if (!values!['no-build']) {
  const build = spawnSync('npm', ['run', '--silent', 'build'], { cwd: root, stdio: 'inherit' });
  if (build.status !== 0) process.exit(build.status ?? 1);
}

/** Who to sign in as, and how contacts write in (the custom channel's id and secret). */
function printDemo(demo: DemoSummary, url: string): void {
  console.log(`Demo workspace: sign in at ${url} with any of these (password ${demo.password}):`);
  for (const u of demo.users.slice(0, 8)) console.log(`  ${u.role.padEnd(8)} ${u.email.padEnd(22)} ${u.name}`);
  if (demo.users.length > 8)
    console.log(`  … and ${demo.users.length - 8} more (agent1@demo.test to agent${demo.users.filter((u) => u.role === 'agent').length}@demo.test)`);
  console.log(`Custom channel ${demo.channel.id}, secret ${demo.channel.secret} (POST ${url}/api/v1/channels/${demo.channel.id}/inbound, signed with it)`);
}

let serverUrl = values!.server ?? process.env.ISM_SERVER_URL ?? null;
let stopServer: (() => Promise<void>) | null = null;
/** Why the port cannot be listened on, in words; null when it is free. */
function portProblem(code: string | undefined): string | null {
  if (code === 'EADDRINUSE')
    return `Port ${port} is already in use (another IS-Messenger, or another program). Start on another port: npm start -- --port ${port + 1}`;
  if (code === 'EACCES') return `Port ${port} may not be used by this user. Start on another port: npm start -- --port ${port < 1024 ? 4010 : port + 1}`;
  return null;
}

/** Tried before the server is made, so that a taken port is said in one line (and no database is created for nothing). */
function checkPort(): Promise<string | null> {
  return new Promise((done) => {
    const probe = createNetServer();
    probe.once('error', (err: NodeJS.ErrnoException) => done(portProblem(err.code) ?? `Port ${port}: ${err.message}`));
    probe.listen(port, '127.0.0.1', () => probe.close(() => done(null)));
  });
}

if (!serverUrl) {
  const problem = await checkPort();
  if (problem) fail(problem);
  mkdirSync(dataDir, { recursive: true });
  let server!: WorkspaceServer;
  try {
    server = await createServer({ dbFile, port, demo: {}, simulate: true, log: (m, e) => console.error(`[server] ${m}`, e ?? '') });
  } catch (err) {
    // Taken between the check and now.
    fail(portProblem((err as NodeJS.ErrnoException).code) ?? `The demo workspace server could not start: ${(err as Error).message}`);
  }
  serverUrl = server.url;
  stopServer = () => server.close();
  console.log(`Demo workspace server on ${serverUrl} (database ${dbFile})`);
  const demo = server.demo ?? (await existingDemoWorkspace(server.store));
  if (demo) printDemo(demo, serverUrl);
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
  const host = spawn(
    process.execPath,
    [...HOST_NODE_FLAGS, '--import', 'tsx', resolve(root, 'src-main/host/cli.ts'), '--server', serverUrl, '--data', resolve(dataDir, 'desktop-host')],
    { cwd: root, stdio: 'inherit' },
  );
  host.on('exit', (code) => void stopAll(code ?? 0));
  process.on('SIGINT', () => host.kill('SIGINT'));
  process.on('SIGTERM', () => host.kill('SIGTERM'));
}
