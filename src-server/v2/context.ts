// What a /v2 handler is given: the validated request parts, the token's actor and the store.
import type { FastifyRequest } from 'fastify';
import type { z } from 'zod';
import type { V2RouteName, V2Routes } from '../../src-shared/api/v2';
import type { Store } from '../workspace/store';
import type { ViewerCtx } from '../workspace/viewer';

type Part<N extends V2RouteName, K extends string> = V2Routes[N] extends { [k in K]: infer T extends z.ZodType } ? z.output<T> : undefined;

export interface V2Ctx<N extends V2RouteName> {
  params: Part<N, 'params'>;
  query: Part<N, 'query'>;
  body: Part<N, 'body'>;
  /** The token's actor ("API · <token name>"): sees every contact. */
  viewer: ViewerCtx;
  store: Store;
  req: FastifyRequest;
}

export type V2Handler<N extends V2RouteName> = (c: V2Ctx<N>) => Promise<z.input<V2Routes[N]['response']>>;
export type V2Handlers<K extends V2RouteName> = { [N in K]: V2Handler<N> };
