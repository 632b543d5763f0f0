// The composer: a Message to the contact, or an internal Comment for the team. In a comment, "@"
// offers the workspace's users (warning about anyone who cannot see this contact).
import { useEffect, useId, useLayoutEffect, useMemo, useRef, useState, type KeyboardEvent } from 'react';
import { canSeeContact, knownViewer } from '../../../src-shared/access/visibility';
import { COMMENT_MAX_CHARS, MESSAGE_MAX_CHARS, type Contact, type User } from '../../../src-shared/model';
import { command, DesktopError } from '../../bridge/client';
import { Avatar, Button, formatCount, Icon, STATUS_LABEL, StatusDot, toast } from '../../ui';
import { teamMembersOf, useDirectory } from '../../workspace/directory-store';
import { useConversation, type ComposerMode, type Draft } from './conversation-store';
import { mentionQueryAt, mentionsInText, toStoredText, type PickedMention } from './mentions-draft';

const EMPTY_DRAFT: Draft = { text: '', mode: 'message', mentions: [] };
const STATUS_ORDER = { online: 0, busy: 1, offline: 2 } as const;

export function Composer({ contact }: { contact: Contact }) {
  const draft = useConversation((s) => s.drafts[contact.id] ?? EMPTY_DRAFT);
  const setDraft = useConversation((s) => s.setDraft);
  const users = useDirectory((s) => s.users);
  const [busy, setBusy] = useState(false);
  const [picker, setPicker] = useState<{ start: number; query: string } | null>(null);
  const [active, setActive] = useState(0);
  const textRef = useRef<HTMLTextAreaElement>(null);
  /** Where the caret goes once React has written a programmatic change (a chosen mention). */
  const caretAfterRender = useRef<number | null>(null);
  const ids = { tabs: useId(), text: useId(), picker: useId(), counter: useId(), warn: useId() };

  const { text, mode, mentions } = draft;
  const update = (patch: Partial<Draft>) => setDraft(contact.id, { ...draft, ...patch });
  const isComment = mode === 'comment';

  const canSee = useMemo(() => {
    const members = teamMembersOf(users);
    // Whose restrictions this user is not shown (an Agent is not shown other users'), no warning.
    return (u: User) => {
      const viewer = knownViewer(u);
      return viewer === null || canSeeContact(viewer, contact, members);
    };
  }, [users, contact]);

  const stored = isComment ? toStoredText(text, mentions) : text;
  const max = isComment ? COMMENT_MAX_CHARS : MESSAGE_MAX_CHARS;
  const over = stored.length > max;
  const empty = stored.trim().length === 0;
  const blind = isComment ? mentionsInText(text, mentions).filter((m) => { const u = users.find((x) => x.id === m.id); return u && !canSee(u); }) : [];

  const candidates = useMemo(() => {
    if (!picker) return [];
    const q = picker.query.toLowerCase();
    return users
      .filter((u) => !u.deactivated && (q === '' || u.name.toLowerCase().split(/\s+/).some((w) => w.startsWith(q)) || u.name.toLowerCase().includes(q) || u.email.toLowerCase().startsWith(q)))
      .sort((a, b) => STATUS_ORDER[a.status] - STATUS_ORDER[b.status] || a.name.localeCompare(b.name))
      .slice(0, 8);
  }, [picker, users]);

  useEffect(() => setActive(0), [picker?.query]);
  // Switching conversation or mode puts the caret in the composer.
  useEffect(() => {
    setPicker(null);
  }, [contact.id, mode]);

  useLayoutEffect(() => {
    const pos = caretAfterRender.current;
    if (pos === null || !textRef.current) return;
    caretAfterRender.current = null;
    textRef.current.focus();
    textRef.current.setSelectionRange(pos, pos);
  }, [text]);

  const syncPicker = (value: string, caret: number) => {
    setPicker(isComment ? mentionQueryAt(value, caret) : null);
  };

  const choose = (u: User) => {
    if (!picker) return;
    const caret = textRef.current?.selectionStart ?? text.length;
    const insert = `@${u.name} `;
    const next = text.slice(0, picker.start) + insert + text.slice(caret);
    const picked: PickedMention[] = mentions.some((m) => m.id === u.id) ? mentions : [...mentions, { id: u.id, name: u.name }];
    caretAfterRender.current = picker.start + insert.length;
    update({ text: next, mentions: picked });
    setPicker(null);
  };

  const send = async () => {
    if (empty || over || busy) return;
    setBusy(true);
    try {
      if (isComment) await command('addComment', { contact_id: contact.id, text: stored });
      else await command('sendMessage', { contact_id: contact.id, text: stored });
      setDraft(contact.id, { text: '', mode, mentions: [] });
      useConversation.getState().noteSent();
    } catch (err) {
      toast.error(`Couldn't ${isComment ? 'add the comment' : 'send the message'}: ${(err as DesktopError).message}`);
    } finally {
      setBusy(false);
      textRef.current?.focus();
    }
  };

  const onKeyDown = (e: KeyboardEvent<HTMLTextAreaElement>) => {
    if (picker && candidates.length > 0) {
      if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
        e.preventDefault();
        setActive((a) => (a + (e.key === 'ArrowDown' ? 1 : candidates.length - 1)) % candidates.length);
        return;
      }
      if (e.key === 'Enter' || e.key === 'Tab') {
        e.preventDefault();
        choose(candidates[active]);
        return;
      }
    }
    if (picker && e.key === 'Escape') {
      e.preventDefault();
      e.stopPropagation();
      setPicker(null);
      return;
    }
    if (e.key === 'Enter' && !e.shiftKey && !e.nativeEvent.isComposing) {
      e.preventDefault();
      void send();
    }
  };

  const setMode = (m: ComposerMode) => {
    update({ mode: m });
    requestAnimationFrame(() => textRef.current?.focus());
  };

  const activeOption = picker && candidates[active] ? `${ids.picker}-${candidates[active].id}` : undefined;

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
        {picker && (
          <div className="mention-picker" role="listbox" id={ids.picker} aria-label="Mention a teammate">
            {candidates.length === 0 ? (
              <p className="mention-picker__empty">No teammate matches “{picker.query}”</p>
            ) : (
              candidates.map((u, i) => {
                const blindUser = !canSee(u);
                return (
                  <div
                    key={u.id}
                    id={`${ids.picker}-${u.id}`}
                    role="option"
                    aria-selected={i === active}
                    className={`mention-option${i === active ? ' mention-option--active' : ''}`}
                    onMouseDown={(e) => e.preventDefault()}
                    onMouseEnter={() => setActive(i)}
                    onClick={() => choose(u)}
                  >
                    <Avatar name={u.name} color={u.avatar_color} size="sm" status={u.status} />
                    <span className="mention-option__name">{u.name}</span>
                    <span className="mention-option__status">
                      <StatusDot status={u.status} decorative />
                      {STATUS_LABEL[u.status]}
                    </span>
                    {blindUser && (
                      <span className="mention-option__warn">
                        <Icon name="warning" size={13} /> Can't see this contact
                      </span>
                    )}
                  </div>
                );
              })
            )}
          </div>
        )}
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
          aria-activedescendant={activeOption}
          aria-controls={picker ? ids.picker : undefined}
          onChange={(e) => {
            update({ text: e.target.value });
            syncPicker(e.target.value, e.target.selectionStart);
          }}
          onSelect={(e) => syncPicker(e.currentTarget.value, e.currentTarget.selectionStart)}
          onBlur={() => setPicker(null)}
          onKeyDown={onKeyDown}
        />
        <div className="composer__footer">
          <span className="composer__keys" aria-hidden="true">
            <kbd>Enter</kbd> send · <kbd>Shift</kbd>+<kbd>Enter</kbd> new line{isComment && <> · <kbd>@</kbd> mention</>}
          </span>
          {(isComment || stored.length > max * 0.8) && (
            <span id={ids.counter} className={`composer__counter${over ? ' composer__counter--over' : ''}`} aria-live="polite">
              {formatCount(stored.length)} / {formatCount(max)}
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
