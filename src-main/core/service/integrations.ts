// What integrations bring to the desktop, asked of the server (online only): the workspace's Developer
// API tokens (Settings > Integrations > Developer API; the secret of a new one is in the answer once,
// for the UI to show), and a contact's tags and lifecycle stage set from the contact panel.
import type { CommandOutput, QueryOutput } from '../../../src-shared/desktop/api';
import type { ServerApi } from '../sync/server-api';

export async function listAccessTokens(api: ServerApi): Promise<QueryOutput<'accessTokens'>> {
  return (await api.call('listAccessTokens')).items;
}

export async function createAccessToken(api: ServerApi, clientId: string, name: string): Promise<CommandOutput<'createAccessToken'>> {
  return api.call('createAccessToken', { body: { client_id: clientId, name } });
}

export async function lifecycleStages(api: ServerApi): Promise<QueryOutput<'lifecycleStages'>> {
  return (await api.call('listLifecycleStages')).items;
}

export async function setContactProfile(api: ServerApi, clientId: string, input: { contact_id: string; add_tags?: string[]; remove_tags?: string[]; lifecycle?: string | null }): Promise<CommandOutput<'setContactProfile'>> {
  const { contact_id, ...change } = input;
  return api.call('setContactProfile', { params: { id: contact_id }, body: { client_id: clientId, ...change } });
}

export async function revokeAccessToken(api: ServerApi, clientId: string, id: string): Promise<CommandOutput<'revokeAccessToken'>> {
  await api.call('revokeAccessToken', { params: { id }, query: { client_id: clientId } });
  return { ok: true };
}
