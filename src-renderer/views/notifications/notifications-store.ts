// The Notification Center: the chosen tab's items and the names of the contacts they are about.
import { create } from 'zustand';
import type { Notification } from '../../../src-shared/model';
import { DesktopError, onEvent, query } from '../../bridge/client';
import { isAffected } from '../../bridge/useQuery';
import { NOTIFICATIONS_MAX } from '../../../src-shared/desktop/api';

/** Items shown at first, and added by each "Show older". */
const PAGE = 200;

export type NotificationTab = 'new' | 'archived' | 'all';

interface NotificationsStore {
  tab: NotificationTab;
  items: Notification[] | null;
  /** How many the tab shows now: PAGE, then a PAGE more for each "Show older". */
  limit: number;
  /** The tab may hold older items than those shown. */
  hasOlder: boolean;
  error: DesktopError | null;
  /** Contact names by id; null when the contact is no longer visible. */
  contacts: Record<string, string | null>;
  active: boolean;
  setTab: (tab: NotificationTab) => void;
  /** The view is shown (true) or hidden (false): only a shown view re-queries on changes. */
  setActive: (active: boolean) => void;
  load: () => Promise<void>;
  showOlder: () => void;
  reset: () => void;
}

let seq = 0;
let subscribed = false;

export const useNotifications = create<NotificationsStore>((set, get) => ({
  tab: 'new',
  items: null,
  limit: PAGE,
  hasOlder: false,
  error: null,
  contacts: {},
  active: false,

  setTab(tab) {
    if (tab === get().tab) return;
    set({ tab, items: null, limit: PAGE, hasOlder: false, error: null });
    void get().load();
  },

  setActive(active) {
    if (!subscribed) {
      subscribed = true;
      let timer: number | undefined;
      onEvent('changed', (change) => {
        if (!get().active || !isAffected(change, ['notification', 'contact'])) return;
        window.clearTimeout(timer);
        timer = window.setTimeout(() => void get().load(), 100);
      });
    }
    set({ active });
    if (active) void get().load();
  },

  async load() {
    const mine = ++seq;
    try {
      const limit = get().limit;
      // One more than shown: whether there are older ones to offer.
      const { items: page } = await query('notifications', { tab: get().tab, limit: Math.min(NOTIFICATIONS_MAX, limit + 1) });
      if (mine !== seq) return;
      const items = page.slice(0, limit);
      set({ items, hasOlder: page.length > limit, error: null });
      const known = get().contacts;
      const unknown = [...new Set(items.map((n) => n.contact_id))].filter((id): id is string => id !== null && !(id in known));
      if (unknown.length === 0) return;
      const found = await Promise.all(
        unknown.map((id) =>
          query('contact', { id }).then(
            (d) => [id, d?.contact.name ?? null] as const,
            () => [id, null] as const,
          ),
        ),
      );
      set({ contacts: { ...get().contacts, ...Object.fromEntries(found) } });
    } catch (err) {
      if (mine === seq) set({ error: err instanceof DesktopError ? err : new DesktopError('internal', String(err)) });
    }
  },

  showOlder() {
    set({ limit: Math.min(NOTIFICATIONS_MAX, get().limit + PAGE) });
    void get().load();
  },

  reset() {
    seq++;
    set({ tab: 'new', items: null, limit: PAGE, hasOlder: false, error: null, contacts: {}, active: false });
  },
}));
