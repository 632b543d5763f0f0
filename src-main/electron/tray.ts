// The tray icon with the unread count, and the dock/launcher badge. Which one shows depends on the
// OS: app.setBadgeCount (macOS dock, Unity-style Linux launchers), the tray tooltip everywhere, the
// title beside the tray icon on macOS, an overlay on the taskbar button on Windows.
import { app, Menu, nativeImage, Tray, type BrowserWindow, type NativeImage } from 'electron';
import { existsSync } from 'node:fs';
import { unreadBadge } from '../../src-shared/unread';
import { APP_NAME } from './badge';

/** A filled circle as raw BGRA pixels, so the shell needs no image file to start. */
function dot(size: number, [r, g, b]: [number, number, number]): NativeImage {
  const buf = Buffer.alloc(size * size * 4);
  const c = (size - 1) / 2;
  const radius = size / 2 - 0.5;
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const d = Math.hypot(x - c, y - c);
      const alpha = Math.max(0, Math.min(1, radius - d + 0.5));
      const i = (y * size + x) * 4;
      buf[i] = b;
      buf[i + 1] = g;
      buf[i + 2] = r;
      buf[i + 3] = Math.round(alpha * 255);
    }
  }
  return nativeImage.createFromBitmap(buf, { width: size, height: size });
}

export interface AppTray {
  /** The badge number and the tooltip (trayState in badge.ts). */
  setUnread(state: { badge: number; tooltip: string }): void;
  destroy(): void;
}

export function createTray(opts: {
  iconFile: string;
  show: () => void;
  quit: () => void;
  window: () => BrowserWindow | null;
  log: (msg: string, err?: unknown) => void;
}): AppTray {
  let tray: Tray | null = null;
  try {
    const fromFile = existsSync(opts.iconFile) ? nativeImage.createFromPath(opts.iconFile) : null;
    const icon = fromFile && !fromFile.isEmpty() ? fromFile.resize({ width: 16, height: 16 }) : dot(16, [37, 99, 235]);
    tray = new Tray(icon);
    tray.setToolTip(APP_NAME);
    tray.setContextMenu(Menu.buildFromTemplate([{ label: `Open ${APP_NAME}`, click: opts.show }, { type: 'separator' }, { label: 'Quit', click: opts.quit }]));
    tray.on('click', opts.show);
  } catch (err) {
    // Some Linux desktops have no tray: the badge and the window still work.
    opts.log('no tray icon on this desktop', err);
    tray = null;
  }
  const overlay = process.platform === 'win32' ? dot(16, [220, 38, 38]) : null;
  let last = '';
  return {
    setUnread({ badge: count, tooltip }) {
      if (`${count} ${tooltip}` === last) return;
      last = `${count} ${tooltip}`;
      app.setBadgeCount(count);
      if (tray && !tray.isDestroyed()) {
        tray.setToolTip(tooltip);
        if (process.platform === 'darwin') tray.setTitle(unreadBadge(count));
      }
      const win = opts.window();
      if (overlay && win && !win.isDestroyed()) win.setOverlayIcon(count > 0 ? overlay : null, count > 0 ? tooltip : '');
    },
    destroy() {
      if (tray && !tray.isDestroyed()) tray.destroy();
      tray = null;
    },
  };
}
