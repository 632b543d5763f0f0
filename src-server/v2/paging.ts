// respond.io's paging: `limit` and `cursorId` in, `{items, pagination: {next, previous}}` out, where
// `next` is an absolute URL carrying the cursorId of the page's last item, and the last page has none.
import type { FastifyRequest } from 'fastify';
import { ApiError } from '../../src-shared/api/errors';

export interface PageQuery {
  limit: number;
  cursorId?: number;
}

export interface Page<T> {
  items: T[];
  pagination: { next?: string; previous?: string };
}

/** The same request's URL with another cursorId (absolute, as the client reached this server). */
function urlWith(req: FastifyRequest, limit: number, cursorId: number | null): string {
  const url = new URL(req.url, `${req.protocol}://${req.host}`);
  url.searchParams.set('limit', String(limit));
  if (cursorId === null) url.searchParams.delete('cursorId');
  else url.searchParams.set('cursorId', String(cursorId));
  return url.toString();
}

/**
 * A page from rows read one past the limit (`more`: there were); `numOf` gives an item's number.
 * `before`: where the previous page starts (null: at the beginning; undefined: this is the first page).
 */
export function pageOf<T>(req: FastifyRequest, q: PageQuery, items: T[], more: boolean, numOf: (t: T) => number, before: number | null | undefined): Page<T> {
  const pagination: Page<T>['pagination'] = {};
  const last = items[items.length - 1];
  if (more && last) pagination.next = urlWith(req, q.limit, numOf(last));
  if (before !== undefined) pagination.previous = urlWith(req, q.limit, before);
  return { items, pagination };
}

/** A page of a short list held in memory (users, tags, fields, channels): the items after cursorId. */
export function pageOfList<T>(req: FastifyRequest, q: PageQuery, all: T[], numOf: (t: T) => number): Page<T> {
  const start = q.cursorId === undefined ? 0 : all.findIndex((t) => numOf(t) === q.cursorId) + 1;
  if (start === 0 && q.cursorId !== undefined) throw new ApiError('invalid_request', `cursorId: ${q.cursorId} is not in this list`);
  const rest = all.slice(start);
  const before = start === 0 ? undefined : start - q.limit <= 0 ? null : numOf(all[start - q.limit - 1]);
  return pageOf(req, q, rest.slice(0, q.limit), rest.length > q.limit, numOf, before);
}
