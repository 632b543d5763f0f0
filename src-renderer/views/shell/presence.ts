// Tells main what is on screen (no OS alert for the conversation the user is reading) and, in host
// mode, that the user is active (Electron reads the OS idle time instead).
import { useEffect } from 'react';
import { bridgeMode, command } from '../../bridge/client';
import { useNavigation } from './navigation-store';

const ACTIVITY_EVERY_MS = 10_000;

export function usePresenceReporting(): void {
  const contactId = useNavigation((s) => (s.module === 'messages' ? s.contactId : null));

  useEffect(() => {
    const send = () => {
      const focused = document.hasFocus() && document.visibilityState === 'visible';
      command('setFocus', { contact_id: contactId, window_focused: focused }).catch(() => undefined);
    };
    send();
    window.addEventListener('focus', send);
    window.addEventListener('blur', send);
    document.addEventListener('visibilitychange', send);
    return () => {
      window.removeEventListener('focus', send);
      window.removeEventListener('blur', send);
      document.removeEventListener('visibilitychange', send);
    };
  }, [contactId]);

  useEffect(() => {
    if (bridgeMode() !== 'host') return;
    let last = 0;
    const active = () => {
      const now = Date.now();
      if (now - last < ACTIVITY_EVERY_MS) return;
      last = now;
      command('reportActivity', { idle_seconds: 0 }).catch(() => undefined);
    };
    const kinds = ['keydown', 'pointerdown', 'pointermove', 'wheel', 'touchstart'] as const;
    for (const k of kinds) window.addEventListener(k, active, { passive: true, capture: true });
    active();
    return () => {
      for (const k of kinds) window.removeEventListener(k, active, { capture: true });
    };
  }, []);
}
