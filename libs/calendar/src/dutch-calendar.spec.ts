import { dutchHolidays, dutchPublicHoliday, HOSPITAL_ZONE, isDutchWorkingDay, notAWorkingDay } from './index';
import { DateTime } from 'luxon';

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

describe('notAWorkingDay and dutchPublicHoliday: why a day is not worked', () => {
  it.each([
    ['2027-02-27', 'Saturday'],
    ['2027-02-28', 'Sunday'],
    ['2026-04-27', 'Koningsdag'],
    ['2025-04-26', 'Saturday'],
    ['2027-12-26', 'Sunday'],
    ['2028-12-26', 'Tweede Kerstdag'],
    ['2026-05-05', 'Bevrijdingsdag (5 mei)'],
    ['2027-12-24', null],
  ])('%s: %s', (date, why) => {
    expect(notAWorkingDay(date, atw)).toBe(why);
  });

  it("names the Atw holidays, King's Day on 26 April when the 27th is a Sunday, and nothing on other days", () => {
    expect(dutchPublicHoliday('2025-04-26', atw)).toBe('Koningsdag');
    expect(dutchPublicHoliday('2025-04-27', atw)).toBeNull();
    expect(dutchPublicHoliday('2027-12-26', atw)).toBe('Tweede Kerstdag');
    expect(dutchPublicHoliday('2026-05-05', noFifthOfMay)).toBeNull();
    expect(() => notAWorkingDay('2027-02-30', atw)).toThrow(RangeError);
  });

  it('counts in Europe/Amsterdam', () => {
    expect(HOSPITAL_ZONE).toBe('Europe/Amsterdam');
    expect(DateTime.fromISO('2026-12-31T23:30:00Z', { zone: HOSPITAL_ZONE }).toISODate()).toBe('2027-01-01');
    expect(isDutchWorkingDay('2027-01-01', atw)).toBe(false);
  });
});
