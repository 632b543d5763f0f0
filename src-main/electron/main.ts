// The Electron main process: a thin shell that wires the desktop core (src-main/core) to Electron.
// Built by scripts/build-electron.mjs into dist/main/main.cjs (package.json "main").
//
// Layout at run time (from this file's folder, dist/main/):
//   dist/main/preload.cjs          the preload (window.desktop)
//   dist/renderer/index.html       the renderer; a built-in page says so when it is missing
//   assets/icon.png                the tray icon when present (a drawn dot otherwise); packaged:
//                                  resources/icon.png beside app.asar (electron-builder.yml)
//
// The machine policy (docs/deploying.md) is read once at start from the OS's machine-wide place.
// The log goes to stderr and to app.getPath('logs')/main.log.
import { appendFileSync, existsSync, renameSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { app, powerMonitor, type BrowserWindow } from 'electron';
import { createOsNotifier } from '../core/notifications/os-notifier';
import type { Notifier, OsAlert } from '../core/notifications/notification-center';
import { DesktopService } from '../core/service/desktop-service';
import { policyDefaultPrefs, policyFilePath, policyView } from '../core/policy/policy';
import { readPolicyFile } from '../core/policy/read';
import { makePrivateFile, makePrivateFolder } from '../core/storage/private-folder';
import { parseShellArgs } from './args';
import { APP_NAME, trayState } from './badge';
import { fallbackPageUrl } from './csp';
import { deepLinkFromArgv, parseDeepLink, PROTOCOL, type DeepLink } from './deep-link';
import { registerIpc, sendEvent } from './ipc';
import { ElectronNotifier } from './notifier';
import { ElectronSettings, safeStorageCipher } from './stores';
import { SafeTokenStore } from './token-store';
import { createTray, type AppTray } from './tray';
import { startUpdates } from './updates';
import { trustedPages } from './trust';
import { createMainWindow, hardenContents, hardenSession, showWindow } from './window';

const ROOT = resolve(__dirname, '..', '..');
const RENDERER_FILE = join(ROOT, 'dist', 'renderer', 'index.html');
const PRELOAD_FILE = join(__dirname, 'preload.cjs');
const PACKAGED_ICON = process.resourcesPath ? join(process.resourcesPath, 'icon.png') : '';
const ICON_FILE = PACKAGED_ICON && existsSync(PACKAGED_ICON) ? PACKAGED_ICON : join(ROOT, 'assets', 'icon.png');
const FALLBACK_URL = fallbackPageUrl(RENDERER_FILE);
/** How long quitting waits for the core to close its cache and sockets. */
const SHUTDOWN_MS = 5_000;

/** A log file bigger than this is moved to main.old.log at start. */
const LOG_MAX_BYTES = 5 * 1024 * 1024;
let logFile: string | null = null;

const log = (msg: string, err?: unknown) => {
  const line = err === undefined ? `[shell] ${msg}` : `[shell] ${msg}: ${err instanceof Error ? err.message : String(err)}`;
  console.error(line);
  if (!logFile) return;
  try {
    appendFileSync(logFile, `${new Date().toISOString()} ${line}\n`);
  } catch {
    logFile = null; // a log that cannot be written must not stop the app
  }
};

function openLogFile(): void {
  try {
    const dir = app.getPath('logs');
    if (typeof dir !== 'string' || !dir) return;
    makePrivateFolder(dir);
    const file = join(dir, 'main.log');
    if (existsSync(file) && statSync(file).size > LOG_MAX_BYTES) renameSync(file, join(dir, 'main.old.log'));
    makePrivateFile(file);
    logFile = file;
  } catch (err) {
    log('no log file', err);
  }
}

const args = parseShellArgs(process.argv, process.env);

let win: BrowserWindow | null = null;
let windowState: ElectronSettings | null = null;
let service: DesktopService | null = null;
let tray: AppTray | null = null;
let notifier: (Notifier & { stop(): void }) | null = null;
let unregisterIpc: (() => void) | null = null;
let stopUpdates: (() => void) | null = null;
/** The page has loaded (its preload listens): events and deep links can be delivered. */
let pageReady = false;
const pendingLinks: DeepLink[] = [];
let quitting = false;

/** Brings the window forward, creating it again if it was closed (macOS keeps running without one). */
async function reveal(): Promise<void> {
  if (!service) return; // not started yet: the window comes up with the start
  showWindow(await openWindow());
}

function openConversation(link: DeepLink): void {
  void reveal().catch((err) => log('could not show the window', err));
  pendingLinks.push(link);
  deliverLinks();
}

function deliverLinks(): void {
  if (!service || !pageReady) return;
  for (const link of pendingLinks.splice(0)) {
    void service.activate({ notificationId: null, contactId: link.contactId, commentId: null, messageId: null }).catch((err) => log('open failed', err));
  }
}

function onAlertClicked(alert: OsAlert): void {
  void reveal().catch((err) => log('could not show the window', err));
  void service?.activate(alert).catch((err) => log('notification click failed', err));
}

function registerProtocol(): void {
  // Tests set this so that running them does not change which program opens ismessenger:// links.
  if (process.env.ISM_NO_PROTOCOL_REGISTRATION === '1') return;
  const ok =
    process.defaultApp && process.argv.length >= 2
      ? app.setAsDefaultProtocolClient(PROTOCOL, process.execPath, [resolve(process.argv[1])])
      : app.setAsDefaultProtocolClient(PROTOCOL);
  if (!ok) log(`could not register ${PROTOCOL}:// links`);
}

/** The window, created and loaded when there is none (after 'ready'). */
async function openWindow(): Promise<BrowserWindow> {
  if (win && !win.isDestroyed()) return win;
  windowState ??= new ElectronSettings('window-state');
  const w = createMainWindow({ preload: PRELOAD_FILE, state: windowState, icon: existsSync(ICON_FILE) ? ICON_FILE : undefined });
  win = w;
  w.webContents.on('did-start-loading', () => {
    pageReady = false;
  });
  w.webContents.on('did-finish-load', () => {
    pageReady = true;
    deliverLinks();
  });
  // Closing the window keeps the app running where a tray or dock brings it back (Windows, macOS),
  // so notifications still arrive; on Linux, where many desktops show no tray, it quits.
  w.on('close', (event) => {
    if (!quitting && process.platform !== 'linux') {
      event.preventDefault();
      w.hide();
    }
  });
  w.on('closed', () => {
    if (win === w) win = null;
    pageReady = false;
  });
  if (existsSync(RENDERER_FILE)) await w.loadFile(RENDERER_FILE);
  else {
    log(`the renderer is not built (${RENDERER_FILE} is missing): showing a placeholder page`);
    await w.loadURL(FALLBACK_URL);
  }
  return w;
}

async function start(): Promise<void> {
  hardenSession((m) => log(m));
  const settings = new ElectronSettings('settings');
  const tokens = new SafeTokenStore(join(app.getPath('userData'), 'session-token.bin'), safeStorageCipher, log);
  if (tokens.persistence === 'memory-only') log('the OS offers no encryption here: the session is kept for this run only');
  notifier = ElectronNotifier.supported()
    ? new ElectronNotifier(onAlertClicked, log)
    : createOsNotifier({ appName: APP_NAME, onClick: onAlertClicked, onError: (e) => log('notification failed', e) });
  // Machine policy: a bad key is logged and ignored on its own; a bad file is logged and ignored.
  const machine = readPolicyFile(policyFilePath(process.platform, process.env), (m) => log(m));
  if (machine.file) log(`machine policy: ${machine.file}`);
  const svc = new DesktopService({
    dataDir: join(app.getPath('userData'), 'data'),
    notifier,
    tokens,
    settings,
    policy: policyView(machine.policy, args.serverUrl),
    defaultPrefs: policyDefaultPrefs(machine.policy),
    log,
  });
  svc.idleSeconds = () => powerMonitor.getSystemIdleTime();
  service = svc;

  unregisterIpc = registerIpc({ service: svc, window: () => win, pages: trustedPages(RENDERER_FILE, FALLBACK_URL), log: (m) => log(m) });
  tray = createTray({
    iconFile: ICON_FILE,
    show: () => void reveal(),
    quit: () => app.quit(),
    window: () => win,
    log,
  });
  svc.on('event', (name, payload) => {
    if (name === 'unread') tray?.setUnread(trayState(payload));
    sendEvent(win, name, payload);
  });

  await openWindow();
  await svc.start();
  tray.setUnread(trayState({ count: svc.unreadCount() }));
  stopUpdates = startUpdates(machine.policy.updates, log);
}

async function shutdown(): Promise<void> {
  stopUpdates?.();
  unregisterIpc?.();
  notifier?.stop();
  tray?.destroy();
  await service?.shutdown();
}

function main(): void {
  app.setName(APP_NAME);
  // Set before anything reads it: the single-instance lock, electron-store and the cache live here.
  app.setPath('userData', args.dataDir ? resolve(args.dataDir) : join(app.getPath('appData'), APP_NAME));
  // Readable by this OS user only: settings, the sealed token, the cache (data/, made private by the core).
  try {
    makePrivateFolder(app.getPath('userData'));
  } catch (err) {
    log('could not make the data folder private', err);
  }
  openLogFile();
  if (!app.requestSingleInstanceLock()) {
    // Another instance runs: it receives our argv (and any deep link) in 'second-instance'.
    app.quit();
    return;
  }
  if (args.deepLink) pendingLinks.push(args.deepLink);
  registerProtocol();

  app.on('second-instance', (_event, argv) => {
    void reveal().catch((err) => log('could not show the window', err));
    const link = deepLinkFromArgv(argv);
    if (link) openConversation(link);
  });
  // macOS delivers links as an event (also before 'ready').
  app.on('open-url', (event, url) => {
    event.preventDefault();
    const link = parseDeepLink(url);
    if (link) openConversation(link);
    else log('ignored a link that is not ismessenger://conversation/ID');
  });
  app.on('web-contents-created', (_event, contents) => hardenContents(contents, (m) => log(m)));
  app.on('activate', () => void reveal().catch((err) => log('could not show the window', err)));
  app.on('before-quit', () => {
    quitting = true;
  });
  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit();
  });
  let closed = false;
  let closing = false;
  app.on('will-quit', (event) => {
    if (closed) return;
    event.preventDefault();
    if (closing) return;
    closing = true;
    const timer = setTimeout(() => app.exit(0), SHUTDOWN_MS);
    void shutdown()
      .catch((err) => log('shutdown', err))
      .finally(() => {
        clearTimeout(timer);
        closed = true;
        app.quit();
      });
  });

  app
    .whenReady()
    .then(start)
    .catch((err) => {
      log('could not start', err);
      app.exit(1);
    });
}

main();
