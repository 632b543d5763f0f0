// F1 Sign in: server address, email, password. The address may be fixed by the machine policy.
// A server that waits for its first Owner (F17) is noticed, and "Set up this workspace" offered.
import { useEffect, useId, useState, type FormEvent } from 'react';
import { command, DesktopError, query } from '../../bridge/client';
import { Button, Icon } from '../../ui';
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
  const ids = { server: useId(), email: useId(), password: useId(), hint: useId(), error: useId() };
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
    <main className="signin">
      <div className="signin__brand" aria-hidden="true">
        <Icon name="logo" size={30} />
      </div>
      <form className="signin__card" onSubmit={submit} aria-labelledby="signin-title" noValidate>
        <h1 id="signin-title" className="signin__title">
          Sign in to IS-Messenger
        </h1>
        <p className="signin__subtitle">Use the account your workspace gave you.</p>

        {error && (
          <div className="alert alert--danger" role="alert" id={ids.error}>
            <Icon name="alert" size={18} />
            <div>
              <p className="alert__title">{ERROR_TITLES[error.code] ?? 'Sign-in failed'}</p>
              {error.message.replace(/\.$/, '') !== ERROR_TITLES[error.code] && <p className="alert__body">{error.message}</p>}
            </div>
          </div>
        )}

        <div className="field">
          <label htmlFor={ids.server} className="field__label">
            Server address
          </label>
          <div className={`input-wrap${serverLocked ? ' input-wrap--locked' : ''}`}>
            <input
              id={ids.server}
              className="input"
              type="url"
              inputMode="url"
              autoComplete="url"
              placeholder="https://messenger.example.com"
              value={serverUrl}
              readOnly={serverLocked}
              required
              aria-invalid={invalid('server') || undefined}
              aria-describedby={serverLocked ? ids.hint : undefined}
              onChange={(e) => setServerUrl(e.target.value)}
            />
            {serverLocked && <Icon name="lock" size={15} className="input-wrap__icon" />}
          </div>
          {serverLocked && (
            <p id={ids.hint} className="field__hint">
              Managed by your organization
            </p>
          )}
        </div>

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

        <div className="field">
          <label htmlFor={ids.email} className="field__label">
            Email
          </label>
          <input
            id={ids.email}
            className="input"
            type="email"
            autoComplete="username"
            placeholder="you@company.com"
            value={email}
            required
            aria-invalid={invalid('credentials') || undefined}
            onChange={(e) => setEmail(e.target.value)}
            autoFocus
          />
        </div>

        <div className="field">
          <label htmlFor={ids.password} className="field__label">
            Password
          </label>
          <input
            id={ids.password}
            className="input"
            type="password"
            autoComplete="current-password"
            value={password}
            required
            aria-invalid={invalid('credentials') || undefined}
            onChange={(e) => setPassword(e.target.value)}
          />
        </div>

        <Button type="submit" variant="primary" className="signin__submit" busy={busy} disabled={!serverUrl.trim() || !email.trim() || !password}>
          {busy ? 'Signing in…' : 'Sign in'}
        </Button>
      </form>
      <p className="signin__footer">Your conversations are kept on this computer so the app opens instantly, even offline.</p>
    </main>
  );
}
