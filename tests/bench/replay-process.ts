// This machine's floor for a call over the desktop socket: a process that does no work, answering each call with the
// answer the host gave to the same call, recorded earlier in the same run. Started with the host's Node flags, it sends the
// same bytes through the same socket library with the same options and framing (`src-main/host/host.ts`), and parses each
// frame as the host does; what it leaves out is the host's work (validation, the cache's queries, the answer's JSON). The
// same client timing the same calls against both gives the host's figures beside what the socket, the client's parse
// and this machine's scheduling alone cost.
import WebSocket, { WebSocketServer } from 'ws';
import { DESKTOP_SOCKET_OPTIONS, replyFrame } from '../../src-main/host/host';
import { HOST_NODE_FLAGS } from '../../src-main/host/node-flags';
import { socketCaller, type HostCall } from '../support/host-socket';
import { forkAsked } from './child-ipc';

/** The answers' JSON texts a socket receives, in order, from now until `stop()`. */
export function recordAnswers(ws: WebSocket): { stop(): string[] } {
  const answers: string[] = [];
  const listener = (data: WebSocket.RawData) => {
    const text = data.toString();
    const m = /^\{"id":(?:\d+|"[^"]*"|null),"reply":/.exec(text);
    // The rest of the frame but its closing brace, byte for byte as the host wrote it (replyFrame).
    if (m) answers.push(text.slice(m[0].length, -1));
  };
  ws.on('message', listener);
  return {
    stop() {
      ws.off('message', listener);
      return answers;
    },
  };
}

export interface ReplayProcess {
  /** A WebSocket URL; each connection is answered from the answers last loaded, in order. */
  url: string;
  /** Replaces the answers and starts again from the first. */
  load(answers: readonly string[]): Promise<void>;
  /** Starts again from the first answer; says how many calls were answered since the last `load` or `rewind`. */
  rewind(): Promise<number>;
  close(): void;
}

type Ask = { id: number; load?: readonly string[]; rewind?: true };

export async function startReplayProcess(): Promise<ReplayProcess> {
  const replay = await forkAsked<string>('the replay process', import.meta.filename, ['--child'], [...HOST_NODE_FLAGS, '--import', 'tsx']);
  return {
    url: replay.listening,
    load: (answers) => replay.ask<void>({ load: answers }),
    rewind: () => replay.ask<number>({ rewind: true }),
    close: () => replay.kill(),
  };
}

/**
 * This machine's floor for some calls: a replay process holding the answers the host gave them, and a caller over a
 * socket to it. `calls` says which call each answer was for, in order (as the caller writes them, e.g. JSON): a pass
 * replayed must ask exactly these, or its answers are another call's.
 */
export interface Floor {
  call: HostCall;
  replay: ReplayProcess;
  calls: readonly string[];
  close(): void;
}

/** A replay process loaded with some recorded answers (`recordAnswers`), one for each of `calls`, and a socket to it. */
export async function startFloor(answers: readonly string[], calls: readonly string[]): Promise<Floor> {
  if (answers.length !== calls.length) throw new Error(`${answers.length} answers were recorded for ${calls.length} calls`);
  const replay = await startReplayProcess();
  await replay.load(answers);
  const socket = new WebSocket(replay.url);
  await new Promise((ok, fail) => socket.once('open', ok).once('error', fail));
  return {
    call: socketCaller(socket),
    replay,
    calls,
    close() {
      socket.close();
      replay.close();
    },
  };
}

function child(): void {
  let answers: readonly string[] = [];
  let next = 0;
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, ...DESKTOP_SOCKET_OPTIONS });
  wss.on('connection', (ws) =>
    ws.on('message', (data) => {
      // Parsed as the host parses a call (host.ts), for its id.
      const msg = JSON.parse(data.toString()) as { id?: unknown };
      const id = typeof msg.id === 'number' || typeof msg.id === 'string' ? msg.id : null;
      const answer = answers[next++] ?? '{"ok":false,"code":"internal","message":"no recorded answer left"}';
      ws.send(replyFrame(id, answer));
    }),
  );
  process.on('message', (m: Ask) => {
    if (m.load) answers = m.load;
    process.send!({ id: m.id, value: next });
    next = 0;
  });
  process.once('disconnect', () => process.exit(0));
  wss.on('listening', () => process.send!({ listening: `ws://127.0.0.1:${(wss.address() as { port: number }).port}` }));
}

if (process.argv[2] === '--child') child();
