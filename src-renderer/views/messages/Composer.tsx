// The composer: a Message to the contact, or an internal Comment for the team. In a comment, "@"
// offers the workspace's users (MentionPicker); the draft (useDraft) knows whom each "@Name" stands for.
import { useEffect, useId, useLayoutEffect, useMemo, useRef, useState, type KeyboardEvent } from 'react';
import { canSeeContact, knownViewer } from '../../../src-shared/access/visibility';
import { COMMENT_MAX_CHARS, MESSAGE_MAX_CHARS, type Contact, type User } from '../../../src-shared/model';
import { command, DesktopError } from '../../bridge/client';
import { Button, formatCount, Icon, toast } from '../../ui';
import { teamMembersOf, useDirectory } from '../../workspace/directory-store';
import { useConversation, type ComposerMode } from './conversation-store';
import { MentionPicker, useMentionPicker } from './MentionPicker';
import { useDraft } from './useDraft';

export function Composer({ contact }: { contact: Contact }) {
  const draft = useDraft(contact.id);
  const users = useDirectory((s) => s.users);
  const [busy, setBusy] = useState(false);
  const textRef = useRef<HTMLTextAreaElement>(null);
  /** Where the caret goes once React has written a programmatic change (a chosen mention). */
  const caretAfterRender = useRef<number | null>(null);
  const ids = { tabs: useId(), text: useId(), picker: useId(), counter: useId(), warn: useId() };

  const { text, mode, mentions, sentText } = draft;
  const isComment = mode === 'comment';
  // A picker open in one conversation closes when another is shown.
  const picker = useMentionPicker(users, isComment, contact.id);

  const canSee = useMemo(() => {
    const members = teamMembersOf(users);
    // Whose restrictions this user is not shown (an Agent is not shown other users'), no warning.
    return (u: User) => {
      const viewer = knownViewer(u);
      return viewer === null || canSeeContact(viewer, contact, members);
    };
  }, [users, contact]);

  const max = isComment ? COMMENT_MAX_CHARS : MESSAGE_MAX_CHARS;
  const over = sentText.length > max;
  const empty = sentText.trim().length === 0;
  const mentioned = [...new Map(mentions.map((m) => [m.id, m])).values()];
  const blind = isComment
    ? mentioned.filter((m) => {
        const u = users.find((x) => x.id === m.id);
        return u && !canSee(u);
      })
    : [];

  useLayoutEffect(() => {
    const pos = caretAfterRender.current;
    if (pos === null || !textRef.current) return;
    caretAfterRender.current = null;
    textRef.current.focus();
    textRef.current.setSelectionRange(pos, pos);
  }, [text]);

  const focusRequest = useConversation((s) => s.focusComposer);
  useEffect(() => {
    const box = textRef.current;
    if (focusRequest !== contact.id || !box) return;
    useConversation.setState({ focusComposer: null });
    box.focus();
    box.setSelectionRange(box.value.length, box.value.length);
  }, [focusRequest, contact.id]);

  const choose = (u: User) => {
    if (!picker.query) return;
    caretAfterRender.current = draft.mention(u, { start: picker.query.start, caret: textRef.current?.selectionStart ?? text.length });
    picker.close();
  };

  const send = async () => {
    if (empty || over || busy) return;
    setBusy(true);
    try {
      await command(isComment ? 'addComment' : 'sendMessage', { contact_id: contact.id, text: sentText });
      draft.clear();
      useConversation.getState().noteSent();
    } catch (err) {
      toast.error(`Couldn't ${isComment ? 'add the comment' : 'send the message'}: ${(err as DesktopError).message}`);
    } finally {
      setBusy(false);
      textRef.current?.focus();
    }
  };

  const onKeyDown = (e: KeyboardEvent<HTMLTextAreaElement>) => {
    if (picker.onKey(e, choose)) return;
    if (e.key === 'Enter' && !e.shiftKey && !e.nativeEvent.isComposing) {
      e.preventDefault();
      void send();
    }
  };

  const setMode = (m: ComposerMode) => {
    draft.setMode(m);
    requestAnimationFrame(() => textRef.current?.focus());
  };

  const activeUser = picker.query ? picker.candidates[picker.active] : undefined;

  return (
    <div className={`composer${isComment ? ' composer--comment' : ''}`}>
      <div className="composer__tabs" role="tablist" aria-label="Write a">
        {(['message', 'comment'] as const).map((m) => (
          <button
            key={m}
            type="button"
            role="tab"
            id={`${ids.tabs}-${m}`}
            aria-selected={mode === m}
            aria-controls={`${ids.tabs}-panel`}
            tabIndex={mode === m ? 0 : -1}
            className="composer__tab"
            onClick={() => setMode(m)}
            onKeyDown={(e) => {
              if (e.key === 'ArrowRight' || e.key === 'ArrowLeft') {
                e.preventDefault();
                const other = m === 'message' ? 'comment' : 'message';
                setMode(other);
                document.getElementById(`${ids.tabs}-${other}`)?.focus();
              }
            }}
          >
            <Icon name={m === 'message' ? 'message' : 'note'} size={15} />
            {m === 'message' ? 'Message' : 'Comment'}
          </button>
        ))}
        {isComment && (
          <span className="composer__hint">
            <Icon name="lock" size={12} /> Only your team sees comments
          </span>
        )}
      </div>
      <div className="composer__panel" role="tabpanel" id={`${ids.tabs}-panel`} aria-labelledby={`${ids.tabs}-${mode}`}>
        <MentionPicker id={ids.picker} picker={picker} users={users} canSee={canSee} onChoose={choose} />
        {blind.length > 0 && (
          <p className="composer__warning" id={ids.warn} role="status">
            <Icon name="warning" size={15} />
            {blind.map((m) => m.name).join(', ')} cannot see this contact
          </p>
        )}
        <label htmlFor={ids.text} className="visually-hidden">
          {isComment ? 'Comment for your team' : `Message to ${contact.name}`}
        </label>
        <textarea
          ref={textRef}
          id={ids.text}
          className="composer__input"
          rows={3}
          value={text}
          placeholder={isComment ? 'Write a comment for your team — type @ to mention someone' : `Message ${contact.name}…`}
          aria-describedby={[isComment ? ids.counter : '', blind.length ? ids.warn : ''].filter(Boolean).join(' ') || undefined}
          aria-invalid={over || undefined}
          aria-activedescendant={activeUser ? `${ids.picker}-${activeUser.id}` : undefined}
          aria-controls={picker.query ? ids.picker : undefined}
          onChange={(e) => {
            draft.edit(e.target.value, e.target.selectionStart);
            picker.follow(e.target.value, e.target.selectionStart);
          }}
          onSelect={(e) => picker.follow(e.currentTarget.value, e.currentTarget.selectionStart)}
          onBlur={picker.close}
          onKeyDown={onKeyDown}
        />
        <div className="composer__footer">
          <span className="composer__keys" aria-hidden="true">
            <kbd>Enter</kbd> send · <kbd>Shift</kbd>+<kbd>Enter</kbd> new line
            {isComment && (
              <>
                {' '}
                · <kbd>@</kbd> mention
              </>
            )}
          </span>
          {(isComment || sentText.length > max * 0.8) && (
            <span id={ids.counter} className={`composer__counter${over ? ' composer__counter--over' : ''}`} aria-live="polite">
              {formatCount(sentText.length)} / {formatCount(max)}
              <span className="visually-hidden"> characters</span>
            </span>
          )}
          <Button variant="primary" icon="send" busy={busy} disabled={empty || over} onClick={() => void send()}>
            {isComment ? 'Add comment' : 'Send'}
          </Button>
        </div>
      </div>
    </div>
  );
}
