// Settings > Users > Add user (F17): name, email, access level, team and Advanced Restrictions, all
// in one write, so an agent is never unrestricted for a moment. The answer's one-time password is
// shown once (OneTimePasswordDialog). Owners add anyone; Managers add Agents.
import { useState } from 'react';
import type { Team, User } from '../../../src-shared/model';
import { command, DesktopError } from '../../bridge';
import { Dialog } from '../../ui';
import { useServerOnline } from '../dashboard/layout';
import { AccessDialogFooter, AccessFields, useAccess } from './AccessFields';
import { InputField, SaveError } from './controls';

const ERROR_TITLE: Record<string, string> = {
  forbidden: "You can't add this user",
  conflict: 'This email is taken',
  invalid_request: 'Check the details',
};

export interface AddedUser {
  user: User;
  password: string;
}

export function AddUserDialog({ actor, teams, onClose, onAdded }: { actor: User; teams: Team[]; onClose: () => void; onAdded: (added: AddedUser) => void }) {
  const online = useServerOnline();
  const [name, setName] = useState('');
  const [email, setEmail] = useState('');
  const { role, teamId, visibility, switches, fields } = useAccess({
    role: 'agent',
    teamId: '',
    visibility: 'off',
    switches: { data_export: false, contact_deletion: false, workspace_settings: false, integrations: false },
  });
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<DesktopError | null>(null);
  const restrictable = role === 'agent';
  const ready = name.trim() !== '' && /.+@.+\..+/.test(email.trim());

  const save = async () => {
    if (!ready || busy) return;
    setBusy(true);
    setError(null);
    try {
      const restrictions = restrictable ? { contact_visibility: visibility, ...switches } : {};
      const r = await command('createUser', { name: name.trim(), email: email.trim(), role, team_id: teamId || null, restrictions });
      onAdded({ user: r.user, password: r.one_time_password ?? '' });
    } catch (err) {
      setError(err instanceof DesktopError ? err : new DesktopError('internal', String(err)));
      setBusy(false);
    }
  };

  return (
    <Dialog
      title="Add user"
      description="They get a one-time password to sign in with, and choose their own right after."
      onClose={onClose}
      size="lg"
      onSubmit={() => void save()}
      className="users-dialog"
      footer={
        <AccessDialogFooter onCancel={onClose} busy={busy} ready={ready} online={online} offline="Adding users needs a connection to the server">
          Add user
        </AccessDialogFooter>
      }
    >
      {error && <SaveError error={error} title={ERROR_TITLE[error.code] ?? "Couldn't add the user"} className="users-dialog__alert" />}
      <div className="users-dialog__team">
        <InputField label="Name" value={name} onChange={setName} />
        <InputField label="Email" type="email" value={email} onChange={setEmail} />
      </div>
      <AccessFields actor={actor} teams={teams} {...fields} />
    </Dialog>
  );
}
