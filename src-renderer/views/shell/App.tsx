// The top of the renderer: which screen the session calls for (sign-in, first sync, the app).
import { useEffect, useState } from 'react';
import { startBridge } from '../../bridge/client';
import { EmptyState, LoadingState } from '../../ui';
import { useDirectory } from '../../workspace/directory-store';
import { useConversation } from '../messages/conversation-store';
import { useInbox } from '../messages/inbox-store';
import { useNotifications } from '../notifications/notifications-store';
import { BootstrapView } from '../session/BootstrapView';
import { ChoosePasswordView } from '../session/ChoosePasswordView';
import { SignInView } from '../session/SignInView';
import { CacheNotice, SignOutDialog } from '../session/UnsentWrites';
import { useSession } from '../session/session-store';
import { AppShell } from './AppShell';
import { useNavigation } from './navigation-store';

function startOnce(): string | null {
  try {
    startBridge();
    useSession.getState().start();
    return null;
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
}

export function App() {
  const [bridgeError] = useState(startOnce);
  const state = useSession((s) => s.session?.state ?? null);
  const startError = useSession((s) => s.startError);

  // Signing out forgets everything the previous user saw.
  useEffect(() => {
    if (state !== 'signed_out') return;
    useInbox.getState().reset();
    useConversation.getState().reset();
    useNotifications.getState().reset();
    useDirectory.getState().reset();
    useNavigation.getState().reset('messages');
  }, [state]);

  if (bridgeError) {
    return (
      <main className="screen-center">
        <EmptyState icon="lock" title="This page is not connected to IS-Messenger" tone="danger">
          {bridgeError}
        </EmptyState>
      </main>
    );
  }
  if (state === null) {
    return (
      <main className="screen-center">
        {startError ? (
          <EmptyState icon="wifiOff" title="Can't reach the desktop service" tone="offline">
            {startError} Retrying…
          </EmptyState>
        ) : (
          <LoadingState label="Starting IS-Messenger…" />
        )}
      </main>
    );
  }
  const screen =
    state === 'signed_out' ? (
      <SignInView />
    ) : state === 'password_change' ? (
      <ChoosePasswordView />
    ) : state === 'bootstrapping' ? (
      <BootstrapView />
    ) : (
      <AppShell />
    );
  return (
    <>
      {state !== 'ready' && <CacheNotice />}
      {screen}
      <SignOutQuestion />
    </>
  );
}

function SignOutQuestion() {
  const ask = useSession((s) => s.signOutAsk);
  return ask ? <SignOutDialog ask={ask} onClose={() => useSession.setState({ signOutAsk: null })} /> : null;
}
