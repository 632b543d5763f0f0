// A stand-in for the `electron` module, for running the BUILT shell (dist/main/main.cjs) under plain
// Node where the Electron binary is missing: `node --require tests/support/electron-stand-in.cjs
// main.cjs ...`. It records what the shell asks of Electron and lets a test act as Electron would
// (IPC calls from a given frame, a second instance, a notification click), over JSON lines:
// requests on stdin, answers on stdout prefixed with "@@ ". It imitates only the API surface the
// shell uses; the real thing is tested in tests/electron where the binary exists.
'use strict';
const Module = require('node:module');
const { EventEmitter } = require('node:events');
const { pathToFileURL } = require('node:url');
const readline = require('node:readline');

const rec = { protocol: [], badge: [], tooltips: [], permissions: [], notifications: [], refusedNavigation: [], refusedOpen: [] };
const paths = { appData: process.env.STAND_IN_APPDATA || '/tmp', userData: null };
const handlers = new Map();
const windows = [];
let csp = null;
let permissionHandler = null;
let permissionCheck = null;

const app = Object.assign(new EventEmitter(), {
  setName() {},
  getName: () => 'IS-Messenger',
  getVersion: () => '0.0.0-stand-in',
  setPath: (k, v) => void (paths[k] = v),
  getPath: (k) => paths[k],
  requestSingleInstanceLock: () => true,
  setAsDefaultProtocolClient: (p) => (rec.protocol.push(p), true),
  whenReady: () => new Promise((r) => setImmediate(r)),
  setBadgeCount: (n) => (rec.badge.push(n), true),
  quit() {
    app.emit('before-quit');
    const e = {
      defaultPrevented: false,
      preventDefault() {
        this.defaultPrevented = true;
      },
    };
    app.emit('will-quit', e);
    if (!e.defaultPrevented) process.exit(0);
  },
  exit: (code) => process.exit(code),
});

let nextId = 1;
class WebContents extends EventEmitter {
  constructor() {
    super();
    this.id = nextId++;
    this.mainFrame = { parent: null, processId: 4, routingId: 1, url: '' };
    this.sent = [];
  }
  send(channel, ...args) {
    this.sent.push([channel, ...args]);
  }
  isDestroyed() {
    return false;
  }
  setWindowOpenHandler(fn) {
    this.openHandler = fn;
  }
}

class BrowserWindow extends EventEmitter {
  constructor(options) {
    super();
    this.options = options;
    this.visible = false;
    this.webContents = new WebContents();
    windows.push(this);
    app.emit('web-contents-created', {}, this.webContents);
  }
  async load(url) {
    this.webContents.mainFrame.url = url;
    this.webContents.emit('did-start-loading');
    this.webContents.emit('did-finish-load');
    this.emit('ready-to-show');
  }
  loadFile(file) {
    return this.load(pathToFileURL(file).href);
  }
  loadURL(url) {
    return this.load(url);
  }
  isDestroyed() {
    return false;
  }
  isMinimized() {
    return false;
  }
  isFullScreen() {
    return false;
  }
  isMaximized() {
    return false;
  }
  isVisible() {
    return this.visible;
  }
  getNormalBounds() {
    return { x: 40, y: 30, width: 1100, height: 760 };
  }
  show() {
    this.visible = true;
  }
  hide() {
    this.visible = false;
  }
  focus() {
    this.focused = (this.focused || 0) + 1;
  }
  restore() {}
  maximize() {}
  setOverlayIcon() {}
}

class Notification extends EventEmitter {
  static isSupported() {
    return true;
  }
  constructor(options) {
    super();
    this.options = options;
  }
  show() {
    rec.notifications.push(this);
  }
  close() {}
}

const electron = {
  app,
  BrowserWindow,
  Notification,
  ipcMain: { handle: (ch, fn) => handlers.set(ch, fn), removeHandler: (ch) => handlers.delete(ch), on() {} },
  safeStorage: {
    isEncryptionAvailable: () => process.env.STAND_IN_NO_ENCRYPTION !== '1',
    getSelectedStorageBackend: () => 'gnome_libsecret',
    encryptString: (s) => Buffer.concat([Buffer.from('sealed:'), Buffer.from(s).map((b) => b ^ 0x6b)]),
    decryptString: (b) => Buffer.from(b.subarray(7).map((x) => x ^ 0x6b)).toString(),
  },
  powerMonitor: { getSystemIdleTime: () => 7 },
  screen: { getAllDisplays: () => [{ workArea: { x: 0, y: 0, width: 1920, height: 1080 } }] },
  session: {
    defaultSession: {
      webRequest: { onHeadersReceived: (fn) => void (csp = fn) },
      setPermissionRequestHandler: (fn) => void (permissionHandler = fn),
      setPermissionCheckHandler: (fn) => void (permissionCheck = fn),
      setSpellCheckerEnabled: (on) => void (rec.spellChecker = on),
    },
  },
  Tray: class {
    setToolTip(t) {
      rec.tooltips.push(t);
    }
    setContextMenu() {}
    on() {}
    isDestroyed() {
      return false;
    }
    destroy() {}
    setTitle() {}
  },
  Menu: { buildFromTemplate: (t) => t },
  nativeImage: { createFromBitmap: () => ({}), createFromPath: () => ({ isEmpty: () => true }) },
  shell: {},
};

const load = Module._load;
Module._load = function (request, ...rest) {
  return request === 'electron' ? electron : load.call(this, request, ...rest);
};

// --- the control channel ---
const reply = (id, value) => process.stdout.write(`@@ ${JSON.stringify({ id, value })}\n`);

function frameFor(kind, win) {
  const top = win.webContents.mainFrame;
  switch (kind) {
    case 'main':
      return { sender: win.webContents, senderFrame: top };
    case 'subframe':
      return { sender: win.webContents, senderFrame: { ...top, parent: top, routingId: 2 } };
    case 'foreign-url':
      return { sender: win.webContents, senderFrame: { ...top, url: 'https://evil.example/' } };
    case 'other-window':
      return { sender: new WebContents(), senderFrame: top };
    case 'gone':
      return { sender: win.webContents, senderFrame: null };
    default:
      throw new Error(`no frame kind ${kind}`);
  }
}

const ops = {
  async state() {
    const win = windows[0];
    return {
      ...rec,
      windows: windows.length,
      visible: win?.visible ?? false,
      focused: win?.focused ?? 0,
      webPreferences: win?.options.webPreferences ?? null,
      url: win?.webContents.mainFrame.url ?? null,
      userData: paths.userData,
      events: win ? win.webContents.sent.map(([, name, payload]) => [name, payload]) : [],
      notifications: rec.notifications.map((n) => n.options),
      handlers: [...handlers.keys()],
    };
  },
  async call({ frame, call }) {
    return handlers.get('desktop:call')(frameFor(frame, windows[0]), call);
  },
  async secondInstance({ argv }) {
    app.emit('second-instance', {}, argv);
    return true;
  },
  async openUrl({ url }) {
    app.emit('open-url', { preventDefault() {} }, url);
    return true;
  },
  async csp({ headers }) {
    return new Promise((r) => csp({ url: 'file:///x', responseHeaders: headers }, (res) => r(res.responseHeaders)));
  },
  async permission({ permission }) {
    return {
      request: await new Promise((r) => permissionHandler(windows[0].webContents, permission, r, {})),
      check: permissionCheck(windows[0].webContents, permission, 'file://', {}),
    };
  },
  async navigate({ url }) {
    const e = {
      defaultPrevented: false,
      preventDefault() {
        this.defaultPrevented = true;
      },
    };
    windows[0].webContents.emit('will-navigate', e, url);
    return e.defaultPrevented;
  },
  async windowOpen({ url }) {
    return windows[0].webContents.openHandler({ url });
  },
  async hideWindow() {
    windows[0].hide();
    return true;
  },
  async clickNotification({ index }) {
    rec.notifications[index].emit('click', {});
    return true;
  },
  async closeWindow() {
    const e = {
      defaultPrevented: false,
      preventDefault() {
        this.defaultPrevented = true;
      },
    };
    windows[0].emit('close', e);
    return e.defaultPrevented;
  },
  async quit() {
    setImmediate(() => app.quit());
    return true;
  },
};

readline.createInterface({ input: process.stdin }).on('line', async (line) => {
  const { id, op, ...args } = JSON.parse(line);
  try {
    reply(id, await ops[op](args));
  } catch (err) {
    reply(id, { error: String((err && err.stack) || err) });
  }
});
