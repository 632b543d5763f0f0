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
