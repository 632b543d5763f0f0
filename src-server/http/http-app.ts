// The Fastify app: transport and limits underneath, JSON bodies, {code, message} for every refusal,
// and every route group registered through one path.
import Fastify, { type FastifyInstance, type FastifyReply } from 'fastify';
import type { ApiErrorBody } from '../../src-shared/api/errors';
import type { ConnectionGuard } from './connection-limits';
import { errorBody } from './error-answers';
import { acceptJsonBodies } from './json-bodies';
import { registerRouteGroup, type RouteDeps, type RouteGroup } from './route-groups';
import { answerClientError, createHttpServer, type TlsFiles } from './transport';

export interface HttpAppOptions {
  tls: TlsFiles | undefined;
  checkHost: (host: string | undefined) => ApiErrorBody | null;
  guard: ConnectionGuard;
  trustProxy: boolean | string | string[];
  bodyLimitBytes: number;
  groups: readonly RouteGroup[];
  deps: RouteDeps;
  log: (msg: string, err?: unknown) => void;
}

export function buildHttpApp(o: HttpAppOptions): FastifyInstance {
  const app = Fastify({
    bodyLimit: o.bodyLimitBytes,
    logger: false,
    return503OnClosing: false,
    trustProxy: o.trustProxy,
    // The Host check, the connection limits and the answer headers come before Fastify sees a request (see transport.ts).
    serverFactory: (handler, opts) => createHttpServer(o.tls, o.checkHost, o.guard, handler, opts),
    clientErrorHandler: answerClientError,
    // Errors the router raises before any route runs (a malformed URL, an over-long id) answer {code, message} too.
    frameworkErrors: (err, _req, reply) => {
      const { status, body } = errorBody(err);
      void (reply as FastifyReply).status(status).send(body);
    },
  });
  acceptJsonBodies(app, o.guard);
  app.setErrorHandler((err, _req, reply) => {
    const { status, body } = errorBody(err);
    if (status >= 500) o.log('request failed', err);
    void reply.status(status).send(body);
  });
  app.setNotFoundHandler((req, reply) => {
    void reply.status(404).send({ code: 'not_found', message: `no route ${req.method} ${req.url.split('?')[0]}` });
  });
  for (const group of o.groups) registerRouteGroup(app, group, o.deps);
  return app;
}
