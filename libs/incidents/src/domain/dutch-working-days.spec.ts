import { DateTime } from 'luxon';
import { addDutchWorkingDays, AMSTERDAM, dutchHolidays, isDutchWorkingDay } from './dutch-working-days';

const atw = { liberationDayIsHoliday: true };
const noFifthOfMay = { liberationDayIsHoliday: false };

/** Easter Sunday from published tables (not from the library under test). */
const EASTER: Record<number, string> = {
  2025: '2025-04-20',
  2026: '2026-04-05',
  2027: '2027-03-28',
  2028: '2028-04-16',
  2029: '2029-04-01',
  2030: '2030-04-21',
  2031: '2031-04-13',
};
/** Koningsdag: 27 April, or Saturday 26 April when the 27th is a Sunday (2025, 2031). */
const KINGS_DAY: Record<number, string> = {
  2025: '2025-04-26',
  2026: '2026-04-27',
  2027: '2027-04-27',
  2028: '2028-04-27',
  2029: '2029-04-27',
  2030: '2030-04-27',
  2031: '2031-04-26',
};
const plusDays = (date: string, n: number) => new Date(Date.parse(`${date}T00:00:00Z`) + n * 86_400_000).toISOString().slice(0, 10);

/** Local wall-clock time in Amsterdam of a UTC instant, to show what the result means to a reader there. */
const local = (instant: string) => DateTime.fromISO(instant, { zone: AMSTERDAM }).toFormat('cccc yyyy-MM-dd HH:mm:ss.SSS');

describe('Dutch holidays (Algemene termijnenwet art. 3)', () => {
  // Atw art. 3(1): "de Nieuwjaarsdag, de Christelijke tweede Paas- en Pinksterdag, de beide Kerstdagen, de Hemelvaartsdag,
  // de dag waarop de verjaardag van de Koning wordt gevierd en de vijfde mei"; art. 3(2): Goede Vrijdag is gelijkgesteld.
  it.each(Object.keys(EASTER).map(Number))('%i: every holiday of the act, on its date', (year) => {
    const easter = EASTER[year];
    expect(dutchHolidays(year, atw)).toEqual([
      { date: `${year}-01-01`, name: 'Nieuwjaarsdag' },
      { date: plusDays(easter, -2), name: 'Goede Vrijdag' },
      { date: plusDays(easter, 1), name: 'Tweede Paasdag' },
      { date: KINGS_DAY[year], name: 'Koningsdag' },
      { date: `${year}-05-05`, name: 'Bevrijdingsdag (5 mei)' },
      { date: plusDays(easter, 39), name: 'Hemelvaartsdag' },
      { date: plusDays(easter, 50), name: 'Tweede Pinksterdag' },
      { date: `${year}-12-25`, name: 'Eerste Kerstdag' },
      { date: `${year}-12-26`, name: 'Tweede Kerstdag' },
    ]);
  });

  it('leaves 5 May out when the setting says it is a working day, and nothing else', () => {
    expect(dutchHolidays(2026, noFifthOfMay).map((h) => h.date)).toEqual(
      dutchHolidays(2026, atw)
        .map((h) => h.date)
        .filter((d) => d !== '2026-05-05'),
    );
  });

  it('has every holiday of the act for every year an incident can plausibly fall in', () => {
    // A library update that renames or drops one must fail here, not silently move deadlines earlier.
    for (let year = 2014; year <= 2060; year++) expect(dutchHolidays(year, atw)).toHaveLength(9);
  });
});

describe('isDutchWorkingDay', () => {
  it.each([
    ['2026-04-02', true, 'Thursday before Easter'],
    ['2026-04-03', false, 'Good Friday (Atw art. 3(2))'],
    ['2026-04-06', false, 'Easter Monday'],
    ['2025-04-26', false, "King's Day 2025 moved to Saturday 26 April"],
    ['2025-04-28', true, 'the Monday after a Sunday 27 April is not a holiday'],
    ['2026-04-27', false, "King's Day 2026, a Monday"],
    ['2026-05-14', false, 'Ascension Day'],
    ['2026-05-15', true, 'the Friday after Ascension (a bridge day, not in the act)'],
    ['2026-05-25', false, 'Whit Monday'],
    ['2026-11-28', false, 'a Saturday'],
    ['2026-11-29', false, 'a Sunday'],
    ['2026-12-31', true, "New Year's Eve is a working day"],
  ])('%s is a working day: %s (%s)', (date, expected) => {
    expect(isDutchWorkingDay(date, atw)).toBe(expected);
  });

  it('5 May 2026 (a Tuesday) is a holiday unless the setting says otherwise', () => {
    expect(isDutchWorkingDay('2026-05-05', atw)).toBe(false);
    expect(isDutchWorkingDay('2026-05-05', noFifthOfMay)).toBe(true);
  });

  it('refuses what is not a date', () => {
    expect(() => isDutchWorkingDay('2026-13-01', atw)).toThrow(RangeError);
    expect(() => isDutchWorkingDay('2026-12-01T10:00:00Z', atw)).toThrow(RangeError);
  });
});

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
      const due = DateTime.fromISO(addDutchWorkingDays(at, 1, atw), { zone: AMSTERDAM });
      const start = DateTime.fromISO(at, { zone: AMSTERDAM });
      expect(due.toMillis()).toBeGreaterThan(start.plus({ days: 1 }).toMillis());
      expect(isDutchWorkingDay(due.toISODate()!, atw)).toBe(true);
    }
  });

  it('refuses a count that is not a whole number of at least one day', () => {
    expect(() => addDutchWorkingDays('2026-11-23T09:00:00.000Z', 0, atw)).toThrow(RangeError);
    expect(() => addDutchWorkingDays('2026-11-23T09:00:00.000Z', 1.5, atw)).toThrow(RangeError);
  });
});
