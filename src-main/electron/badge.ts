// What the tray, dock and taskbar say about unread notifications. Pure (no electron import).

export const APP_NAME = 'IS-Messenger';

/** A valid badge count from whatever the core sent (a whole number ≥ 0). */
export function badgeCount(value: unknown): number {
  const n = typeof value === 'object' && value !== null ? (value as { count?: unknown }).count : value;
  return typeof n === 'number' && Number.isFinite(n) && n > 0 ? Math.min(Math.floor(n), 1_000_000) : 0;
}

export function trayTooltip(count: number): string {
  if (count <= 0) return APP_NAME;
  return `${APP_NAME}: ${count} unread notification${count === 1 ? '' : 's'}`;
}

/**
 * The tray, dock and taskbar for an `unread` event: a supervisor's badge counts the alert breaches
 * still open (what needs attention now), anyone else's the unread notifications.
 */
export function trayState(payload: unknown): { badge: number; tooltip: string } {
  const unread = badgeCount(payload);
  const raw = typeof payload === 'object' && payload !== null ? (payload as { attention?: unknown }).attention : undefined;
  if (raw === undefined) return { badge: unread, tooltip: trayTooltip(unread) };
  const attention = badgeCount(raw);
  const breaches = attention === 0 ? 'nothing needs attention' : `${attention} conversation${attention === 1 ? ' needs' : 's need'} attention`;
  return { badge: attention, tooltip: `${APP_NAME}: ${breaches}, ${unread} unread notification${unread === 1 ? '' : 's'}` };
}
