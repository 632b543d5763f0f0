// Times and durations as the views show them (the user's locale, the machine's time zone).

const DAY = 86_400_000;
const startOfDay = (t: number) => {
  const d = new Date(t);
  d.setHours(0, 0, 0, 0);
  return d.getTime();
};

const timeFmt = new Intl.DateTimeFormat(undefined, { hour: 'numeric', minute: '2-digit' });
const weekdayFmt = new Intl.DateTimeFormat(undefined, { weekday: 'short' });
const dayMonthFmt = new Intl.DateTimeFormat(undefined, { day: 'numeric', month: 'short' });
const fullDateFmt = new Intl.DateTimeFormat(undefined, { day: 'numeric', month: 'short', year: 'numeric' });
const dateTimeFmt = new Intl.DateTimeFormat(undefined, { day: 'numeric', month: 'short', year: 'numeric', hour: 'numeric', minute: '2-digit' });
const longDayFmt = new Intl.DateTimeFormat(undefined, { weekday: 'long', day: 'numeric', month: 'long', year: 'numeric' });

/** A compact time for lists: "14:05" today, "Mon" this week, "12 Mar" this year, "12 Mar 2023" before. */
export function formatTime(ms: number, now: number = Date.now()): string {
  const today = startOfDay(now);
  if (ms >= today) return timeFmt.format(ms);
  if (ms >= today - 6 * DAY) return weekdayFmt.format(ms);
  if (new Date(ms).getFullYear() === new Date(now).getFullYear()) return dayMonthFmt.format(ms);
  return fullDateFmt.format(ms);
}

/** The clock time alone ("14:05"). */
export function formatClock(ms: number): string {
  return timeFmt.format(ms);
}

/** A full date and time, for tooltips and details. */
export function formatDateTime(ms: number): string {
  return dateTimeFmt.format(ms);
}

/** A day heading in a thread: "Today", "Yesterday", or the full date. */
export function formatDay(ms: number, now: number = Date.now()): string {
  const today = startOfDay(now);
  if (ms >= today) return 'Today';
  if (ms >= today - DAY) return 'Yesterday';
  return longDayFmt.format(ms);
}

export function sameDay(a: number, b: number): boolean {
  return startOfDay(a) === startOfDay(b);
}

/** A duration as people say it: "45 s", "12 m", "3 h 12 m", "2 d 4 h". Null shows as "—". */
export function formatDuration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '—';
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} m`;
  const h = Math.floor(m / 60);
  if (h < 24) return m % 60 ? `${h} h ${m % 60} m` : `${h} h`;
  const d = Math.floor(h / 24);
  return h % 24 ? `${d} d ${h % 24} h` : `${d} d`;
}

/** "just now", "5 min ago", "3 h ago", then a date. */
export function formatRelative(ms: number, now: number = Date.now()): string {
  const diff = now - ms;
  if (diff < 60_000) return 'just now';
  if (diff < 3_600_000) return `${Math.floor(diff / 60_000)} min ago`;
  if (diff < DAY) return `${Math.floor(diff / 3_600_000)} h ago`;
  return formatTime(ms, now);
}

/** Up to two initials of a name ("Ada Lovelace" → "AL"). */
export function initials(name: string): string {
  const words = name.trim().split(/\s+/).filter(Boolean);
  if (words.length === 0) return '?';
  const first = [...words[0]][0] ?? '?';
  const last = words.length > 1 ? ([...words[words.length - 1]][0] ?? '') : '';
  return (first + last).toUpperCase();
}

/** Thousands separators for counts. */
export function formatCount(n: number): string {
  return n.toLocaleString();
}
