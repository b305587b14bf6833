import { coverageOf, type CoverageReviewEvent } from './coverage';

const HOUR = 3_600_000;
const at = (minutes: number) => new Date(Date.UTC(2026, 11, 1, 8) + minutes * 60_000).toISOString();
const outputs = [1, 2, 3, 4, 5].map((n) => ({ outputId: `o${n}`, producedAt: at(0) }));
const reviewed = (outputId: string, reviewId: string, decision: string, minutes: number): CoverageReviewEvent => ({
  outputId,
  reviewId,
  kind: 'reviewed',
  decision,
  decidedAt: at(minutes),
});

describe('coverage of oversight', () => {
  it('counts reviewed, overridden, overdue and the time to review of each output’s first live review', () => {
    const events: CoverageReviewEvent[] = [
      reviewed('o1', 'r1', 'accepted', 1),
      reviewed('o2', 'r2', 'accepted', 2),
      { outputId: 'o2', reviewId: 'r2', kind: 'corrected', decision: 'modified', decidedAt: null },
      reviewed('o3', 'r3', 'rejected', 10),
      { outputId: 'o3', reviewId: 'r3', kind: 'withdrawn', decision: null, decidedAt: null },
      reviewed('o4', 'r4', 'accepted', 20),
      reviewed('o4', 'r5', 'rejected', 4),
    ];
    expect(coverageOf(outputs, events, at(120), HOUR)).toEqual({
      produced: 5,
      reviewed: 3,
      unreviewed: 2,
      overridden: 2,
      overdue: 2,
      timeToReviewSeconds: { median: 120, p90: 240 },
    });
  });

  it('counts an unreviewed output overdue only past the limit, and has no times without reviews', () => {
    expect(coverageOf(outputs, [], at(60), HOUR)).toMatchObject({ overdue: 0, timeToReviewSeconds: { median: null, p90: null } });
    expect(coverageOf(outputs, [], at(61), HOUR)).toMatchObject({ overdue: 5 });
  });
});
