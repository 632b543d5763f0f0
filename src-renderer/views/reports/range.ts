// The date range of a report: a preset (last 7 or 30 days, today included) or two calendar days,
// both as [from, to) in milliseconds, whole days in the machine's time zone.

export type RangePreset = 'last_7_days' | 'last_30_days' | 'custom';

export const PRESET_LABEL: Record<RangePreset, string> = {
  last_7_days: 'Last 7 days',
  last_30_days: 'Last 30 days',
  custom: 'Custom',
};

const startOfDay = (t: number) => {
  const d = new Date(t);
  d.setHours(0, 0, 0, 0);
  return d.getTime();
};

/** Adds calendar days (a day is not always 24 h across a daylight-saving change). */
const addDays = (t: number, days: number) => {
  const d = new Date(t);
  d.setDate(d.getDate() + days);
  return startOfDay(d.getTime());
};

/** "2024-03-05" for an <input type=date>, in local time. */
export function toDateInput(t: number): string {
  const d = new Date(t);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

/** Local midnight of an <input type=date> value, or null when it is not a date. */
function fromDateInput(value: string): number | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (!m) return null;
  const d = new Date(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  return Number.isNaN(d.getTime()) ? null : d.getTime();
}

export type Range = { ok: true; from: number; to: number } | { ok: false; error: string };

export function rangeFor(preset: RangePreset, custom: { from: string; to: string }, now: number = Date.now()): Range {
  const tomorrow = addDays(startOfDay(now), 1);
  if (preset === 'last_7_days') return { ok: true, from: addDays(tomorrow, -7), to: tomorrow };
  if (preset === 'last_30_days') return { ok: true, from: addDays(tomorrow, -30), to: tomorrow };
  const from = fromDateInput(custom.from);
  const toDay = fromDateInput(custom.to);
  if (from === null || toDay === null) return { ok: false, error: 'Choose both a start and an end date.' };
  if (from > toDay) return { ok: false, error: 'The start date must be on or before the end date.' };
  if (from >= tomorrow) return { ok: false, error: 'The range starts in the future: there is nothing to report yet.' };
  return { ok: true, from, to: addDays(toDay, 1) };
}

const dayFmt = new Intl.DateTimeFormat(undefined, { day: 'numeric', month: 'short', year: 'numeric' });

/** "3 Mar 2024 – 9 Mar 2024" for [from, to). */
export function describeRange(from: number, to: number): string {
  const last = addDays(to, -1);
  return from === last ? dayFmt.format(from) : `${dayFmt.format(from)} – ${dayFmt.format(last)}`;
}
