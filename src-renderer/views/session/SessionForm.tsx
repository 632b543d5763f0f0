// The frame of the screens before the app opens (sign in, set up a workspace, choose a password): the
// logo, one card with its title, what went wrong in words, the form's fields; and a text field of theirs.
import { useId, type FormEvent, type InputHTMLAttributes, type ReactNode } from 'react';
import { Icon } from '../../ui';

export function SessionForm({
  title,
  subtitle,
  problem,
  onSubmit,
  children,
  footer,
}: {
  title: string;
  subtitle: ReactNode;
  /** What went wrong, in words: a title, and the message unless it only repeats the title. */
  problem: { title: string; message: string } | null;
  onSubmit: (e: FormEvent) => void;
  children: ReactNode;
  footer?: ReactNode;
}) {
  const titleId = useId();
  return (
    <main className="signin">
      <div className="signin__brand" aria-hidden="true">
        <Icon name="logo" size={30} />
      </div>
      <form className="signin__card" onSubmit={onSubmit} aria-labelledby={titleId} noValidate>
        <h1 id={titleId} className="signin__title">
          {title}
        </h1>
        <p className="signin__subtitle">{subtitle}</p>
        {problem && (
          <div className="alert alert--danger" role="alert">
            <Icon name="alert" size={18} />
            <div>
              <p className="alert__title">{problem.title}</p>
              {problem.message.replace(/\.$/, '') !== problem.title && <p className="alert__body">{problem.message}</p>}
            </div>
          </div>
        )}
        {children}
      </form>
      {footer}
    </main>
  );
}

/** A labelled input, with a hint below it when there is one. */
export function TextField({
  label,
  hint,
  invalid,
  onValue,
  after,
  ...input
}: {
  label: string;
  hint?: ReactNode;
  invalid: boolean;
  onValue: (v: string) => void;
  /** Beside the input, inside its frame (the lock of an address the policy fixes). */
  after?: ReactNode;
} & Omit<InputHTMLAttributes<HTMLInputElement>, 'id' | 'className' | 'onChange' | 'aria-invalid' | 'aria-describedby'>) {
  const ids = { input: useId(), hint: useId() };
  const field = (
    <input
      id={ids.input}
      className="input"
      aria-invalid={invalid || undefined}
      aria-describedby={hint ? ids.hint : undefined}
      onChange={(e) => onValue(e.target.value)}
      {...input}
    />
  );
  return (
    <div className="field">
      <label htmlFor={ids.input} className="field__label">
        {label}
      </label>
      {after === undefined ? (
        field
      ) : (
        <div className={`input-wrap${after ? ' input-wrap--locked' : ''}`}>
          {field}
          {after}
        </div>
      )}
      {hint && (
        <p id={ids.hint} className="field__hint">
          {hint}
        </p>
      )}
    </div>
  );
}

/** The account's email, as every one of these screens asks for it. */
export function EmailField(props: { value: string; onValue: (v: string) => void; invalid: boolean; autoFocus?: boolean }) {
  return <TextField label="Email" type="email" autoComplete="username" placeholder="you@company.com" required {...props} />;
}
