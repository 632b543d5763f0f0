// Window size and position, saved on close and restored at start. Pure (no electron import): what
// was saved is validated against the displays that exist now, so a window never opens off-screen
// or larger than the screen after a monitor was unplugged or the saved file was edited.

export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface WindowState {
  /** Absent: let the OS place (center) the window. */
  x?: number;
  y?: number;
  width: number;
  height: number;
  maximized: boolean;
}

export const MIN_WIDTH = 800;
export const MIN_HEIGHT = 560;
export const DEFAULT_STATE: WindowState = { width: 1280, height: 820, maximized: false };
/** How much of the window must be on a display to keep the saved position (a grabbable strip). */
const VISIBLE_W = 120;
const VISIBLE_H = 48;

const isInt = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v) && Math.abs(v) < 100_000;

function overlap(a: Rect, b: Rect): { w: number; h: number } {
  const w = Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x);
  const h = Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y);
  return { w: Math.max(0, w), h: Math.max(0, h) };
}

/**
 * The state to open the window with, from whatever was stored (possibly nothing, or garbage) and
 * the work areas of the displays attached now.
 */
export function restoreWindowState(saved: unknown, workAreas: readonly Rect[]): WindowState {
  const s = (saved && typeof saved === 'object' ? saved : {}) as Record<string, unknown>;
  const largest = workAreas.reduce<Rect | null>((m, r) => (!m || r.width * r.height > m.width * m.height ? r : m), null);
  const maxW = largest ? Math.max(MIN_WIDTH, largest.width) : Number.POSITIVE_INFINITY;
  const maxH = largest ? Math.max(MIN_HEIGHT, largest.height) : Number.POSITIVE_INFINITY;
  const clamp = (v: unknown, min: number, max: number, dflt: number) => (isInt(v) ? Math.round(Math.min(max, Math.max(min, v))) : Math.min(max, dflt));
  const width = clamp(s.width, MIN_WIDTH, maxW, DEFAULT_STATE.width);
  const height = clamp(s.height, MIN_HEIGHT, maxH, DEFAULT_STATE.height);
  const maximized = s.maximized === true;
  if (!isInt(s.x) || !isInt(s.y)) return { width, height, maximized };
  const rect = { x: Math.round(s.x), y: Math.round(s.y), width, height };
  // The title bar (the top strip) must be on some display, or the user cannot move the window.
  const titleBar = { ...rect, height: Math.min(VISIBLE_H, height) };
  const visible = workAreas.some((area) => {
    const o = overlap(titleBar, area);
    return o.w >= Math.min(VISIBLE_W, width) && o.h >= Math.min(VISIBLE_H, height) / 2;
  });
  return visible ? { ...rect, maximized } : { width, height, maximized };
}

/** What to save: the normal (not maximized) bounds, and whether it was maximized. */
export function windowStateToSave(normalBounds: Rect, maximized: boolean): WindowState {
  return { x: normalBounds.x, y: normalBounds.y, width: normalBounds.width, height: normalBounds.height, maximized };
}
