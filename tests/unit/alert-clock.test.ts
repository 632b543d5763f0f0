// The clocks of supervisor alert rules count only business hours when the workspace sets them.
import { describe, expect, it } from 'vitest';
import { AlertRules, dueAt, minutesLabel, ruleWords } from '../../src-shared/alerts';

const MIN = 60_000;
const weekdays = { days: [1, 2, 3, 4, 5], from: '09:00', to: '17:00', time_zone: 'Europe/Berlin' };

describe('when a rule breaches', () => {
  it('counts straight through without business hours', () => {
    expect(dueAt(Date.UTC(2026, 0, 5, 8, 0), 30 * MIN, null)).toBe(Date.UTC(2026, 0, 5, 8, 30));
  });

  it('counts only inside business hours, in the workspace time zone', () => {
    // Monday 16:45 in Berlin (15:45 UTC in winter): 15 minutes that day, 15 more from Tuesday 09:00.
    expect(dueAt(Date.UTC(2026, 0, 5, 15, 45), 30 * MIN, weekdays)).toBe(Date.UTC(2026, 0, 6, 8, 15));
    // Friday evening: the weekend does not count.
    expect(dueAt(Date.UTC(2026, 0, 9, 19, 0), 60 * MIN, weekdays)).toBe(Date.UTC(2026, 0, 12, 9, 0));
    // Before opening: the clock starts at 09:00 local.
    expect(dueAt(Date.UTC(2026, 0, 5, 5, 0), 10 * MIN, weekdays)).toBe(Date.UTC(2026, 0, 5, 8, 10));
  });

  it('follows daylight saving time', () => {
    // Berlin is UTC+2 in July: 09:00 local is 07:00 UTC.
    expect(dueAt(Date.UTC(2026, 6, 6, 3, 0), 5 * MIN, weekdays)).toBe(Date.UTC(2026, 6, 6, 7, 5));
    // New York across the switch to summer time (Sunday 8 March 2026): Monday opens at 13:00 UTC.
    const ny = { days: [1], from: '09:00', to: '10:00', time_zone: 'America/New_York' };
    expect(dueAt(Date.UTC(2026, 2, 6, 12, 0), 20 * MIN, ny)).toBe(Date.UTC(2026, 2, 9, 13, 20));
  });

  it('says the rule in words and refuses hours that end before they start', () => {
    expect(minutesLabel(90)).toBe('1 h 30 min');
    expect(ruleWords('unassigned_too_long', 15)).toBe('Unassigned longer than 15 min');
    const bad = AlertRules.safeParse({
      open_too_long_minutes: 0,
      first_response_minutes: null,
      unassigned_minutes: null,
      business_hours: { ...weekdays, from: '18:00', to: '08:00' },
    });
    expect(bad.success).toBe(false);
  });
});
