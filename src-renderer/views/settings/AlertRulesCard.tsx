// Settings > Workspace > Alerts (Owners and Managers): the rules the server watches (F16), each a
// number of minutes or empty for not watched, and the business hours their clocks count in.
import { useEffect, useState } from 'react';
import { AlertRules, NO_ALERT_RULES, type BusinessHours } from '../../../src-shared/alerts';
import type { WorkspaceSettings } from '../../../src-shared/model';
import { command } from '../../bridge';
import { toast } from '../../ui';
import { SavedSettingsCard, useSave } from './card';
import { InputField, Switch } from './controls';

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const DEFAULT_HOURS: BusinessHours = {
  days: [1, 2, 3, 4, 5],
  from: '09:00',
  to: '17:00',
  time_zone: Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC',
};

interface Draft {
  openTooLong: string;
  firstResponse: string;
  unassigned: string;
  hoursOn: boolean;
  hours: BusinessHours;
}

const draftOf = (r: AlertRules): Draft => ({
  openTooLong: r.open_too_long_minutes === null ? '' : String(r.open_too_long_minutes),
  firstResponse: r.first_response_minutes === null ? '' : String(r.first_response_minutes),
  unassigned: r.unassigned_minutes === null ? '' : String(r.unassigned_minutes),
  hoursOn: r.business_hours !== null,
  hours: r.business_hours ?? DEFAULT_HOURS,
});

const minutes = (text: string) => (text.trim() === '' ? null : Number(text));

/** The rules the draft stands for, or the first reason they cannot be saved, in words. */
function rulesOf(d: Draft): { rules: AlertRules } | { invalid: string } {
  const parsed = AlertRules.safeParse({
    open_too_long_minutes: minutes(d.openTooLong),
    first_response_minutes: minutes(d.firstResponse),
    unassigned_minutes: minutes(d.unassigned),
    business_hours: d.hoursOn ? d.hours : null,
  });
  if (parsed.success) return { rules: parsed.data };
  const issue = parsed.error.issues[0];
  const where = String(issue.path[issue.path.length - 1] ?? '');
  if (where.endsWith('_minutes')) return { invalid: 'Each rule is a whole number of minutes, 1 to 43,200, or empty to not watch it.' };
  return { invalid: `Business hours: ${issue.message}.` };
}

export function AlertRulesCard({ settings }: { settings: WorkspaceSettings }) {
  const current = settings.alert_rules ?? NO_ALERT_RULES;
  const [draft, setDraft] = useState<Draft>(() => draftOf(current));
  const [touched, setTouched] = useState(false);
  const saving = useSave();
  useEffect(() => {
    if (!touched) setDraft(draftOf(current));
  }, [current, touched]);

  const result = rulesOf(draft);
  const dirty = 'rules' in result ? JSON.stringify(result.rules) !== JSON.stringify(current) : true;
  const set = (part: Partial<Draft>) => {
    setTouched(true);
    setDraft((d) => ({ ...d, ...part }));
  };
  const setHours = (part: Partial<BusinessHours>) => set({ hours: { ...draft.hours, ...part } });

  const save = () =>
    saving.save(async () => {
      if (!('rules' in result)) return;
      const answer = await command('updateAlertRules', result.rules);
      setDraft(draftOf(answer.alert_rules));
      setTouched(false);
      toast.success('Saved the alert rules');
    });

  return (
    <SavedSettingsCard
      id="alerts-title"
      title="Alerts"
      hint="Supervisors are told at once when a conversation breaks a rule. Leave a rule empty to not watch it."
      saving={saving}
      errorTitle="Couldn't save the alert rules"
      invalid={'invalid' in result ? result.invalid : undefined}
      dirty={dirty}
      onSave={() => void save()}
      saveLabel="Save alert rules"
    >
      <div className="workspace-card__fields">
        <InputField
          label="Open too long after"
          type="number"
          min={1}
          step={1}
          suffix="minutes"
          value={draft.openTooLong}
          onChange={(openTooLong) => set({ openTooLong })}
        />
        <InputField
          label="First response overdue after"
          type="number"
          min={1}
          step={1}
          suffix="minutes"
          value={draft.firstResponse}
          onChange={(firstResponse) => set({ firstResponse })}
          hint="No reply this long after the contact wrote; the assignee is told too."
        />
        <InputField
          label="Unassigned longer than"
          type="number"
          min={1}
          step={1}
          suffix="minutes"
          value={draft.unassigned}
          onChange={(unassigned) => set({ unassigned })}
        />
      </div>
      <Switch
        label="Count business hours only"
        description="The clocks stop outside these days and hours."
        checked={draft.hoursOn}
        onChange={(hoursOn) => set({ hoursOn })}
      />
      {draft.hoursOn && (
        <div className="workspace-card__fields">
          <fieldset className="alert-days">
            <legend>Days</legend>
            {DAYS.map((label, day) => (
              <label key={label} className="alert-days__day">
                <input
                  type="checkbox"
                  checked={draft.hours.days.includes(day)}
                  onChange={(e) => setHours({ days: e.target.checked ? [...draft.hours.days, day].sort() : draft.hours.days.filter((d) => d !== day) })}
                />
                {label}
              </label>
            ))}
          </fieldset>
          <InputField label="From" value={draft.hours.from} onChange={(from) => setHours({ from })} hint="24-hour time, like 09:00" />
          <InputField label="To" value={draft.hours.to} onChange={(to) => setHours({ to })} />
          <InputField label="Time zone" value={draft.hours.time_zone} onChange={(time_zone) => setHours({ time_zone })} hint="Like Europe/Berlin" />
        </div>
      )}
    </SavedSettingsCard>
  );
}
