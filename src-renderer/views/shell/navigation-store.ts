// Which module is on screen, which conversation is open, and what in it to scroll to.
import { create } from 'zustand';

export type Module = 'dashboard' | 'messages' | 'notifications' | 'settings' | 'reports' | 'profile';
export const SUPERVISOR_MODULES: readonly Module[] = ['dashboard', 'reports', 'settings'];

/** A comment or message to scroll to and highlight once the thread shows it. */
interface ScrollTarget {
  kind: 'comment' | 'message';
  id: string;
  /** Changes on every request, so asking twice for the same item scrolls again. */
  nonce: number;
}

interface NavigationStore {
  module: Module;
  contactId: string | null;
  target: ScrollTarget | null;
  go: (module: Module) => void;
  /** Opens a conversation in the Messages module, optionally at a comment or message. */
  openConversation: (contactId: string, at?: { commentId?: string | null; messageId?: string | null }) => void;
  closeConversation: () => void;
  clearTarget: () => void;
  reset: (module: Module) => void;
}

let nonce = 0;

export const useNavigation = create<NavigationStore>((set) => ({
  module: 'messages',
  contactId: null,
  target: null,
  go: (module) => set({ module }),
  openConversation: (contactId, at) => {
    const target: ScrollTarget | null = at?.commentId
      ? { kind: 'comment', id: at.commentId, nonce: ++nonce }
      : at?.messageId
        ? { kind: 'message', id: at.messageId, nonce: ++nonce }
        : null;
    set({ module: 'messages', contactId, target });
  },
  closeConversation: () => set({ contactId: null, target: null }),
  clearTarget: () => set({ target: null }),
  reset: (module) => set({ module, contactId: null, target: null }),
}));
