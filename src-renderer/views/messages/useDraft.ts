// A conversation's draft as the composer edits it: the text the user sees, the mode, and which user
// each "@Name" in the text stands for (mention-draft.ts), kept in the cache as it changes.
import type { User } from '../../../src-shared/model';
import { useConversation, type ComposerMode, type Draft } from './conversation-store';
import { afterEdit, insertMention, toSentText } from './mention-draft';

const EMPTY_DRAFT: Draft = { text: '', mode: 'message', mentions: [] };

export interface DraftEditor extends Draft {
  /** What is sent: in a comment, each mention as {{@user.ID}}. */
  sentText: string;
  /** The user typed: the new text, and where the caret is now. */
  edit(text: string, caret: number): void;
  /** Replaces the "@query" at [start, caret) with the user's "@Name "; answers where the caret goes. */
  mention(user: Pick<User, 'id' | 'name'>, place: { start: number; caret: number }): number;
  setMode(mode: ComposerMode): void;
  /** Sent: the draft is emptied, keeping its mode. */
  clear(): void;
}

export function useDraft(contactId: string): DraftEditor {
  const draft = useConversation((s) => s.drafts[contactId] ?? EMPTY_DRAFT);
  const setDraft = useConversation((s) => s.setDraft);
  // Edits apply to the draft as it is now, not as it was at the last render (two keys in one frame).
  const current = () => useConversation.getState().drafts[contactId] ?? EMPTY_DRAFT;
  const save = (next: Partial<Draft>) => setDraft(contactId, { ...current(), ...next });
  return {
    ...draft,
    sentText: draft.mode === 'comment' ? toSentText(draft.text, draft.mentions) : draft.text,
    edit: (text, caret) => save({ text, mentions: afterEdit(current().text, text, current().mentions, caret) }),
    mention: (user, place) => {
      const next = insertMention(current().text, current().mentions, place, user);
      save({ text: next.text, mentions: next.mentions });
      return next.caret;
    },
    setMode: (mode) => save({ mode }),
    clear: () => save({ text: '', mentions: [] }),
  };
}
