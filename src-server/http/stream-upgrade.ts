// The live stream's door: a WebSocket upgrade on STREAM_PATH passes the Host check, gives a valid
// cursor and session, and stays within the stream limits before the hub takes it; any other is
// answered {code, message} in plain HTTP and closed.
import type { FastifyInstance } from 'fastify';
import { STATUS_CODES, type IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import type { ApiErrorBody } from '../../src-shared/api/errors';
import { STREAM_PATH, StreamQuery } from '../../src-shared/sync/changes';
import type { StreamHub } from '../feed/stream';
import type { Store } from '../workspace/store';
import { rawAnswer } from './connection-limits';
import { errorBody } from './error-answers';
import { mustChangePassword, PASSWORD_FIRST, sessionOf } from './session-auth';
import { ANSWER_HEADERS } from './transport';

export interface StreamDoor {
  checkHost: (host: string | undefined) => ApiErrorBody | null;
  /** Whether an address is a trusted proxy (many clients arrive from it). */
  isProxy: (address: string) => boolean;
  store: Store;
  hub: StreamHub;
  log: (msg: string, err?: unknown) => void;
}

/** Upgrades taken in one turn of the event loop: a thousand streams arriving at once are signed in and started a few at a time. */
const UPGRADES_PER_TURN = 16;

interface Upgrade {
  req: IncomingMessage;
  socket: Duplex;
  head: Buffer;
}

/**
 * Upgrades wait in arrival order and are taken UPGRADES_PER_TURN at a time, the next ones after
 * pending I/O (a /health request, a push) has had its go. One whose client left meanwhile is dropped.
 */
function admitInTurns(take: (u: Upgrade) => Promise<unknown>): { push: (u: Upgrade) => void } {
  const queue: Upgrade[] = [];
  let scheduled = false;
  const turn = async () => {
    const batch = queue.splice(0, UPGRADES_PER_TURN).filter((u) => !u.socket.destroyed);
    await Promise.all(batch.map(take));
    scheduled = false;
    if (queue.length) schedule();
  };
  const schedule = () => {
    scheduled = true;
    setImmediate(() => void turn());
  };
  return {
    push: (u) => {
      // No one else listens yet: a client resetting its connection while it waits must not end the process.
      u.socket.on('error', () => u.socket.destroy());
      queue.push(u);
      if (!scheduled) schedule();
    },
  };
}

function refuse(socket: Duplex, status: number, body: ApiErrorBody): void {
  socket.end(rawAnswer(status, STATUS_CODES[status] ?? 'Bad Request', body, ANSWER_HEADERS));
}

/** Takes the server's upgrades; answers the WebSocket server to close with the app. */
export function acceptStreams(server: FastifyInstance['server'], door: StreamDoor): WebSocketServer {
  const wss = new WebSocketServer({ noServer: true, maxPayload: 64 * 1024 });
  const upgrade = async (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const refused = door.checkHost(req.headers.host);
    if (refused) return refuse(socket, 400, refused);
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname !== STREAM_PATH) return refuse(socket, 404, { code: 'not_found', message: 'no stream here' });
    const epoch = url.searchParams.get('epoch');
    const q = StreamQuery.safeParse({ after: url.searchParams.get('after') ?? '0', ...(epoch !== null && { epoch }) });
    if (!q.success)
      return refuse(socket, 400, { code: 'invalid_request', message: 'after and epoch must be whole numbers (a cursor and the epoch that came with it)' });
    let auth;
    try {
      auth = await sessionOf(door.store, req.headers.authorization, 'send Authorization: Bearer <token>');
    } catch (err) {
      return refuse(socket, 401, errorBody(err).body);
    }
    if (mustChangePassword(auth.user)) return refuse(socket, 403, { code: 'forbidden', message: PASSWORD_FIRST });
    // Behind a trusted proxy every stream comes from the proxy: no per-address count then.
    const address = door.isProxy(req.socket.remoteAddress ?? '') ? '' : (req.socket.remoteAddress ?? '');
    const tooMany = door.hub.refusal(auth.user.id, address);
    if (tooMany) return refuse(socket, 429, { code: 'rate_limited', message: tooMany });
    wss.handleUpgrade(req, socket, head, (ws) => door.hub.attach(ws, auth.user, auth.tokenHash, q.data.after, q.data.epoch, address));
  };
  const take = (u: Upgrade) =>
    upgrade(u.req, u.socket, u.head).catch((err) => {
      door.log('upgrade failed', err);
      u.socket.destroy();
    });
  const waiting = admitInTurns(take);
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => waiting.push({ req, socket, head }));
  return wss;
}
