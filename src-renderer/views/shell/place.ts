// Where the user was (module, inbox and tab, open conversation) is kept in the cache through main,
// so a reload or a restart opens where they left. Saved a moment after it changes.
import { isSupervisor } from '../../../src-shared/access/visibility';
import type { Place } from '../../../src-shared/desktop/api';
import type { User } from '../../../src-shared/model';
import { command, query } from '../../bridge/client';
import { useConversation } from '../messages/conversation-store';
import { useInbox } from '../messages/inbox-store';
import { SUPERVISOR_MODULES, useNavigation } from './navigation-store';

const SAVE_AFTER_MS = 300;
let unsubscribe: (() => void) | null = null;

/** Opens the saved place (or the user's start: Dashboard for a supervisor, Messages for an agent), then keeps it saved. */
export async function restorePlace(user: User): Promise<void> {
  unsubscribe?.();
  unsubscribe = null;
  const supervisor = isSupervisor(user);
  void useConversation.getState().loadDrafts();
  const saved = await query('place', {}).catch(() => null);
  const nav = useNavigation.getState();
  // Something opened meanwhile (a notification click, a link) wins over the saved place.
  if (!nav.contactId) {
    if (saved && (supervisor || !SUPERVISOR_MODULES.includes(saved.module))) {
      useInbox.setState({ inbox: saved.inbox, status: saved.status });
      useNavigation.setState({ module: saved.module, contactId: saved.contact_id, target: null });
    } else {
      nav.reset(supervisor ? 'dashboard' : 'messages');
    }
  }
  let timer: number | undefined;
  let last = '';
  let pending = '';
  // Called on every change of either store (lists loading, counts): only a change of the place itself
  // (re)starts the wait, so a busy inbox cannot keep the place from ever being saved.
  const save = () => {
    const { module, contactId } = useNavigation.getState();
    const { inbox, status } = useInbox.getState();
    const place: Place = { module, inbox, status, contact_id: contactId };
    const key = JSON.stringify(place);
    if (key === pending || (key === last && !pending)) return;
    window.clearTimeout(timer);
    pending = key;
    timer = window.setTimeout(() => {
      pending = '';
      if (key === last) return;
      last = key;
      command('savePlace', place).catch(() => undefined);
    }, SAVE_AFTER_MS);
  };
  const offNav = useNavigation.subscribe(save);
  const offInbox = useInbox.subscribe(save);
  unsubscribe = () => {
    window.clearTimeout(timer);
    offNav();
    offInbox();
  };
}
