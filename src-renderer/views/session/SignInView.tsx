// F1 Sign in: server address, email, password. The address may be fixed by the machine policy.
// A server that waits for its first Owner (F17) is noticed, and "Set up this workspace" offered.
import { useEffect, useState, type FormEvent } from 'react';
import { command, DesktopError, query } from '../../bridge/client';
import { Button, Icon } from '../../ui';
import { EmailField, SessionForm, TextField } from './SessionForm';
import { SetupView } from './SetupView';
import { useSession } from './session-store';

/**
 * The address as typed, made a URL: "messenger.example.com" means https://; any address with a
 * scheme goes as typed, for the core to judge (checkServerAddress, with the reason in words).
 */
const serverAddress = (typed: string) => {
  const url = typed.trim().replace(/\/+$/, '');
  return url.includes('://') ? url : `https://${url}`;
};

/** Whether the server at this address waits for setup (asked a moment after typing stops); false when unknown. */
function useSetupNeeded(typed: string): boolean {
  const [needed, setNeeded] = useState(false);
  useEffect(() => {
    setNeeded(false);
    if (!typed.trim()) return;
    let live = true;
    const t = setTimeout(() => {
      query('setupStatus', { server_url: serverAddress(typed) })
        .then((r) => live && setNeeded(r.needed))
        .catch(() => undefined);
    }, 400);
    return () => {
      live = false;
      clearTimeout(t);
    };
  }, [typed]);
  return needed;
}

const ERROR_TITLES: Record<string, string> = {
  wrong_password: 'Wrong email or password',
  unreachable: "Can't reach the server",
  locked: 'This server is not allowed',
  insecure_server: "This server address can't be used",
  rate_limited: 'Too many attempts',
  invalid_request: 'Check the details you entered',
  disconnected: 'The app lost its link to the desktop service',
};

export function SignInView() {
  const session = useSession((s) => s.session);
  const serverLocked = session?.locked.includes('server_url') ?? false;
  const [serverUrl, setServerUrl] = useState(session?.server_url ?? '');
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<DesktopError | null>(null);
  const setupNeeded = useSetupNeeded(serverUrl);
  const [settingUp, setSettingUp] = useState(false);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await command('signIn', { server_url: serverAddress(serverUrl), email: email.trim(), password });
      // The 'session' event moves the app on to the first sync or the inbox.
    } catch (err) {
      setError(err instanceof DesktopError ? err : new DesktopError('internal', String(err)));
      setBusy(false);
    }
  };

  const invalid = (field: 'server' | 'credentials') =>
    error !== null && (field === 'server' ? ['unreachable', 'locked', 'insecure_server'].includes(error.code) : error.code === 'wrong_password');

  if (settingUp) return <SetupView serverUrl={serverAddress(serverUrl)} onBack={() => setSettingUp(false)} />;

  return (
    <SessionForm
      title="Sign in to IS-Messenger"
      subtitle="Use the account your workspace gave you."
      problem={error && { title: ERROR_TITLES[error.code] ?? 'Sign-in failed', message: error.message }}
      onSubmit={submit}
      footer={<p className="signin__footer">Your conversations are kept on this computer so the app opens instantly, even offline.</p>}
    >
      <TextField
        label="Server address"
        type="url"
        inputMode="url"
        autoComplete="url"
        placeholder="https://messenger.example.com"
        value={serverUrl}
        readOnly={serverLocked}
        required
        invalid={invalid('server')}
        onValue={setServerUrl}
        hint={serverLocked ? 'Managed by your organization' : undefined}
        after={serverLocked ? <Icon name="lock" size={15} className="input-wrap__icon" /> : null}
      />

      {setupNeeded && (
        <div className="alert alert--info" role="status">
          <Icon name="users" size={18} />
          <div>
            <p className="alert__title">This server has no workspace yet</p>
            <p className="alert__body">Whoever started it has a setup code to create the workspace and its first Owner.</p>
            <Button size="sm" variant="primary" onClick={() => setSettingUp(true)}>
              Set up this workspace
            </Button>
          </div>
        </div>
      )}

      <EmailField value={email} invalid={invalid('credentials')} onValue={setEmail} autoFocus />
      <TextField
        label="Password"
        type="password"
        autoComplete="current-password"
        value={password}
        required
        invalid={invalid('credentials')}
        onValue={setPassword}
      />

      <Button type="submit" variant="primary" className="signin__submit" busy={busy} disabled={!serverUrl.trim() || !email.trim() || !password}>
        {busy ? 'Signing in…' : 'Sign in'}
      </Button>
    </SessionForm>
  );
}
