// The Owners' Notification Center item when a failing endpoint is paused (kind webhook_paused, about
// no contact), written in the transaction that pauses it; an Owner who turned the kind off gets none.
import type { WebhookEndpoint } from '../../src-shared/api/webhooks';
import { prefsOf, type UserRow } from '../workspace/rows';
import { createNotification, excerptOf } from '../workspace/notifications';
import type { Tx } from '../workspace/tx';

export async function tellOwnersEndpointPaused(tx: Tx, endpoint: WebhookEndpoint): Promise<void> {
  const owners = await tx.sql.all<Pick<UserRow, 'id' | 'notify_prefs'>>(
    "SELECT id, notify_prefs FROM users WHERE role = 'owner' AND deactivated = 0 AND api_token_id IS NULL",
  );
  for (const owner of owners) {
    if (!prefsOf(owner).webhook_paused) continue;
    await createNotification(tx, {
      userId: owner.id,
      kind: 'webhook_paused',
      contactId: null,
      conversationId: null,
      actorId: null,
      excerpt: excerptOf(`${endpoint.url} failed for 24 hours and was paused. Resume it in Settings › Integrations › Webhooks.`),
    });
  }
}
