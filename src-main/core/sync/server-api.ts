// The desktop's one HTTP client for the workspace server (axios). Answers are parsed with the
// shared contract; failures become ServerError (the server said no) or OfflineError (no answer).
import axios, { type AxiosInstance } from 'axios';
import type { z } from 'zod';
import { ApiErrorBody, type ErrorCode } from '../../../src-shared/api/errors';
import { routes, type RouteName, type Routes } from '../../../src-shared/api/routes';

/** What a route is called with, as its schemas take it (the server parses it with them). */
type Part<N extends RouteName, K extends 'params' | 'query' | 'body'> = Routes[N] extends { [P in K]: infer S extends z.ZodType } ? z.input<S> : never;
interface CallInput<N extends RouteName> {
  params?: Part<N, 'params'>;
  query?: Part<N, 'query'>;
  body?: Part<N, 'body'>;
}

export class ServerError extends Error {
  constructor(
    readonly status: number,
    /** The server's code; http_error: an error answer without one; bad_answer: a success this app cannot parse. */
    readonly code: ErrorCode | 'http_error' | 'bad_answer',
    message: string,
  ) {
    super(message);
    this.name = 'ServerError';
  }
  /** A refusal that will not change by sending the same request again. */
  get permanent(): boolean {
    return this.status >= 400 && this.status < 500 && this.status !== 408 && this.status !== 429;
  }
}

export class OfflineError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'OfflineError';
  }
}

export class ServerApi {
  private readonly http: AxiosInstance;
  token: string | null = null;

  constructor(
    readonly baseUrl: string,
    timeoutMs = 15_000,
  ) {
    this.http = axios.create({
      baseURL: baseUrl.replace(/\/+$/, ''),
      timeout: timeoutMs,
      validateStatus: () => true,
      transitional: { clarifyTimeoutError: true },
    });
  }

  async call<N extends RouteName>(name: N, opts: CallInput<N> = {}): Promise<z.output<Routes[N]['response']>> {
    const def = routes[name];
    const params = opts.params as Record<string, string> | undefined;
    const path = def.path.replace(/:([A-Za-z_]+)/g, (_m, k: string) => encodeURIComponent(params?.[k] ?? ''));
    return this.request(def.method, path, opts.query as Record<string, unknown> | undefined, opts.body, def.response) as never;
  }

  /** A request of the route table; the answer is parsed with the route's response schema. */
  private async request(method: string, path: string, query: Record<string, unknown> | undefined, body: unknown, schema: z.ZodType): Promise<unknown> {
    let res;
    try {
      res = await this.http.request({
        method,
        url: path,
        params: query,
        // A POST or PUT without a body sends {} as JSON: given nothing, axios labels the empty body as a
        // form, which the server refuses. (GET and DELETE carry their arguments in the query: no body.)
        data: body === undefined && method !== 'GET' && method !== 'DELETE' ? {} : body,
        headers: this.token ? { authorization: `Bearer ${this.token}` } : {},
      });
    } catch (err) {
      throw new OfflineError(`the server at ${this.baseUrl} cannot be reached (${(err as Error).message})`);
    }
    if (res.status >= 200 && res.status < 300) {
      const parsed = schema.safeParse(res.data);
      if (!parsed.success) throw new ServerError(502, 'bad_answer', `the server's answer to ${method} ${path} is not what this app understands`);
      return parsed.data;
    }
    const e = ApiErrorBody.safeParse(res.data);
    if (res.status >= 500 || res.status === 502 || res.status === 503) throw new OfflineError(`the server answered ${res.status}`);
    throw new ServerError(res.status, e.success ? e.data.code : 'http_error', e.success ? e.data.message : `the server answered ${res.status}`);
  }

  /** The stream's address from a cursor and the visibility epoch that came with it (see SyncQuery). */
  streamUrl(after: number, epoch: number | undefined): string {
    const base = `${this.baseUrl.replace(/^http/, 'ws').replace(/\/+$/, '')}/api/v1/stream?after=${after}`;
    return epoch === undefined ? base : `${base}&epoch=${epoch}`;
  }
}
