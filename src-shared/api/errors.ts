import { z } from 'zod';

export const ErrorCode = z.enum([
  'invalid_request',
  'unauthorized',
  'forbidden',
  'not_found',
  'conflict',
  'idempotency_mismatch',
  'payload_too_large',
  'rate_limited',
  /** A per-user or per-team bound (custom inboxes, shared inboxes) is reached. */
  'limit_reached',
  /** The request did not arrive in time (a body or headers sent too slowly). */
  'request_timeout',
  /** The request's headers are over the limit. */
  'headers_too_large',
  'internal',
  /** The server is at its connection or memory bound for now: try again shortly. */
  'server_busy',
]);
export type ErrorCode = z.infer<typeof ErrorCode>;

export const ApiErrorBody = z.object({ code: ErrorCode, message: z.string() });
export type ApiErrorBody = z.infer<typeof ApiErrorBody>;

export const STATUS_OF: Record<ErrorCode, number> = {
  invalid_request: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  idempotency_mismatch: 409,
  payload_too_large: 413,
  rate_limited: 429,
  limit_reached: 409,
  request_timeout: 408,
  headers_too_large: 431,
  internal: 500,
  server_busy: 503,
};

/** An error the API answers with; thrown by server code, parsed by clients. */
export class ApiError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
  get status(): number {
    return STATUS_OF[this.code];
  }
  toBody(): ApiErrorBody {
    return { code: this.code, message: this.message };
  }
}
