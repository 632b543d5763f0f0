// What the Settings cards of named things (teams, closing categories) share: a change saved straight
// to the server, with its button busy meanwhile and a toast when refused; renaming a row in place;
// adding one at the end.
import { useId, useState } from 'react';
import type { DesktopError } from '../../bridge';
import { Button, toast } from '../../ui';

/** `run(key, what, fn)`: `busy` is `key` while `fn` runs; a refusal is said in a toast ("Couldn't <what>: …"). Answers whether it went through. */
export function useServerChange() {
  const [busy, setBusy] = useState<string | null>(null);
  const run = async (key: string, what: string, fn: () => Promise<unknown>) => {
    setBusy(key);
    try {
      await fn();
      return true;
    } catch (err) {
      toast.error(`Couldn't ${what}: ${(err as DesktopError).message}`);
      return false;
    } finally {
      setBusy(null);
    }
  };
  return { busy, run };
}

/** A row's new name, typed in place of the row: Enter saves, Escape or Cancel leaves it. */
export function RenameForm({
  current,
  value,
  maxLength,
  busy,
  onChange,
  onSave,
  onCancel,
}: {
  current: string;
  value: string;
  maxLength: number;
  busy: boolean;
  onChange: (name: string) => void;
  onSave: () => void;
  onCancel: () => void;
}) {
  return (
    <form
      className="categories__rename"
      onSubmit={(e) => {
        e.preventDefault();
        onSave();
      }}
    >
      <input
        className="ctl-input"
        aria-label={`New name for ${current}`}
        value={value}
        maxLength={maxLength}
        autoFocus
        onChange={(e) => onChange(e.target.value)}
        onKeyDown={(e) => e.key === 'Escape' && onCancel()}
      />
      <Button size="sm" variant="primary" type="submit" busy={busy}>
        Save
      </Button>
      <Button size="sm" variant="ghost" onClick={onCancel}>
        Cancel
      </Button>
    </form>
  );
}

/** A new row's name, and the button that adds it (`offline`: why it cannot, in words). */
export function AddForm({
  label,
  placeholder,
  maxLength,
  button,
  disabled,
  busy,
  offline,
  onAdd,
}: {
  label: string;
  placeholder: string;
  maxLength: number;
  button: string;
  disabled: boolean;
  busy: boolean;
  offline: string | undefined;
  /** Answers whether it was added (the field is then emptied). */
  onAdd: (name: string) => Promise<boolean>;
}) {
  const id = useId();
  const [name, setName] = useState('');
  return (
    <form
      className="categories__add"
      onSubmit={(e) => {
        e.preventDefault();
        const trimmed = name.trim();
        if (trimmed) void onAdd(trimmed).then((added) => added && setName(''));
      }}
    >
      <label htmlFor={id} className="visually-hidden">
        {label}
      </label>
      <input id={id} className="ctl-input" placeholder={placeholder} maxLength={maxLength} value={name} onChange={(e) => setName(e.target.value)} />
      <Button variant="secondary" type="submit" disabled={disabled || !name.trim()} busy={busy} title={offline}>
        {button}
      </Button>
    </form>
  );
}
