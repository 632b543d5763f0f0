// What integrations change, asked of the server (online only): the workspace's Developer API tokens
// (Settings > Integrations > Developer API; a new token's secret is in the answer once, for the UI to
// show), and a contact's tags and lifecycle stage set from the contact panel.
import { newClientId, type CommandHandlers, type ServiceContext } from '../handler-map';

type IntegrationWrites = Pick<CommandHandlers, 'createAccessToken' | 'revokeAccessToken' | 'setContactProfile'>;

export const integrationWrites = (ctx: ServiceContext): IntegrationWrites => ({
  createAccessToken: ({ name }) => ctx.online().call('createAccessToken', { body: { client_id: newClientId(), name } }),
  async revokeAccessToken({ id }) {
    await ctx.online().call('revokeAccessToken', { params: { id }, query: { client_id: newClientId() } });
    return { ok: true };
  },
  setContactProfile: ({ contact_id, ...change }) =>
    ctx.online().call('setContactProfile', { params: { id: contact_id }, body: { client_id: newClientId(), ...change } }),
});
