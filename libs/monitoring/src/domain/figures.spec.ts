import { breakdown, evaluated, figuresOf, monthOf, type OutcomeFact, type ReviewFact } from './figures';

/** ADR 0052: what counts as agreement, a finding and a very fast acceptance. */
const outcome = (
  aiFinding: OutcomeFact['aiFinding'],
  confirmedFinding: OutcomeFact['confirmedFinding'],
  agreesWithAi: boolean,
  more: Partial<OutcomeFact> = {},
): OutcomeFact => ({
  modelVersion: '1.0',
  ward: 'ICU',
  producedAt: '2026-11-10T10:00:00Z',
  aiFinding,
  confirmedFinding,
  agreesWithAi,
  ...more,
});
const review = (decision: string, seconds: number, more: Partial<ReviewFact> = {}): ReviewFact => ({
  modelVersion: '1.0',
  ward: 'ICU',
  reviewer: 'alice',
  decision,
  seenAt: '2026-11-10T10:00:00Z',
  decidedAt: new Date(Date.parse('2026-11-10T10:00:00Z') + seconds * 1000).toISOString(),
  ...more,
});

describe('Monitoring figures', () => {
  it('counts agreement, sensitivity and specificity from the confirmed outcomes', () => {
    const f = figuresOf(
      [
        outcome('positive', 'positive', true),
        outcome('positive', 'negative', false),
        outcome('negative', 'positive', false),
        outcome('negative', 'negative', true),
        outcome(null, null, true),
      ],
      [],
      5,
    );
    expect(f).toMatchObject({ outcomes: 5, agreed: 3, agreement: 0.6, sensitivity: 0.5, specificity: 0.5 });
    expect(f.findings).toEqual({ truePositive: 1, falsePositive: 1, trueNegative: 1, falseNegative: 1 });
    expect(evaluated(f, 'sensitivity')).toEqual({ value: 0.5, sample: 2 });
  });

  it('counts overrides of all reviews and very fast acceptances (≤ the seconds) of acceptances', () => {
    const f = figuresOf([], [review('accepted', 2), review('accepted', 5), review('accepted', 6), review('rejected', 1), review('modified', 30)], 5);
    expect(f).toMatchObject({
      reviews: 5,
      overridden: 2,
      overrideRate: 0.4,
      accepted: 3,
      fastAcceptances: 2,
      fastAcceptanceRate: 2 / 3,
      medianDecisionSeconds: 5,
    });
    expect(evaluated(f, 'fastAcceptanceRate')).toEqual({ value: 2 / 3, sample: 3 });
  });

  it('has no rate without cases (null, not 0)', () => {
    expect(figuresOf([], [], 5)).toMatchObject({
      agreement: null,
      sensitivity: null,
      specificity: null,
      overrideRate: null,
      fastAcceptanceRate: null,
      medianDecisionSeconds: null,
    });
  });

  it('breaks down by month, null key first', () => {
    const rows = breakdown(
      [outcome('positive', 'positive', true, { producedAt: '2026-10-01T00:00:00Z' }), outcome('positive', 'negative', false)],
      [review('accepted', 1, { ward: null })],
      5,
      (o) => o.ward,
      (r) => r.ward,
    );
    expect(rows.map((r) => [r.key, r.figures.outcomes, r.figures.reviews])).toEqual([
      [null, 0, 1],
      ['ICU', 2, 0],
    ]);
    expect(monthOf('2026-11-10T10:00:00Z')).toBe('2026-11');
  });
});
