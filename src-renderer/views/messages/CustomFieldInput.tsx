// One of the contact's custom fields, edited in place in the contact panel: a choice or a tick is
// saved at once, typed text when the person presses Enter or leaves the field (emptied: no value).
import { useEffect, useState } from 'react';
import type { CustomField } from '../../../src-shared/model';

export type FieldValue = string | number | boolean | null;

interface Props {
  field: CustomField;
  value: FieldValue;
  disabled: boolean;
  title?: string;
  /** Saves the value (null clears it); false when the server refused it (it said why). */
  onSave: (value: FieldValue) => Promise<boolean>;
}

const INPUT_TYPES: Partial<Record<CustomField['data_type'], string>> = { number: 'number', date: 'date', time: 'time', email: 'email', url: 'url' };

export function CustomFieldInput({ field, value, disabled, title, onSave }: Props) {
  if (field.data_type === 'checkbox') {
    return (
      <input
        type="checkbox"
        aria-label={field.name}
        checked={value === true}
        disabled={disabled}
        title={title}
        onChange={(e) => void onSave(e.target.checked)}
      />
    );
  }
  if (field.data_type === 'list') {
    return (
      <select
        className="ctl-input"
        aria-label={field.name}
        value={typeof value === 'string' ? value : ''}
        disabled={disabled}
        title={title}
        onChange={(e) => void onSave(e.target.value || null)}
      >
        <option value="">—</option>
        {typeof value === 'string' && value && !field.options.includes(value) && <option value={value}>{value}</option>}
        {field.options.map((o) => (
          <option key={o} value={o}>
            {o}
          </option>
        ))}
      </select>
    );
  }
  return <TypedValue field={field} value={value} disabled={disabled} title={title} onSave={onSave} />;
}

function TypedValue({ field, value, disabled, title, onSave }: Props) {
  const shown = value === null ? '' : String(value);
  const [text, setText] = useState(shown);
  useEffect(() => setText(shown), [shown]);
  const commit = async () => {
    const next = text.trim();
    if (next === shown) return;
    const sent = next === '' ? null : field.data_type === 'number' ? Number(next) : next;
    if (!(await onSave(sent))) setText(shown);
  };
  return (
    <input
      className="ctl-input"
      type={INPUT_TYPES[field.data_type] ?? 'text'}
      aria-label={field.name}
      value={text}
      disabled={disabled}
      title={title}
      maxLength={2000}
      onChange={(e) => setText(e.target.value)}
      onBlur={() => void commit()}
      onKeyDown={(e) => {
        if (e.key === 'Enter') {
          e.preventDefault();
          void commit();
        }
      }}
    />
  );
}
