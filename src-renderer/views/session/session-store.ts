// The session: signed out / first sync / ready, the connection to the server, who I am and the
// workspace settings, the unread count for the bell, and the link to the desktop service.
import { create } from 'zustand';
import type { QueryOutput, Session } from '../../../src-shared/desktop/api';
import { command, DesktopError, linkState, onEvent, onLinkState, query, type LinkState } from '../../bridge/client';
import { isAffected } from '../../bridge/useQuery';

type Me = NonNullable<QueryOutput<'me'>>;

interface SessionStore {
  /** Null until main has answered once. */
  session: Session | null;
  me: Me | null;
  unread: number;
  link: LinkState;
  /** The first session query failed (no link to main). */
  startError: string | null;
  start: () => void;
  refreshMe: () => Promise<void>;
  signOut: () => Promise<void>;
  /**
   * A sign-out (here, or everywhere) found writes not yet delivered: what they are, while the user
   * chooses (UnsentWrites.tsx).
   */
  signOutAsk: SignOutAsk | null;
}

export interface SignOutAsk {
  reason: string;
  everywhere: boolean;
}

let started = false;

export const useSession = create<SessionStore>((set, get) => ({
  session: null,
  me: null,
  unread: 0,
  link: 'connecting',
  startError: null,
  signOutAsk: null,

  start() {
    if (started) return;
    started = true;
    set({ link: linkState() });
    onLinkState((link) => {
      set({ link });
      if (link === 'connected') void loadSession();
    });
    onEvent('session', (session) => applySession(session));
    onEvent('unread', ({ count }) => set({ unread: count }));
    onEvent('changed', (change) => {
      if (get().session?.state === 'ready' && isAffected(change, ['user', 'settings', 'team'])) void get().refreshMe();
      if (isAffected(change, ['notification'])) void loadUnread();
    });
    void loadSession();
  },

  async refreshMe() {
    try {
      const me = await query('me', {});
      set({ me });
    } catch (err) {
      if (!(err instanceof DesktopError)) throw err;
    }
  },

  async signOut() {
    try {
      await command('signOut', {});
    } catch (err) {
      if (err instanceof DesktopError && err.code === 'unsent_writes') return set({ signOutAsk: { reason: err.message, everywhere: false } });
      throw err;
    }
  },
}));

/** A queued write's toast: what happened, or offline, what will happen when the connection returns. */
export function doneOrQueued(done: string, queued: string): string {
  return useSession.getState().session?.connection === 'online' ? done : `${queued} when back online`;
}

function applySession(session: Session): void {
  const prev = useSession.getState().session;
  useSession.setState({ session, startError: null });
  if (session.state === 'signed_out') {
    useSession.setState({ me: null, unread: 0 });
    return;
  }
  if (session.state === 'ready' && (prev?.state !== 'ready' || prev.user?.id !== session.user?.id || !useSession.getState().me)) {
    void useSession.getState().refreshMe();
    void loadUnread();
  }
}

async function loadSession(): Promise<void> {
  try {
    applySession(await query('session', {}));
  } catch (err) {
    if (!useSession.getState().session) useSession.setState({ startError: err instanceof Error ? err.message : String(err) });
  }
}

async function loadUnread(): Promise<void> {
  if (useSession.getState().session?.state !== 'ready') return;
  try {
    const { unread } = await query('notifications', { tab: 'new', limit: 1 });
    useSession.setState({ unread });
  } catch {
    // The 'unread' event keeps the count current; a failed read changes nothing.
  }
}
