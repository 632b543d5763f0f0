// The frames Settings cards share: a card of saved settings (header, the save error, the footer with
// what stops saving, Undo and Save), a card that lists what the server keeps (restricted, offline,
// loading and error states in words), a confirmation dialog, and the busy-then-toast shape of a
// card's actions. Each card keeps only its own fields and words.
import { useState, type ReactNode } from 'react';
import { DesktopError, type QueryState } from '../../bridge';
import { Button, Dialog, ErrorState, LoadingState, toast } from '../../ui';
import { useServerOnline } from '../dashboard/layout';
import { SaveError } from './controls';

function CardHeader({ id, title, hint }: { id: string; title: string; hint?: ReactNode }) {
  return (
    <div className="workspace-card__header">
      <h2 id={id} className="workspace-card__title">
        {title}
      </h2>
      {hint && <p className="workspace-card__hint">{hint}</p>}
    </div>
  );
}

/** Saving a form to the server: busy while it runs, the error kept to show in the card. */
export function useSave(): { busy: boolean; error: DesktopError | null; save: (run: () => Promise<void>) => Promise<void> } {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<DesktopError | null>(null);
  const save = async (run: () => Promise<void>) => {
    if (busy) return;
    setBusy(true);
    setError(null);
    try {
      await run();
    } catch (err) {
      setError(err instanceof DesktopError ? err : new DesktopError('internal', String(err)));
    } finally {
      setBusy(false);
    }
  };
  return { busy, error, save };
}

export interface SavedSettingsCardProps {
  id: string;
  title: string;
  hint?: ReactNode;
  /** From `useSave`. */
  saving: { busy: boolean; error: DesktopError | null };
  errorTitle: string;
  /** Why the draft cannot be saved, in words, or undefined. */
  invalid?: string;
  dirty: boolean;
  onSave: () => void;
  saveLabel: string;
  /** Shown beside Save when given. */
  onUndo?: () => void;
  /** False for who may only look: no footer. */
  editable?: boolean;
  children: ReactNode;
}

/** A form of settings saved straight to the server (it needs a connection). */
export function SavedSettingsCard({
  id,
  title,
  hint,
  saving,
  errorTitle,
  invalid,
  dirty,
  onSave,
  saveLabel,
  onUndo,
  editable = true,
  children,
}: SavedSettingsCardProps) {
  const online = useServerOnline();
  return (
    <form
      className="sv-card workspace-card"
      aria-labelledby={id}
      onSubmit={(e) => {
        e.preventDefault();
        if (dirty && !invalid) onSave();
      }}
    >
      <CardHeader id={id} title={title} hint={hint} />
      {saving.error && <SaveError error={saving.error} title={errorTitle} />}
      {children}
      {editable && (
        <div className="workspace-card__footer">
          {invalid && (
            <p className="form-error" role="alert">
              {invalid}
            </p>
          )}
          {onUndo && (
            <Button variant="ghost" disabled={!dirty || saving.busy} onClick={onUndo}>
              Undo changes
            </Button>
          )}
          <Button
            variant="primary"
            type="submit"
            busy={saving.busy}
            disabled={!dirty || invalid !== undefined || !online}
            title={!online ? 'Changing settings needs a connection to the server' : undefined}
          >
            {saveLabel}
          </Button>
        </div>
      )}
    </form>
  );
}

export interface ServerListCardProps<T> {
  id: string;
  title: string;
  hint: ReactNode;
  /** The actor's access to this part is restricted. */
  restricted: boolean;
  /** What the list is, for "Loading …", "Couldn't load …" and the offline line: "tokens". */
  what: string;
  list: QueryState<T>;
  /** The list, once it is there. */
  show: (data: T) => ReactNode;
  /** Below the list unless restricted: the form that adds to it. */
  add: ReactNode;
  /** The card's dialogs. */
  children?: ReactNode;
}

/** A card listing what only the server keeps (tokens, webhooks): nothing to show offline. */
export function ServerListCard<T>({ id, title, hint, restricted, what, list, show, add, children }: ServerListCardProps<T>) {
  const online = useServerOnline();
  return (
    <section className="sv-card workspace-card" aria-labelledby={id}>
      <CardHeader id={id} title={title} hint={hint} />
      {restricted ? (
        <p className="sv-muted">Your access to integrations is restricted: ask an Owner.</p>
      ) : !online ? (
        <p className="sv-muted">{`${what[0].toUpperCase()}${what.slice(1)} are managed on the server: connect to see them.`}</p>
      ) : list.loading && !list.data ? (
        <LoadingState label={`Loading ${what}…`} />
      ) : list.error && !list.data ? (
        <ErrorState error={list.error} onRetry={list.refresh} what={`the ${what}`} />
      ) : (
        list.data !== undefined && show(list.data)
      )}
      {!restricted && add}
      {children}
    </section>
  );
}

/** A table's column heads; `actions` adds a last column of buttons, named for screen readers only. */
export function ColumnHeads({ names, actions = false }: { names: string[]; actions?: boolean }) {
  return (
    <thead>
      <tr>
        {names.map((n) => (
          <th key={n} scope="col">
            {n}
          </th>
        ))}
        {actions && (
          <th scope="col">
            <span className="visually-hidden">Actions</span>
          </th>
        )}
      </tr>
    </thead>
  );
}

/** The last row of a table with nothing in it. */
export function EmptyRow({ columns, children }: { columns: number; children: ReactNode }) {
  return (
    <tr>
      <td colSpan={columns} className="sv-muted">
        {children}
      </td>
    </tr>
  );
}

/** Asks before an action that cannot be taken back; Cancel or the action. */
export function ConfirmDialog({
  title,
  description,
  action,
  variant = 'danger',
  busy,
  onConfirm,
  onClose,
}: {
  title: string;
  description: string;
  action: string;
  variant?: 'danger' | 'secondary';
  busy: boolean;
  onConfirm: () => void;
  onClose: () => void;
}) {
  return (
    <Dialog
      title={title}
      description={description}
      onClose={onClose}
      size="sm"
      footer={
        <>
          <Button variant="ghost" onClick={onClose}>
            Cancel
          </Button>
          <Button variant={variant} busy={busy} onClick={onConfirm}>
            {action}
          </Button>
        </>
      }
    />
  );
}

/**
 * A card's actions, one at a time by key: which one is running, and a failure said in a toast
 * ("Couldn't revoke Zapier: …").
 */
export function useCardActions(): { busy: string | null; run: (key: string, failed: string, action: () => Promise<void>) => Promise<void> } {
  const [busy, setBusy] = useState<string | null>(null);
  const run = async (key: string, failed: string, action: () => Promise<void>) => {
    setBusy(key);
    try {
      await action();
    } catch (err) {
      toast.error(`${failed}: ${err instanceof DesktopError ? err.message : String(err)}`);
    } finally {
      setBusy(null);
    }
  };
  return { busy, run };
}
