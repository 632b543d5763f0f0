// Settings > Users > Edit: access level, team and Advanced Restrictions. Saved straight to the
// server (it needs a connection); the user's running app follows within seconds.
import { useState } from 'react';
import { NO_RESTRICTIONS, type Team, type User } from '../../../src-shared/model';
import { command, DesktopError } from '../../bridge';
import { Button, Dialog, Icon, toast } from '../../ui';
import { useServerOnline } from '../dashboard/layout';
import { RESTRICTION_SWITCHES } from './access';
import { AccessDialogFooter, AccessFields, useAccess } from './AccessFields';
import { SaveError, Switch } from './controls';

const ERROR_TITLE: Record<string, string> = {
  forbidden: "You can't make this change",
  not_found: 'This user no longer exists',
  invalid_request: 'Check the details',
  conflict: 'Someone else changed this user',
};

export function EditUserDialog({
  user,
  actor,
  teams,
  onClose,
  onReset,
}: {
  user: User;
  actor: User;
  teams: Team[];
  onClose: () => void;
  /** A new one-time password was made: show it (once). */
  onReset: (password: string) => void;
}) {
  const online = useServerOnline();
  const [confirmReset, setConfirmReset] = useState(false);
  const [resetting, setResetting] = useState(false);
  // Owners and Managers, who edit users, are always shown their restrictions.
  const r = user.restrictions ?? NO_RESTRICTIONS;
  const { role, teamId, visibility, switches, fields } = useAccess({
    role: user.role,
    teamId: user.team_id ?? '',
    visibility: r.contact_visibility,
    switches: { data_export: r.data_export, contact_deletion: r.contact_deletion, workspace_settings: r.workspace_settings, integrations: r.integrations },
  });
  const [deactivated, setDeactivated] = useState(user.deactivated);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<DesktopError | null>(null);

  const restrictions = {
    ...(visibility !== r.contact_visibility && { contact_visibility: visibility }),
    ...Object.fromEntries(RESTRICTION_SWITCHES.filter(({ key }) => switches[key] !== r[key]).map(({ key }) => [key, switches[key]])),
  };
  const patch = {
    ...(role !== user.role && { role }),
    ...((teamId || null) !== user.team_id && { team_id: teamId || null }),
    ...(Object.keys(restrictions).length > 0 && { restrictions }),
    ...(deactivated !== user.deactivated && { deactivated }),
  };
  const dirty = Object.keys(patch).length > 0;
  const firstName = user.name.split(/\s+/)[0] ?? user.name;
  const teamName = teams.find((t) => t.id === teamId)?.name;

  const save = async () => {
    if (!dirty || busy) return;
    setBusy(true);
    setError(null);
    try {
      await command('updateUser', { id: user.id, ...patch });
      toast.success(`Saved ${user.name}'s access`);
      onClose();
    } catch (err) {
      setError(err instanceof DesktopError ? err : new DesktopError('internal', String(err)));
      setBusy(false);
    }
  };

  const reset = async () => {
    setResetting(true);
    setError(null);
    try {
      const r = await command('resetPassword', { id: user.id });
      onReset(r.one_time_password ?? '');
    } catch (err) {
      setError(err instanceof DesktopError ? err : new DesktopError('internal', String(err)));
      setResetting(false);
    }
  };

  return (
    <Dialog
      title={`Edit ${user.name}`}
      description={user.email}
      onClose={onClose}
      size="lg"
      onSubmit={() => void save()}
      className="users-dialog"
      footer={
        <AccessDialogFooter
          note={
            <p className="users-dialog__note">
              <Icon name="clock" size={14} />
              Changes reach {firstName}'s app within seconds.
            </p>
          }
          onCancel={onClose}
          busy={busy}
          ready={dirty}
          online={online}
          offline="Changing users needs a connection to the server"
        >
          Save changes
        </AccessDialogFooter>
      }
    >
      {!online && (
        <div className="alert alert--warning users-dialog__alert" role="status">
          <Icon name="wifiOff" size={18} />
          <div>
            <p className="alert__title">You're offline</p>
            <p className="alert__body">Changing a user needs a connection to the server. Saving comes back when the connection does.</p>
          </div>
        </div>
      )}
      {error && <SaveError error={error} title={ERROR_TITLE[error.code] ?? "Couldn't save the changes"} className="users-dialog__alert" />}

      <AccessFields
        actor={actor}
        teams={teams}
        {...fields}
        visibilityHint={
          visibility === 'team' && !teamId
            ? `${firstName} has no team, so User's team shows only their own contacts.`
            : visibility === 'team' && teamName
              ? `${firstName} sees contacts assigned to members of ${teamName}.`
              : undefined
        }
      />

      <section className="users-dialog__restrictions" aria-labelledby="users-account-title">
        <h3 id="users-account-title" className="users-dialog__section-title">
          Account
        </h3>
        <div className="users-dialog__switches">
          <Switch
            label="Deactivated"
            description={
              deactivated
                ? `${firstName} can't sign in, and their app is signed out at once. Their contacts stay assigned to them until you reassign them.`
                : `${firstName} can sign in. Deactivate someone who has left: they can't sign in again until you turn this off.`
            }
            checked={deactivated}
            onChange={setDeactivated}
          />
        </div>
        <div className="users-dialog__reset">
          <p className="users-dialog__section-hint">A new one-time password signs {firstName} out everywhere at once; they choose their own at next sign-in.</p>
          {confirmReset ? (
            <span className="users-dialog__reset-actions">
              <Button size="sm" variant="danger" busy={resetting} disabled={!online} onClick={() => void reset()}>
                Reset and sign {firstName} out
              </Button>
              <Button size="sm" variant="ghost" onClick={() => setConfirmReset(false)}>
                Keep the password
              </Button>
            </span>
          ) : (
            <Button size="sm" disabled={!online} onClick={() => setConfirmReset(true)}>
              Reset password
            </Button>
          )}
        </div>
      </section>
    </Dialog>
  );
}
