// Create, edit, share or delete a custom inbox (a saved filter). Needs a connection: custom
// inboxes are saved on the server so they follow the user and can be shared.
import { useEffect, useId, useState } from 'react';
import type { CustomInbox, InboxFilter } from '../../../src-shared/model';
import { command, DesktopError, query } from '../../bridge/client';
import { Button, Dialog, LoadingState, toast } from '../../ui';
import { useQuery } from '../../bridge/useQuery';
import { useDirectory } from '../../workspace/directory-store';
import { useSession } from '../session/session-store';
import { useInbox } from './inbox-store';
import { LifecycleOptions } from './LifecycleOptions';

interface Form {
  name: string;
  status: '' | 'open' | 'closed';
  assignee: string;
  team_id: string;
  text: string;
  tag: string;
  lifecycle: string;
  /** A custom field's slug, and the value it should hold. */
  field: string;
  field_value: string;
  sharing: 'private' | 'shared';
  shared_user_ids: string[];
  shared_team_ids: string[];
}

const EMPTY: Form = {
  name: '',
  status: '',
  assignee: '',
  team_id: '',
  text: '',
  tag: '',
  lifecycle: '',
  field: '',
  field_value: '',
  sharing: 'private',
  shared_user_ids: [],
  shared_team_ids: [],
};

function toForm(c: CustomInbox): Form {
  return {
    name: c.name,
    status: c.filter.status ?? '',
    assignee: c.filter.assignee ?? '',
    team_id: c.filter.team_id ?? '',
    text: c.filter.text ?? '',
    tag: c.filter.tag ?? '',
    lifecycle: c.filter.lifecycle ?? '',
    field: c.filter.custom_field?.name ?? '',
    field_value: c.filter.custom_field?.value ?? '',
    sharing: c.sharing,
    shared_user_ids: c.shared_user_ids,
    shared_team_ids: c.shared_team_ids,
  };
}

function toFilter(f: Form): InboxFilter {
  const filter: InboxFilter = {};
  if (f.status) filter.status = f.status;
  if (f.assignee) filter.assignee = f.assignee;
  if (f.team_id) filter.team_id = f.team_id;
  if (f.text.trim()) filter.text = f.text.trim();
  if (f.tag.trim()) filter.tag = f.tag.trim();
  if (f.lifecycle) filter.lifecycle = f.lifecycle;
  if (f.field && f.field_value.trim()) filter.custom_field = { name: f.field, value: f.field_value.trim() };
  return filter;
}

export function CustomInboxDialog({ inboxId, onClose }: { inboxId: string | null; onClose: () => void }) {
  const me = useSession((s) => s.me?.user ?? s.session?.user ?? null);
  const users = useDirectory((s) => s.users);
  const usersById = useDirectory((s) => s.usersById);
  const teams = useDirectory((s) => s.teams);
  const stages = useQuery('lifecycleStages', {}, []);
  const fields = useQuery('customFields', {}, []);
  const [existing, setExisting] = useState<CustomInbox | null>(null);
  const [form, setForm] = useState<Form>(EMPTY);
  const [loading, setLoading] = useState(inboxId !== null);
  const [busy, setBusy] = useState<'save' | 'delete' | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [confirmDelete, setConfirmDelete] = useState(false);
  const id = useId();

  useEffect(() => {
    if (!inboxId) return;
    query('customInboxes', {}).then(
      (all) => {
        const found = all.find((c) => c.id === inboxId) ?? null;
        setExisting(found);
        if (found) setForm(toForm(found));
        setLoading(false);
      },
      (err: Error) => {
        setError(err.message);
        setLoading(false);
      },
    );
  }, [inboxId]);

  const readOnly = existing !== null && me !== null && existing.owner_id !== me.id;
  const set = <K extends keyof Form>(k: K, v: Form[K]) => setForm((f) => ({ ...f, [k]: v }));
  const toggle = (k: 'shared_user_ids' | 'shared_team_ids', value: string) =>
    setForm((f) => ({ ...f, [k]: f[k].includes(value) ? f[k].filter((x) => x !== value) : [...f[k], value] }));

  const explain = (err: unknown) =>
    err instanceof DesktopError && err.code === 'offline'
      ? "You're offline — custom inboxes can be saved when the connection returns."
      : (err as Error).message;

  const save = async () => {
    if (!form.name.trim()) {
      setError('Give the inbox a name.');
      return;
    }
    setBusy('save');
    setError(null);
    const body = {
      name: form.name.trim(),
      filter: toFilter(form),
      sharing: form.sharing,
      shared_user_ids: form.sharing === 'shared' ? form.shared_user_ids : [],
      shared_team_ids: form.sharing === 'shared' ? form.shared_team_ids : [],
    };
    try {
      const saved = existing ? await command('updateCustomInbox', { id: existing.id, ...body }) : await command('createCustomInbox', body);
      toast.success(existing ? `Saved “${saved.name}”` : `Created “${saved.name}”`);
      await useInbox.getState().loadSummaries();
      // A filter on a status opens on that status's tab (not on whichever tab the list was on).
      if (!existing) useInbox.getState().setInbox(`custom:${saved.id}`, saved.filter.status ?? undefined);
      else useInbox.getState().refresh();
      onClose();
    } catch (err) {
      setError(explain(err));
      setBusy(null);
    }
  };

  const remove = async () => {
    if (!existing) return;
    setBusy('delete');
    setError(null);
    try {
      await command('deleteCustomInbox', { id: existing.id });
      toast.success(`Deleted “${existing.name}”`);
      await useInbox.getState().loadSummaries();
      onClose();
    } catch (err) {
      setError(explain(err));
      setBusy(null);
    }
  };

  const title = inboxId ? (readOnly ? (existing?.name ?? 'Custom inbox') : 'Edit custom inbox') : 'New custom inbox';
  const others = users.filter((u) => !u.deactivated && u.id !== me?.id);

  return (
    <Dialog
      title={title}
      description={
        readOnly
          ? `Shared with you by ${usersById.get(existing!.owner_id)?.name ?? 'a teammate'}. Only its owner can change it.`
          : 'A saved filter over the conversations you can see.'
      }
      onClose={onClose}
      onSubmit={readOnly ? undefined : () => void save()}
      size="md"
      footer={
        readOnly ? (
          <Button onClick={onClose}>Close</Button>
        ) : (
          <>
            {existing &&
              (confirmDelete ? (
                <Button variant="danger" icon="trash" busy={busy === 'delete'} onClick={() => void remove()} className="dialog__footer-start">
                  Delete for everyone
                </Button>
              ) : (
                <Button variant="ghost" icon="trash" onClick={() => setConfirmDelete(true)} className="dialog__footer-start">
                  Delete
                </Button>
              ))}
            <Button onClick={onClose}>Cancel</Button>
            <Button type="submit" variant="primary" busy={busy === 'save'}>
              {existing ? 'Save changes' : 'Create inbox'}
            </Button>
          </>
        )
      }
    >
      {loading ? (
        <LoadingState label="Loading the inbox…" />
      ) : (
        <fieldset className="form-grid" disabled={readOnly}>
          {error && (
            <p className="form-error" role="alert">
              {error}
            </p>
          )}
          <div className="field">
            <label className="field__label" htmlFor={`${id}-name`}>
              Name
            </label>
            <input
              id={`${id}-name`}
              className="input"
              value={form.name}
              maxLength={80}
              required
              onChange={(e) => set('name', e.target.value)}
              placeholder="e.g. VIP customers"
            />
          </div>
          <div className="form-row">
            <div className="field">
              <label className="field__label" htmlFor={`${id}-status`}>
                Status
              </label>
              <select id={`${id}-status`} className="input" value={form.status} onChange={(e) => set('status', e.target.value as Form['status'])}>
                <option value="">Open and closed</option>
                <option value="open">Open</option>
                <option value="closed">Closed</option>
              </select>
            </div>
            <div className="field">
              <label className="field__label" htmlFor={`${id}-assignee`}>
                Assignee
              </label>
              <select id={`${id}-assignee`} className="input" value={form.assignee} onChange={(e) => set('assignee', e.target.value)}>
                <option value="">Anyone</option>
                <option value="me">Me (whoever opens it)</option>
                <option value="unassigned">Unassigned</option>
                {users
                  .filter((u) => !u.deactivated)
                  .map((u) => (
                    <option key={u.id} value={u.id}>
                      {u.name}
                    </option>
                  ))}
              </select>
            </div>
          </div>
          <div className="form-row">
            <div className="field">
              <label className="field__label" htmlFor={`${id}-team`}>
                Team
              </label>
              <select id={`${id}-team`} className="input" value={form.team_id} onChange={(e) => set('team_id', e.target.value)}>
                <option value="">Any team</option>
                {teams.map((t) => (
                  <option key={t.id} value={t.id}>
                    {t.name}
                  </option>
                ))}
              </select>
            </div>
            <div className="field">
              <label className="field__label" htmlFor={`${id}-text`}>
                Contains words
              </label>
              <input
                id={`${id}-text`}
                className="input"
                value={form.text}
                maxLength={200}
                onChange={(e) => set('text', e.target.value)}
                placeholder="e.g. refund"
              />
            </div>
          </div>
          <div className="form-row">
            <div className="field">
              <label className="field__label" htmlFor={`${id}-tag`}>
                Tag
              </label>
              <input id={`${id}-tag`} className="input" value={form.tag} maxLength={255} onChange={(e) => set('tag', e.target.value)} placeholder="e.g. VIP" />
            </div>
            <div className="field">
              <label className="field__label" htmlFor={`${id}-lifecycle`}>
                Lifecycle stage
              </label>
              <select id={`${id}-lifecycle`} className="input" value={form.lifecycle} onChange={(e) => set('lifecycle', e.target.value)}>
                <option value="">Any stage</option>
                <LifecycleOptions chosen={form.lifecycle} stages={stages.data} />
              </select>
            </div>
          </div>
          {(fields.data?.length ?? 0) > 0 && (
            <div className="form-row">
              <div className="field">
                <label className="field__label" htmlFor={`${id}-field`}>
                  Custom field
                </label>
                <select id={`${id}-field`} className="input" value={form.field} onChange={(e) => set('field', e.target.value)}>
                  <option value="">None</option>
                  {fields.data?.map((f) => (
                    <option key={f.id} value={f.slug}>
                      {f.name}
                    </option>
                  ))}
                </select>
              </div>
              <div className="field">
                <label className="field__label" htmlFor={`${id}-field-value`}>
                  Has the value
                </label>
                <input
                  id={`${id}-field-value`}
                  className="input"
                  value={form.field_value}
                  maxLength={2000}
                  disabled={!form.field}
                  onChange={(e) => set('field_value', e.target.value)}
                  placeholder="e.g. pro"
                />
              </div>
            </div>
          )}
          <fieldset className="field">
            <legend className="field__label">Who can use it</legend>
            <div className="radio-cards">
              <label className="radio-card">
                <input type="radio" name={`${id}-sharing`} checked={form.sharing === 'private'} onChange={() => set('sharing', 'private')} />
                <span>
                  <strong>Only me</strong>
                  <small>Private to you</small>
                </span>
              </label>
              <label className="radio-card">
                <input type="radio" name={`${id}-sharing`} checked={form.sharing === 'shared'} onChange={() => set('sharing', 'shared')} />
                <span>
                  <strong>Shared</strong>
                  <small>With chosen teams and people</small>
                </span>
              </label>
            </div>
          </fieldset>
          {form.sharing === 'shared' && (
            <div className="share-lists">
              <fieldset className="share-list">
                <legend className="field__label">Teams</legend>
                {teams.length === 0 && <p className="muted">No teams yet.</p>}
                {teams.map((t) => (
                  <label key={t.id} className="check-row">
                    <input type="checkbox" checked={form.shared_team_ids.includes(t.id)} onChange={() => toggle('shared_team_ids', t.id)} />
                    {t.name}
                  </label>
                ))}
              </fieldset>
              <fieldset className="share-list">
                <legend className="field__label">People</legend>
                {others.map((u) => (
                  <label key={u.id} className="check-row">
                    <input type="checkbox" checked={form.shared_user_ids.includes(u.id)} onChange={() => toggle('shared_user_ids', u.id)} />
                    {u.name}
                  </label>
                ))}
              </fieldset>
            </div>
          )}
        </fieldset>
      )}
    </Dialog>
  );
}
