// The preload: exposes the desktop API (src-shared/desktop/api.ts DesktopBridge) as window.desktop,
// and nothing else. It runs in a sandboxed renderer, where only 'electron' (and a few Node modules)
// can be required, so scripts/build-electron.mjs bundles it with 'electron' as the only external.
//
// Main validates every call and checks its sender; the preload only carries calls and events.
// The ipcRenderer event object never reaches the page (it would expose ipcRenderer.sender).
import { contextBridge, ipcRenderer } from 'electron';
import type { Call, DesktopBridge, EventName, Reply } from '../../src-shared/desktop/api';
import { CALL_CHANNEL, EVENT_CHANNEL } from './channels';

type Listener = (event: EventName, payload: unknown) => void;

const listeners = new Set<Listener>();
/**
 * 'open' events (a deep link or a notification click at start) can arrive before the page has
 * subscribed; they are kept until the first listener comes. Other events describe state the page
 * queries when it starts, so they are not replayed.
 */
let early: unknown[] | null = [];
const EARLY_MAX = 10;

ipcRenderer.on(EVENT_CHANNEL, (_event, name: EventName, payload: unknown) => {
  if (listeners.size === 0) {
    if (early && name === 'open' && early.length < EARLY_MAX) early.push(payload);
    return;
  }
  for (const listener of [...listeners]) {
    try {
      listener(name, payload);
    } catch (err) {
      console.error('desktop event listener failed', err);
    }
  }
});

const bridge: DesktopBridge = {
  call(call: Call): Promise<Reply> {
    return ipcRenderer.invoke(CALL_CHANNEL, call) as Promise<Reply>;
  },
  on(listener: Listener): () => void {
    if (typeof listener !== 'function') throw new TypeError('desktop.on needs a function');
    listeners.add(listener);
    if (early) {
      const queued = early;
      early = null;
      queueMicrotask(() => {
        for (const payload of queued) if (listeners.has(listener)) listener('open', payload);
      });
    }
    return () => {
      listeners.delete(listener);
    };
  },
};

contextBridge.exposeInMainWorld('desktop', bridge);
