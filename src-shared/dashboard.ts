// The Conversations widget's periods, the same on the server and in the desktop cache.
export const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

export type PeriodName = 'today' | 'yesterday' | 'last_14_days' | 'last_30_days';

/** [from, to) for each period, in the viewer's time zone (offset in minutes east of UTC). */
export function dashboardPeriods(now: number, tzOffsetMinutes: number): Record<PeriodName, readonly [number, number]> {
  const offset = tzOffsetMinutes * 60_000;
  const startOfToday = Math.floor((now + offset) / DAY_MS) * DAY_MS - offset;
  return {
    today: [startOfToday, now + 1],
    yesterday: [startOfToday - DAY_MS, startOfToday],
    last_14_days: [startOfToday - 13 * DAY_MS, now + 1],
    last_30_days: [startOfToday - 29 * DAY_MS, now + 1],
  };
}

/** Average times on the Dashboard cover the last 30 days. */
export const averagesSince = (now: number, tzOffsetMinutes: number) => dashboardPeriods(now, tzOffsetMinutes).last_30_days[0];
