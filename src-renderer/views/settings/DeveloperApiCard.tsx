// Settings > Integrations > Developer API (Owners, and Managers not restricted from integrations):
// the workspace's access tokens for /v2. A new token's secret is shown once, with a copy button (the
// server keeps only its hash); revoking asks first, and the token stops working at once.
import { useId, useState } from 'react';
import type { AccessToken } from '../../../src-shared/api/routes';
import type { User } from '../../../src-shared/model';
import { command, DesktopError, useQuery } from '../../bridge';
import { Button, Dialog, ErrorState, formatDateTime, LoadingState, toast } from '../../ui';
import { SecretShownOnceDialog } from './OneTimePasswordDialog';
import { useServerOnline } from '../dashboard/layout';

export function DeveloperApiCard({ actor }: { actor: User }) {
  const online = useServerOnline();
  const restricted = actor.restrictions?.integrations ?? false;
  const tokens = useQuery('accessTokens', {}, [online], { enabled: online && !restricted });
  const [name, setName] = useState('');
  const [busy, setBusy] = useState<string | null>(null);
  const [created, setCreated] = useState<{ name: string; secret: string } | null>(null);
  const [revoking, setRevoking] = useState<AccessToken | null>(null);
  const nameId = useId();

  const add = async () => {
    const wanted = name.trim();
    if (!wanted) return;
    setBusy('add');
    try {
      const r = await command('createAccessToken', { name: wanted });
      setName('');
      if (r.secret) setCreated({ name: r.token.name, secret: r.secret });
      tokens.refresh();
    } catch (err) {
      toast.error(`Couldn't add the token: ${(err as DesktopError).message}`);
    } finally {
      setBusy(null);
    }
  };
  const revoke = async (t: AccessToken) => {
    setBusy(t.id);
    try {
      await command('revokeAccessToken', { id: t.id });
      toast.success(`Revoked ${t.name}`);
      setRevoking(null);
      tokens.refresh();
    } catch (err) {
      toast.error(`Couldn't revoke ${t.name}: ${(err as DesktopError).message}`);
    } finally {
      setBusy(null);
    }
  };

  return (
    <section className="sv-card workspace-card" aria-labelledby="developer-api-title">
      <div className="workspace-card__header">
        <h2 id="developer-api-title" className="workspace-card__title">
          Integrations › Developer API
        </h2>
        <p className="workspace-card__hint">
          Tokens let other tools (a CRM, n8n, Zapier, Make) use this workspace through its API, compatible with respond.io's v2. A token sees every contact;
          what it writes shows as "API · its name". At most 10.
        </p>
      </div>
      {restricted ? (
        <p className="sv-muted">Your access to integrations is restricted: ask an Owner.</p>
      ) : !online ? (
        <p className="sv-muted">Tokens are managed on the server: connect to see them.</p>
      ) : tokens.loading && !tokens.data ? (
        <LoadingState label="Loading tokens…" />
      ) : tokens.error && !tokens.data ? (
        <ErrorState error={tokens.error} onRetry={tokens.refresh} what="the tokens" />
      ) : (
        <table className="sv-table" aria-label="Access tokens">
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Created by</th>
              <th scope="col">Created</th>
              <th scope="col">Last used</th>
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {(tokens.data ?? []).map((t) => (
              <tr key={t.id}>
                <td>{t.name}</td>
                <td>{t.created_by.name}</td>
                <td>{formatDateTime(t.created_at)}</td>
                <td className={t.last_used_at ? undefined : 'sv-muted'}>{t.last_used_at ? formatDateTime(t.last_used_at) : 'Never'}</td>
                <td>
                  <Button size="sm" variant="secondary" onClick={() => setRevoking(t)} aria-label={`Revoke ${t.name}`}>
                    Revoke
                  </Button>
                </td>
              </tr>
            ))}
            {tokens.data?.length === 0 && (
              <tr>
                <td colSpan={5} className="sv-muted">
                  No tokens yet.
                </td>
              </tr>
            )}
          </tbody>
        </table>
      )}
      {!restricted && (
        <form
          className="categories__add"
          onSubmit={(e) => {
            e.preventDefault();
            void add();
          }}
        >
          <label htmlFor={nameId} className="visually-hidden">
            New token's name
          </label>
          <input
            id={nameId}
            className="ctl-input"
            placeholder="Token name, e.g. Zapier"
            maxLength={60}
            value={name}
            onChange={(e) => setName(e.target.value)}
          />
          <Button
            variant="secondary"
            type="submit"
            disabled={!online || !name.trim()}
            busy={busy === 'add'}
            title={!online ? 'Adding a token needs a connection to the server' : undefined}
          >
            Add token
          </Button>
        </form>
      )}
      {created && <NewTokenDialog name={created.name} secret={created.secret} onClose={() => setCreated(null)} />}
      {revoking && (
        <Dialog
          title={`Revoke ${revoking.name}?`}
          description="Whatever uses this token stops working at once. This cannot be undone: a new token would have a new secret."
          onClose={() => setRevoking(null)}
          size="sm"
          footer={
            <>
              <Button variant="ghost" onClick={() => setRevoking(null)}>
                Cancel
              </Button>
              <Button variant="danger" busy={busy === revoking.id} onClick={() => void revoke(revoking)}>
                Revoke token
              </Button>
            </>
          }
        />
      )}
    </section>
  );
}

function NewTokenDialog({ name, secret, onClose }: { name: string; secret: string; onClose: () => void }) {
  return (
    <SecretShownOnceDialog
      title={`Token ${name} was added`}
      description="Give it to the tool as its API key (Authorization: Bearer …)."
      secret={{ label: 'Access token', value: secret, testId: 'access-token-secret', what: 'token' }}
      note="This is the only time it is shown. If it is lost, revoke it and add another."
      onClose={onClose}
    />
  );
}
