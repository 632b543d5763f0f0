// F2 The first sync: everything the user may see is copied into the local cache once.
import { Button, Icon } from '../../ui';
import { useSession } from './session-store';

export function BootstrapView() {
  const session = useSession((s) => s.session);
  const signOut = useSession((s) => s.signOut);
  const pct = Math.round((session?.progress ?? 0) * 100);
  const offline = session?.connection === 'offline';
  return (
    <main className="bootstrap">
      <div className="bootstrap__card">
        <div className="bootstrap__icon" aria-hidden="true">
          <Icon name="logo" size={28} />
        </div>
        <h1 className="bootstrap__title">Setting up your workspace</h1>
        <p className="bootstrap__text">
          {offline
            ? "You're offline — the first sync continues when the connection returns."
            : 'Copying your conversations to this computer. This happens once; afterwards the app opens instantly.'}
        </p>
        <div className="progress" role="progressbar" aria-label="First sync" aria-valuemin={0} aria-valuemax={100} aria-valuenow={pct}>
          <div className="progress__bar" style={{ width: `${Math.max(2, pct)}%` }} />
        </div>
        <p className="bootstrap__pct" aria-hidden="true">
          {pct}%
        </p>
        {session?.user && (
          <p className="bootstrap__who">
            Signed in as {session.user.name} ·{' '}
            <Button variant="ghost" size="sm" onClick={() => void signOut()}>
              Sign out
            </Button>
          </p>
        )}
      </div>
    </main>
  );
}
