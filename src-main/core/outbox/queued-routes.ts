// The routes of the HTTP contract (src-shared/api/routes.ts) the outbox delivers writes through: one
// per kind of write. A queued write is stored as {route, params, body}, so a renamed or reshaped
// route breaks the build here, not a queue at run time.
import type { z } from 'zod';
import { routes, type RouteName, type Routes } from '../../../src-shared/api/routes';
import type { OutboxItem } from '../../../src-shared/desktop/api';

export type OutboxKind = OutboxItem['kind'];

export const ROUTE_OF_KIND = {
  message: 'sendMessage',
  comment: 'addComment',
  assign: 'assign',
  close: 'close',
  reopen: 'reopen',
  notification_read: 'markNotificationRead',
  notification_archive: 'archiveNotification',
  notification_archive_all: 'archiveAllNotifications',
} as const satisfies Record<OutboxKind, RouteName>;

export type OutboxRoute = (typeof ROUTE_OF_KIND)[OutboxKind];

export const KIND_OF_ROUTE = Object.fromEntries(Object.entries(ROUTE_OF_KIND).map(([k, r]) => [r, k])) as Record<OutboxRoute, OutboxKind>;

/** The path parameters of a queued route ({} for a route without any). */
export type QueuedParams<R extends OutboxRoute> = Routes[R] extends { params: infer P extends z.ZodType } ? z.input<P> : Record<string, never>;
/** The body a write is queued with; the outbox adds its client id. */
export type QueuedBody<R extends OutboxRoute> = Omit<z.input<Routes[R]['body']>, 'client_id'>;

/**
 * Checks a write against its route's schemas before it is queued: a write the server could only
 * refuse for its shape is a bug here, found at once rather than after a reconnect.
 */
export function checkQueued(route: OutboxRoute, params: Record<string, string>, body: Record<string, unknown>): void {
  const def: { params?: z.ZodType; body: z.ZodType } = routes[route];
  for (const [part, schema, value] of [
    ['params', def.params, params],
    ['body', def.body, body],
  ] as const) {
    const checked = schema?.safeParse(value);
    if (checked && !checked.success)
      throw new Error(`a ${route} write does not fit the route's ${part}: ${checked.error.issues.map((i) => `${i.path.join('.')} ${i.message}`).join('; ')}`);
  }
}

/** The path parameters in a path built from a route's pattern ('/contacts/:id/messages'), or null when it does not match. */
function paramsInPath(pattern: string, path: string): Record<string, string> | null {
  const names: string[] = [];
  const re = new RegExp(`^${pattern.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/:([A-Za-z_]+)/g, (_m, k: string) => (names.push(k), '([^/]+)'))}$`);
  const m = re.exec(path);
  if (!m) return null;
  try {
    return Object.fromEntries(names.map((k, i) => [k, decodeURIComponent(m[i + 1])]));
  } catch {
    return null;
  }
}

/**
 * A write queued before the outbox stored route names (a method and a path built by hand: cache
 * migration 5, and rescued files written by such a version) as its route and path parameters.
 * Params null: it has no address left (its contact was lost: an empty path) or one this app cannot read.
 */
export function routeOfOldWrite(kind: OutboxKind, path: string): { route: OutboxRoute; params: Record<string, string> | null } {
  const route = ROUTE_OF_KIND[kind] ?? ROUTE_OF_KIND.message;
  return { route, params: path ? paramsInPath(routes[route].path, path) : null };
}
