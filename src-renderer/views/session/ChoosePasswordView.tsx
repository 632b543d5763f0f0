// F17 First sign-in with a one-time password (a new user, or after a reset): the user chooses their
// own before the app opens. Nothing of the workspace is on this computer until then.
import { useState, type FormEvent } from 'react';
import { command, DesktopError } from '../../bridge/client';
import { Button } from '../../ui';
import { SessionForm } from './SessionForm';
import { NewPasswordFields, newPasswordProblem } from './NewPasswordFields';
import { useSession } from './session-store';

export function ChoosePasswordView() {
  const user = useSession((s) => s.session?.user ?? null);
  const [password, setPassword] = useState('');
  const [confirm, setConfirm] = useState('');
  const [tried, setTried] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<DesktopError | null>(null);
  const problem = newPasswordProblem(password, confirm, user?.email ?? '');

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setTried(true);
    if (problem) return;
    setBusy(true);
    setError(null);
    try {
      await command('changePassword', { new_password: password });
    } catch (err) {
      setError(err instanceof DesktopError ? err : new DesktopError('internal', String(err)));
      setBusy(false);
    }
  };

  return (
    <SessionForm
      title="Choose your password"
      subtitle={`${user ? `Welcome, ${user.name}. ` : ''}The password you were given works only once: choose your own to continue.`}
      problem={error && { title: 'Your password was not saved', message: error.message }}
      onSubmit={submit}
    >
      <NewPasswordFields password={password} confirm={confirm} onPassword={setPassword} onConfirm={setConfirm} showProblem={tried} problem={problem} />
      <Button type="submit" variant="primary" className="signin__submit" busy={busy}>
        {busy ? 'Saving…' : 'Save and continue'}
      </Button>
      <Button variant="ghost" disabled={busy} onClick={() => void command('signOut', {}).catch(() => undefined)}>
        Sign out
      </Button>
    </SessionForm>
  );
}
