// Supervisor alerts (F16): the rules a workspace watches, the business hours their clocks count in,
// and the words the server, the desktop and the views use for them.
import { z } from 'zod';

export const AlertRule = z.enum(['open_too_long', 'first_response_overdue', 'unassigned_too_long']);
export type AlertRule = z.infer<typeof AlertRule>;

/** Why a breach is over: its condition ended. */
export const AlertEnd = z.enum(['closed', 'replied', 'assigned', 'rule_changed']);
export type AlertEnd = z.infer<typeof AlertEnd>;

const Minutes = z
  .number()
  .int()
  .min(1)
  .max(60 * 24 * 30)
  .nullable();
const ClockTime = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be a time of day like 09:00');

function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/** The hours the clocks count in: on these days (0 Sunday … 6 Saturday), from-to in the workspace's time zone. */
export const BusinessHours = z
  .object({
    days: z.array(z.number().int().min(0).max(6)).min(1, 'choose at least one day').max(7),
    from: ClockTime,
    to: ClockTime,
    time_zone: z.string().max(64).refine(isTimeZone, 'must be an IANA time zone, like Europe/Berlin'),
  })
  .strict()
  .refine((h) => h.from < h.to, { message: 'must end after it starts (from before to)', path: ['to'] });
export type BusinessHours = z.infer<typeof BusinessHours>;

/** Each rule's threshold in minutes (null: not watched), and the optional business hours. */
export const AlertRules = z
  .object({
    open_too_long_minutes: Minutes,
    first_response_minutes: Minutes,
    unassigned_minutes: Minutes,
    business_hours: BusinessHours.nullable(),
  })
  .strict();
export type AlertRules = z.infer<typeof AlertRules>;

export const NO_ALERT_RULES: AlertRules = { open_too_long_minutes: null, first_response_minutes: null, unassigned_minutes: null, business_hours: null };

export const RULE_MINUTES: Record<AlertRule, keyof Omit<AlertRules, 'business_hours'>> = {
  open_too_long: 'open_too_long_minutes',
  first_response_overdue: 'first_response_minutes',
  unassigned_too_long: 'unassigned_minutes',
};

/** A number of minutes in words: "45 min", "2 h", "1 h 30 min". */
export function minutesLabel(minutes: number): string {
  const h = Math.floor(minutes / 60);
  const m = Math.round(minutes % 60);
  if (h === 0) return `${m} min`;
  return m === 0 ? `${h} h` : `${h} h ${m} min`;
}

/** The rule as a supervisor reads it on an alert. */
export function ruleWords(rule: AlertRule, minutes: number): string {
  const n = minutesLabel(minutes);
  if (rule === 'open_too_long') return `Open longer than ${n}`;
  if (rule === 'first_response_overdue') return `No reply ${n} after the contact wrote`;
  return `Unassigned longer than ${n}`;
}

export const END_WORDS: Record<AlertEnd, string> = {
  closed: 'the conversation was closed',
  replied: 'a reply was sent',
  assigned: 'it was assigned',
  rule_changed: 'the rule changed',
};

const formatters = new Map<string, Intl.DateTimeFormat>();
function wallClock(zone: string, at: number): { y: number; m: number; d: number; weekday: number; offsetMs: number } {
  let f = formatters.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(zone, f);
  }
  const p: Record<string, number> = {};
  for (const part of f.formatToParts(at)) if (part.type !== 'literal') p[part.type] = Number(part.value);
  const asUtc = Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second);
  return { y: p.year, m: p.month, d: p.day, weekday: new Date(Date.UTC(p.year, p.month - 1, p.day)).getUTCDay(), offsetMs: asUtc - (at - (at % 1000)) };
}

/** The instant a wall-clock time of a date has in the zone (daylight saving changes included). */
function zonedInstant(zone: string, y: number, m: number, d: number, time: string): number {
  const [hh, mm] = time.split(':').map(Number);
  const guess = Date.UTC(y, m - 1, d, hh, mm);
  const first = guess - wallClock(zone, guess).offsetMs;
  return guess - wallClock(zone, first).offsetMs;
}

/**
 * When a clock started at `start` has counted `ms`: straight away without business hours, otherwise
 * counting only the time inside them.
 */
export function dueAt(start: number, ms: number, hours: BusinessHours | null): number {
  if (!hours) return start + ms;
  let t = start;
  let left = ms;
  // A year of days is more than any rule needs (at least one day a week is open).
  for (let i = 0; i < 400; i++) {
    const w = wallClock(hours.time_zone, t);
    const open = zonedInstant(hours.time_zone, w.y, w.m, w.d, hours.from);
    const close = zonedInstant(hours.time_zone, w.y, w.m, w.d, hours.to);
    if (hours.days.includes(w.weekday) && t < close) {
      const from = Math.max(t, open);
      if (from + left <= close) return from + left;
      left -= close - from;
    }
    // The next local day, at its first moment (noon UTC of the next date, then back to midnight there).
    const next = new Date(Date.UTC(w.y, w.m - 1, w.d + 1, 12));
    t = zonedInstant(hours.time_zone, next.getUTCFullYear(), next.getUTCMonth() + 1, next.getUTCDate(), '00:00');
  }
  return Number.MAX_SAFE_INTEGER;
}
