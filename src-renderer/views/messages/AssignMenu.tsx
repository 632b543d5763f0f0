// Assign, reassign or unassign a contact, from a searchable list of users with their status.
import { useId, useMemo, useRef, useState, type KeyboardEvent } from 'react';
import type { Contact, User } from '../../../src-shared/model';
import { command, DesktopError } from '../../bridge/client';
import { Avatar, Icon, Popover, STATUS_LABEL, StatusDot, toast } from '../../ui';
import { useDirectory } from '../../workspace/directory-store';
import { useSession } from '../session/session-store';
import { doneOrQueued } from './queued-wording';

const STATUS_ORDER = { online: 0, busy: 1, offline: 2 } as const;
type Choice = { kind: 'user'; user: User } | { kind: 'unassign' };

export function AssignMenu({ contact }: { contact: Contact }) {
  const users = useDirectory((s) => s.users);
  const usersById = useDirectory((s) => s.usersById);
  const teamsById = useDirectory((s) => s.teamsById);
  const meId = useSession((s) => s.me?.user.id ?? s.session?.user?.id ?? null);
  const [open, setOpen] = useState(false);
  const [q, setQ] = useState('');
  const [active, setActive] = useState(0);
  const anchor = useRef<HTMLButtonElement>(null);
  const listId = useId();
  const assignee = contact.assignee_id ? usersById.get(contact.assignee_id) : undefined;

  const choices = useMemo<Choice[]>(() => {
    const needle = q.trim().toLowerCase();
    const list = users
      .filter((u) => !u.deactivated && (!needle || u.name.toLowerCase().includes(needle) || u.email.toLowerCase().includes(needle)))
      .sort((a, b) => (a.id === meId ? -1 : b.id === meId ? 1 : STATUS_ORDER[a.status] - STATUS_ORDER[b.status] || a.name.localeCompare(b.name)))
      .map((user): Choice => ({ kind: 'user', user }));
    return contact.assignee_id && (!needle || 'unassign'.includes(needle)) ? [{ kind: 'unassign' }, ...list] : list;
  }, [users, q, meId, contact.assignee_id]);

  const close = () => {
    setOpen(false);
    setQ('');
    setActive(0);
  };

  const pick = async (c: Choice) => {
    const assigneeId = c.kind === 'user' ? c.user.id : null;
    close();
    anchor.current?.focus();
    if (assigneeId === contact.assignee_id) return;
    try {
      await command('assign', { contact_id: contact.id, assignee_id: assigneeId });
      const who = c.kind === 'user' ? (c.user.id === meId ? 'you' : c.user.name) : null;
      toast.success(who ? doneOrQueued(`Assigned to ${who}`, `assign to ${who}`) : doneOrQueued('Conversation unassigned', 'unassign this conversation'));
    } catch (err) {
      toast.error(`Couldn't change the assignee: ${(err as DesktopError).message}`);
    }
  };

  const onKeyDown = (e: KeyboardEvent<HTMLInputElement>) => {
    if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
      e.preventDefault();
      if (choices.length) setActive((a) => (a + (e.key === 'ArrowDown' ? 1 : choices.length - 1)) % choices.length);
    } else if (e.key === 'Enter') {
      e.preventDefault();
      if (choices[active]) void pick(choices[active]);
    }
  };

  const optionId = (c: Choice) => `${listId}-${c.kind === 'user' ? c.user.id : 'none'}`;

  return (
    <div className="assign">
      <button
        ref={anchor}
        type="button"
        className="assign__trigger"
        aria-expanded={open}
        aria-haspopup="listbox"
        onClick={() => (open ? close() : setOpen(true))}
      >
        {assignee ? <Avatar name={assignee.name} color={assignee.avatar_color} size="xs" status={assignee.status} /> : <Icon name="userPlus" size={16} />}
        <span className="assign__name">
          <span className="visually-hidden">{assignee ? 'Assigned to ' : 'Unassigned. '}</span>
          {assignee ? (assignee.id === meId ? `${assignee.name} (you)` : assignee.name) : 'Assign'}
          {assignee && <span className="visually-hidden">. Change assignee</span>}
        </span>
        <Icon name="chevronDown" size={15} />
      </button>
      <Popover open={open} onClose={close} anchorRef={anchor} placement="bottom-end" className="assign__panel" label="Assign conversation">
        <div className="assign__search">
          <Icon name="search" size={15} />
          <input
            className="assign__input"
            autoFocus
            role="combobox"
            aria-expanded="true"
            aria-controls={listId}
            aria-autocomplete="list"
            aria-activedescendant={choices[active] ? optionId(choices[active]) : undefined}
            aria-label="Search teammates"
            placeholder="Assign to…"
            value={q}
            onChange={(e) => {
              setQ(e.target.value);
              setActive(0);
            }}
            onKeyDown={onKeyDown}
          />
        </div>
        <div className="assign__list" role="listbox" id={listId} aria-label="Teammates">
          {choices.length === 0 && <p className="assign__empty">No teammate matches “{q}”</p>}
          {choices.map((c, i) => (
            <div
              key={optionId(c)}
              id={optionId(c)}
              role="option"
              aria-selected={c.kind === 'user' ? c.user.id === contact.assignee_id : false}
              className={`assign__option${i === active ? ' assign__option--active' : ''}`}
              onMouseEnter={() => setActive(i)}
              onClick={() => void pick(c)}
            >
              {c.kind === 'unassign' ? (
                <>
                  <span className="assign__unassign-icon">
                    <Icon name="userX" size={16} />
                  </span>
                  <span className="assign__option-name">Unassign</span>
                </>
              ) : (
                <>
                  <Avatar name={c.user.name} color={c.user.avatar_color} size="sm" />
                  <span className="assign__option-main">
                    <span className="assign__option-name">
                      {c.user.name}
                      {c.user.id === meId && <span className="muted"> (you)</span>}
                    </span>
                    <span className="assign__option-sub">{c.user.team_id ? (teamsById.get(c.user.team_id)?.name ?? '') : c.user.role}</span>
                  </span>
                  <span className={`assign__option-status status-label--${c.user.status}`}>
                    <StatusDot status={c.user.status} decorative />
                    {STATUS_LABEL[c.user.status]}
                  </span>
                  {c.user.id === contact.assignee_id && <Icon name="check" size={16} className="assign__check" />}
                </>
              )}
            </div>
          ))}
        </div>
      </Popover>
    </div>
  );
}
