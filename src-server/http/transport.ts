// How requests reach the server: plain HTTP or TLS, the Host check every request and WebSocket
// upgrade passes first, and the headers every answer carries.
import http, { type IncomingMessage, type RequestListener, type ServerResponse } from 'node:http';
import https from 'node:https';
import type { ApiErrorBody } from '../../src-shared/api/errors';

export interface TlsFiles {
  /** PEM: the certificate, followed by its chain. */
  cert: string | Buffer;
  /** PEM: its private key. */
  key: string | Buffer;
}

/**
 * Every answer: no caching (answers carry session tokens and workspace data, and a shared proxy or
 * the OS's HTTP cache must keep none of it) and no content sniffing (JSON stays JSON).
 */
export const ANSWER_HEADERS: Readonly<Record<string, string>> = {
  'cache-control': 'no-store',
  'x-content-type-options': 'nosniff',
};

const LOOPBACK_NAMES = ['localhost', '127.0.0.1', '[::1]'];

/**
 * The names this server answers to: the loopback names, the host of each public URL, and the
 * address it listens on (unless that is every address). Any other Host header is refused: a web
 * page that points its own name at this machine (DNS rebinding) cannot reach a server on 127.0.0.1.
 * Ports are not compared: a proxy may or may not pass the public port on.
 */
export function hostCheck(publicUrls: readonly string[], listenHost: string): (host: string | undefined) => ApiErrorBody | null {
  const allowed = new Set(LOOPBACK_NAMES);
  for (const u of publicUrls) allowed.add(new URL(u).hostname.toLowerCase());
  const bound = hostnameOf(listenHost.includes(':') && !listenHost.startsWith('[') ? `[${listenHost}]` : listenHost);
  if (bound && bound !== '0.0.0.0' && bound !== '[::]') allowed.add(bound);
  return (host) => {
    const name = host === undefined ? null : hostnameOf(host);
    if (name && allowed.has(name.replace(/\.$/, ''))) return null;
    return {
      code: 'invalid_request',
      message: name
        ? `this server does not answer to the name ${name}: use its own address (its administrator lists it with --public-url)`
        : 'send a Host header naming this server',
    };
  };
}

function hostnameOf(host: string): string | null {
  try {
    const u = new URL(`http://${host}`);
    // A Host header is a name and a port, nothing else.
    if (u.username || u.password || u.pathname !== '/' || u.search || u.hash) return null;
    return u.hostname.toLowerCase();
  } catch {
    return null;
  }
}

/** An error answer written straight to the socket's response (before any framework sees the request). */
export function refuse(res: ServerResponse, status: number, body: ApiErrorBody): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { ...ANSWER_HEADERS, 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), connection: 'close' });
  res.end(text);
}

/** The HTTP or HTTPS server, whose every request passes the Host check and gets ANSWER_HEADERS before the app sees it. */
export function createHttpServer(
  tls: TlsFiles | undefined,
  checkHost: (host: string | undefined) => ApiErrorBody | null,
  app: RequestListener,
  timeouts: { keepAliveTimeout?: number; requestTimeout?: number; connectionTimeout?: number },
): http.Server {
  const guarded = (req: IncomingMessage, res: ServerResponse) => {
    for (const [k, v] of Object.entries(ANSWER_HEADERS)) res.setHeader(k, v);
    const refused = checkHost(req.headers.host);
    if (refused) return refuse(res, 400, refused);
    app(req, res);
  };
  const server = tls ? https.createServer({ cert: tls.cert, key: tls.key }, guarded) : http.createServer(guarded);
  // As Fastify sets up the servers it makes itself.
  if (timeouts.keepAliveTimeout !== undefined) server.keepAliveTimeout = timeouts.keepAliveTimeout;
  if (timeouts.requestTimeout !== undefined) server.requestTimeout = timeouts.requestTimeout;
  if (timeouts.connectionTimeout !== undefined) server.setTimeout(timeouts.connectionTimeout);
  // https.Server is an http.Server to every caller here (Fastify, the 'upgrade' listener).
  return server as http.Server;
}
