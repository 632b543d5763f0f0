// Marking notifications read and archiving them: queued in the outbox, the bell's count at once.
import * as q from '../../cache/queries';
import { notificationOrFail, type CommandHandlers, type ServiceContext } from '../handler-map';

type NotificationWrites = Pick<CommandHandlers, 'markNotificationRead' | 'archiveNotification' | 'archiveAllNotifications'>;

export function notificationWrites(ctx: ServiceContext): NotificationWrites {
  /** One notification read, or archived (which reads it too). */
  const one = (id: string, archive: boolean) => {
    const outbox = ctx.outbox();
    const clientId = outbox.newClientId();
    ctx.me();
    const n = notificationOrFail(ctx, id);
    const now = ctx.now();
    outbox.enqueue({
      clientId,
      route: archive ? 'archiveNotification' : 'markNotificationRead',
      params: { id: n.id },
      body: {},
      contactId: n.contact_id,
      optimistic: [{ entity: 'notification', id: n.id, data: { ...n, read_at: n.read_at ?? now, ...(archive && { archived_at: n.archived_at ?? now }) } }],
    });
    ctx.emitUnread();
    return { client_id: clientId };
  };
  return {
    markNotificationRead: ({ id }) => one(id, false),
    archiveNotification: ({ id }) => one(id, true),
    archiveAllNotifications() {
      const outbox = ctx.outbox();
      const clientId = outbox.newClientId();
      ctx.me();
      const now = ctx.now();
      outbox.enqueue({
        clientId,
        route: 'archiveAllNotifications',
        params: {},
        body: {},
        contactId: null,
        optimistic: q
          .newNotifications(ctx.cache())
          .map((n) => ({ entity: 'notification' as const, id: n.id, data: { ...n, read_at: n.read_at ?? now, archived_at: now } })),
      });
      ctx.emitUnread();
      return { client_id: clientId };
    },
  };
}
