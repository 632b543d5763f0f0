// Unread notifications: what counts as one, and how their number is shown (the bell, the tray, the
// dock and taskbar badge).
import type { Notification } from './model';

/** Unread until it is read or archived (archiving reads it too). The server counts with the same condition in SQL (listNotifications). */
export function isUnread(n: Pick<Notification, 'read_at' | 'archived_at'>): boolean {
  return n.read_at === null && n.archived_at === null;
}

/** The count on a badge: "" for none, "7", or "99+". */
export function unreadBadge(count: number): string {
  if (count <= 0) return '';
  return count > 99 ? '99+' : String(count);
}
