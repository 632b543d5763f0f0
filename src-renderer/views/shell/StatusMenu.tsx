// The user's avatar at the foot of the rail: activity status (online / busy), profile, sign out.
import { useRef, useState } from 'react';
import type { ChosenStatus } from '../../../src-shared/model';
import { command, DesktopError } from '../../bridge/client';
import { Avatar, Icon, Popover, STATUS_LABEL, StatusDot, toast } from '../../ui';
import { useSession } from '../session/session-store';
import { useNavigation } from './navigation-store';

export function StatusMenu() {
  const user = useSession((s) => s.me?.user ?? s.session?.user ?? null);
  const signOut = useSession((s) => s.signOut);
  const go = useNavigation((s) => s.go);
  const [open, setOpen] = useState(false);
  const [busy, setBusy] = useState<ChosenStatus | null>(null);
  const anchor = useRef<HTMLButtonElement>(null);
  if (!user) return null;

  const choose = async (status: ChosenStatus) => {
    setBusy(status);
    try {
      await command('setStatus', { status });
      void useSession.getState().refreshMe();
      toast.success(`Your status is now ${STATUS_LABEL[status]}`);
      setOpen(false);
    } catch (err) {
      toast.error(
        err instanceof DesktopError && err.code === 'offline'
          ? "You're offline: your status can be changed when the connection returns."
          : `Couldn't change your status: ${(err as Error).message}`,
      );
    } finally {
      setBusy(null);
    }
  };

  return (
    <div className="status-menu">
      <button
        ref={anchor}
        type="button"
        className="rail__avatar"
        aria-expanded={open}
        title={`${user.name} · ${STATUS_LABEL[user.status]}`}
        onClick={() => setOpen((o) => !o)}
      >
        <Avatar name={user.name} color={user.avatar_color} size="md" status={user.status} />
        <span className="visually-hidden">{`${user.name}, ${STATUS_LABEL[user.status]}. Status and account`}</span>
      </button>
      <Popover open={open} onClose={() => setOpen(false)} anchorRef={anchor} placement="right-end" className="status-menu__panel" label="Status and account">
        <div className="status-menu__who">
          <Avatar name={user.name} color={user.avatar_color} size="lg" status={user.status} />
          <div className="status-menu__names">
            <p className="status-menu__name">{user.name}</p>
            <p className="status-menu__email">{user.email}</p>
          </div>
        </div>
        <p className="menu__heading">Status</p>
        {(['online', 'busy'] as const).map((s) => (
          <button key={s} type="button" className="menu__item" aria-pressed={user.chosen_status === s} disabled={busy !== null} onClick={() => void choose(s)}>
            <StatusDot status={s} decorative />
            <span className="menu__label">{STATUS_LABEL[s]}</span>
            {user.chosen_status === s && <Icon name="check" size={16} className="menu__check" />}
          </button>
        ))}
        {user.status === 'offline' && <p className="menu__note">Shown as offline while you're away; your status returns when you're back.</p>}
        <div className="menu__sep" role="separator" />
        <button
          type="button"
          className="menu__item"
          onClick={() => {
            go('profile');
            setOpen(false);
          }}
        >
          <Icon name="user" size={16} />
          <span className="menu__label">Profile & notifications</span>
        </button>
        <button type="button" className="menu__item menu__item--danger" onClick={() => void signOut()}>
          <Icon name="logout" size={16} />
          <span className="menu__label">Sign out</span>
        </button>
      </Popover>
    </div>
  );
}
