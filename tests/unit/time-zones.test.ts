// A day in a /v2 filter begins at midnight where the integration's user is, also on the days the
// clocks change (midnight is then not the usual offset from UTC).
import { expect, it } from 'vitest';
import { checkedZone, dayIn, dayStart } from '../../src-server/v2/time-zones';

const iso = (ms: number) => new Date(ms).toISOString();

it('a day begins at local midnight, on ordinary days and on the days the clocks change', () => {
  expect(iso(dayStart('2025-03-02', 'Asia/Kuala_Lumpur'))).toBe('2025-03-01T16:00:00.000Z');
  expect(iso(dayStart('2025-01-01', 'Asia/Kolkata'))).toBe('2024-12-31T18:30:00.000Z');
  // New York springs forward at 02:00 on 9 March and falls back on 2 November: midnight is still EST, then EDT.
  expect(iso(dayStart('2025-03-09', 'America/New_York'))).toBe('2025-03-09T05:00:00.000Z');
  expect(iso(dayStart('2025-11-02', 'America/New_York'))).toBe('2025-11-02T04:00:00.000Z');
  expect(iso(dayStart('2025-10-26', 'Europe/London'))).toBe('2025-10-25T23:00:00.000Z');
  expect(dayIn(Date.UTC(2025, 2, 1, 20), 'Asia/Kuala_Lumpur')).toBe('2025-03-02');
  expect(dayIn(Date.UTC(2025, 2, 1, 20), 'America/New_York')).toBe('2025-03-01');
});

it('takes a zone in any letter case, UTC when none is given, and refuses an unknown one in words', () => {
  expect(checkedZone('utc')).toBe('UTC');
  expect(checkedZone('asia/kuala_lumpur')).toBe('Asia/Kuala_Lumpur');
  expect(checkedZone(undefined)).toBe('UTC');
  expect(() => checkedZone('Mars/Olympus_Mons')).toThrow(/is not a time zone/);
});
