// The left rail: the modules this user may open, the bell, and the status menu.
import { Icon, type IconName } from '../../ui';
import { useSession } from '../session/session-store';
import { unreadBadge } from '../../../src-shared/unread';
import { useNavigation, type Module } from './navigation-store';
import { StatusMenu } from './StatusMenu';

interface Item {
  module: Module;
  label: string;
  icon: IconName;
  supervisorOnly?: boolean;
}

const ITEMS: Item[] = [
  { module: 'dashboard', label: 'Dashboard', icon: 'dashboard', supervisorOnly: true },
  { module: 'messages', label: 'Messages', icon: 'message' },
  { module: 'reports', label: 'Reports', icon: 'chart', supervisorOnly: true },
  { module: 'settings', label: 'Settings', icon: 'settings', supervisorOnly: true },
];

export function NavRail({ supervisor }: { supervisor: boolean }) {
  const module = useNavigation((s) => s.module);
  const go = useNavigation((s) => s.go);
  const unread = useSession((s) => s.unread);
  const items = ITEMS.filter((i) => supervisor || !i.supervisorOnly);
  const badge = unreadBadge(unread);

  return (
    <nav className="rail" aria-label="Main">
      <div className="rail__logo" aria-hidden="true">
        <Icon name="logo" size={22} />
      </div>
      <ul className="rail__items">
        {items.map((i) => (
          <li key={i.module}>
            <button type="button" className="rail__item" aria-current={module === i.module ? 'page' : undefined} onClick={() => go(i.module)}>
              <Icon name={i.icon} size={20} />
              <span className="rail__label">{i.label}</span>
            </button>
          </li>
        ))}
      </ul>
      <div className="rail__bottom">
        <button
          type="button"
          className="rail__item rail__bell"
          aria-current={module === 'notifications' ? 'page' : undefined}
          aria-label={unread ? `Notifications, ${unread} unread` : 'Notifications'}
          onClick={() => go('notifications')}
        >
          <Icon name="bell" size={20} />
          {unread > 0 && (
            <span className="rail__badge" aria-hidden="true" data-testid="unread-count">
              {badge}
            </span>
          )}
        </button>
        <StatusMenu />
      </div>
    </nav>
  );
}
