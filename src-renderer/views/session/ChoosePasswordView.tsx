// F17 First sign-in with a one-time password (a new user, or after a reset): the user chooses their
// own before the app opens. Nothing of the workspace is on this computer until then.
import { useState, type FormEvent } from 'react';
import { command, DesktopError } from '../../bridge/client';
import { Button, Icon } from '../../ui';
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
    <main className="signin">
      <div className="signin__brand" aria-hidden="true">
        <Icon name="logo" size={30} />
      </div>
      <form className="signin__card" onSubmit={submit} aria-labelledby="choose-title" noValidate>
        <h1 id="choose-title" className="signin__title">
          Choose your password
        </h1>
        <p className="signin__subtitle">{user ? `Welcome, ${user.name}. ` : ''}The password you were given works only once: choose your own to continue.</p>
        {error && (
          <div className="alert alert--danger" role="alert">
            <Icon name="alert" size={18} />
            <div>
              <p className="alert__title">Your password was not saved</p>
              <p className="alert__body">{error.message}</p>
            </div>
          </div>
        )}
        <NewPasswordFields password={password} confirm={confirm} onPassword={setPassword} onConfirm={setConfirm} showProblem={tried} problem={problem} />
        <Button type="submit" variant="primary" className="signin__submit" busy={busy}>
          {busy ? 'Saving…' : 'Save and continue'}
        </Button>
        <Button variant="ghost" disabled={busy} onClick={() => void command('signOut', {}).catch(() => undefined)}>
          Sign out
        </Button>
      </form>
    </main>
  );
}
