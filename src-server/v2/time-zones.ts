// Calendar days in a time zone, for /v2 filters that take a date: a day begins at midnight where the
// integration's user is (the list's `timezone`), not in UTC. Intl knows the zones; no date library needed.
import { ApiError } from '../../src-shared/api/errors';

const DAY = /^(\d{4})-(\d{2})-(\d{2})$/;

/** The zone's canonical name; 400 for a name Intl does not know (any letter case is accepted, e.g. `utc`). */
export function checkedZone(name: string | undefined): string {
  if (!name?.trim()) return 'UTC';
  try {
    return new Intl.DateTimeFormat('en-US', { timeZone: name.trim() }).resolvedOptions().timeZone;
  } catch {
    throw new ApiError('invalid_request', `timezone: ${JSON.stringify(name)} is not a time zone (use a name like UTC or Asia/Kuala_Lumpur)`);
  }
}

/** The wall clock in the zone at this instant, as if it were UTC (ms). */
function wallClock(ms: number, zone: string): number {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone: zone,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  }).formatToParts(ms);
  const n = (type: string) => Number(parts.find((p) => p.type === type)!.value);
  return Date.UTC(n('year'), n('month') - 1, n('day'), n('hour'), n('minute'), n('second'));
}

/** YYYY-MM-DD of the instant in the zone. */
export function dayIn(ms: number, zone: string): string {
  return new Date(wallClock(ms, zone)).toISOString().slice(0, 10);
}

/** The instant (ms) the day begins in the zone. */
export function dayStart(day: string, zone: string): number {
  const [, y, m, d] = DAY.exec(day)!.map(Number);
  const asUtc = Date.UTC(y, m - 1, d);
  // The zone's offset at that midnight (looked up twice: the first guess may sit across a DST change).
  const guess = asUtc - (wallClock(asUtc, zone) - asUtc);
  return asUtc - (wallClock(guess, zone) - guess);
}

export const isDay = (v: string): boolean => DAY.test(v) && !Number.isNaN(Date.parse(v));
