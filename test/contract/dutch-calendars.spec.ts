import { DateTime } from 'luxon';
import { notAWorkingDay } from '@app/compliance';
import { isDutchWorkingDay } from '@app/incidents';

/**
 * Two restatements of one calendar: the incident clocks' Dutch working days (J4, 5 May a holiday
 * as the Algemene termijnenwet art. 3 lists it) and the request periods' public holidays of
 * Regulation 1182/71 Art. 2(1) and 3(4) (J20). Domain code imports no other lib, so each context has
 * its own; they must not drift apart, day by day, over the years the registry will count in.
 */
describe('the Dutch calendars of incidents and of request periods', () => {
  it('agree on every day from 2020 to 2040', () => {
    const differ: string[] = [];
    for (let day = DateTime.fromISO('2020-01-01', { zone: 'Europe/Amsterdam' }); day.year <= 2040; day = day.plus({ days: 1 })) {
      const date = day.toISODate()!;
      if (isDutchWorkingDay(date, { liberationDayIsHoliday: true }) !== (notAWorkingDay(date) === null)) differ.push(date);
    }
    expect(differ).toEqual([]);
  });
});
