// Settings > Integrations > Developer API (Owners, and Managers not restricted from integrations):
// the workspace's access tokens for /v2. A new token's secret is shown once, with a copy button (the
// server keeps only its hash); revoking asks first, and the token stops working at once.
import { useId, useState } from 'react';
import type { AccessToken } from '../../../src-shared/api/routes';
import type { User } from '../../../src-shared/model';
import { command, useQuery } from '../../bridge';
import { Button, formatDateTime, toast } from '../../ui';
import { SecretShownOnceDialog } from './OneTimePasswordDialog';
import { ColumnHeads, ConfirmDialog, EmptyRow, ServerListCard, useCardActions } from './card';
import { useServerOnline } from '../dashboard/layout';

export function DeveloperApiCard({ actor }: { actor: User }) {
  const online = useServerOnline();
  const restricted = actor.restrictions?.integrations ?? false;
  const tokens = useQuery('accessTokens', {}, [online], { enabled: online && !restricted });
  const [name, setName] = useState('');
  const { busy, run } = useCardActions();
  const [created, setCreated] = useState<{ name: string; secret: string } | null>(null);
  const [revoking, setRevoking] = useState<AccessToken | null>(null);
  const nameId = useId();

  const add = async () => {
    const wanted = name.trim();
    if (!wanted) return;
    await run('add', "Couldn't add the token", async () => {
      const r = await command('createAccessToken', { name: wanted });
      setName('');
      if (r.secret) setCreated({ name: r.token.name, secret: r.secret });
      tokens.refresh();
    });
  };
  const revoke = (t: AccessToken) =>
    run(t.id, `Couldn't revoke ${t.name}`, async () => {
      await command('revokeAccessToken', { id: t.id });
      toast.success(`Revoked ${t.name}`);
      setRevoking(null);
      tokens.refresh();
    });

  return (
    <ServerListCard
      id="developer-api-title"
      title="Integrations › Developer API"
      hint={
        <>
          Tokens let other tools (a CRM, n8n, Zapier, Make) use this workspace through its API, compatible with respond.io's v2. A token sees every contact;
          what it writes shows as "API · its name". At most 10.
        </>
      }
      restricted={restricted}
      what="tokens"
      list={tokens}
      add={
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
      }
      show={(list) => (
        <table className="sv-table" aria-label="Access tokens">
          <ColumnHeads names={['Name', 'Created by', 'Created', 'Last used']} actions />
          <tbody>
            {list.map((t) => (
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
            {list.length === 0 && <EmptyRow columns={5}>No tokens yet.</EmptyRow>}
          </tbody>
        </table>
      )}
    >
      {created && <NewTokenDialog name={created.name} secret={created.secret} onClose={() => setCreated(null)} />}
      {revoking && (
        <ConfirmDialog
          title={`Revoke ${revoking.name}?`}
          description="Whatever uses this token stops working at once. This cannot be undone: a new token would have a new secret."
          action="Revoke token"
          busy={busy === revoking.id}
          onConfirm={() => void revoke(revoking)}
          onClose={() => setRevoking(null)}
        />
      )}
    </ServerListCard>
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
