import { DateTime } from 'luxon';
import { ATW_CALENDAR, notAWorkingDay } from '@app/calendar';
import { monthsAfter, periodEnd, PERIOD_COUNTINGS } from './index';

/**
 * How the one-month period of GDPR Art. 12(3) ("within one month of receipt of the request", "may be
 * extended by two further months") is counted by the registry's default reading (`reg-1182-71-nl`,
 * judgement J20, for legal counsel to confirm), Regulation (EEC, Euratom) No 1182/71 by analogy:
 *
 * - Art. 3(1): "the day during which that event occurs or that action takes place shall not be
 *   considered as falling within the period in question";
 * - Art. 3(2)(c): the period ends "with the expiry of the last hour of whichever day in the last
 *   week, month or year is the same day of the week, or falls on the same date, as the day from
 *   which the period runs. If, in a period expressed in months or in years, the day on which it
 *   should expire does not occur in the last month, the period shall end with the expiry of the last
 *   hour of the last day of that month";
 * - Art. 3(4): "where the last day of a period expressed otherwise than in hours is a public
 *   holiday, Sunday or Saturday, the period shall end with the expiry of the last hour of the
 *   following working day";
 * - Art. 2(1): "public holidays means all days designated as such in the Member State or" … (the
 *   Netherlands: the Algemene termijnenwet art. 3 list, J20).
 *
 * Sources and how each was read: docs/compliance.md § "AI Act Art. 26(7), 26(11), Art. 86; GDPR
 * Art. 12(3), 13". Every request below arrives at 10:00 or 11:00 in Amsterdam; ends are 23:59:59.999
 * local (22:59 UTC in winter, 21:59 UTC in summer).
 */
const nl = (at: string, months = 1) => periodEnd(at, months, 'reg-1182-71-nl');

describe('request periods: Regulation 1182/71 Art. 3 with Dutch public holidays (J20)', () => {
  it('Given a request on Friday 2 April 2027, When one month runs, Then it ends on Monday 3 May: 2 May is a Sunday (Art. 3(4))', () => {
    expect(nl('2027-04-02T08:00:00.000Z')).toEqual({ dueAt: '2027-05-03T21:59:59.999Z', movedPast: ['2027-05-02 Sunday'] });
  });

  it('Given a request on Friday 29 January 2027, When one month runs, Then February has no 29th, its last day is a Sunday, and it ends on Monday 1 March', () => {
    expect(nl('2027-01-29T09:00:00.000Z')).toEqual({ dueAt: '2027-03-01T22:59:59.999Z', movedPast: ['2027-02-28 Sunday'] });
  });

  it('Given a request on 31 January, When one month runs, Then it ends with the last day of February, carried past a weekend', () => {
    // 2026: Saturday 28 February, Sunday 1 March → Monday 2 March.
    expect(nl('2026-01-31T09:00:00.000Z')).toEqual({ dueAt: '2026-03-02T22:59:59.999Z', movedPast: ['2026-02-28 Saturday', '2026-03-01 Sunday'] });
    // 2028 (leap year): Tuesday 29 February, a working day.
    expect(nl('2028-01-31T09:00:00.000Z')).toEqual({ dueAt: '2028-02-29T22:59:59.999Z', movedPast: [] });
  });

  it("Given a month ending on King's Day, When it is a weekday, Then the period runs to the end of the next working day", () => {
    // Friday 27 March 2026 → Monday 27 April 2026, Koningsdag → Tuesday 28 April.
    expect(nl('2026-03-27T09:00:00.000Z')).toEqual({ dueAt: '2026-04-28T21:59:59.999Z', movedPast: ['2026-04-27 Koningsdag'] });
    // Saturday 27 March 2027 → Tuesday 27 April 2027, Koningsdag → Wednesday 28 April.
    expect(nl('2027-03-27T09:00:00.000Z')).toEqual({ dueAt: '2027-04-28T21:59:59.999Z', movedPast: ['2027-04-27 Koningsdag'] });
  });

  it('Given a month ending on Christmas Day 2026 (a Friday), When it runs, Then Christmas Day and the weekend after it are skipped to Monday 28 December', () => {
    expect(nl('2026-11-25T09:00:00.000Z')).toEqual({
      dueAt: '2026-12-28T22:59:59.999Z',
      movedPast: ['2026-12-25 Eerste Kerstdag', '2026-12-26 Saturday', '2026-12-27 Sunday'],
    });
    // 24 December is not a public holiday in the Atw list: a request of 24 November ends on it.
    expect(nl('2026-11-24T09:00:00.000Z')).toEqual({ dueAt: '2026-12-24T22:59:59.999Z', movedPast: [] });
  });

  it('Given a month ending on Good Friday, When it runs, Then Easter weekend and Easter Monday are skipped too', () => {
    // Friday 26 February 2027 → Good Friday 26 March 2027 → Tuesday 30 March (summer time from 28 March).
    expect(nl('2027-02-26T09:00:00.000Z')).toEqual({
      dueAt: '2027-03-30T21:59:59.999Z',
      movedPast: ['2027-03-26 Goede Vrijdag', '2027-03-27 Saturday', '2027-03-28 Sunday', '2027-03-29 Tweede Paasdag'],
    });
  });

  it('Given a month ending on 5 May 2027, When Ascension Day follows it, Then both are skipped (Atw art. 3: 5 May every year)', () => {
    expect(nl('2027-04-05T08:00:00.000Z')).toEqual({
      dueAt: '2027-05-07T21:59:59.999Z',
      movedPast: ['2027-05-05 Bevrijdingsdag (5 mei)', '2027-05-06 Hemelvaartsdag'],
    });
  });

  it('Given an extension by two further months, When the period of three months runs from receipt, Then Art. 3(4) moves only its end', () => {
    // Saturday 25 September 2027 + 3 months = Saturday 25 December 2027 → Sunday 26 December → Monday 27 December.
    expect(nl('2027-09-25T08:00:00.000Z', 3)).toEqual({ dueAt: '2027-12-27T22:59:59.999Z', movedPast: ['2027-12-25 Saturday', '2027-12-26 Sunday'] });
  });

  it('Given a request late in the evening, When the period is counted, Then the day of receipt is not counted: the period ends at the end of the same date (Art. 3(1), 3(2)(c))', () => {
    // 23:30 on Monday 15 February 2027 in Amsterdam → end of Monday 15 March.
    expect(nl('2027-02-15T22:30:00.000Z').dueAt).toBe('2027-03-15T22:59:59.999Z');
    expect(monthsAfter('2027-02-15T22:30:00.000Z', 1, 'strict')).toBe('2027-03-15T22:30:00.000Z');
  });

  it('the strict reading never ends later than Art. 3(2)(c), and Art. 3(2)(c) never later than with Art. 3(4), for every day of 2026–2028', () => {
    for (let day = DateTime.fromISO('2026-01-01T10:00', { zone: 'Europe/Amsterdam' }); day.year < 2029; day = day.plus({ days: 1 })) {
      const at = day.toUTC().toISO()!;
      for (const months of [1, 2, 3]) {
        const [strict, plain, withHolidays] = PERIOD_COUNTINGS.map((c) => Date.parse(monthsAfter(at, months, c)));
        expect(strict).toBeLessThanOrEqual(plain);
        expect(plain).toBeLessThanOrEqual(withHolidays);
        // Art. 3(4) ends on a working day, and at most a long weekend of holidays later.
        const end = nl(at, months);
        expect(notAWorkingDay(DateTime.fromISO(end.dueAt, { zone: 'Europe/Amsterdam' }).toISODate()!, ATW_CALENDAR)).toBeNull();
        expect(end.movedPast.length).toBeLessThanOrEqual(4);
      }
    }
  });
});
