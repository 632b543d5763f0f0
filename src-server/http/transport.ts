// How requests reach the server: plain HTTP or TLS, the Host check every request and WebSocket
// upgrade passes first, and the headers every answer carries.
import http, { type IncomingMessage, type RequestListener, type ServerResponse } from 'node:http';
import https from 'node:https';
import type { Duplex } from 'node:stream';
import type { ApiErrorBody } from '../../src-shared/api/errors';
import { rawAnswer, type ConnectionGuard } from './connection-limits';

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
  const verdict = (host: string | undefined): ApiErrorBody | null => {
    const name = host === undefined ? null : hostnameOf(host);
    if (name && allowed.has(name.replace(/\.$/, ''))) return null;
    return {
      code: 'invalid_request',
      message: name
        ? `this server does not answer to the name ${name}: use its own address (its administrator lists it with --public-url)`
        : 'send a Host header naming this server',
    };
  };
  // Clients send the same few Host headers again and again: each is parsed as a URL once (up to 256 remembered).
  const known = new Map<string | undefined, ApiErrorBody | null>();
  return (host) => {
    if (known.has(host)) return known.get(host)!;
    const v = verdict(host);
    if (known.size >= 256) known.clear();
    known.set(host, v);
    return v;
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
function refuse(res: ServerResponse, status: number, body: ApiErrorBody): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    ...ANSWER_HEADERS,
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    connection: 'close',
  });
  res.end(text);
}

/** The HTTP or HTTPS server, whose every request passes the Host check and the connection limits, and gets ANSWER_HEADERS, before the app sees it. */
export function createHttpServer(
  tls: TlsFiles | undefined,
  checkHost: (host: string | undefined) => ApiErrorBody | null,
  guard: ConnectionGuard,
  app: RequestListener,
  timeouts: { keepAliveTimeout?: number },
): http.Server {
  const guarded = (req: IncomingMessage, res: ServerResponse) => {
    for (const [k, v] of Object.entries(ANSWER_HEADERS)) res.setHeader(k, v);
    if (!guard.admit(req, res)) return;
    const refused = checkHost(req.headers.host);
    if (refused) return refuse(res, 400, refused);
    app(req, res);
  };
  const options: http.ServerOptions = {
    requestTimeout: guard.limits.requestTimeoutMs,
    headersTimeout: Math.min(guard.limits.headersTimeoutMs, guard.limits.requestTimeoutMs),
    // How often those two are checked: a slow request is cut within a second of its time.
    connectionsCheckingInterval: Math.min(1000, guard.limits.requestTimeoutMs),
    maxHeaderSize: MAX_HEADER_BYTES,
  };
  const server = tls ? https.createServer({ ...options, cert: tls.cert, key: tls.key }, guarded) : http.createServer(options, guarded);
  if (timeouts.keepAliveTimeout !== undefined) server.keepAliveTimeout = timeouts.keepAliveTimeout;
  guard.attach(server, !!tls);
  // https.Server is an http.Server to every caller here (Fastify, the 'upgrade' listener).
  return server as http.Server;
}

const MAX_HEADER_BYTES = 16 * 1024;

/**
 * The HTTP parser's own refusals (malformed or oversized headers, a duplicate Content-Length, a
 * request too slow to arrive) answer {code, message} like every other error, then close.
 */
export function answerClientError(err: NodeJS.ErrnoException, socket: Duplex): void {
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  let status = 400;
  let reason = 'Bad Request';
  let body: ApiErrorBody = { code: 'invalid_request', message: 'the request is not well-formed HTTP/1.1 (its request line or headers cannot be read)' };
  if (err.code === 'ERR_HTTP_REQUEST_TIMEOUT') {
    status = 408;
    reason = 'Request Timeout';
    body = { code: 'request_timeout', message: 'the request took too long to arrive: send it again in one go' };
  } else if (err.code === 'HPE_HEADER_OVERFLOW') {
    status = 431;
    reason = 'Request Header Fields Too Large';
    body = { code: 'headers_too_large', message: `the request headers are over ${MAX_HEADER_BYTES / 1024} KB` };
  } else if (err.code === 'HPE_UNEXPECTED_CONTENT_LENGTH' || /content-length/i.test(err.message ?? '')) {
    body = { code: 'invalid_request', message: 'the request has more than one Content-Length, or one beside Transfer-Encoding' };
  }
  if (socket.writable) socket.write(rawAnswer(status, reason, body, ANSWER_HEADERS));
  socket.destroy();
}

/**
 * Addresses that are trusted proxies (ServerOptions.trustProxy): many clients arrive from each, so
 * the per-address caps do not count them.
 */
export function trustedProxies(trust: boolean | string | string[] | undefined): (address: string) => boolean {
  if (trust === true) return () => true;
  if (!trust) return () => false;
  const listed = new Set((Array.isArray(trust) ? trust : trust.split(',')).map((a) => a.trim()));
  const loopback = listed.has('loopback');
  return (address) => {
    const plain = address.replace(/^::ffff:/, '');
    return listed.has(address) || listed.has(plain) || (loopback && (plain === '127.0.0.1' || address === '::1'));
  };
}
