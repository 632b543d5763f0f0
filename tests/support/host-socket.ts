// The desktop API over host mode's WebSocket, as the renderer's bridge calls it: one frame a call, answered by id.
import { performance } from 'node:perf_hooks';
import type WebSocket from 'ws';

/**
 * A call through the socket; when the caller knows them, `servedMs` is the time the host took to answer it (the rest: the
 * socket and parsing the frame) and `readKb` what it read from files meanwhile.
 */
export type HostCall = (
  kind: 'query' | 'command',
  name: string,
  input: unknown,
) => Promise<{ ok: boolean; value: any; servedMs?: number; readKb?: number; receivedAt?: number }>;

/** Calls over a socket to the host, one frame each, answered by id (as the renderer's bridge does); `onFrame` sees every frame parsed. */
export function socketCaller(ws: WebSocket, onFrame?: (msg: { id?: number; event?: string }) => void): HostCall {
  let n = 0;
  const waiting = new Map<number, (reply: { ok: boolean; value: unknown }) => void>();
  ws.on('message', (d) => {
    const receivedAt = performance.now();
    const msg = JSON.parse(d.toString()) as { id?: number; reply?: { ok: boolean; value: unknown; receivedAt?: number }; event?: string };
    onFrame?.(msg);
    if (msg.id === undefined) return;
    const done = waiting.get(msg.id);
    // Forgotten once answered: a kept resolver would keep its reply, and every page would stay in the heap.
    waiting.delete(msg.id);
    if (msg.reply) msg.reply.receivedAt = receivedAt;
    done?.(msg.reply!);
  });
  return (kind, name, input) =>
    new Promise((ok) => {
      const id = ++n;
      waiting.set(id, ok as never);
      ws.send(JSON.stringify({ id, call: { kind, name, input } }));
    });
}
