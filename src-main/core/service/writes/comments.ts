// Adding an internal comment: queued in the outbox, shown at once as pending (with the id the server
// will give it).
import { parseMentions } from '../../../../src-shared/mentions';
import { commentIdFor } from '../../../../src-shared/model';
import { contactWrite, type CommandHandlers, type ServiceContext } from '../handler-map';

export const commentWrites = (ctx: ServiceContext): Pick<CommandHandlers, 'addComment'> => ({
  async addComment({ contact_id: contactId, text }) {
    const { outbox, clientId, me, contact: c } = contactWrite(ctx, contactId);
    const id = await commentIdFor(me.id, clientId);
    outbox.enqueue({
      clientId,
      route: 'addComment',
      params: { id: contactId },
      body: { text },
      contactId,
      optimistic: [
        {
          entity: 'comment',
          id,
          data: {
            id,
            contact_id: contactId,
            conversation_id: c.conversation_id,
            author_id: me.id,
            text,
            mentions: parseMentions(text),
            created_at: ctx.now(),
            pending: true,
          },
        },
      ],
    });
    return { client_id: clientId };
  },
});
