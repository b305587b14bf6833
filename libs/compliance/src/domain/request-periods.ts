import { DateTime } from 'luxon';
import { ATW_CALENDAR, HOSPITAL_ZONE, notAWorkingDay } from '@app/calendar';

/**
 * How a period in months is counted (docs/legal/sources.md § 15; judgement J20 for requests):
 *
 * - `reg-1182-71-nl` (the registry's documented default since rules version 2026-12-07.1, for
 *   legal counsel to confirm): Regulation 1182/71 read by analogy. Art. 3(1): "the day during which
 *   that event occurs or that action takes place shall not be considered as falling within the
 *   period in question"; Art. 3(2)(c): the period ends "with the expiry of the last hour of whichever
 *   day in the last week, month or year ... falls on the same date, as the day from which the period
 *   runs", and "If, in a period expressed in months or in years, the day on which it should expire
 *   does not occur in the last month, the period shall end with the expiry of the last hour of the
 *   last day of that month"; Art. 3(4): "where the last day of a period expressed otherwise than in
 *   hours is a public holiday, Sunday or Saturday, the period shall end with the expiry of the last
 *   hour of the following working day" (as quoted by a later act; docs/compliance.md names the
 *   sources). Days in Europe/Amsterdam; public holidays the Dutch ones (Art. 2(1), J20).
 * - `strict`: from the instant of receipt to the same time of day on the same date N months later
 *   (its last day when that month has no such date), never moved past a weekend or holiday. Never
 *   later than the others: the conservative reading, selectable with `REQUEST_PERIOD_COUNTING=strict`.
 * - `reg-1182-71`: Art. 3(1) and 3(2)(c) without Art. 3(4). The default before 2026-12-07.1 named
 *   it when Art. 3(4) had not been read; kept so that recorded deadlines and existing settings keep
 *   their meaning (an extension is counted the way its request's first deadline was).
 *
 * An extension of GDPR Art. 12(3) ("extended by two further months") makes one period of 1 + N
 * months from receipt; Art. 3(4) moves only that period's end (J20).
 */
export type PeriodCounting = 'strict' | 'reg-1182-71' | 'reg-1182-71-nl';
export const PERIOD_COUNTINGS: readonly PeriodCounting[] = ['strict', 'reg-1182-71', 'reg-1182-71-nl'];
export const DEFAULT_PERIOD_COUNTING: PeriodCounting = 'reg-1182-71-nl';

/**
 * The version of these counting rules and the holiday calendar, recorded with every deadline they
 * compute. Deadlines recorded before it (no `rulesVersion`) were counted as their `counting` said then:
 * `strict` and `reg-1182-71` as above, both unchanged.
 */
export const REQUEST_PERIOD_RULES_VERSION = '2026-12-07.1';

/** The end of a period, and the days Art. 3(4) carried it past (empty when it was not moved). */
export interface PeriodEnd {
  dueAt: string;
  /** Local dates (Europe/Amsterdam) that were not working days, each with why: `2027-02-28 Sunday`. */
  movedPast: string[];
}

/**
 * The end of a period of `months` calendar months from `at`, counted the `counting` way. Luxon's
 * month arithmetic clamps to the month's last day (31 January + 1 month = 28/29 February), which is
 * the second sentence of Art. 3(2)(c) and the rulebook's `months` periods
 * (libs/incidents/src/domain/deadlines.ts, which this context cannot import).
 */
export function periodEnd(at: string, months: number, counting: PeriodCounting): PeriodEnd {
  if (!Number.isInteger(months) || months < 1) throw new RangeError(`Months must be a whole number of at least 1 (got ${months})`);
  const start = DateTime.fromISO(at, { zone: HOSPITAL_ZONE });
  if (!start.isValid) throw new RangeError(`Not an instant: "${at}"`);
  const end = start.plus({ months });
  if (counting === 'strict') return { dueAt: end.toUTC().toISO(), movedPast: [] };
  let lastDay = end.startOf('day');
  const movedPast: string[] = [];
  if (counting === 'reg-1182-71-nl') {
    for (let why = notAWorkingDay(lastDay.toISODate(), ATW_CALENDAR); why !== null; why = notAWorkingDay(lastDay.toISODate(), ATW_CALENDAR)) {
      movedPast.push(`${lastDay.toISODate()} ${why}`);
      lastDay = lastDay.plus({ days: 1 });
    }
  }
  return { dueAt: lastDay.endOf('day').toUTC().toISO(), movedPast };
}

/** The end of the period as an instant (see `periodEnd`). */
export const monthsAfter = (at: string, months: number, counting: PeriodCounting): string => periodEnd(at, months, counting).dueAt;

export const COUNTING_TEXT: Record<PeriodCounting, string> = {
  strict:
    'counted from the instant of receipt to the same time on the same date in the last month (its last day when the date does not occur), never extended past a weekend or holiday (the conservative reading, J20)',
  'reg-1182-71':
    'counted per Regulation 1182/71 Art. 3(1) and 3(2)(c): the day of receipt not counted, ending at the end of the day with the same date in the last month (its last day when the date does not occur), in Europe/Amsterdam; Art. 3(4) not applied',
  'reg-1182-71-nl':
    'counted per Regulation 1182/71 Art. 3(1), 3(2)(c) and 3(4) by analogy: the day of receipt not counted, ending at the end of the day with the same date in the last month (its last day when the date does not occur), moved to the end of the following working day when that day is a Saturday, Sunday or Dutch public holiday (Algemene termijnenwet art. 3 list), in Europe/Amsterdam (J20)',
};
