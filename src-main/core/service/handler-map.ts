// The desktop API's implementation, typed like the server's `Handlers`: one handler per query and
// command of src-shared/desktop/api.ts, its input as the schema parses it, its answer checked against
// the declared output at build time. A missing handler, or one answering the wrong shape, breaks tsc.
import { randomUUID } from 'node:crypto';
import type { z } from 'zod';
import type { CommandName, Commands, QueryName, Queries } from '../../../src-shared/desktop/api';
import type { Viewer } from '../../../src-shared/access/visibility';
import type { Contact, Notification, User } from '../../../src-shared/model';
import type { Cache } from '../cache/cache';
import type { JsonText } from '../cache/json-text';
import type { Outbox } from '../outbox/outbox';
import type { ServerApi } from '../sync/server-api';
import { UserError } from './user-error';

/** A handler's answer: as objects, or already written as JSON (a page of stored rows). */
type Answer<T> = T | JsonText<T>;
type Handler<D extends { input: z.ZodType; output: z.ZodType }> = (
  input: z.output<D['input']>,
) => Answer<z.output<D['output']>> | Promise<Answer<z.output<D['output']>>>;
export type QueryHandlers = { [N in QueryName]: Handler<Queries[N]> };
export type CommandHandlers = { [N in CommandName]: Handler<Commands[N]> };

/** What the handlers of a feature use of the signed-in service; each throws `signed_out` when signed out. */
export interface ServiceContext {
  cache(): Cache;
  outbox(): Outbox;
  /** The signed-in user. */
  me(): User;
  /** The signed-in user as the visibility rule's viewer. */
  viewer(): Viewer;
  /** The server, for what is done online only. */
  online(): ServerApi;
  now(): number;
  /** Tells the renderer the unread count after a write changed it. */
  emitUnread(): void;
}

/** The client id of a write made online (the server's idempotency key); the outbox gives its own writes theirs. */
export const newClientId = (): string => randomUUID();

function contactOrFail(ctx: ServiceContext, id: string): Contact {
  const c = ctx.cache().entities.get('contact', id);
  if (!c) throw new UserError('not_found', 'This contact is not available.');
  return c;
}

/** What every write about a contact starts with: the outbox, the write's client id, the user and the contact (each refused in words when missing). */
export function contactWrite(ctx: ServiceContext, contactId: string): { outbox: Outbox; clientId: string; me: User; contact: Contact } {
  const outbox = ctx.outbox();
  const clientId = outbox.newClientId();
  const me = ctx.me();
  return { outbox, clientId, me, contact: contactOrFail(ctx, contactId) };
}

export function notificationOrFail(ctx: ServiceContext, id: string): Notification {
  const n = ctx.cache().entities.get('notification', id);
  if (!n) throw new UserError('not_found', 'This notification is not available.');
  return n;
}
