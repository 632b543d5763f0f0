// Settings a supervisor changes (users, teams, closing categories, the workspace): online only,
// straight to the server; the change comes back through sync.
import { newClientId, type CommandHandlers, type ServiceContext } from '../handler-map';

type SupervisorWrites = Pick<
  CommandHandlers,
  | 'updateUser'
  | 'createUser'
  | 'resetPassword'
  | 'createTeam'
  | 'updateTeam'
  | 'deleteTeam'
  | 'createClosingCategory'
  | 'updateClosingCategory'
  | 'updateWorkspace'
  | 'updateAlertRules'
>;

export const supervisorWrites = (ctx: ServiceContext): SupervisorWrites => ({
  updateUser: ({ id, ...patch }) => ctx.online().call('updateUser', { params: { id }, body: { client_id: newClientId(), ...patch } }),
  createUser: (input) => ctx.online().call('createUser', { body: { client_id: newClientId(), ...input } }),
  resetPassword: ({ id }) => ctx.online().call('resetPassword', { params: { id } }),
  createTeam: ({ name }) => ctx.online().call('createTeam', { body: { client_id: newClientId(), name } }),
  updateTeam: ({ id, name }) => ctx.online().call('updateTeam', { params: { id }, body: { client_id: newClientId(), name } }),
  async deleteTeam({ id, members_to: to }) {
    await ctx.online().call('deleteTeam', { params: { id }, query: { client_id: newClientId(), ...(to !== undefined && { members_to: to ?? 'none' }) } });
    return { ok: true };
  },
  createClosingCategory: ({ name }) => ctx.online().call('createClosingCategory', { body: { client_id: newClientId(), name } }),
  updateClosingCategory: ({ id, ...patch }) => ctx.online().call('updateClosingCategory', { params: { id }, body: { client_id: newClientId(), ...patch } }),
  updateWorkspace: (input) => ctx.online().call('updateWorkspace', { body: { client_id: newClientId(), ...input } }),
  updateAlertRules: (input) => ctx.online().call('updateAlertRules', { body: { client_id: newClientId(), ...input } }),
});
