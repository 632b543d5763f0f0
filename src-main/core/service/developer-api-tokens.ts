// Settings > Integrations > Developer API: the workspace's access tokens, asked of the server (online
// only; they are not synced). The secret of a new token is in the answer once, for the UI to show.
import type { CommandOutput, QueryOutput } from '../../../src-shared/desktop/api';
import type { ServerApi } from '../sync/server-api';

export async function listAccessTokens(api: ServerApi): Promise<QueryOutput<'accessTokens'>> {
  return (await api.call('listAccessTokens')).items;
}

export async function createAccessToken(api: ServerApi, clientId: string, name: string): Promise<CommandOutput<'createAccessToken'>> {
  return api.call('createAccessToken', { body: { client_id: clientId, name } });
}

export async function revokeAccessToken(api: ServerApi, clientId: string, id: string): Promise<CommandOutput<'revokeAccessToken'>> {
  await api.call('revokeAccessToken', { params: { id }, query: { client_id: clientId } });
  return { ok: true };
}
