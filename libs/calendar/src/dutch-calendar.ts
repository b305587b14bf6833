import Holidays from 'date-holidays';
import { DateTime } from 'luxon';
import { HOSPITAL_ZONE } from './zone';

/**
 * The Dutch calendar the registry counts legal periods with: one list of holidays for every clock
 * (incident clocks' working days, judgement J4; request periods under Regulation 1182/71, J20;
 * docs/legal/sources.md), so two deadlines can never disagree about whether a day is worked.
 *
 * A working day is a day in Europe/Amsterdam that is not a Saturday, a Sunday or a generally
 * recognised holiday of the Algemene termijnenwet (Atw) art. 3(1): "de Nieuwjaarsdag, de Christelijke
 * tweede Paas- en Pinksterdag, de beide Kerstdagen, de Hemelvaartsdag, de dag waarop de verjaardag
 * van de Koning wordt gevierd en de vijfde mei" (5 May every year: the act has no five-yearly rule),
 * and, by art. 3(2), Good Friday. Days equated by royal decree under art. 3(3) are not included
 * (docs/incidents.md). Regulation 1182/71 Art. 2(1) opens "For the purposes of this Regulation,
 * public holidays means all days designated as such in the Member State or" (OJ text as reproduced
 * at https://dataverse.harvard.edu/dataset.xhtml?persistentId=doi:10.7910/DVN/0EGYWY; the rest of the
 * sentence was not read; restated, it names the Member State where the action is to be taken): the
 * hospital answers in the Netherlands, so the request periods take the same list (J20).
 *
 * The dates come from `date-holidays`, chosen by name per the act: its type labels do not follow
 * the act (Good Friday and Liberation Day are "school" holidays there). A holiday the library
 * renames or drops stops the count instead of moving a deadline earlier.
 *
 * Pure (no clock, no I/O): domain code of any context may import it (test/architecture.spec.ts).
 */

export interface DutchCalendarOptions {
  /** Atw art. 3(1) lists 5 May every year; false counts it as a working day (a stricter hospital policy). */
  liberationDayIsHoliday: boolean;
}

/** The act as written: 5 May a holiday. */
export const ATW_CALENDAR: DutchCalendarOptions = { liberationDayIsHoliday: true };

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
    const missing = [...ATW_NAMES].filter((n) => !list!.some((h) => h.name === n));
    if (missing.length > 0) throw new Error(`date-holidays has no ${missing.join(', ')} for ${year}: cannot count Dutch working days`);
    byYear.set(year, list);
  }
  return list;
}

/** A local date `YYYY-MM-DD` in the hospital's zone; anything else is a RangeError. */
function localDay(localDate: string): DateTime {
  const day = DateTime.fromISO(localDate, { zone: HOSPITAL_ZONE });
  if (!day.isValid || localDate.length !== 10) throw new RangeError(`Not a date (YYYY-MM-DD): "${localDate}"`);
  return day;
}

/** The non-working holidays of a year under these options, earliest first. */
export function dutchHolidays(year: number, options: DutchCalendarOptions): DutchHoliday[] {
  return atwHolidays(year).filter((h) => options.liberationDayIsHoliday || h.name !== LIBERATION_DAY);
}

/** The Dutch public holiday on a local date (its name in the Atw), or null. */
export function dutchPublicHoliday(localDate: string, options: DutchCalendarOptions): string | null {
  return dutchHolidays(localDay(localDate).year, options).find((h) => h.date === localDate)?.name ?? null;
}

/** Why a local date is not a working day (`Saturday`, `Sunday` or the holiday's name), or null when it is one. */
export function notAWorkingDay(localDate: string, options: DutchCalendarOptions): string | null {
  const day = localDay(localDate);
  if (day.weekday === 6) return 'Saturday';
  if (day.weekday === 7) return 'Sunday';
  return dutchPublicHoliday(localDate, options);
}

/** Whether a local Amsterdam date (`YYYY-MM-DD`) is a Dutch working day. */
export function isDutchWorkingDay(localDate: string, options: DutchCalendarOptions): boolean {
  return notAWorkingDay(localDate, options) === null;
}
