// F1 Sign in: server address, email, password. The address may be fixed by the machine policy.
import { useId, useState, type FormEvent } from 'react';
import { command, DesktopError } from '../../bridge/client';
import { Button, Icon } from '../../ui';
import { useSession } from './session-store';

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

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const url = serverUrl.trim().replace(/\/+$/, '');
      // "messenger.example.com" means https://; any address with a scheme goes as typed, for the core to judge.
      await command('signIn', { server_url: url.includes('://') ? url : `https://${url}`, email: email.trim(), password });
      // The 'session' event moves the app on to the first sync or the inbox.
    } catch (err) {
      setError(err instanceof DesktopError ? err : new DesktopError('internal', String(err)));
      setBusy(false);
    }
  };

  const invalid = (field: 'server' | 'credentials') =>
    error !== null && (field === 'server' ? ['unreachable', 'locked', 'insecure_server'].includes(error.code) : error.code === 'wrong_password');

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
