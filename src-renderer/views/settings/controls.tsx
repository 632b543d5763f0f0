// Form controls for the settings-like views (Settings > Users, Profile): a labelled switch, a group
// of radio cards with one-line explanations, and the mark for settings the organization manages.
import { useId, type ReactNode } from 'react';
import { DesktopError, isOfflineError } from '../../bridge';
import { Icon } from '../../ui';
import './controls.css';

/** "Managed by your organization": the machine policy fixes this setting. */
export function ManagedBadge({ id }: { id?: string }) {
  return (
    <span className="ctl-managed" id={id}>
      <Icon name="lock" size={13} />
      Managed by your organization
    </span>
  );
}

/** An on/off setting: a checkbox with role=switch, its label and a line of explanation. */
export function Switch({
  label,
  description,
  checked,
  onChange,
  disabled,
  managed,
  busy,
}: {
  label: string;
  description?: ReactNode;
  checked: boolean;
  onChange: (checked: boolean) => void;
  disabled?: boolean;
  /** Locked by the organization's policy: disabled, and says so. */
  managed?: boolean;
  busy?: boolean;
}) {
  const id = useId();
  const descId = useId();
  const managedId = useId();
  const describedBy = [description ? descId : null, managed ? managedId : null].filter(Boolean).join(' ') || undefined;
  return (
    <div className={`ctl-switch${disabled || managed ? ' ctl-switch--disabled' : ''}`}>
      <div className="ctl-switch__text">
        <label htmlFor={id} className="ctl-switch__label">
          {label}
        </label>
        {description && (
          <p id={descId} className="ctl-switch__description">
            {description}
          </p>
        )}
        {managed && <ManagedBadge id={managedId} />}
      </div>
      <input
        id={id}
        type="checkbox"
        role="switch"
        className="ctl-switch__input"
        checked={checked}
        disabled={disabled || managed}
        aria-describedby={describedBy}
        aria-busy={busy || undefined}
        onChange={(e) => onChange(e.target.checked)}
      />
    </div>
  );
}

export interface RadioCardOption<V extends string> {
  value: V;
  label: string;
  description: ReactNode;
  /** Why this option cannot be chosen, when it cannot. */
  disabledReason?: string;
  icon?: ReactNode;
}

/** A fieldset of radio buttons drawn as cards, each with a one-line explanation. */
export function RadioCards<V extends string>({
  legend,
  hint,
  value,
  onChange,
  options,
  disabled,
  columns = 1,
}: {
  legend: string;
  hint?: ReactNode;
  value: V;
  onChange: (value: V) => void;
  options: readonly RadioCardOption<V>[];
  disabled?: boolean;
  columns?: 1 | 2 | 3;
}) {
  const name = useId();
  const hintId = useId();
  return (
    <fieldset className="ctl-radios" disabled={disabled} aria-describedby={hint ? hintId : undefined}>
      <legend className="ctl-radios__legend">{legend}</legend>
      <div className={`ctl-radios__options ctl-radios__options--${columns}`}>
        {options.map((o) => {
          const id = `${name}-${o.value}`;
          const off = disabled || o.disabledReason !== undefined;
          return (
            <label key={o.value} htmlFor={id} className={`ctl-radio${value === o.value ? ' ctl-radio--checked' : ''}${off ? ' ctl-radio--disabled' : ''}`}>
              <input
                id={id}
                type="radio"
                name={name}
                value={o.value}
                checked={value === o.value}
                disabled={off}
                aria-describedby={`${id}-desc`}
                onChange={() => onChange(o.value)}
                className="ctl-radio__input"
              />
              <span className="ctl-radio__text">
                <span className="ctl-radio__label">
                  {o.icon}
                  {o.label}
                </span>
                <span id={`${id}-desc`} className="ctl-radio__description">
                  {o.description}
                  {o.disabledReason && <span className="ctl-radio__reason">{o.disabledReason}</span>}
                </span>
              </span>
            </label>
          );
        })}
      </div>
      {hint && (
        <p id={hintId} className="ctl-radios__hint">
          {hint}
        </p>
      )}
    </fieldset>
  );
}

/** A form field's label and hint around its control, which gets the ids to refer to them. */
function Field({ label, hint, children }: { label: string; hint?: ReactNode; children: (ids: { id: string; describedBy: string | undefined }) => ReactNode }) {
  const id = useId();
  const hintId = useId();
  return (
    <div className="ctl-field">
      <label htmlFor={id} className="ctl-field__label">
        {label}
      </label>
      {children({ id, describedBy: hint ? hintId : undefined })}
      {hint && (
        <p id={hintId} className="ctl-field__hint">
          {hint}
        </p>
      )}
    </div>
  );
}

/** A labelled <select> for a form. */
export function SelectField({
  label,
  value,
  onChange,
  children,
  hint,
  disabled,
}: {
  label: string;
  value: string;
  onChange: (value: string) => void;
  children: ReactNode;
  hint?: ReactNode;
  disabled?: boolean;
}) {
  return (
    <Field label={label} hint={hint}>
      {({ id, describedBy }) => (
        <select id={id} className="ctl-select" value={value} disabled={disabled} aria-describedby={describedBy} onChange={(e) => onChange(e.target.value)}>
          {children}
        </select>
      )}
    </Field>
  );
}

/** A labelled <input> for a form (text or a number with bounds). */
export function InputField({
  label,
  value,
  onChange,
  hint,
  disabled,
  type = 'text',
  min,
  max,
  step,
  suffix,
}: {
  label: string;
  value: string;
  onChange: (value: string) => void;
  hint?: ReactNode;
  disabled?: boolean;
  type?: 'text' | 'number' | 'email';
  min?: number;
  max?: number;
  step?: number;
  /** A unit after the box, e.g. "minutes". */
  suffix?: string;
}) {
  return (
    <Field label={label} hint={hint}>
      {({ id, describedBy }) => (
        <span className="ctl-input-row">
          <input
            id={id}
            className="ctl-input"
            type={type}
            value={value}
            min={min}
            max={max}
            step={step}
            disabled={disabled}
            aria-describedby={describedBy}
            onChange={(e) => onChange(e.target.value)}
          />
          {suffix && <span className="ctl-input-row__suffix">{suffix}</span>}
        </span>
      )}
    </Field>
  );
}

/** Why a save failed: offline, or the server's reason under `title`. */
export function SaveError({ error, title, className }: { error: DesktopError; title: string; className?: string }) {
  const offline = isOfflineError(error);
  return (
    <div className={`alert alert--danger${className ? ` ${className}` : ''}`} role="alert">
      <Icon name={offline ? 'wifiOff' : 'alert'} size={18} />
      <div>
        <p className="alert__title">{offline ? "You're offline" : title}</p>
        <p className="alert__body">{error.message}</p>
      </div>
    </div>
  );
}
