// Bounds on what clients may hold: connections (in total, below the process's file descriptors,
// and per address), requests pipelined on one connection, answers left unread, bytes of bodies
// still arriving. Beyond a bound the client gets a {code, message} answer where the connection
// can still carry one, else the connection is cut; everyone else is served as before.
import { readFileSync } from 'node:fs';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { Transform } from 'node:stream';
import { ApiError, type ApiErrorBody } from '../../src-shared/api/errors';

export interface ConnectionLimits {
  /** Connections at once, all addresses together (default: 80% of the process's file descriptors). */
  maxConnections: number;
  /** Connections at once from one address (not counted for addresses given as trusted proxies). */
  perAddress: number;
  /** Of maxConnections, this many are kept for requests that carry a session token (signed-in users). */
  reservedForSignedIn: number;
  /** Requests one connection may have waiting for their answers (HTTP pipelining); one more cuts it. */
  maxPipelined: number;
  /** Answer bytes a connection may leave unread; a new request beyond that cuts it. */
  maxUnreadBytes: number;
  /** Bytes of request bodies still arriving, all connections together; beyond, 503 server_busy. */
  bodyBudgetBytes: number;
  /** Time for a whole request (headers and body) to arrive: a slower one is answered 408 and cut. */
  requestTimeoutMs: number;
  /** Time for the headers to arrive. */
  headersTimeoutMs: number;
}

function fileDescriptors(): number | null {
  try {
    const m = /^Max open files\s+(\d+)/m.exec(readFileSync('/proc/self/limits', 'utf8'));
    return m ? Number(m[1]) : null;
  } catch {
    return null;
  }
}

export function defaultConnectionLimits(): ConnectionLimits {
  // Room is left for the database, files and logs: the process never runs out of descriptors.
  const fds = fileDescriptors() ?? 5000;
  const maxConnections = Math.max(64, Math.min(Math.floor(fds * 0.8), fds - 256));
  return {
    maxConnections,
    perAddress: 2000,
    reservedForSignedIn: Math.floor(maxConnections / 10),
    maxPipelined: 8,
    maxUnreadBytes: 4 * 1024 * 1024,
    bodyBudgetBytes: 16 * 1024 * 1024,
    requestTimeoutMs: 30_000,
    headersTimeoutMs: 10_000,
  };
}

const BUSY: ApiErrorBody = { code: 'server_busy', message: 'the server has too many connections right now: try again in a few seconds' };

/** An error answer written straight to a socket that has not been handed to the HTTP parser's answers. */
export function rawAnswer(status: number, reason: string, body: ApiErrorBody, headers: Record<string, string> = {}): string {
  const text = JSON.stringify(body);
  return (
    `HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(text)}\r\n` +
    Object.entries(headers)
      .map(([k, v]) => `${k}: ${v}\r\n`)
      .join('') +
    `Connection: close\r\n\r\n${text}`
  );
}

interface SocketState {
  waiting: number;
}

export class ConnectionGuard {
  private total = 0;
  private readonly byAddress = new Map<string, number>();
  private readonly sockets = new WeakMap<Socket, SocketState>();
  private bodyBytes = 0;

  constructor(
    readonly limits: ConnectionLimits,
    private readonly exempt: (address: string) => boolean,
    private readonly headers: Record<string, string>,
  ) {}

  get connections(): number {
    return this.total;
  }

  get bodyBytesInFlight(): number {
    return this.bodyBytes;
  }

  /** Counts each new connection; one over a cap is answered 503 (plain HTTP) or closed (TLS) at once. */
  attach(server: Server, tls: boolean): void {
    // Over TLS, requests arrive on the TLS socket wrapped around the counted one.
    if (tls) server.on('secureConnection', (socket: Socket) => this.sockets.set(socket, { waiting: 0 }));
    server.on('connection', (socket: Socket) => {
      const address = socket.remoteAddress ?? '';
      const counted = !this.exempt(address);
      const mine = counted ? (this.byAddress.get(address) ?? 0) + 1 : 0;
      if (this.total >= this.limits.maxConnections || mine > this.limits.perAddress) {
        if (tls) socket.destroy();
        else {
          socket.end(rawAnswer(503, 'Service Unavailable', BUSY, { ...this.headers, 'Retry-After': '5' }));
          // A client that never reads does not keep the descriptor.
          setTimeout(() => socket.destroy(), 1000).unref();
        }
        return;
      }
      this.total += 1;
      if (counted) this.byAddress.set(address, mine);
      this.sockets.set(socket, { waiting: 0 });
      socket.once('close', () => {
        this.total -= 1;
        if (!counted) return;
        const n = (this.byAddress.get(address) ?? 1) - 1;
        if (n <= 0) this.byAddress.delete(address);
        else this.byAddress.set(address, n);
      });
    });
  }

  /**
   * A request arrived: false when it must not be served. A connection with too many answers
   * pending or unread is cut (its client pipelines without reading: nothing it is owed can reach
   * it in order anyway); past the shared part of the connections, requests without a session token
   * are answered 503, so signed-in users keep the room kept for them.
   */
  admit(req: IncomingMessage, res: ServerResponse): boolean {
    const socket = req.socket;
    const state = this.sockets.get(socket);
    if (state) {
      state.waiting += 1;
      res.once('close', () => (state.waiting -= 1));
      if (state.waiting > this.limits.maxPipelined || socket.writableLength > this.limits.maxUnreadBytes) {
        socket.destroy();
        return false;
      }
    }
    if (this.total > this.limits.maxConnections - this.limits.reservedForSignedIn && !/^Bearer /i.test(String(req.headers.authorization ?? ''))) {
      const text = JSON.stringify(BUSY);
      res.writeHead(503, {
        'content-type': 'application/json; charset=utf-8',
        'content-length': Buffer.byteLength(text),
        'retry-after': '5',
        connection: 'close',
      });
      res.end(text);
      return false;
    }
    return true;
  }

  /**
   * Bodies still arriving share one budget of bytes. A body of declared length takes its length from
   * the budget before a byte is read (none left: 503 server_busy, thrown here), given back once the
   * body has arrived or its request is gone. A chunked body is counted as it arrives; one that runs
   * past the budget has its connection cut.
   */
  meter<S extends NodeJS.ReadableStream>(req: IncomingMessage, body: S): S {
    let held = 0;
    const release = () => {
      this.bodyBytes -= held;
      held = 0;
    };
    req.once('end', release);
    req.once('close', release);
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > 0) {
      if (this.bodyBytes + declared > this.limits.bodyBudgetBytes) {
        release();
        throw new ApiError('server_busy', 'the server is receiving too much at once: send the request again in a few seconds');
      }
      held = declared;
      this.bodyBytes += declared;
      return body;
    }
    const self = this;
    const counter = new Transform({
      transform(chunk: Buffer, _enc, done) {
        if (self.bodyBytes + chunk.length > self.limits.bodyBudgetBytes) {
          release();
          req.socket.destroy();
          return done();
        }
        held += chunk.length;
        self.bodyBytes += chunk.length;
        done(null, chunk);
      },
    });
    // Errors reach the framework through its own listeners; none may go unheard and end the process.
    counter.on('error', () => {});
    body.on('error', (err) => counter.destroy(err));
    return body.pipe(counter) as unknown as S;
  }
}
