// Route tables bound to Fastify: each route parses its params, checks who is calling (a session, a
// channel's signature, or nobody), parses its query and body, runs its handler and answers. Every
// route of every group goes through this one path.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { z } from 'zod';
import { ApiError } from '../../src-shared/api/errors';
import type { RouteDef } from '../../src-shared/api/routes';
import type { Database } from '../db/engine';
import { verifyInbound } from '../workspace/ingest';
import type { Store } from '../workspace/store';
import { loadViewer } from '../workspace/viewer';
import { describeIssues } from './error-answers';
import { RawJson, type Services } from './handlers';
import { mustChangePassword, PASSWORD_FIRST, sessionOf } from './session-auth';

/** A table of routes and the handler of each (the contract's mapped type checks the pairing where the group is made). */
export interface RouteGroup {
  routes: Readonly<Record<string, RouteDef>>;
  handlers: Readonly<Record<string, unknown>>;
}

type AnyHandler = (ctx: unknown, services: Services) => Promise<unknown>;

export interface RouteDeps {
  db: Database;
  store: Store;
  services: Services;
  /** Check every answer against its contract (tests turn this on). */
  validateResponses: boolean;
}

/** The raw body kept by the JSON parser (json-bodies.ts): the channel signature is over the exact bytes sent. */
type WithRawBody = FastifyRequest & { rawBody?: string };

function parsePart<T>(schema: z.ZodType<T> | undefined, value: unknown, where: string): T {
  if (!schema) return undefined as T;
  const r = schema.safeParse(value ?? (where === 'body' ? undefined : {}));
  if (!r.success) throw new ApiError('invalid_request', describeIssues(where, r.error));
  return r.data;
}

/** Who is calling, as the route asks: a session (with its viewer), a channel's signature, or nobody. */
async function authorize(def: RouteDef, req: FastifyRequest, ctx: Record<string, unknown>, deps: RouteDeps): Promise<void> {
  if (def.auth === 'session') {
    const { user, tokenHash } = await sessionOf(deps.store, req.headers.authorization, 'send the session token as Authorization: Bearer <token>');
    if (mustChangePassword(user) && !def.beforeOwnPassword) throw new ApiError('forbidden', PASSWORD_FIRST);
    if (def.roles && !def.roles.includes(user.role)) throw new ApiError('forbidden', `only ${def.roles.join(' and ')} users may do this`);
    ctx.viewer = await loadViewer(deps.db, user.id);
    ctx.tokenHash = tokenHash;
  }
  if (def.auth === 'signature') {
    const sig = req.headers['x-signature'];
    await verifyInbound(deps.db, (ctx.params as { id: string }).id, String(ctx.rawBody), typeof sig === 'string' ? sig : undefined);
  }
}

export function registerRouteGroup(app: FastifyInstance, group: RouteGroup, deps: RouteDeps): void {
  for (const [name, def] of Object.entries(group.routes)) {
    const handler = group.handlers[name] as AnyHandler;
    app.route({
      method: def.method,
      url: def.path,
      handler: async (req, reply) => {
        const rawBody = (req as WithRawBody).rawBody ?? '';
        const ctx: Record<string, unknown> = { rawBody, headers: req.headers, ip: req.ip };
        ctx.params = parsePart(def.params, req.params, 'params');
        await authorize(def, req, ctx, deps);
        ctx.query = parsePart(def.query, req.query, 'query');
        ctx.body = parsePart(def.body, req.body, 'body');
        const result = await handler(ctx, deps.services);
        if (deps.validateResponses) {
          const check = def.response.safeParse(result instanceof RawJson ? JSON.parse(result.json.toString()) : result);
          if (!check.success) throw new Error(`response of ${name} breaks its contract: ${describeIssues('response', check.error)}`);
        }
        if (result instanceof RawJson)
          return reply
            .status(def.status ?? 200)
            .type('application/json; charset=utf-8')
            .send(result.json);
        return reply.status(def.status ?? 200).send(result);
      },
    });
  }
}
