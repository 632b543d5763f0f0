// Sending a message: queued in the outbox with its optimistic row (the id the server will give it,
// so the server's row replaces it), and the contact's list row moved up.
import { excerptOf } from '../../../../src-shared/excerpt';
import { messageIdFor } from '../../../../src-shared/model';
import { contactWrite, type CommandHandlers, type ServiceContext } from '../handler-map';

export const messageWrites = (ctx: ServiceContext): Pick<CommandHandlers, 'sendMessage'> => ({
  async sendMessage({ contact_id: contactId, text }) {
    const { outbox, clientId, me, contact: c } = contactWrite(ctx, contactId);
    const id = await messageIdFor(me.id, clientId);
    const now = ctx.now();
    outbox.enqueue({
      clientId,
      route: 'sendMessage',
      params: { id: contactId },
      body: { text },
      contactId,
      optimistic: [
        {
          entity: 'message',
          id,
          data: {
            id,
            contact_id: contactId,
            conversation_id: c.conversation_id ?? '',
            direction: 'outgoing',
            text,
            status: 'pending',
            fail_reason: null,
            author_id: me.id,
            created_at: now,
            written_at: now,
          },
        },
        {
          entity: 'contact',
          id: contactId,
          data: {
            ...c,
            last_activity_at: now,
            last_message: excerptOf(text),
            last_message_direction: 'outgoing',
            assignee_id: c.assignee_id ?? me.id,
            status: 'open',
          },
        },
      ],
    });
    return { client_id: clientId };
  },
});
