import Holidays from 'date-holidays';
import { DateTime } from 'luxon';

/**
 * Dutch working days for incident clocks (Wkkgz: the IGJ's "binnen 3 werkdagen").
 *
 * A working day is a day in Europe/Amsterdam that is not a Saturday, a Sunday or a generally
 * recognised holiday of the Algemene termijnenwet (Atw) art. 3: New Year's Day, Easter Monday,
 * Whit Monday, both Christmas days, Ascension Day, the day the King's birthday is celebrated
 * (27 April, 26 April when the 27th is a Sunday), 5 May (every year: the act says "de vijfde mei",
 * without the five-yearly rule of collective agreements) and, by art. 3(2), Good Friday. Days
 * equated by royal decree under art. 3(3) are not included (see docs/incidents.md).
 *
 * The dates come from `date-holidays`, chosen by name per the act: its type labels do not follow
 * the act (Good Friday and Liberation Day are "school" holidays there).
 */

export const AMSTERDAM = 'Europe/Amsterdam';

export interface DutchCalendarOptions {
  /** Atw art. 3(1) lists 5 May every year; false counts it as a working day (a stricter hospital policy). */
  liberationDayIsHoliday: boolean;
}

export interface DutchHoliday {
  /** Local date in Europe/Amsterdam, `YYYY-MM-DD`. */
  date: string;
  /** The name in the Algemene termijnenwet. */
  name: string;
}

/** The act's holidays, keyed by the library's Dutch names (Koninginnedag: the same day before 2014). */
const ATW_HOLIDAYS: Readonly<Record<string, string>> = {
  Nieuwjaar: 'Nieuwjaarsdag',
  'Goede Vrijdag': 'Goede Vrijdag',
  'Tweede paasdag': 'Tweede Paasdag',
  Koningsdag: 'Koningsdag',
  Koninginnedag: 'Koningsdag',
  Bevrijdingsdag: 'Bevrijdingsdag (5 mei)',
  Hemelvaartsdag: 'Hemelvaartsdag',
  'Tweede pinksterdag': 'Tweede Pinksterdag',
  Kerstmis: 'Eerste Kerstdag',
  'Tweede kerstdag': 'Tweede Kerstdag',
};
const LIBERATION_DAY = 'Bevrijdingsdag (5 mei)';
const ATW_NAMES = new Set(Object.values(ATW_HOLIDAYS));

const library = new Holidays('NL');
const byYear = new Map<number, readonly DutchHoliday[]>();

/** Every Atw art. 3 holiday of a year (5 May included), earliest first. */
function atwHolidays(year: number): readonly DutchHoliday[] {
  let list = byYear.get(year);
  if (!list) {
    list = library
      .getHolidays(year)
      .filter((h) => h.name in ATW_HOLIDAYS)
      .map((h) => ({ date: h.date.slice(0, 10), name: ATW_HOLIDAYS[h.name] }));
    // A renamed or dropped holiday in a library update must stop the count, not move deadlines earlier.
    const missing = [...ATW_NAMES].filter((n) => !list!.some((h) => h.name === n));
    if (missing.length > 0) throw new Error(`date-holidays has no ${missing.join(', ')} for ${year}: cannot count Dutch working days`);
    byYear.set(year, list);
  }
  return list;
}

/** The non-working holidays of a year under these options, earliest first. */
export function dutchHolidays(year: number, options: DutchCalendarOptions): DutchHoliday[] {
  return atwHolidays(year).filter((h) => options.liberationDayIsHoliday || h.name !== LIBERATION_DAY);
}

/** Whether a local Amsterdam date (`YYYY-MM-DD`) is a Dutch working day. */
export function isDutchWorkingDay(localDate: string, options: DutchCalendarOptions): boolean {
  const day = DateTime.fromISO(localDate, { zone: AMSTERDAM });
  if (!day.isValid || localDate.length !== 10) throw new RangeError(`Not a date (YYYY-MM-DD): "${localDate}"`);
  if (day.weekday >= 6) return false;
  return !dutchHolidays(day.year, options).some((h) => h.date === localDate);
}

/**
 * The end of the n-th Dutch working day after the instant's local date in Europe/Amsterdam
 * (23:59:59.999 local), as a UTC ISO instant.
 *
 * Why the end of the day and not the same time of day: a Dutch term in days runs through its last
 * day (Atw art. 1: "verlengd tot en met de eerstvolgende dag"; the starting day does not count),
 * and the IGJ says "binnen 3 werkdagen", not "72 working hours". Keeping the time of day would put
 * the deadline up to a day earlier than the law's, and an early "overdue" reads as negligence.
 * Counting on local dates (luxon) keeps the DST switch from moving the result by an hour.
 */
export function addDutchWorkingDays(instant: string, n: number, options: DutchCalendarOptions): string {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`Working days must be a whole number of at least 1 (got ${n})`);
  const start = DateTime.fromISO(instant, { zone: AMSTERDAM });
  if (!start.isValid) throw new RangeError(`Not an instant: "${instant}"`);
  let day = start.startOf('day');
  for (let counted = 0; counted < n;) {
    day = day.plus({ days: 1 });
    if (isDutchWorkingDay(day.toISODate(), options)) counted++;
  }
  return day.endOf('day').toUTC().toJSDate().toISOString();
}

/**
 * The end (23:59:59.999 Europe/Amsterdam) of the local date `weeks` calendar weeks after the
 * instant's local date, as a UTC ISO instant: the IGJ's "6 weken" triage window. Calendar weeks,
 * not working weeks; the starting day does not count and the end is not moved off a weekend or
 * holiday (the window is the hospital's own investigation, not a statutory term: no Atw art. 1).
 */
export function endOfAmsterdamDayWeeksAfter(instant: string, weeks: number): string {
  if (!Number.isInteger(weeks) || weeks < 1) throw new RangeError(`Weeks must be a whole number of at least 1 (got ${weeks})`);
  const start = DateTime.fromISO(instant, { zone: AMSTERDAM });
  if (!start.isValid) throw new RangeError(`Not an instant: "${instant}"`);
  return start.startOf('day').plus({ weeks }).endOf('day').toUTC().toJSDate().toISOString();
}
