// The one BrowserWindow, and the rules every web page in the app lives under: context isolation,
// the sandbox, no Node, web security, a strict CSP, no navigation, no new windows, no permissions.
import { app, BrowserWindow, screen, session, type WebContents } from 'electron';
import type { KeyValueStore } from '../core/service/ports';
import { withCsp } from './csp';
import { spellcheckFor } from './spellcheck';
import { MIN_HEIGHT, MIN_WIDTH, restoreWindowState, windowStateToSave } from './window-state';

const WEB_PREFERENCES = {
  contextIsolation: true,
  sandbox: true,
  nodeIntegration: false,
  nodeIntegrationInWorker: false,
  nodeIntegrationInSubFrames: false,
  webSecurity: true,
  allowRunningInsecureContent: false,
  webviewTag: false,
  navigateOnDragDrop: false,
  safeDialogs: true,
  spellcheck: spellcheckFor(process.platform),
} as const;

/** Session-wide: the CSP on every response, every permission request and check refused. */
export function hardenSession(log: (msg: string) => void): void {
  const ses = session.defaultSession;
  ses.webRequest.onHeadersReceived((details, callback) => {
    callback({ responseHeaders: withCsp(details.responseHeaders) });
  });
  ses.setPermissionRequestHandler((_contents, permission, callback) => {
    log(`permission request refused: ${permission}`);
    callback(false);
  });
  ses.setPermissionCheckHandler(() => false);
  // The session's spellchecker downloads dictionaries even for windows that do not check spelling.
  ses.setSpellCheckerEnabled(spellcheckFor(process.platform));
}

/** For every webContents the app ever creates: no navigation away, no new windows, no <webview>. */
export function hardenContents(contents: WebContents, log: (msg: string) => void): void {
  contents.on('will-navigate', (event, url) => {
    event.preventDefault();
    log(`navigation refused: ${url.slice(0, 120)}`);
  });
  contents.on('will-redirect', (event) => event.preventDefault());
  contents.on('will-attach-webview', (event) => event.preventDefault());
  contents.setWindowOpenHandler(({ url }) => {
    log(`window.open refused: ${url.slice(0, 120)}`);
    return { action: 'deny' };
  });
}

export function createMainWindow(opts: { preload: string; state: KeyValueStore; icon?: string }): BrowserWindow {
  const saved = restoreWindowState(
    opts.state.get('window'),
    screen.getAllDisplays().map((d) => d.workArea),
  );
  const win = new BrowserWindow({
    ...(saved.x !== undefined && saved.y !== undefined ? { x: saved.x, y: saved.y } : { center: true }),
    width: saved.width,
    height: saved.height,
    minWidth: MIN_WIDTH,
    minHeight: MIN_HEIGHT,
    show: false,
    title: app.getName(),
    icon: opts.icon,
    backgroundColor: '#ffffff',
    webPreferences: { ...WEB_PREFERENCES, preload: opts.preload },
  });
  if (saved.maximized) win.maximize();
  win.once('ready-to-show', () => win.show());
  const save = () => {
    if (win.isDestroyed() || win.isMinimized() || win.isFullScreen()) return;
    opts.state.set('window', windowStateToSave(win.getNormalBounds(), win.isMaximized()));
  };
  win.on('close', save);
  return win;
}

export function showWindow(win: BrowserWindow | null): void {
  if (!win || win.isDestroyed()) return;
  if (win.isMinimized()) win.restore();
  if (!win.isVisible()) win.show();
  win.focus();
}
