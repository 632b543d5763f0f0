// IPC: ONE channel for the whole desktop API. The handler checks who is calling (the main window's
// top frame showing the app's own page), then hands the payload to DesktopService.handle, which
// validates it against the schemas of src-shared/desktop/api.ts. Adding a desktop API call needs
// no change here.
import { ipcMain, type BrowserWindow, type IpcMainInvokeEvent } from 'electron';
import type { Reply } from '../../src-shared/desktop/api';
import type { DesktopService } from '../core/service/desktop-service';
import { CALL_CHANNEL, EVENT_CHANNEL } from './channels';
import { senderRefusal, type SenderFacts, type TrustedPages } from './trust';

export interface IpcOptions {
  service: Pick<DesktopService, 'handle'>;
  window: () => BrowserWindow | null;
  pages: TrustedPages;
  log: (msg: string) => void;
}

const REFUSED: Reply = { ok: false, code: 'forbidden', message: 'This page may not use the desktop API.' };

function senderFacts(event: IpcMainInvokeEvent, win: BrowserWindow | null): SenderFacts {
  if (!win || win.isDestroyed()) return { fromMainWindow: false, isMainFrame: false, url: null };
  try {
    const top = win.webContents.mainFrame;
    const frame = event.senderFrame;
    return {
      fromMainWindow: event.sender.id === win.webContents.id,
      isMainFrame: frame !== null && frame.parent === null && frame.processId === top.processId && frame.routingId === top.routingId,
      url: frame?.url ?? null,
    };
  } catch {
    // The frame went away while the call was in flight.
    return { fromMainWindow: false, isMainFrame: false, url: null };
  }
}

/** Registers the one handler; returns a function that removes it. */
export function registerIpc(opts: IpcOptions): () => void {
  ipcMain.handle(CALL_CHANNEL, async (event, payload: unknown): Promise<Reply> => {
    const refusal = senderRefusal(senderFacts(event, opts.window()), opts.pages);
    if (refusal) {
      opts.log(`desktop call refused: ${refusal}`);
      return REFUSED;
    }
    return opts.service.handle(payload);
  });
  return () => ipcMain.removeHandler(CALL_CHANNEL);
}

/** Sends one desktop API event to the window's page (dropped when there is no page to receive it). */
export function sendEvent(win: BrowserWindow | null, name: string, payload: unknown): void {
  if (!win || win.isDestroyed() || win.webContents.isDestroyed()) return;
  win.webContents.send(EVENT_CHANNEL, name, payload);
}
