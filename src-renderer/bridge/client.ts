// Typed access to the desktop API: query/command return the value or throw a DesktopError with the
// code and message main answered; onEvent subscribes to one event. Everything the renderer shows
// comes through here.
import type {
  CommandInput,
  CommandName,
  CommandOutput,
  EventName,
  EventPayload,
  QueryInput,
  QueryName,
  QueryOutput,
  Reply,
  ReplyCode,
} from '../../src-shared/desktop/api';
import { createTransport, type LinkState, type Transport } from './transport';

export class DesktopError extends Error {
  constructor(
    readonly code: ReplyCode,
    message: string,
  ) {
    super(message);
    this.name = 'DesktopError';
  }
}

/** Codes meaning "the call could not reach its target", shown as an offline state rather than an error. */
const OFFLINE_CODES: ReadonlySet<ReplyCode> = new Set<ReplyCode>(['offline', 'disconnected', 'timeout', 'unreachable']);
export const isOfflineError = (err: unknown) => err instanceof DesktopError && OFFLINE_CODES.has(err.code);

let transport: Transport | null = null;
const eventListeners = new Map<string, Set<(payload: unknown) => void>>();

function link(): Transport {
  if (transport) return transport;
  const t = createTransport();
  transport = t;
  t.on((name, payload) => dispatch(name, payload));
  // After the link comes back, anything may have changed while we were away: views re-query.
  let wasDown = false;
  t.onLinkState((s) => {
    if (s === 'disconnected') wasDown = true;
    if (s === 'connected' && wasDown) {
      wasDown = false;
      dispatch('changed', { entities: ['*'], contact_ids: [] });
    }
  });
  return t;
}

/** 'open' events that came before anyone listened (a notification click at start-up): kept for the first listener. */
let earlyOpens: unknown[] = [];

function dispatch(name: string, payload: unknown): void {
  const listeners = eventListeners.get(name);
  if (name === 'open' && !listeners?.size) {
    earlyOpens = [...earlyOpens.slice(-4), payload];
    return;
  }
  for (const l of [...(listeners ?? [])]) {
    try {
      l(payload);
    } catch (err) {
      console.error(`listener for '${name}' failed`, err);
    }
  }
}

/** Starts the link (throws NoBridgeError when the page was opened without one). */
export function startBridge(): Transport {
  return link();
}

function unwrap<T>(reply: Reply): T {
  if (reply.ok) return reply.value as T;
  throw new DesktopError(reply.code, reply.message);
}

async function send(kind: 'query' | 'command', name: string, input: unknown): Promise<Reply> {
  try {
    return await link().call({ kind, name, input } as never);
  } catch (err) {
    return { ok: false, code: 'internal', message: err instanceof Error ? err.message : String(err) };
  }
}

export async function query<N extends QueryName>(name: N, input: QueryInput<N>): Promise<QueryOutput<N>> {
  return unwrap(await send('query', name, input));
}

export async function command<N extends CommandName>(name: N, input: CommandInput<N>): Promise<CommandOutput<N>> {
  return unwrap(await send('command', name, input));
}

/** Subscribes to one desktop event; returns the unsubscribe function. */
export function onEvent<N extends EventName>(name: N, listener: (payload: EventPayload<N>) => void): () => void {
  link();
  let set = eventListeners.get(name);
  if (!set) eventListeners.set(name, (set = new Set()));
  const l = listener as (payload: unknown) => void;
  set.add(l);
  if (name === 'open' && earlyOpens.length) {
    const queued = earlyOpens;
    earlyOpens = [];
    queueMicrotask(() => queued.forEach((p) => set.has(l) && l(p)));
  }
  return () => set.delete(l);
}

export function bridgeMode(): 'electron' | 'host' {
  return link().mode;
}

export function linkState(): LinkState {
  return link().linkState();
}

export function onLinkState(listener: (state: LinkState) => void): () => void {
  return link().onLinkState(listener);
}

export type { LinkState };
