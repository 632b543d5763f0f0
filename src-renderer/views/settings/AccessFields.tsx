// What a user may do, as Add user and Edit set it: the access level, the team, and the Advanced
// Restrictions (which apply to Agents only).
import { useId, useState, type ReactNode } from 'react';
import { Button } from '../../ui';
import type { ContactVisibility, Role, Team, User } from '../../../src-shared/model';
import { RESTRICTION_SWITCHES, ROLE_DESCRIPTION, ROLE_LABEL, roleBlockedReason, VISIBILITY_DESCRIPTION, VISIBILITY_LABEL, type SwitchKey } from './access';
import { RadioCards, SelectField, Switch } from './controls';

const ROLES: Role[] = ['agent', 'manager', 'owner'];
const VISIBILITIES: ContactVisibility[] = ['off', 'user', 'team'];

/** A user's access as the fields hold it, starting from `initial`; `fields` goes to AccessFields as it is. */
export function useAccess(initial: { role: Role; teamId: string; visibility: ContactVisibility; switches: Record<SwitchKey, boolean> }) {
  const [role, setRole] = useState(initial.role);
  const [teamId, setTeamId] = useState(initial.teamId);
  const [visibility, setVisibility] = useState(initial.visibility);
  const [switches, setSwitches] = useState(initial.switches);
  const onSwitch = (key: SwitchKey, on: boolean) => setSwitches((s) => ({ ...s, [key]: on }));
  return {
    role,
    teamId,
    visibility,
    switches,
    fields: { role, onRole: setRole, teamId, onTeam: setTeamId, visibility, onVisibility: setVisibility, switches, onSwitch },
  };
}

export function AccessFields({
  actor,
  teams,
  role,
  onRole,
  teamId,
  onTeam,
  visibility,
  onVisibility,
  visibilityHint,
  switches,
  onSwitch,
}: {
  actor: User;
  teams: Team[];
  role: Role;
  onRole: (r: Role) => void;
  teamId: string;
  onTeam: (id: string) => void;
  visibility: ContactVisibility;
  onVisibility: (v: ContactVisibility) => void;
  visibilityHint?: string;
  switches: Record<SwitchKey, boolean>;
  onSwitch: (key: SwitchKey, on: boolean) => void;
}) {
  const titleId = useId();
  const restrictable = role === 'agent';
  return (
    <>
      <RadioCards<Role>
        legend="Access level"
        value={role}
        onChange={onRole}
        columns={3}
        options={ROLES.map((r) => ({ value: r, label: ROLE_LABEL[r], description: ROLE_DESCRIPTION[r], disabledReason: roleBlockedReason(actor, r) }))}
      />
      <div className="users-dialog__team">
        <SelectField label="Team" value={teamId} onChange={onTeam} hint="A user belongs to one team at most.">
          <option value="">No team</option>
          {teams.map((t) => (
            <option key={t.id} value={t.id}>
              {t.name}
            </option>
          ))}
        </SelectField>
      </div>
      <section className="users-dialog__restrictions" aria-labelledby={titleId}>
        <h3 id={titleId} className="users-dialog__section-title">
          Advanced Restrictions
        </h3>
        {!restrictable && <p className="users-dialog__section-hint">Restrictions apply to Agents. Owners and Managers always see every contact.</p>}
        <RadioCards<ContactVisibility>
          legend="Restrict Contact Visibility"
          value={visibility}
          onChange={onVisibility}
          disabled={!restrictable}
          columns={3}
          hint={visibilityHint}
          options={VISIBILITIES.map((v) => ({ value: v, label: VISIBILITY_LABEL[v], description: VISIBILITY_DESCRIPTION[v] }))}
        />
        <div className="users-dialog__switches">
          {RESTRICTION_SWITCHES.map(({ key, label, description }) => (
            <Switch key={key} label={label} description={description} checked={switches[key]} onChange={(on) => onSwitch(key, on)} disabled={!restrictable} />
          ))}
        </div>
      </section>
    </>
  );
}

/** The footer of Add user and Edit: a note, Cancel, and the button that saves (which needs the server: `offline` says so). */
export function AccessDialogFooter({
  note,
  onCancel,
  busy,
  ready,
  online,
  offline,
  children,
}: {
  note?: ReactNode;
  onCancel: () => void;
  busy: boolean;
  ready: boolean;
  online: boolean;
  offline: string;
  children: ReactNode;
}) {
  return (
    <>
      {note}
      <Button variant="ghost" onClick={onCancel}>
        Cancel
      </Button>
      <Button variant="primary" type="submit" busy={busy} disabled={!ready || !online} title={!online ? offline : undefined}>
        {children}
      </Button>
    </>
  );
}
