import { type DutchCalendarOptions, HOSPITAL_ZONE, isDutchWorkingDay } from '@app/calendar';
import { DateTime } from 'luxon';

/**
 * Deadlines in Dutch working days and calendar weeks for incident clocks (Wkkgz: the IGJ's "binnen
 * 3 werkdagen"; the "6 weken" triage window). Which days are worked is the registry's one Dutch
 * calendar (`@app/calendar`: the Algemene termijnenwet art. 3 holidays, judgement J4).
 */

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
  const start = DateTime.fromISO(instant, { zone: HOSPITAL_ZONE });
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
  const start = DateTime.fromISO(instant, { zone: HOSPITAL_ZONE });
  if (!start.isValid) throw new RangeError(`Not an instant: "${instant}"`);
  return start.startOf('day').plus({ weeks }).endOf('day').toUTC().toJSDate().toISOString();
}
