// The signed-in app: the rail, the connection banner, and the module on screen.
import { useEffect, useRef } from 'react';
import { isSupervisor } from '../../../src-shared/access/visibility';
import { useDesktopEvent } from '../../bridge/useEvent';
import { ErrorBoundary } from '../../ui';
import { Toaster } from '../../ui/Toaster';
import { useDirectory } from '../../workspace/directory-store';
import { DashboardView } from '../dashboard/DashboardView';
import { MessagesView } from '../messages/MessagesView';
import { NotificationCenter } from '../notifications/NotificationCenter';
import { ProfileView } from '../profile/ProfileView';
import { ReportsView } from '../reports/ReportsView';
import { useSession } from '../session/session-store';
import { UsersView } from '../settings/UsersView';
import { ConnectionBanner } from './ConnectionBanner';
import { CacheNotice, UndeliverableWrites } from '../session/UnsentWrites';
import { NavRail } from './NavRail';
import { SUPERVISOR_MODULES, useNavigation, type Module } from './navigation-store';
import { restorePlace } from './place';
import { usePresenceReporting } from './presence';

const TITLES: Record<Module, string> = {
  dashboard: 'Dashboard',
  messages: 'Messages',
  notifications: 'Notifications',
  settings: 'Settings',
  reports: 'Reports',
  profile: 'Profile',
};

export function AppShell() {
  const user = useSession((s) => s.me?.user ?? s.session?.user ?? null);
  const module = useNavigation((s) => s.module);
  const supervisor = user ? isSupervisor(user) : false;
  const startedFor = useRef<string | null>(null);

  useEffect(() => {
    void useDirectory.getState().load();
  }, []);

  // Where the user was (after a reload or restart); else a supervisor starts on the Dashboard, an
  // agent in Messages (unless something was opened already).
  useEffect(() => {
    if (!user || startedFor.current === user.id) return;
    startedFor.current = user.id;
    void restorePlace(user);
  }, [user]);

  useDesktopEvent('open', (p) => useNavigation.getState().openConversation(p.contact_id, { commentId: p.comment_id, messageId: p.message_id }));
  usePresenceReporting();
  useGlobalShortcuts();

  const shown: Module = !supervisor && SUPERVISOR_MODULES.includes(module) ? 'messages' : module;

  useEffect(() => {
    document.title = `${TITLES[shown]} · IS-Messenger`;
  }, [shown]);

  return (
    <div className="app">
      <NavRail supervisor={supervisor} />
      <div className="app__main">
        <ConnectionBanner />
        <CacheNotice />
        <UndeliverableWrites />
        <main className="app__content" aria-label={TITLES[shown]}>
          <ErrorBoundary key={shown} what={`the ${TITLES[shown]} view`}>
            {shown === 'messages' && <MessagesView />}
            {shown === 'notifications' && <NotificationCenter />}
            {shown === 'dashboard' && <DashboardView />}
            {shown === 'reports' && <ReportsView />}
            {shown === 'settings' && <UsersView />}
            {shown === 'profile' && <ProfileView />}
          </ErrorBoundary>
        </main>
      </div>
      <Toaster />
    </div>
  );
}

/** Ctrl/Cmd+K: search conversations, from anywhere. */
function useGlobalShortcuts(): void {
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if ((e.ctrlKey || e.metaKey) && !e.altKey && !e.shiftKey && e.key.toLowerCase() === 'k') {
        e.preventDefault();
        if (document.querySelector('dialog[open]')) return;
        useNavigation.getState().go('messages');
        requestAnimationFrame(() => {
          const input = document.getElementById('conversation-search') as HTMLInputElement | null;
          input?.focus();
          input?.select();
        });
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);
}
