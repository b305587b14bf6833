import { DateTime } from 'luxon';

/**
 * How a period in months is counted (docs/legal/sources.md § 15, judgement J16):
 * - `strict`: from the instant of receipt, the same time of day in the hospital's zone on the same
 *   date N months later (its last day when that month has no such date: 31 Jan → 28/29 Feb). Never
 *   later than the other reading; the rulebook's fixed J16 choice, and the default.
 * - `reg-1182-71`: Regulation 1182/71 Art. 3(1) and 3(2)(c): the day of receipt is not counted; the
 *   period ends "with the expiry of the last hour of whichever day in the last … month … falls on
 *   the same date, as the day from which the period runs" (the end of that day in Europe/Amsterdam),
 *   the month's last day when the date does not occur. Art. 3(4) (a last day on a Saturday, Sunday or
 *   holiday moves to the next working day) is not applied: its text was read only as restated, and a
 *   period that ends earlier is never missed (ADR 0051).
 */
export type PeriodCounting = 'strict' | 'reg-1182-71';
export const PERIOD_COUNTINGS: readonly PeriodCounting[] = ['strict', 'reg-1182-71'];

export const HOSPITAL_ZONE = 'Europe/Amsterdam';

/**
 * The end of a period of `months` calendar months from `at`. Luxon's month arithmetic clamps to the
 * month's last day, as both readings do (the same rule as the incident rulebook's `months` periods,
 * libs/incidents/src/domain/deadlines.ts, which this context cannot import: incidents imports compliance).
 */
export function monthsAfter(at: string, months: number, counting: PeriodCounting): string {
  const start = DateTime.fromISO(at, { zone: HOSPITAL_ZONE });
  const end = start.plus({ months });
  return (counting === 'strict' ? end : end.endOf('day')).toUTC().toISO()!;
}

export const COUNTING_TEXT: Record<PeriodCounting, string> = {
  strict:
    'counted from the instant of receipt to the same time on the same date in the last month (its last day when the date does not occur), never extended past a weekend or holiday (J16, the conservative reading)',
  'reg-1182-71':
    'counted per Regulation 1182/71 Art. 3(1) and 3(2)(c): the day of receipt not counted, ending at the end of the day with the same date in the last month (its last day when the date does not occur), in Europe/Amsterdam; Art. 3(4) not applied (J16)',
};
