// What a user changes for themselves on the server (their status, which notifications the workspace
// keeps for them, their custom inboxes): online only.
import { newClientId, type CommandHandlers, type ServiceContext } from '../handler-map';

type OwnSettingsWrites = Pick<CommandHandlers, 'setStatus' | 'setServerNotificationPrefs' | 'createCustomInbox' | 'updateCustomInbox' | 'deleteCustomInbox'>;

export const ownSettingsWrites = (ctx: ServiceContext): OwnSettingsWrites => ({
  async setStatus({ status }) {
    await ctx.online().call('setStatus', { body: { client_id: newClientId(), status } });
    return { ok: true };
  },
  async setServerNotificationPrefs(notifications) {
    return (await ctx.online().call('setPreferences', { body: { client_id: newClientId(), notifications } })).notifications;
  },
  createCustomInbox: (input) => ctx.online().call('createCustomInbox', { body: { client_id: newClientId(), ...input } }),
  updateCustomInbox: ({ id, ...patch }) => ctx.online().call('updateCustomInbox', { params: { id }, body: { client_id: newClientId(), ...patch } }),
  async deleteCustomInbox({ id }) {
    await ctx.online().call('deleteCustomInbox', { params: { id }, query: { client_id: newClientId() } });
    return { ok: true };
  },
});
