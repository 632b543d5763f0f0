// F17 Set up this workspace: an empty server's first Owner, with the setup code the server printed
// at its start. Then signed in as that Owner.
import { useId, useState, type FormEvent } from 'react';
import { command, DesktopError } from '../../bridge/client';
import { Button, Icon } from '../../ui';
import { NewPasswordFields, newPasswordProblem } from './NewPasswordFields';

const ERROR_TITLES: Record<string, string> = {
  forbidden: 'The setup code was not accepted',
  conflict: 'This workspace is already set up',
  unreachable: "Can't reach the server",
  rate_limited: 'Too many attempts',
  invalid_request: 'Check the details you entered',
  locked: 'This server is not allowed',
  insecure_server: "This server address can't be used",
};

export function SetupView({ serverUrl, onBack }: { serverUrl: string; onBack: () => void }) {
  const [code, setCode] = useState('');
  const [workspace, setWorkspace] = useState('');
  const [name, setName] = useState('');
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [confirm, setConfirm] = useState('');
  const [tried, setTried] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<DesktopError | null>(null);
  const ids = { code: useId(), codeHint: useId(), workspace: useId(), name: useId(), email: useId() };
  const problem = newPasswordProblem(password, confirm, email);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setTried(true);
    if (problem || !code.trim() || !workspace.trim() || !name.trim() || !email.trim()) return;
    setBusy(true);
    setError(null);
    try {
      await command('setUpWorkspace', {
        server_url: serverUrl,
        code: code.trim(),
        workspace_name: workspace.trim(),
        name: name.trim(),
        email: email.trim(),
        password,
      });
      // The 'session' event moves the app on.
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
      <form className="signin__card" onSubmit={submit} aria-labelledby="setup-title" noValidate>
        <h1 id="setup-title" className="signin__title">
          Set up this workspace
        </h1>
        <p className="signin__subtitle">
          You become its first Owner. The server at <strong>{serverUrl}</strong> printed the setup code when it started.
        </p>

        {error && (
          <div className="alert alert--danger" role="alert">
            <Icon name="alert" size={18} />
            <div>
              <p className="alert__title">{ERROR_TITLES[error.code] ?? 'Setup failed'}</p>
              <p className="alert__body">{error.message}</p>
            </div>
          </div>
        )}

        <div className="field">
          <label htmlFor={ids.code} className="field__label">
            Setup code
          </label>
          <input
            id={ids.code}
            className="input"
            autoComplete="off"
            spellCheck={false}
            placeholder="xxxx-xxxx-xxxx-xxxx"
            value={code}
            required
            aria-describedby={ids.codeHint}
            aria-invalid={error?.code === 'forbidden' || (tried && !code.trim()) || undefined}
            onChange={(e) => setCode(e.target.value)}
            autoFocus
          />
          <p id={ids.codeHint} className="field__hint">
            The line "setup code: …" in the server's output. It works once, for 24 hours.
          </p>
        </div>
        <div className="field">
          <label htmlFor={ids.workspace} className="field__label">
            Workspace name
          </label>
          <input
            id={ids.workspace}
            className="input"
            placeholder="Your company"
            maxLength={120}
            value={workspace}
            required
            aria-invalid={(tried && !workspace.trim()) || undefined}
            onChange={(e) => setWorkspace(e.target.value)}
          />
        </div>
        <div className="field">
          <label htmlFor={ids.name} className="field__label">
            Your name
          </label>
          <input
            id={ids.name}
            className="input"
            autoComplete="name"
            maxLength={120}
            value={name}
            required
            aria-invalid={(tried && !name.trim()) || undefined}
            onChange={(e) => setName(e.target.value)}
          />
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
            aria-invalid={(tried && !email.trim()) || undefined}
            onChange={(e) => setEmail(e.target.value)}
          />
        </div>
        <NewPasswordFields
          label="Password"
          password={password}
          confirm={confirm}
          onPassword={setPassword}
          onConfirm={setConfirm}
          showProblem={tried}
          problem={problem}
        />

        <Button type="submit" variant="primary" className="signin__submit" busy={busy}>
          {busy ? 'Setting up…' : 'Set up and sign in'}
        </Button>
        <Button variant="ghost" onClick={onBack} disabled={busy}>
          Back to sign in
        </Button>
      </form>
    </main>
  );
}
