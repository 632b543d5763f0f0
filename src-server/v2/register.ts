// The Developer API under /v2, in respond.io's conventions: a token per request (looked up each time,
// so a revoked one is refused at once by every instance), a rate limit per workspace shared by every
// instance, and errors as {code: <HTTP status>, message}.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { z } from 'zod';
import { ApiError } from '../../src-shared/api/errors';
import type { RouteDef } from '../../src-shared/api/routes';
import { v2Routes, type V2RouteName } from '../../src-shared/api/v2';
import { noteTokenUse, tokenViewer } from '../workspace/access-tokens';
import { countInWindow } from '../workspace/sign-in-limits';
import type { Store } from '../workspace/store';
import type { V2Ctx, V2Handlers } from './context';
import { contactHandlers } from './contacts';
import { conversationHandlers } from './conversation';
import { spaceHandlers } from './space';

export interface DeveloperApiOptions {
  /** Requests per window for the whole workspace (default 100 per 10 s). */
  limit?: { requests: number; windowMs: number };
  /** Check every answer against its schema (tests). */
  validateResponses?: boolean;
  log: (msg: string, err?: unknown) => void;
}

const all: V2Handlers<V2RouteName> = { ...contactHandlers, ...conversationHandlers, ...spaceHandlers };
const handlers = all as unknown as Record<V2RouteName, (c: V2Ctx<V2RouteName>) => Promise<unknown>>;
const BEARER = /^Bearer ([A-Za-z0-9_-]{20,200})$/i;
const RATE_KEY = 'developer api';

/** An error as /v2 answers it: the status, and the words. */
function statusOf(err: unknown): { status: number; message: string } {
  if (err instanceof ApiError) return { status: err.status, message: err.message };
  const e = err as { statusCode?: number; message?: string };
  if (e?.statusCode === 413) return { status: 413, message: 'the request body is over the limit' };
  if (e?.statusCode && e.statusCode >= 400 && e.statusCode < 500) return { status: 400, message: e.message ?? 'bad request' };
  return { status: 500, message: 'the server failed; nothing was changed' };
}

function parse<T>(schema: z.ZodType<T> | undefined, value: unknown, where: string): T {
  if (!schema) return undefined as T;
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  const first = r.error.issues.slice(0, 3).map((i) => `${[where, ...i.path.map(String)].join('.')}: ${i.message}`);
  throw new ApiError('invalid_request', first.join('; '));
}

/** Counts the request against the workspace's window (and notes the token's use); false past the limit. */
async function admit(
  store: Store,
  reply: FastifyReply,
  limit: { requests: number; windowMs: number },
  tokenId: string,
  lastUsedAt: number | null,
): Promise<boolean> {
  const { count, resetAt } = await store.write(async (tx) => {
    await noteTokenUse(tx, tokenId, lastUsedAt);
    return countInWindow(tx, RATE_KEY, limit.windowMs);
  });
  void reply.header('X-RateLimit-Limit', String(limit.requests)).header('X-RateLimit-Remaining', String(Math.max(0, limit.requests - count)));
  if (count <= limit.requests) return true;
  void reply.header('Retry-After', String(Math.max(1, Math.ceil((resetAt - store.clock()) / 1000))));
  return false;
}

/** Serves /v2 on the app (one call from createServer). */
export function registerDeveloperApi(app: FastifyInstance, store: Store, opts: DeveloperApiOptions): void {
  const limit = opts.limit ?? { requests: 100, windowMs: 10_000 };
  void app.register(
    async (v2) => {
      v2.setErrorHandler((err, _req, reply) => {
        const { status, message } = statusOf(err);
        if (status >= 500) opts.log('developer API request failed', err);
        void reply.status(status).send({ code: status, message });
      });
      v2.setNotFoundHandler((req, reply) => {
        void reply.status(404).send({ code: 404, message: `no route ${req.method} ${req.url.split('?')[0]}` });
      });
      for (const [name, def] of Object.entries(v2Routes) as [V2RouteName, RouteDef][]) {
        v2.route({
          method: def.method,
          url: def.path.slice('/v2'.length),
          handler: async (req: FastifyRequest, reply: FastifyReply) => {
            const m = BEARER.exec(String(req.headers.authorization ?? ''));
            if (!m) throw new ApiError('unauthorized', 'send the access token as Authorization: Bearer <token>');
            const { viewer, tokenId, lastUsedAt } = await tokenViewer(store, m[1]);
            if (!(await admit(store, reply, limit, tokenId, lastUsedAt)))
              throw new ApiError('rate_limited', 'too many requests for this workspace; wait and try again (see Retry-After)');
            const ctx = {
              params: parse(def.params, req.params, 'params'),
              query: parse(def.query, req.query ?? {}, 'query'),
              body: parse(def.body, req.body, 'body'),
              viewer,
              store,
              req,
            } as V2Ctx<V2RouteName>;
            const result = await handlers[name](ctx);
            if (opts.validateResponses) {
              const check = def.response.safeParse(result);
              if (!check.success) throw new Error(`response of ${name} breaks its contract: ${check.error.message}`);
            }
            return reply.status(200).send(result);
          },
        });
      }
    },
    { prefix: '/v2' },
  );
}
