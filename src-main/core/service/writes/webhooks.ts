// Webhook endpoints, asked of the server (online only): Settings > Integrations > Webhooks. A new or
// rotated signing key is in the answer once, for the UI to show.
import { newClientId, type CommandHandlers, type ServiceContext } from '../handler-map';

type WebhookWrites = Pick<CommandHandlers, 'addWebhook' | 'pauseWebhook' | 'resumeWebhook' | 'rotateWebhookKey' | 'deleteWebhook' | 'sendWebhookTest'>;

export const webhookWrites = (ctx: ServiceContext): WebhookWrites => {
  const command = () => ({ body: { client_id: newClientId() } });
  return {
    addWebhook: ({ url, events }) => ctx.online().call('addWebhook', { body: { client_id: newClientId(), url, events } }),
    pauseWebhook: ({ id }) => ctx.online().call('pauseWebhook', { params: { id }, ...command() }),
    resumeWebhook: ({ id }) => ctx.online().call('resumeWebhook', { params: { id }, ...command() }),
    rotateWebhookKey: ({ id }) => ctx.online().call('rotateWebhookKey', { params: { id }, ...command() }),
    sendWebhookTest: ({ id }) => ctx.online().call('sendWebhookTest', { params: { id }, ...command() }),
    async deleteWebhook({ id }) {
      await ctx.online().call('deleteWebhook', { params: { id }, query: { client_id: newClientId() } });
      return { ok: true };
    },
  };
};
