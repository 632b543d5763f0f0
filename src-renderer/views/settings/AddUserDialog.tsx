// Settings > Users > Add user (F17): name, email, access level, team and Advanced Restrictions, all
// in one write, so an agent is never unrestricted for a moment. The answer's one-time password is
// shown once (OneTimePasswordDialog). Owners add anyone; Managers add Agents.
import { useState } from 'react';
import type { ContactVisibility, Role, Team, User } from '../../../src-shared/model';
import { command, DesktopError } from '../../bridge';
import { Button, Dialog } from '../../ui';
import { useServerOnline } from '../dashboard/layout';
import { RESTRICTION_SWITCHES, ROLE_DESCRIPTION, ROLE_LABEL, roleBlockedReason, VISIBILITY_DESCRIPTION, VISIBILITY_LABEL, type SwitchKey } from './access';
import { InputField, RadioCards, SaveError, SelectField, Switch } from './controls';

const ROLES: Role[] = ['agent', 'manager', 'owner'];
const VISIBILITIES: ContactVisibility[] = ['off', 'user', 'team'];

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
  const [role, setRole] = useState<Role>('agent');
  const [teamId, setTeamId] = useState('');
  const [visibility, setVisibility] = useState<ContactVisibility>('off');
  const [switches, setSwitches] = useState<Record<SwitchKey, boolean>>({
    data_export: false,
    contact_deletion: false,
    workspace_settings: false,
    integrations: false,
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
        <>
          <Button variant="ghost" onClick={onClose}>
            Cancel
          </Button>
          <Button
            variant="primary"
            type="submit"
            busy={busy}
            disabled={!ready || !online}
            title={!online ? 'Adding users needs a connection to the server' : undefined}
          >
            Add user
          </Button>
        </>
      }
    >
      {error && <SaveError error={error} title={ERROR_TITLE[error.code] ?? "Couldn't add the user"} className="users-dialog__alert" />}
      <div className="users-dialog__team">
        <InputField label="Name" value={name} onChange={setName} />
        <InputField label="Email" type="email" value={email} onChange={setEmail} />
      </div>
      <RadioCards<Role>
        legend="Access level"
        value={role}
        onChange={setRole}
        columns={3}
        options={ROLES.map((r) => ({ value: r, label: ROLE_LABEL[r], description: ROLE_DESCRIPTION[r], disabledReason: roleBlockedReason(actor, r) }))}
      />
      <div className="users-dialog__team">
        <SelectField label="Team" value={teamId} onChange={setTeamId} hint="A user belongs to one team at most.">
          <option value="">No team</option>
          {teams.map((t) => (
            <option key={t.id} value={t.id}>
              {t.name}
            </option>
          ))}
        </SelectField>
      </div>
      <section className="users-dialog__restrictions" aria-labelledby="add-restrictions-title">
        <h3 id="add-restrictions-title" className="users-dialog__section-title">
          Advanced Restrictions
        </h3>
        {!restrictable && <p className="users-dialog__section-hint">Restrictions apply to Agents. Owners and Managers always see every contact.</p>}
        <RadioCards<ContactVisibility>
          legend="Restrict Contact Visibility"
          value={visibility}
          onChange={setVisibility}
          disabled={!restrictable}
          columns={3}
          options={VISIBILITIES.map((v) => ({ value: v, label: VISIBILITY_LABEL[v], description: VISIBILITY_DESCRIPTION[v] }))}
        />
        <div className="users-dialog__switches">
          {RESTRICTION_SWITCHES.map(({ key, label, description }) => (
            <Switch
              key={key}
              label={label}
              description={description}
              checked={switches[key]}
              onChange={(on) => setSwitches((s) => ({ ...s, [key]: on }))}
              disabled={!restrictable}
            />
          ))}
        </div>
      </section>
    </Dialog>
  );
}
