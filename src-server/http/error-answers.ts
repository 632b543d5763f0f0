// Every refusal the server answers, whatever raised it, as {code, message} with its status.
import type { z } from 'zod';
import { ApiError, type ApiErrorBody } from '../../src-shared/api/errors';

export function errorBody(err: unknown): { status: number; body: ApiErrorBody } {
  if (err instanceof ApiError) return { status: err.status, body: err.toBody() };
  const e = err as { statusCode?: number; code?: string; message?: string };
  if (e?.code === 'FST_ERR_CTP_BODY_TOO_LARGE' || e?.statusCode === 413) {
    return { status: 413, body: { code: 'payload_too_large', message: 'the request body is over the limit' } };
  }
  if (e?.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE' || e?.statusCode === 415) {
    return { status: 400, body: { code: 'invalid_request', message: 'send the body as JSON (Content-Type: application/json)' } };
  }
  if (e?.statusCode && e.statusCode >= 400 && e.statusCode < 500) {
    return { status: 400, body: { code: 'invalid_request', message: e.message ?? 'bad request' } };
  }
  return { status: 500, body: { code: 'internal', message: 'the server failed; nothing was changed' } };
}

/** A schema's complaints in words, naming the field: "body.text: Too big". */
export function describeIssues(where: string, error: z.ZodError): string {
  return error.issues
    .slice(0, 3)
    .map((i) => `${[where, ...i.path.map(String)].join('.')}: ${i.message}`)
    .join('; ');
}
