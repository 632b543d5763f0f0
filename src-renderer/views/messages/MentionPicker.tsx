// The @ picker of a comment: the workspace's users matching what is typed after "@", online first,
// with a warning on anyone who cannot see this contact. Teammates who share a name are told apart by
// their email. Focus stays in the composer: it passes its keys through `onKey`.
import { useEffect, useMemo, useState, type KeyboardEvent } from 'react';
import type { User } from '../../../src-shared/model';
import { Avatar, Icon, STATUS_LABEL, StatusDot } from '../../ui';
import { mentionQueryAt } from './mention-draft';

const STATUS_ORDER = { online: 0, busy: 1, offline: 2 } as const;
const MAX_CANDIDATES = 8;

/** Active users whose name (any word of it, or anywhere) or email starts with the query. */
function candidatesFor(users: readonly User[], query: string): User[] {
  const q = query.toLowerCase();
  const matches = (u: User) => {
    const name = u.name.toLowerCase();
    return q === '' || name.split(/\s+/).some((w) => w.startsWith(q)) || name.includes(q) || u.email.toLowerCase().startsWith(q);
  };
  return users
    .filter((u) => !u.deactivated && matches(u))
    .sort((a, b) => STATUS_ORDER[a.status] - STATUS_ORDER[b.status] || a.name.localeCompare(b.name) || a.email.localeCompare(b.email))
    .slice(0, MAX_CANDIDATES);
}

export interface MentionPickerState {
  /** The "@query" being typed and where its "@" is, or null when the picker is closed. */
  query: { start: number; query: string } | null;
  candidates: User[];
  active: number;
  setActive(i: number): void;
  /** Follows the caret: the picker is open while an "@query" is typed right before it. */
  follow(text: string, caret: number): void;
  close(): void;
  /** Arrows, Enter/Tab (choose) and Escape while the picker is open; true when the key was the picker's. */
  onKey(e: KeyboardEvent, choose: (u: User) => void): boolean;
}

/** `enabled`: only comments mention; the picker closes when `scope` changes (another conversation). */
export function useMentionPicker(users: readonly User[], enabled: boolean, scope: string): MentionPickerState {
  const [query, setQuery] = useState<MentionPickerState['query']>(null);
  const [active, setActive] = useState(0);
  const candidates = useMemo(() => (query ? candidatesFor(users, query.query) : []), [query, users]);
  useEffect(() => setActive(0), [query?.query]);
  useEffect(() => setQuery(null), [enabled, scope]);

  const onKey = (e: KeyboardEvent, choose: (u: User) => void): boolean => {
    if (!query) return false;
    if (candidates.length > 0 && (e.key === 'ArrowDown' || e.key === 'ArrowUp')) {
      setActive((a) => (a + (e.key === 'ArrowDown' ? 1 : candidates.length - 1)) % candidates.length);
    } else if (candidates.length > 0 && (e.key === 'Enter' || e.key === 'Tab')) {
      choose(candidates[active]);
    } else if (e.key === 'Escape') {
      e.stopPropagation();
      setQuery(null);
    } else return false;
    e.preventDefault();
    return true;
  };

  return {
    query,
    candidates,
    active,
    setActive,
    follow: (text, caret) => setQuery(enabled ? mentionQueryAt(text, caret) : null),
    close: () => setQuery(null),
    onKey,
  };
}

export function MentionPicker({
  id,
  picker,
  users,
  canSee,
  onChoose,
}: {
  id: string;
  picker: MentionPickerState;
  /** Every user, to tell which names are shared. */
  users: readonly User[];
  canSee: (u: User) => boolean;
  onChoose: (u: User) => void;
}) {
  const { query, candidates, active } = picker;
  if (!query) return null;
  const sharesName = (u: User) => users.some((x) => x.id !== u.id && !x.deactivated && x.name === u.name);
  return (
    <div className="mention-picker" role="listbox" id={id} aria-label="Mention a teammate">
      {candidates.length === 0 ? (
        <p className="mention-picker__empty">No teammate matches “{query.query}”</p>
      ) : (
        candidates.map((u, i) => (
          <div
            key={u.id}
            id={`${id}-${u.id}`}
            role="option"
            aria-selected={i === active}
            className={`mention-option${i === active ? ' mention-option--active' : ''}`}
            onMouseDown={(e) => e.preventDefault()}
            onMouseEnter={() => picker.setActive(i)}
            onClick={() => onChoose(u)}
          >
            <Avatar name={u.name} color={u.avatar_color} size="sm" status={u.status} />
            <span className="mention-option__name">
              {u.name}
              {sharesName(u) && <span className="mention-option__email">{u.email}</span>}
            </span>
            <span className="mention-option__status">
              <StatusDot status={u.status} decorative />
              {STATUS_LABEL[u.status]}
            </span>
            {!canSee(u) && (
              <span className="mention-option__warn">
                <Icon name="warning" size={13} /> Can't see this contact
              </span>
            )}
          </div>
        ))
      )}
    </div>
  );
}
