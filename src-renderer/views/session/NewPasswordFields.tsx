// A new password, typed twice, with the workspace's password rule stated beside it. Used by setup,
// the first sign-in with a one-time password, and Profile.
import { useId } from 'react';
import { PASSWORD_RULE, passwordProblem } from '../../../src-shared/passwords';

/** What stops these from being saved, in words (the server also refuses common passwords); null when nothing. */
export function newPasswordProblem(password: string, confirm: string, email: string): string | null {
  return passwordProblem(password, email) ?? (password !== confirm ? 'The two passwords are not the same.' : null);
}

export function NewPasswordFields({
  password,
  confirm,
  onPassword,
  onConfirm,
  showProblem,
  problem,
  label = 'New password',
}: {
  password: string;
  confirm: string;
  onPassword: (v: string) => void;
  onConfirm: (v: string) => void;
  /** Say what is wrong (after a first attempt to submit). */
  showProblem: boolean;
  problem: string | null;
  label?: string;
}) {
  const ids = { password: useId(), confirm: useId(), rule: useId(), problem: useId() };
  return (
    <>
      <div className="field">
        <label htmlFor={ids.password} className="field__label">
          {label}
        </label>
        <input
          id={ids.password}
          className="input"
          type="password"
          autoComplete="new-password"
          value={password}
          required
          aria-describedby={ids.rule}
          aria-invalid={(showProblem && problem !== null && problem !== 'The two passwords are not the same.') || undefined}
          onChange={(e) => onPassword(e.target.value)}
        />
        <p id={ids.rule} className="field__hint">
          {PASSWORD_RULE}
        </p>
      </div>
      <div className="field">
        <label htmlFor={ids.confirm} className="field__label">
          Type it again
        </label>
        <input
          id={ids.confirm}
          className="input"
          type="password"
          autoComplete="new-password"
          value={confirm}
          required
          aria-invalid={(showProblem && problem === 'The two passwords are not the same.') || undefined}
          aria-describedby={showProblem && problem ? ids.problem : undefined}
          onChange={(e) => onConfirm(e.target.value)}
        />
        {showProblem && problem && (
          <p id={ids.problem} className="field__hint field__hint--error" role="alert">
            {problem}
          </p>
        )}
      </div>
    </>
  );
}
