import Holidays from 'date-holidays';
import { DateTime } from 'luxon';

/**
 * The Dutch public holidays for request periods. Regulation 1182/71 Art. 2(1) opens "For the
 * purposes of this Regulation, public holidays means all days designated as such in the Member State
 * or" (OJ text as reproduced at https://dataverse.harvard.edu/dataset.xhtml?persistentId=doi:10.7910/DVN/0EGYWY;
 * the rest of the sentence was not read; restated, it names the Member State where the action is to
 * be taken): the hospital answers in the Netherlands. Which Dutch days those are is judgement J20
 * (docs/legal/sources.md): the registry takes the Algemene termijnenwet art. 3 list, the list the
 * incident clocks count working days with (J4): New Year's Day, Good Friday, Easter Monday, King's
 * Day, 5 May, Ascension Day, Whit Monday and both Christmas days.
 *
 * The same choice as `libs/incidents/src/domain/dutch-working-days.ts`, restated here because domain
 * code imports no other lib (and incidents imports compliance); `test/contract/dutch-calendars.spec.ts`
 * checks that both calendars agree day by day. Dates come from `date-holidays`, chosen by name
 * (its type labels do not follow the act), and a name the library drops stops the count instead of
 * moving a deadline earlier.
 */

export const HOLIDAY_ZONE = 'Europe/Amsterdam';

const ATW_NAMES: Readonly<Record<string, string>> = {
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
const REQUIRED = new Set(Object.values(ATW_NAMES));

const library = new Holidays('NL');
const byYear = new Map<number, ReadonlyMap<string, string>>();

/** The year's public holidays: local date `YYYY-MM-DD` → name in the Atw. */
function holidaysOf(year: number): ReadonlyMap<string, string> {
  let days = byYear.get(year);
  if (!days) {
    const map = new Map<string, string>();
    for (const h of library.getHolidays(year)) if (h.name in ATW_NAMES) map.set(h.date.slice(0, 10), ATW_NAMES[h.name]);
    const missing = [...REQUIRED].filter((name) => ![...map.values()].includes(name));
    if (missing.length > 0) throw new Error(`date-holidays has no ${missing.join(', ')} for ${year}: cannot count Dutch public holidays`);
    days = map;
    byYear.set(year, days);
  }
  return days;
}

/** The Dutch public holiday on a local date, or null. */
export function dutchPublicHoliday(localDate: string): string | null {
  const day = DateTime.fromISO(localDate, { zone: HOLIDAY_ZONE });
  if (!day.isValid || localDate.length !== 10) throw new RangeError(`Not a date (YYYY-MM-DD): "${localDate}"`);
  return holidaysOf(day.year).get(localDate) ?? null;
}

/**
 * Why a local date is not a working day, or null: a Saturday, a Sunday or a public holiday, the days
 * Art. 3(4) moves the end of a period past (Art. 2(2), which defines working days, was not read verbatim).
 */
export function notAWorkingDay(localDate: string): string | null {
  const day = DateTime.fromISO(localDate, { zone: HOLIDAY_ZONE });
  if (!day.isValid || localDate.length !== 10) throw new RangeError(`Not a date (YYYY-MM-DD): "${localDate}"`);
  if (day.weekday === 6) return 'Saturday';
  if (day.weekday === 7) return 'Sunday';
  return dutchPublicHoliday(localDate);
}
