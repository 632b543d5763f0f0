// Assigning, closing and reopening a conversation: queued in the outbox with the contact (and its
// conversation) changed at once; refused, they are put back and listed with the reason.
import * as q from '../../cache/queries';
import { contactWrite, type CommandHandlers, type ServiceContext } from '../handler-map';
import { UserError } from '../user-error';

export const assignmentWrites = (ctx: ServiceContext): Pick<CommandHandlers, 'assign' | 'close' | 'reopen'> => ({
  assign({ contact_id: contactId, assignee_id }) {
    const { outbox, clientId, contact: c } = contactWrite(ctx, contactId);
    outbox.enqueue({
      clientId,
      route: 'assign',
      params: { id: contactId },
      body: { assignee_id },
      contactId,
      optimistic: [{ entity: 'contact', id: contactId, data: { ...c, assignee_id } }],
    });
    return { client_id: clientId };
  },

  close({ contact_id: contactId, closing_category_id, summary }) {
    const { outbox, clientId, me, contact: c } = contactWrite(ctx, contactId);
    if (c.status !== 'open') throw new UserError('conflict', 'This conversation is already closed.');
    const cache = ctx.cache();
    if (q.settings(cache)?.closing_note_required && (!closing_category_id || !summary?.trim())) {
      throw new UserError('invalid_request', 'A closing note (category and summary) is required.');
    }
    const conv = c.conversation_id ? cache.entities.get('conversation', c.conversation_id) : null;
    const now = ctx.now();
    outbox.enqueue({
      clientId,
      route: 'close',
      params: { id: contactId },
      body: { closing_category_id, summary },
      contactId,
      optimistic: [
        { entity: 'contact', id: contactId, data: { ...c, status: 'closed' } },
        ...(conv
          ? [
              {
                entity: 'conversation' as const,
                id: conv.id,
                data: { ...conv, status: 'closed', closed_at: now, closed_by: me.id, closing_category_id, closing_summary: summary },
              },
            ]
          : []),
      ],
    });
    return { client_id: clientId };
  },

  reopen({ contact_id: contactId }) {
    const { outbox, clientId, contact: c } = contactWrite(ctx, contactId);
    if (c.status === 'open') throw new UserError('conflict', 'This conversation is already open.');
    outbox.enqueue({
      clientId,
      route: 'reopen',
      params: { id: contactId },
      body: {},
      contactId,
      optimistic: [{ entity: 'contact', id: contactId, data: { ...c, status: 'open', last_activity_at: ctx.now() } }],
    });
    return { client_id: clientId };
  },
});
