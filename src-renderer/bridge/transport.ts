// The DesktopBridge the renderer uses: the preload's window.desktop in Electron, otherwise the
// host-mode WebSocket (src-main/host/host.ts) authenticated by the token in the page's fragment.
import type { Call, DesktopBridge, EventName, Reply } from '../../src-shared/desktop/api';

declare global {
  interface Window {
    desktop?: DesktopBridge;
  }
}

/** The link to main: always 'connected' in Electron; the WebSocket's state in host mode. */
export type LinkState = 'connecting' | 'connected' | 'disconnected';

export interface Transport extends DesktopBridge {
  readonly mode: 'electron' | 'host';
  linkState(): LinkState;
  onLinkState(listener: (state: LinkState) => void): () => void;
}

type Listener = (event: EventName, payload: unknown) => void;

const DISCONNECTED: Reply = {
  ok: false,
  code: 'disconnected',
  message: 'The app lost its link to the desktop service. Try again in a moment.',
};
/** How long a call made while the socket is down waits for it to come back before failing. */
const CONNECT_WAIT_MS = 5_000;
const CALL_TIMEOUT_MS = 60_000;

function electronTransport(bridge: DesktopBridge): Transport {
  return {
    mode: 'electron',
    call: (call) => bridge.call(call),
    on: (listener) => bridge.on(listener),
    linkState: () => 'connected',
    onLinkState: () => () => {},
  };
}

/** Host mode: one WebSocket to ws://<host>/desktop?token=…, reconnecting with backoff. */
class HostSocketTransport implements Transport {
  readonly mode = 'host' as const;
  private ws: WebSocket | null = null;
  private state: LinkState = 'connecting';
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (r: Reply) => void; timer: number }>();
  private readonly waiting = new Set<() => void>();
  private readonly listeners = new Set<Listener>();
  private readonly stateListeners = new Set<(s: LinkState) => void>();
  private attempt = 0;

  constructor(private readonly url: string) {
    this.open();
  }

  linkState(): LinkState {
    return this.state;
  }

  onLinkState(listener: (state: LinkState) => void): () => void {
    this.stateListeners.add(listener);
    return () => this.stateListeners.delete(listener);
  }

  on(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async call(call: Call): Promise<Reply> {
    if (this.state !== 'connected' && !(await this.waitForLink())) return DISCONNECTED;
    const ws = this.ws;
    if (!ws || ws.readyState !== WebSocket.OPEN) return DISCONNECTED;
    const id = this.nextId++;
    return new Promise<Reply>((resolve) => {
      const timer = window.setTimeout(() => {
        this.pending.delete(id);
        resolve({ ok: false, code: 'timeout', message: 'The desktop service did not answer in time.' });
      }, CALL_TIMEOUT_MS);
      this.pending.set(id, { resolve, timer });
      ws.send(JSON.stringify({ id, call }));
    });
  }

  private waitForLink(): Promise<boolean> {
    return new Promise((resolve) => {
      const done = (ok: boolean) => {
        window.clearTimeout(timer);
        this.waiting.delete(onUp);
        resolve(ok);
      };
      const onUp = () => done(true);
      const timer = window.setTimeout(() => done(false), CONNECT_WAIT_MS);
      this.waiting.add(onUp);
    });
  }

  private setState(state: LinkState): void {
    if (this.state === state) return;
    this.state = state;
    for (const l of [...this.stateListeners]) l(state);
  }

  private open(): void {
    const ws = new WebSocket(this.url);
    this.ws = ws;
    ws.onopen = () => {
      this.attempt = 0;
      this.setState('connected');
      for (const w of [...this.waiting]) w();
    };
    ws.onmessage = (e) => this.receive(typeof e.data === 'string' ? e.data : '');
    ws.onclose = () => {
      if (this.ws !== ws) return;
      this.ws = null;
      // Calls in flight will never be answered by this socket: fail them now, clearly.
      for (const [id, p] of this.pending) {
        window.clearTimeout(p.timer);
        p.resolve(DISCONNECTED);
        this.pending.delete(id);
      }
      this.setState('disconnected');
      const delay = Math.min(10_000, 300 * 2 ** this.attempt++) * (0.75 + Math.random() * 0.5);
      window.setTimeout(() => this.open(), delay);
    };
  }

  private receive(data: string): void {
    let frame: { id?: unknown; reply?: Reply; event?: EventName; payload?: unknown };
    try {
      frame = JSON.parse(data);
    } catch {
      return;
    }
    if (typeof frame.id === 'number' && frame.reply) {
      const p = this.pending.get(frame.id);
      if (!p) return;
      this.pending.delete(frame.id);
      window.clearTimeout(p.timer);
      p.resolve(frame.reply);
    } else if (typeof frame.event === 'string') {
      for (const l of [...this.listeners]) {
        try {
          l(frame.event, frame.payload);
        } catch (err) {
          console.error('desktop event listener failed', err);
        }
      }
    }
  }
}

/** The host token travels in the fragment (#token=…), which the browser never sends to a server. */
function hostToken(hash: string = window.location.hash): string | null {
  const params = new URLSearchParams(hash.replace(/^#/, ''));
  return params.get('token');
}

class NoBridgeError extends Error {}

export function createTransport(): Transport {
  if (window.desktop) return electronTransport(window.desktop);
  const token = hostToken();
  if (!token) throw new NoBridgeError('Open the address printed by `npm run start:web` (it carries the access token).');
  const proto = window.location.protocol === 'https:' ? 'wss:' : 'ws:';
  return new HostSocketTransport(`${proto}//${window.location.host}/desktop?token=${encodeURIComponent(token)}`);
}
