// Profile > Password (F17): change my own password; the current one is required. My other sessions
// (other computers) are signed out; this one stays.
import { useId, useState, type FormEvent } from 'react';
import { command, DesktopError } from '../../bridge';
import { Button, toast } from '../../ui';
import { Panel, useServerOnline } from '../dashboard/layout';
import { NewPasswordFields, newPasswordProblem } from '../session/NewPasswordFields';
import { useSession } from '../session/session-store';
import { SaveError } from '../settings/controls';

export function PasswordPanel() {
  const email = useSession((s) => s.me?.user.email ?? s.session?.user?.email ?? '');
  const online = useServerOnline();
  const [current, setCurrent] = useState('');
  const [password, setPassword] = useState('');
  const [confirm, setConfirm] = useState('');
  const [tried, setTried] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<DesktopError | null>(null);
  const currentId = useId();
  const problem = newPasswordProblem(password, confirm, email);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setTried(true);
    if (problem || !current) return;
    setBusy(true);
    setError(null);
    try {
      await command('changePassword', { current_password: current, new_password: password });
      setCurrent('');
      setPassword('');
      setConfirm('');
      setTried(false);
      toast.success('Password changed. You were signed out on your other computers.');
    } catch (err) {
      setError(err instanceof DesktopError ? err : new DesktopError('internal', String(err)));
    } finally {
      setBusy(false);
    }
  };

  return (
    <Panel title="Password">
      <form className="profile-password" onSubmit={submit} noValidate aria-label="Change your password">
        {error && <SaveError error={error} title="Your password was not changed" />}
        <div className="field">
          <label htmlFor={currentId} className="field__label">
            Current password
          </label>
          <input
            id={currentId}
            className="input"
            type="password"
            autoComplete="current-password"
            value={current}
            required
            aria-invalid={(tried && !current) || error?.code === 'forbidden' || undefined}
            onChange={(e) => setCurrent(e.target.value)}
          />
        </div>
        <NewPasswordFields password={password} confirm={confirm} onPassword={setPassword} onConfirm={setConfirm} showProblem={tried} problem={problem} />
        <Button
          type="submit"
          variant="primary"
          busy={busy}
          disabled={!online}
          title={!online ? 'Changing your password needs a connection to the server' : undefined}
        >
          Change password
        </Button>
      </form>
    </Panel>
  );
}
