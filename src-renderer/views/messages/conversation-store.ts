// The open conversation: its thread (messages, comments, events in time order), the contact's
// details and conversation history, and the unsent drafts of every conversation.
import { create } from 'zustand';
import type { QueryOutput, ThreadEntry } from '../../../src-shared/desktop/api';
import { command, DesktopError, onEvent, query } from '../../bridge/client';
import { isAffected } from '../../bridge/useQuery';
import { placeMentions, type DraftMention } from './mention-draft';

export type ContactDetail = NonNullable<QueryOutput<'contact'>>;
export type ComposerMode = 'message' | 'comment';

/** Enough for almost every thread; "Show earlier" asks for more. */
// The newest part of a thread opens at once; earlier entries come with "Show earlier" (or when a link points there).
const FIRST_LIMIT = 150;

export interface Draft {
  text: string;
  mode: ComposerMode;
  /** Users picked in the @ picker, each with the place of its "@Name" in the text (mention-draft.ts). */
  mentions: DraftMention[];
}

interface ConversationStore {
  contactId: string | null;
  entries: ThreadEntry[] | null;
  detail: ContactDetail | null;
  /** The contact is not in the cache (removed, or never visible to this user). */
  missing: boolean;
  error: DesktopError | null;
  limit: number;
  drafts: Record<string, Draft>;
  /** Bumped when the user sends something: the thread jumps to the newest entry. */
  sentNonce: number;
  /** A conversation whose composer takes the focus when shown, the caret after its draft (a comment started elsewhere, like Nudge). */
  focusComposer: string | null;
  /** Starts a draft in a conversation (its composer focused when shown). */
  startDraft: (contactId: string, draft: Draft) => void;
  open: (contactId: string | null) => void;
  refresh: (what?: { thread?: boolean; detail?: boolean }) => Promise<void>;
  showEarlier: () => void;
  /** Keeps the draft here at once and in the cache a moment later (it survives a reload and a restart). */
  setDraft: (contactId: string, draft: Draft) => void;
  loadDrafts: () => Promise<void>;
  noteSent: () => void;
  reset: () => void;
}

let seq = 0;
let subscribed = false;
/** Typing is saved to the cache this long after the last key. */
const DRAFT_SAVE_MS = 250;
const saveTimers = new Map<string, number>();

export const useConversation = create<ConversationStore>((set, get) => ({
  contactId: null,
  entries: null,
  detail: null,
  missing: false,
  error: null,
  limit: FIRST_LIMIT,
  drafts: {},
  sentNonce: 0,
  focusComposer: null,

  startDraft(contactId, draft) {
    get().setDraft(contactId, draft);
    set({ focusComposer: contactId });
  },

  open(contactId) {
    if (!subscribed) {
      subscribed = true;
      let timer: number | undefined;
      let pending = { thread: false, detail: false };
      onEvent('changed', (change) => {
        const id = get().contactId;
        if (!id) return;
        const thread = isAffected(change, ['message', 'comment', 'event', 'outbox'], id);
        const detail = isAffected(change, ['contact', 'conversation', 'outbox'], id);
        if (!thread && !detail) return;
        pending = { thread: pending.thread || thread, detail: pending.detail || detail };
        window.clearTimeout(timer);
        timer = window.setTimeout(() => {
          const what = pending;
          pending = { thread: false, detail: false };
          void get().refresh(what);
        }, 60);
      });
    }
    if (contactId === get().contactId) return;
    seq++;
    set({ contactId, entries: null, detail: null, missing: false, error: null, limit: FIRST_LIMIT });
    if (contactId) void get().refresh();
  },

  async refresh(what = { thread: true, detail: true }) {
    const contactId = get().contactId;
    if (!contactId) return;
    const mine = ++seq;
    try {
      const [entries, detail] = await Promise.all([
        what.thread ? query('thread', { contact_id: contactId, limit: get().limit }) : Promise.resolve(get().entries),
        what.detail ? query('contact', { id: contactId }) : Promise.resolve(get().detail),
      ]);
      if (mine !== seq) return;
      set({ entries, detail, missing: detail === null, error: null });
    } catch (err) {
      if (mine !== seq) return;
      set({ error: err instanceof DesktopError ? err : new DesktopError('internal', String(err)) });
    }
  },

  showEarlier() {
    set({ limit: Math.min(5000, get().limit * 2) });
    void get().refresh({ thread: true });
  },

  setDraft(contactId, draft) {
    set({ drafts: { ...get().drafts, [contactId]: draft } });
    window.clearTimeout(saveTimers.get(contactId));
    saveTimers.set(
      contactId,
      window.setTimeout(() => {
        saveTimers.delete(contactId);
        command('saveDraft', { contact_id: contactId, ...draft }).catch(() => undefined);
      }, DRAFT_SAVE_MS),
    );
  },

  async loadDrafts() {
    try {
      const saved = await query('drafts', {});
      // A draft typed since the app opened wins over the saved one.
      const drafts: Record<string, Draft> = {};
      for (const d of saved) drafts[d.contact_id] = { text: d.text, mode: d.mode, mentions: placeMentions(d.text, d.mentions) };
      set({ drafts: { ...drafts, ...get().drafts } });
    } catch {
      // Drafts are a convenience: without them the composers start empty.
    }
  },

  noteSent() {
    set({ sentNonce: get().sentNonce + 1 });
  },

  reset() {
    seq++;
    for (const t of saveTimers.values()) window.clearTimeout(t);
    saveTimers.clear();
    set({ contactId: null, entries: null, detail: null, missing: false, error: null, limit: FIRST_LIMIT, drafts: {} });
  },
}));
