import { ProblemException } from '@app/platform';
import { checkParams, countOf, dateRangeOf, patientOf } from './search';

const fieldOf = (f: () => unknown): string | undefined => {
  try {
    f();
  } catch (e) {
    return e instanceof ProblemException ? e.errors?.[0]?.field : 'not a problem';
  }
  return undefined;
};

describe('FHIR search parameters', () => {
  it('reads a date value as the range of its precision (UTC unless a zone is given)', () => {
    expect(dateRangeOf({ date: '2026' }, 'date')).toEqual({ from: '2026-01-01T00:00:00.000Z', to: '2027-01-01T00:00:00.000Z' });
    expect(dateRangeOf({ date: '2026-12' }, 'date')).toEqual({ from: '2026-12-01T00:00:00.000Z', to: '2027-01-01T00:00:00.000Z' });
    expect(dateRangeOf({ date: '2026-12-31' }, 'date')).toEqual({ from: '2026-12-31T00:00:00.000Z', to: '2027-01-01T00:00:00.000Z' });
    expect(dateRangeOf({ date: '2026-12-07T10:15' }, 'date')).toEqual({ from: '2026-12-07T10:15:00.000Z', to: '2026-12-07T10:16:00.000Z' });
    expect(dateRangeOf({ date: '2026-12-07T10:15:30+01:00' }, 'date')).toEqual({ from: '2026-12-07T09:15:30.000Z', to: '2026-12-07T09:15:31.000Z' });
  });

  it('turns the prefixes into bounds: ge/gt from the start/end, le/lt before the end/start, repeated values intersect', () => {
    expect(dateRangeOf({ date: 'ge2026-12' }, 'date')).toEqual({ from: '2026-12-01T00:00:00.000Z' });
    expect(dateRangeOf({ date: 'gt2026-12' }, 'date')).toEqual({ from: '2027-01-01T00:00:00.000Z' });
    expect(dateRangeOf({ date: 'le2026-12' }, 'date')).toEqual({ to: '2027-01-01T00:00:00.000Z' });
    expect(dateRangeOf({ date: 'lt2026-12' }, 'date')).toEqual({ to: '2026-12-01T00:00:00.000Z' });
    expect(dateRangeOf({ date: ['ge2026-01-01', 'lt2026-02-01', 'ge2026-01-15'] }, 'date')).toEqual({
      from: '2026-01-15T00:00:00.000Z',
      to: '2026-02-01T00:00:00.000Z',
    });
    expect(dateRangeOf({}, 'date')).toEqual({});
  });

  it('refuses what it does not support, naming the parameter', () => {
    expect(fieldOf(() => dateRangeOf({ recorded: 'ne2026' }, 'recorded'))).toBe('recorded');
    expect(fieldOf(() => dateRangeOf({ recorded: 'sa2026' }, 'recorded'))).toBe('recorded');
    expect(fieldOf(() => dateRangeOf({ date: '2026-13' }, 'date'))).toBe('date');
    expect(fieldOf(() => dateRangeOf({ date: '07-12-2026' }, 'date'))).toBe('date');
    expect(fieldOf(() => dateRangeOf({ date: '2026-02-30' }, 'date'))).toBe('date');
    expect(fieldOf(() => dateRangeOf({ date: '2026-12-07T24:00' }, 'date'))).toBe('date');
    expect(fieldOf(() => checkParams({ _sort: 'date' }, ['date']))).toBe('_sort');
    expect(fieldOf(() => checkParams({ patient: ['p-a', 'p-b'] }, ['patient']))).toBe('patient');
    expect(fieldOf(() => countOf({ _count: '501' }))).toBe('_count');
    expect(fieldOf(() => countOf({ _count: '1.5' }))).toBe('_count');
    expect(countOf({})).toBe(50);
    expect(fieldOf(() => patientOf({ patient: 'NL-123' }, 'patient'))).toBe('patient');
  });
});
