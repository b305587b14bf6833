import type { MonitoredMetric } from './monitoring.events';
import type { Finding } from './outcome.events';

/** One confirmed outcome as the read model holds it (as corrected). */
export interface OutcomeFact {
  modelVersion: string;
  ward: string | null;
  producedAt: string;
  aiFinding: Finding | null;
  confirmedFinding: Finding | null;
  agreesWithAi: boolean;
}

/** One live (not withdrawn) review, its decision as corrected. */
export interface ReviewFact {
  modelVersion: string;
  ward: string | null;
  reviewer: string;
  decision: string;
  seenAt: string;
  decidedAt: string;
}

export interface Figures {
  outcomes: number;
  agreed: number;
  /** agreed / outcomes. */
  agreement: number | null;
  /** Outcomes where the AI's and the confirmed finding are both known. */
  findings: { truePositive: number; falsePositive: number; trueNegative: number; falseNegative: number };
  /** TP / (TP + FN): of the confirmed positives, how many the AI found. */
  sensitivity: number | null;
  /** TN / (TN + FP): of the confirmed negatives, how many the AI called negative. */
  specificity: number | null;
  reviews: number;
  /** Decisions rejected or modified. */
  overridden: number;
  overrideRate: number | null;
  accepted: number;
  /** Acceptances decided within `fastAcceptanceSeconds` of the reviewer seeing the output. */
  fastAcceptances: number;
  /** fastAcceptances / accepted. */
  fastAcceptanceRate: number | null;
  /** decidedAt − seenAt per review, nearest-rank median. */
  medianDecisionSeconds: number | null;
}

const OVERRIDES = new Set(['rejected', 'modified']);
const ratio = (n: number, d: number) => (d === 0 ? null : n / d);

/** Seconds a reviewer spent on an output: decided − seen, never negative. */
export const decisionSeconds = (r: Pick<ReviewFact, 'seenAt' | 'decidedAt'>) => Math.max(0, (Date.parse(r.decidedAt) - Date.parse(r.seenAt)) / 1000);

export function figuresOf(outcomes: readonly OutcomeFact[], reviews: readonly ReviewFact[], fastAcceptanceSeconds: number): Figures {
  const findings = { truePositive: 0, falsePositive: 0, trueNegative: 0, falseNegative: 0 };
  let agreed = 0;
  for (const o of outcomes) {
    if (o.agreesWithAi) agreed++;
    if (o.aiFinding === null || o.confirmedFinding === null) continue;
    if (o.confirmedFinding === 'positive') {
      if (o.aiFinding === 'positive') findings.truePositive++;
      else findings.falseNegative++;
    } else if (o.aiFinding === 'negative') findings.trueNegative++;
    else findings.falsePositive++;
  }
  let overridden = 0;
  let accepted = 0;
  let fast = 0;
  const seconds: number[] = [];
  for (const r of reviews) {
    const s = decisionSeconds(r);
    seconds.push(s);
    if (OVERRIDES.has(r.decision)) overridden++;
    if (r.decision === 'accepted') {
      accepted++;
      if (s <= fastAcceptanceSeconds) fast++;
    }
  }
  seconds.sort((a, b) => a - b);
  return {
    outcomes: outcomes.length,
    agreed,
    agreement: ratio(agreed, outcomes.length),
    findings,
    sensitivity: ratio(findings.truePositive, findings.truePositive + findings.falseNegative),
    specificity: ratio(findings.trueNegative, findings.trueNegative + findings.falsePositive),
    reviews: reviews.length,
    overridden,
    overrideRate: ratio(overridden, reviews.length),
    accepted,
    fastAcceptances: fast,
    fastAcceptanceRate: ratio(fast, accepted),
    medianDecisionSeconds: seconds.length ? seconds[Math.max(0, Math.ceil(seconds.length / 2) - 1)] : null,
  };
}

/** A metric's value and the number of cases it rests on (its denominator), for a threshold. */
export function evaluated(f: Figures, metric: MonitoredMetric): { value: number | null; sample: number } {
  switch (metric) {
    case 'agreement':
      return { value: f.agreement, sample: f.outcomes };
    case 'sensitivity':
      return { value: f.sensitivity, sample: f.findings.truePositive + f.findings.falseNegative };
    case 'specificity':
      return { value: f.specificity, sample: f.findings.trueNegative + f.findings.falsePositive };
    case 'overrideRate':
      return { value: f.overrideRate, sample: f.reviews };
    case 'fastAcceptanceRate':
      return { value: f.fastAcceptanceRate, sample: f.accepted };
  }
}

/** The calendar month (UTC) of a time: `2026-11`. Outcomes count in the month the AI produced the output, reviews in the month decided. */
export const monthOf = (iso: string) => iso.slice(0, 7);

/** Figures per key (version, month, ward, reviewer), keys sorted with null first. */
export function breakdown(
  outcomes: readonly OutcomeFact[],
  reviews: readonly ReviewFact[],
  fastAcceptanceSeconds: number,
  keyOfOutcome: (o: OutcomeFact) => string | null,
  keyOfReview: (r: ReviewFact) => string | null,
): { key: string | null; figures: Figures }[] {
  const groups = new Map<string | null, { outcomes: OutcomeFact[]; reviews: ReviewFact[] }>();
  const group = (k: string | null) => {
    let g = groups.get(k);
    if (!g) groups.set(k, (g = { outcomes: [], reviews: [] }));
    return g;
  };
  for (const o of outcomes) group(keyOfOutcome(o)).outcomes.push(o);
  for (const r of reviews) group(keyOfReview(r)).reviews.push(r);
  return [...groups.entries()]
    .sort(([a], [b]) => (a === null ? -1 : b === null ? 1 : a < b ? -1 : a > b ? 1 : 0))
    .map(([key, g]) => ({ key, figures: figuresOf(g.outcomes, g.reviews, fastAcceptanceSeconds) }));
}
