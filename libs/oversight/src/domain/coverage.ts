/**
 * Coverage of oversight: of the outputs an AI system produced, how many a person reviewed, how
 * fast, and which were not. Pure: the caller passes what the registry knew at `asOf`.
 */
export interface CoverageOutput {
  outputId: string;
  producedAt: string;
}

export interface CoverageReviewEvent {
  outputId: string;
  reviewId: string;
  kind: 'reviewed' | 'corrected' | 'withdrawn';
  decision: string | null;
  decidedAt: string | null;
}

export interface Coverage {
  produced: number;
  reviewed: number;
  unreviewed: number;
  /** Reviewed with the decision (as corrected) rejected or modified. */
  overridden: number;
  /** Unreviewed, and produced longer ago than the limit at `asOf`. */
  overdue: number;
  /** decidedAt − producedAt of each output's first live review; nearest-rank percentiles. */
  timeToReviewSeconds: { median: number | null; p90: number | null };
}

const OVERRIDES = new Set(['rejected', 'modified']);

/** `events` in log order; an output's review is its earliest-decided review not withdrawn. */
export function coverageOf(outputs: readonly CoverageOutput[], events: readonly CoverageReviewEvent[], asOf: string, limitMs: number): Coverage {
  const reviews = new Map<string, Map<string, { decision: string; decidedAt: string; withdrawn: boolean }>>();
  for (const e of events) {
    const ofOutput = reviews.get(e.outputId) ?? new Map<string, { decision: string; decidedAt: string; withdrawn: boolean }>();
    reviews.set(e.outputId, ofOutput);
    const review = ofOutput.get(e.reviewId);
    if (e.kind === 'reviewed') ofOutput.set(e.reviewId, { decision: e.decision!, decidedAt: e.decidedAt!, withdrawn: false });
    else if (review && e.kind === 'corrected') review.decision = e.decision!;
    else if (review) review.withdrawn = true;
  }
  const now = Date.parse(asOf);
  const seconds: number[] = [];
  let overridden = 0;
  let overdue = 0;
  for (const o of outputs) {
    const live = [...(reviews.get(o.outputId)?.values() ?? [])].filter((r) => !r.withdrawn).sort((a, b) => a.decidedAt.localeCompare(b.decidedAt));
    const produced = Date.parse(o.producedAt);
    if (live.length === 0) {
      if (now - produced > limitMs) overdue++;
      continue;
    }
    if (OVERRIDES.has(live[0].decision)) overridden++;
    // A review decided before the feed's producedAt (clocks apart) counts as immediate.
    seconds.push(Math.max(0, (Date.parse(live[0].decidedAt) - produced) / 1000));
  }
  seconds.sort((a, b) => a - b);
  return {
    produced: outputs.length,
    reviewed: seconds.length,
    unreviewed: outputs.length - seconds.length,
    overridden,
    overdue,
    timeToReviewSeconds: { median: nearestRank(seconds, 0.5), p90: nearestRank(seconds, 0.9) },
  };
}

function nearestRank(sorted: readonly number[], p: number): number | null {
  if (sorted.length === 0) return null;
  return sorted[Math.max(0, Math.ceil(p * sorted.length) - 1)];
}
