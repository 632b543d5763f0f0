// Settings > Workspace (Owners change it; Managers see it): the workspace's name, when an idle user
// shows offline, when the Dashboard calls a conversation open too long, and whether closing asks
// for a closing note. Saved straight to the server (it needs a connection); every app follows.
import { useEffect, useState } from 'react';
import type { User, WorkspaceSettings } from '../../../src-shared/model';
import { command } from '../../bridge';
import { toast } from '../../ui';
import { SavedSettingsCard, useSave } from './card';
import { InputField, Switch } from './controls';

interface Draft {
  name: string;
  inactivity: string;
  openTooLong: string;
  noteRequired: boolean;
}

const draftOf = (s: WorkspaceSettings): Draft => ({
  name: s.name,
  inactivity: String(s.inactivity_timeout_minutes),
  openTooLong: String(s.open_too_long_hours),
  noteRequired: s.closing_note_required,
});

/** What the draft changes, or the first reason it cannot be saved. */
function changesOf(d: Draft, s: WorkspaceSettings): { patch: Partial<WorkspaceSettings> } | { invalid: string } {
  const name = d.name.trim();
  if (!name || name.length > 120) return { invalid: 'The name takes 1 to 120 characters.' };
  const inactivity = Number(d.inactivity);
  if (!Number.isInteger(inactivity) || inactivity < 1 || inactivity > 24 * 60)
    return { invalid: 'The inactivity timeout is a whole number of minutes, 1 to 1,440.' };
  const openTooLong = Number(d.openTooLong);
  if (!Number.isFinite(openTooLong) || openTooLong < 0.25 || openTooLong > 24 * 30) return { invalid: '"Open too long" is 0.25 to 720 hours.' };
  return {
    patch: {
      ...(name !== s.name && { name }),
      ...(inactivity !== s.inactivity_timeout_minutes && { inactivity_timeout_minutes: inactivity }),
      ...(openTooLong !== s.open_too_long_hours && { open_too_long_hours: openTooLong }),
      ...(d.noteRequired !== s.closing_note_required && { closing_note_required: d.noteRequired }),
    },
  };
}

export function WorkspaceCard({ settings, actor }: { settings: WorkspaceSettings; actor: User }) {
  const owner = actor.role === 'owner';
  const [draft, setDraft] = useState<Draft>(() => draftOf(settings));
  /** Edited and not saved: another Owner's change that arrives meanwhile does not overwrite it. */
  const [touched, setTouched] = useState(false);
  const saving = useSave();
  /** Saved, and not yet back through the feed: the form keeps showing it until it is. */
  const [saved, setSaved] = useState<WorkspaceSettings | null>(null);
  useEffect(() => {
    if (saved && JSON.stringify(draftOf(settings)) === JSON.stringify(draftOf(saved))) {
      setSaved(null);
      setTouched(false);
    } else if (!touched && !saved) setDraft(draftOf(settings));
  }, [settings, touched, saved]);

  const changes = changesOf(draft, settings);
  const dirty = 'patch' in changes ? Object.keys(changes.patch).length > 0 : true;
  const set = (part: Partial<Draft>) => {
    setTouched(true);
    setDraft((d) => ({ ...d, ...part }));
  };

  const save = () =>
    saving.save(async () => {
      if (!('patch' in changes)) return;
      const answer = await command('updateWorkspace', changes.patch);
      setDraft(draftOf(answer));
      setSaved(answer);
      toast.success('Saved the workspace settings');
    });

  return (
    <SavedSettingsCard
      id="workspace-title"
      title="Workspace"
      hint={owner ? undefined : 'Only Owners change these.'}
      saving={saving}
      errorTitle="Couldn't save the settings"
      invalid={'invalid' in changes ? changes.invalid : undefined}
      dirty={dirty}
      onSave={() => void save()}
      saveLabel="Save settings"
      onUndo={() => {
        setTouched(false);
        setSaved(null);
        setDraft(draftOf(settings));
      }}
      editable={owner}
    >
      <div className="workspace-card__fields">
        <InputField label="Workspace name" value={draft.name} onChange={(name) => set({ name })} disabled={!owner} />
        <InputField
          label="Inactivity timeout"
          type="number"
          min={1}
          max={1440}
          step={1}
          suffix="minutes"
          value={draft.inactivity}
          onChange={(inactivity) => set({ inactivity })}
          disabled={!owner}
          hint="A user idle this long shows as offline, and goes back to their status when they return."
        />
        <InputField
          label="Open too long after"
          type="number"
          min={0.25}
          max={720}
          step={0.25}
          suffix="hours"
          value={draft.openTooLong}
          onChange={(openTooLong) => set({ openTooLong })}
          disabled={!owner}
          hint="The dashboard API (open conversations) marks conversations open longer than this; the Dashboard here highlights what breaks an alert rule (Alerts, below)."
        />
      </div>
      <Switch
        label="Closing note required"
        description="Closing a conversation asks for a category and a summary."
        checked={draft.noteRequired}
        onChange={(noteRequired) => set({ noteRequired })}
        disabled={!owner}
      />
    </SavedSettingsCard>
  );
}
