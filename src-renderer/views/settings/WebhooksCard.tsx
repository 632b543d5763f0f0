// Settings > Integrations > Webhooks (same access as the Developer API): endpoints that receive the
// workspace's events. A new or rotated signing key is shown once, with a copy button; pause, resume,
// rotate and delete ask first; each endpoint's delivery log and a "Send test event" button.
import { useId, useState } from 'react';
import { WebhookEventType, type WebhookDelivery, type WebhookEndpoint } from '../../../src-shared/api/webhooks';
import type { User } from '../../../src-shared/model';
import { command, useQuery } from '../../bridge';
import { Button, Dialog, ErrorState, formatDateTime, LoadingState, toast } from '../../ui';
import { SecretShownOnceDialog } from './OneTimePasswordDialog';
import { ColumnHeads, ConfirmDialog, EmptyRow, ServerListCard, useCardActions } from './card';
import { useServerOnline } from '../dashboard/layout';

type Action = 'pause' | 'resume' | 'rotate' | 'delete';

const CONFIRM: Record<Action, { title: string; says: string; button: string; variant: 'danger' | 'secondary' }> = {
  pause: {
    title: 'Pause',
    says: 'Nothing is sent to it while it is paused, and what happens meanwhile is not sent later.',
    button: 'Pause',
    variant: 'secondary',
  },
  resume: { title: 'Resume', says: 'It receives what happens from now on, and what was waiting before the pause.', button: 'Resume', variant: 'secondary' },
  rotate: {
    title: 'Rotate the signing key of',
    says: 'Every delivery from now on is signed with a new key, shown once: the receiver must check with it.',
    button: 'Rotate key',
    variant: 'danger',
  },
  delete: { title: 'Delete', says: 'It receives nothing more, and its delivery log is deleted. This cannot be undone.', button: 'Delete', variant: 'danger' },
};

const stateWords = (e: WebhookEndpoint) => (e.state === 'active' ? 'Active' : e.paused_reason === 'failing' ? 'Paused: failing for 24 hours' : 'Paused');

export function WebhooksCard({ actor }: { actor: User }) {
  const online = useServerOnline();
  const restricted = actor.restrictions?.integrations ?? false;
  const endpoints = useQuery('webhooks', {}, [online], { enabled: online && !restricted });
  const [url, setUrl] = useState('');
  const [events, setEvents] = useState<Set<WebhookEventType>>(new Set(['message.received']));
  const { busy, run } = useCardActions();
  const [key, setKey] = useState<{ url: string; key: string } | null>(null);
  const [confirming, setConfirming] = useState<{ action: Action; endpoint: WebhookEndpoint } | null>(null);
  const [showingLog, setShowingLog] = useState<WebhookEndpoint | null>(null);
  const urlId = useId();

  const add = () =>
    run('add', "Couldn't add the webhook", async () => {
      const r = await command('addWebhook', { url: url.trim(), events: [...events] });
      setUrl('');
      if (r.signing_key) setKey({ url: r.endpoint.url, key: r.signing_key });
      endpoints.refresh();
    });
  const act = (action: Action, e: WebhookEndpoint) =>
    run(`${action}:${e.id}`, `Couldn't ${action} ${e.url}`, async () => {
      if (action === 'rotate') {
        const r = await command('rotateWebhookKey', { id: e.id });
        if (r.signing_key) setKey({ url: e.url, key: r.signing_key });
      } else await command(action === 'pause' ? 'pauseWebhook' : action === 'resume' ? 'resumeWebhook' : 'deleteWebhook', { id: e.id });
      setConfirming(null);
      endpoints.refresh();
    });
  const sendTest = (e: WebhookEndpoint) =>
    run(`test:${e.id}`, "Couldn't send a test event", async () => {
      await command('sendWebhookTest', { id: e.id });
      toast.success('Test event queued: see the delivery log');
    });

  return (
    <ServerListCard
      id="webhooks-title"
      title="Integrations › Webhooks"
      hint={
        <>
          Endpoints receive the workspace's events as they happen (respond.io's event names), each signed with the endpoint's own key (X-Webhook-Signature).
          Every contact's events are sent. Failed deliveries are retried for 24 hours.
        </>
      }
      restricted={restricted}
      what="webhooks"
      list={endpoints}
      show={(list) => (
        <table className="sv-table" aria-label="Webhook endpoints">
          <ColumnHeads names={['URL', 'Events', 'State']} actions />
          <tbody>
            {list.map((e) => (
              <tr key={e.id}>
                <td>{e.url}</td>
                <td>{e.events.join(', ')}</td>
                <td>{stateWords(e)}</td>
                <td className="webhooks__actions">
                  <Button size="sm" variant="secondary" onClick={() => setShowingLog(e)} aria-label={`Delivery log of ${e.url}`}>
                    Log
                  </Button>
                  <Button size="sm" variant="secondary" disabled={e.state !== 'active'} busy={busy === `test:${e.id}`} onClick={() => void sendTest(e)}>
                    Send test event
                  </Button>
                  <Button size="sm" variant="secondary" onClick={() => setConfirming({ action: e.state === 'active' ? 'pause' : 'resume', endpoint: e })}>
                    {e.state === 'active' ? 'Pause' : 'Resume'}
                  </Button>
                  <Button size="sm" variant="secondary" onClick={() => setConfirming({ action: 'rotate', endpoint: e })}>
                    Rotate key
                  </Button>
                  <Button size="sm" variant="secondary" onClick={() => setConfirming({ action: 'delete', endpoint: e })} aria-label={`Delete ${e.url}`}>
                    Delete
                  </Button>
                </td>
              </tr>
            ))}
            {list.length === 0 && <EmptyRow columns={4}>No webhooks yet.</EmptyRow>}
          </tbody>
        </table>
      )}
      add={
        <form
          className="webhooks__add"
          onSubmit={(e) => {
            e.preventDefault();
            void add();
          }}
        >
          <label htmlFor={urlId}>Endpoint URL</label>
          <input
            id={urlId}
            className="ctl-input"
            type="url"
            placeholder="https://example.com/webhooks"
            maxLength={2000}
            value={url}
            onChange={(e) => setUrl(e.target.value)}
          />
          <fieldset className="webhooks__events">
            <legend>Events</legend>
            {WebhookEventType.options.map((t) => (
              <label key={t}>
                <input
                  type="checkbox"
                  checked={events.has(t)}
                  onChange={(e) => {
                    const next = new Set(events);
                    if (e.target.checked) next.add(t);
                    else next.delete(t);
                    setEvents(next);
                  }}
                />{' '}
                {t}
              </label>
            ))}
          </fieldset>
          <Button
            variant="secondary"
            type="submit"
            disabled={!online || !url.trim() || events.size === 0}
            busy={busy === 'add'}
            title={!online ? 'Adding a webhook needs a connection to the server' : undefined}
          >
            Add webhook
          </Button>
        </form>
      }
    >
      {key && (
        <SecretShownOnceDialog
          title="Webhook signing key"
          description={`Deliveries to ${key.url} carry X-Webhook-Signature: the base64 HMAC-SHA256 of the raw body with this key.`}
          secret={{ label: 'Signing key', value: key.key, testId: 'webhook-signing-key', what: 'key' }}
          note="This is the only time it is shown. If it is lost, rotate the key."
          onClose={() => setKey(null)}
        />
      )}
      {confirming && (
        <ConfirmDialog
          title={`${CONFIRM[confirming.action].title} ${confirming.endpoint.url}?`}
          description={CONFIRM[confirming.action].says}
          action={CONFIRM[confirming.action].button}
          variant={CONFIRM[confirming.action].variant}
          busy={busy === `${confirming.action}:${confirming.endpoint.id}`}
          onConfirm={() => void act(confirming.action, confirming.endpoint)}
          onClose={() => setConfirming(null)}
        />
      )}
      {showingLog && <DeliveryLogDialog endpoint={showingLog} onClose={() => setShowingLog(null)} />}
    </ServerListCard>
  );
}

const deliveryWords = (d: WebhookDelivery) => (d.status === 'delivered' ? 'Delivered' : d.status === 'failed' ? 'Failed' : 'Waiting');

function DeliveryLogDialog({ endpoint, onClose }: { endpoint: WebhookEndpoint; onClose: () => void }) {
  const log = useQuery('webhookDeliveries', { id: endpoint.id }, [endpoint.id]);
  return (
    <Dialog
      title={`Deliveries to ${endpoint.url}`}
      description="The last 100, newest first."
      onClose={onClose}
      footer={
        <>
          <Button variant="secondary" onClick={log.refresh}>
            Refresh
          </Button>
          <Button variant="ghost" onClick={onClose}>
            Close
          </Button>
        </>
      }
    >
      {log.loading && !log.data ? (
        <LoadingState label="Loading deliveries…" />
      ) : log.error && !log.data ? (
        <ErrorState error={log.error} onRetry={log.refresh} what="the deliveries" />
      ) : (
        <table className="sv-table" aria-label="Deliveries">
          <ColumnHeads names={['Event', 'Result', 'Status code', 'Latency', 'Attempts', 'Queued']} />
          <tbody>
            {(log.data ?? []).map((d) => (
              <tr key={d.event_id}>
                <td>{d.event_type}</td>
                <td title={d.error ?? undefined}>
                  {deliveryWords(d)}
                  {d.error ? `: ${d.error}` : ''}
                </td>
                <td>{d.status_code ?? '—'}</td>
                <td>{d.latency_ms === null ? '—' : `${d.latency_ms} ms`}</td>
                <td>{d.attempts}</td>
                <td>{formatDateTime(d.created_at)}</td>
              </tr>
            ))}
            {log.data?.length === 0 && <EmptyRow columns={6}>Nothing sent yet.</EmptyRow>}
          </tbody>
        </table>
      )}
    </Dialog>
  );
}
