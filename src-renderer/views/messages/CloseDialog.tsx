// Close a conversation with a closing note: a category from the workspace's list and a summary,
// both required when the workspace says so.
import { useId, useState } from 'react';
import type { Contact } from '../../../src-shared/model';
import { command, DesktopError } from '../../bridge/client';
import { Button, Dialog, toast } from '../../ui';
import { useDirectory } from '../../workspace/directory-store';
import { doneOrQueued, useSession } from '../session/session-store';

const SUMMARY_MAX = 2000;

export function CloseDialog({ contact, onClose }: { contact: Contact; onClose: () => void }) {
  // (Archived ones stay in the directory: conversations closed with them still name them.)
  const all = useDirectory((s) => s.categories);
  const categories = all.filter((c) => !c.archived);
  const required = useSession((s) => s.me?.settings.closing_note_required ?? false);
  const [categoryId, setCategoryId] = useState('');
  const [summary, setSummary] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [tried, setTried] = useState(false);
  const id = useId();

  const missingCategory = required && !categoryId;
  const missingSummary = required && !summary.trim();

  const submit = async () => {
    setTried(true);
    if (missingCategory || missingSummary) {
      setError('A closing note is required: choose a category and write a summary.');
      return;
    }
    setBusy(true);
    setError(null);
    try {
      await command('close', { contact_id: contact.id, closing_category_id: categoryId || null, summary: summary.trim() || null });
      toast.success(doneOrQueued(`Closed the conversation with ${contact.name}`, `Will close the conversation with ${contact.name}`));
      onClose();
    } catch (err) {
      setError((err as DesktopError).message);
      setBusy(false);
    }
  };

  return (
    <Dialog
      title="Close conversation"
      description={
        <>
          Add a closing note for the conversation with {contact.name}
          {required ? ' (required in this workspace).' : ' (optional).'}
        </>
      }
      onClose={onClose}
      onSubmit={() => void submit()}
      size="sm"
      footer={
        <>
          <Button onClick={onClose}>Cancel</Button>
          <Button type="submit" variant="primary" icon="checkCircle" busy={busy}>
            Close conversation
          </Button>
        </>
      }
    >
      {error && (
        <p className="form-error" role="alert">
          {error}
        </p>
      )}
      <div className="field">
        <label className="field__label" htmlFor={`${id}-cat`}>
          Category{required && <span className="field__required"> (required)</span>}
        </label>
        <select
          id={`${id}-cat`}
          className="input"
          value={categoryId}
          required={required}
          aria-invalid={(tried && missingCategory) || undefined}
          onChange={(e) => setCategoryId(e.target.value)}
        >
          <option value="">{categories.length ? 'Choose a category…' : 'No categories defined'}</option>
          {categories.map((c) => (
            <option key={c.id} value={c.id}>
              {c.name}
            </option>
          ))}
        </select>
      </div>
      <div className="field">
        <label className="field__label" htmlFor={`${id}-summary`}>
          Summary{required && <span className="field__required"> (required)</span>}
        </label>
        <textarea
          id={`${id}-summary`}
          className="input input--area"
          rows={4}
          maxLength={SUMMARY_MAX}
          value={summary}
          required={required}
          aria-invalid={(tried && missingSummary) || undefined}
          placeholder="What was the outcome?"
          onChange={(e) => setSummary(e.target.value)}
          onKeyDown={(e) => {
            if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
              e.preventDefault();
              void submit();
            }
          }}
        />
        <p className="field__hint">
          {summary.length} / {SUMMARY_MAX}
        </p>
      </div>
    </Dialog>
  );
}
