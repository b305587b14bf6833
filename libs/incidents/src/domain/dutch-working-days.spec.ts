import { DateTime } from 'luxon';
import { HOSPITAL_ZONE, isDutchWorkingDay } from '@app/calendar';
import { addDutchWorkingDays } from './dutch-working-days';

const atw = { liberationDayIsHoliday: true };
const noFifthOfMay = { liberationDayIsHoliday: false };

/** Local wall-clock time in Amsterdam of a UTC instant, to show what the result means to a reader there. */
const local = (instant: string) => DateTime.fromISO(instant, { zone: HOSPITAL_ZONE }).toFormat('cccc yyyy-MM-dd HH:mm:ss.SSS');

describe('addDutchWorkingDays: the end of the n-th Dutch working day after the local date', () => {
  // IGJ, "Melding doen van een calamiteit": "Binnen 3 werkdagen nadat u heeft vastgesteld dat het om een calamiteit gaat";
  // Atw art. 1: a term runs "tot en met" its last day, so it ends at midnight Amsterdam time.
  it.each([
    // given awareness at (UTC), when 3 working days are added, then due at (UTC), why
    ['2026-11-23T09:00:00.000Z', '2026-11-26T22:59:59.999Z', 'Monday → end of Thursday'],
    ['2026-04-01T08:00:00.000Z', '2026-04-08T21:59:59.999Z', 'Easter 2026: Good Friday 3 April and Easter Monday 6 April skipped'],
    ['2026-04-03T08:00:00.000Z', '2026-04-09T21:59:59.999Z', 'awareness on Good Friday: counting starts on Tuesday 7 April'],
    ['2025-04-24T08:00:00.000Z', '2025-04-29T21:59:59.999Z', "King's Day 2025 on Saturday 26 April: Monday 28 April counts"],
    ['2026-04-24T08:00:00.000Z', '2026-04-30T21:59:59.999Z', "King's Day 2026 on Monday 27 April skipped"],
    ['2026-05-12T08:00:00.000Z', '2026-05-18T21:59:59.999Z', 'Ascension Day 14 May 2026 skipped, the Friday after counts'],
    ['2026-05-22T08:00:00.000Z', '2026-05-28T21:59:59.999Z', 'Whit Monday 25 May 2026 skipped'],
    ['2025-12-23T09:00:00.000Z', '2025-12-30T22:59:59.999Z', 'Christmas 2025 (Thursday and Friday) skipped'],
    ['2025-12-30T09:00:00.000Z', '2026-01-05T22:59:59.999Z', "New Year's Day 2026 (Thursday) skipped"],
    ['2026-03-26T13:00:00.000Z', '2026-03-31T21:59:59.999Z', 'across the switch to summer time (29 March): still midnight local'],
    ['2026-10-23T08:00:00.000Z', '2026-10-28T22:59:59.999Z', 'across the switch to winter time (25 October): still midnight local'],
    ['2026-11-27T22:30:00.000Z', '2026-12-02T22:59:59.999Z', 'Friday 23:30 in Amsterdam (22:30 UTC, winter): Friday counts as the day of awareness'],
    ['2026-07-10T21:30:00.000Z', '2026-07-15T21:59:59.999Z', 'Friday 23:30 in Amsterdam (21:30 UTC, summer)'],
    ['2026-11-25T23:30:00.000Z', '2026-12-01T22:59:59.999Z', 'Thursday 00:30 in Amsterdam is Wednesday in UTC: the local date counts'],
  ])('%s + 3 → %s (%s)', (awareAt, dueAt) => {
    const due = addDutchWorkingDays(awareAt, 3, atw);
    expect(due).toBe(dueAt);
    expect(local(due)).toMatch(/ 23:59:59\.999$/);
  });

  it('5 May 2026 (a Tuesday) moves the deadline a day when it is a holiday, and not when the setting says it is a working day', () => {
    // Atw art. 3(1): "… en de vijfde mei".
    expect(addDutchWorkingDays('2026-05-04T08:00:00.000Z', 3, atw)).toBe('2026-05-08T21:59:59.999Z');
    expect(addDutchWorkingDays('2026-05-04T08:00:00.000Z', 3, noFifthOfMay)).toBe('2026-05-07T21:59:59.999Z');
  });

  it('is never earlier than the same time of day on the n-th working day', () => {
    for (let h = 0; h < 24 * 14; h += 5) {
      const at = new Date(Date.parse('2026-03-20T00:00:00.000Z') + h * 3_600_000).toISOString();
      const due = DateTime.fromISO(addDutchWorkingDays(at, 1, atw), { zone: HOSPITAL_ZONE });
      const start = DateTime.fromISO(at, { zone: HOSPITAL_ZONE });
      expect(due.toMillis()).toBeGreaterThan(start.plus({ days: 1 }).toMillis());
      expect(isDutchWorkingDay(due.toISODate()!, atw)).toBe(true);
    }
  });

  it('refuses a count that is not a whole number of at least one day', () => {
    expect(() => addDutchWorkingDays('2026-11-23T09:00:00.000Z', 0, atw)).toThrow(RangeError);
    expect(() => addDutchWorkingDays('2026-11-23T09:00:00.000Z', 1.5, atw)).toThrow(RangeError);
  });
});
