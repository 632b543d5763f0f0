// Host mode: the desktop core under plain Node, serving the built renderer and the desktop API
// (over a WebSocket) to a browser on 127.0.0.1, behind a random per-run token.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { WebSocketServer, type WebSocket } from 'ws';
import { CONTENT_SECURITY_POLICY } from '../../src-shared/desktop/csp';
import { DesktopService, type DesktopOptions } from '../core/service/desktop-service';

export const DESKTOP_SOCKET_PATH = '/desktop';
const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.woff2': 'font/woff2',
};
export interface HostOptions extends DesktopOptions {
  rendererDir: string;
  port?: number;
  /** Fixed token (tests); random per run otherwise. */
  token?: string;
}

export interface Host {
  url: string;
  /** The URL to open: the page, with the token in the fragment (never sent to a server). */
  openUrl: string;
  token: string;
  service: DesktopService;
  close(): Promise<void>;
}

function sameToken(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

async function serveStatic(root: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://127.0.0.1');
  let rel: string;
  try {
    rel = decodeURIComponent(url.pathname);
  } catch {
    res.writeHead(400).end();
    return;
  }
  const file = resolve(root, normalize(`.${rel === '/' ? '/index.html' : rel}`));
  if (file !== root && !file.startsWith(root + sep)) {
    res.writeHead(404).end();
    return;
  }
  const headers = {
    'content-security-policy': CONTENT_SECURITY_POLICY,
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
    'cache-control': 'no-store',
  };
  try {
    const s = await stat(file);
    const target = s.isDirectory() ? join(file, 'index.html') : file;
    const body = await readFile(target);
    res.writeHead(200, { ...headers, 'content-type': TYPES[extname(target)] ?? 'application/octet-stream' }).end(body);
  } catch {
    // Client-side routes fall back to the app's page.
    try {
      const body = await readFile(join(root, 'index.html'));
      res.writeHead(extname(file) ? 404 : 200, { ...headers, 'content-type': TYPES['.html'] }).end(extname(file) ? '' : body);
    } catch {
      res.writeHead(503, { 'content-type': 'text/plain; charset=utf-8' }).end('The renderer is not built: run `npm run build` first.\n');
    }
  }
}

/** The desktop socket's options. No per-message deflate (ws's default for a server, said here): on 127.0.0.1 compressing a page costs more than sending it. */
export const DESKTOP_SOCKET_OPTIONS = { maxPayload: 256 * 1024, perMessageDeflate: false } as const;

/** The frame answering a call: its id and the reply, already JSON (written around it, not parsed and written again). */
export const replyFrame = (id: number | string | null, replyJson: string): string => `{"id":${JSON.stringify(id)},"reply":${replyJson}}`;

export async function startHost(opts: HostOptions): Promise<Host> {
  const token = opts.token ?? randomBytes(24).toString('base64url');
  const root = resolve(opts.rendererDir);
  const service = new DesktopService(opts);
  await service.start();
  const http = createServer((req, res) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return void res.writeHead(405).end();
    void serveStatic(root, req, res);
  });
  const wss = new WebSocketServer({ noServer: true, ...DESKTOP_SOCKET_OPTIONS });
  const sockets = new Set<WebSocket>();
  http.on('upgrade', (req, socket, head) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const given = url.searchParams.get('token') ?? '';
    // Only our own page may connect: the token, and an Origin of this host if the browser sent one.
    const origin = req.headers.origin;
    const host = req.headers.host;
    if (url.pathname !== DESKTOP_SOCKET_PATH || !sameToken(given, token) || (origin && origin !== `http://${host}`)) {
      socket.end('HTTP/1.1 403 Forbidden\r\nConnection: close\r\n\r\n');
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      sockets.add(ws);
      ws.on('close', () => sockets.delete(ws));
      ws.on('message', (data) => {
        let msg: { id?: unknown; call?: unknown };
        try {
          msg = JSON.parse(data.toString());
        } catch {
          return ws.send(JSON.stringify({ id: null, reply: { ok: false, code: 'invalid_request', message: 'frames are JSON {id, call}' } }));
        }
        const id = typeof msg.id === 'number' || typeof msg.id === 'string' ? msg.id : null;
        void service.handleAsJson(msg.call).then((reply) => {
          if (ws.readyState === ws.OPEN) ws.send(replyFrame(id, reply));
        });
      });
      ws.send(JSON.stringify({ event: 'session', payload: service.session() }));
      ws.send(JSON.stringify({ event: 'unread', payload: { count: service.unreadCount() } }));
    });
  });
  service.on('event', (name, payload) => {
    const frame = JSON.stringify({ event: name, payload });
    for (const ws of sockets) if (ws.readyState === ws.OPEN) ws.send(frame);
  });
  await new Promise<void>((r) => http.listen(opts.port ?? 0, '127.0.0.1', r));
  const port = (http.address() as { port: number }).port;
  const url = `http://127.0.0.1:${port}`;
  return {
    url,
    openUrl: `${url}/#token=${token}`,
    token,
    service,
    async close() {
      for (const ws of sockets) ws.terminate();
      wss.close();
      await new Promise<void>((r) => http.close(() => r()));
      http.closeAllConnections?.();
      await service.shutdown();
    },
  };
}
