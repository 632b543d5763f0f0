// F17 Set up this workspace: an empty server's first Owner, with the setup code the server printed
// at its start. Then signed in as that Owner.
import { useState, type FormEvent } from 'react';
import { command, DesktopError } from '../../bridge/client';
import { Button } from '../../ui';
import { EmailField, SessionForm, TextField } from './SessionForm';
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
    <SessionForm
      title="Set up this workspace"
      subtitle={
        <>
          You become its first Owner. The server at <strong>{serverUrl}</strong> printed the setup code when it started.
        </>
      }
      problem={error && { title: ERROR_TITLES[error.code] ?? 'Setup failed', message: error.message }}
      onSubmit={submit}
    >
      <TextField
        label="Setup code"
        autoComplete="off"
        spellCheck={false}
        placeholder="xxxx-xxxx-xxxx-xxxx"
        value={code}
        required
        hint={'The line "setup code: …" in the server\'s output. It works once, for 24 hours.'}
        invalid={error?.code === 'forbidden' || (tried && !code.trim())}
        onValue={setCode}
        autoFocus
      />
      <TextField
        label="Workspace name"
        placeholder="Your company"
        maxLength={120}
        value={workspace}
        required
        invalid={tried && !workspace.trim()}
        onValue={setWorkspace}
      />
      <TextField label="Your name" autoComplete="name" maxLength={120} value={name} required invalid={tried && !name.trim()} onValue={setName} />
      <EmailField value={email} invalid={tried && !email.trim()} onValue={setEmail} />
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
    </SessionForm>
  );
}
