/**
 * Which retention applies to an artefact, computed once when it is recorded and stored in the
 * event: a later policy change applies forward only (issue 6), so old artefacts keep their rule.
 */

/** AI Act Art. 26(6): deployers keep automatically generated logs at least six months. */
export const AI_ACT_MINIMUM_MONTHS = 6;
export const DEFAULT_LEGAL_BASIS = 'AI Act Art. 26(6): at least six months; no maximum set for this system and kind';

export interface RetentionTerms {
  minimumMonths: number;
  /** Null: keep until a policy sets a maximum (nothing is purged by default). */
  maximumMonths: number | null;
  legalBasis: string;
}

export interface RetentionRule extends RetentionTerms {
  /** `default` when no policy existed for the system and kind at recording time. */
  source: 'default' | 'policy';
  /** Revision of the policy stream the rule came from (null for the default). */
  policyRevision: number | null;
  /** Not purgeable before this moment: end of the period covered + minimum. */
  keepUntil: string;
  /** Due for purge from this moment: end of the period covered + maximum; null: never by rule. */
  purgeDueAt: string | null;
}

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?Z$/;

export function isIsoInstant(value: string): boolean {
  return ISO.test(value) && !Number.isNaN(Date.parse(value));
}

/** Calendar months in UTC; the 31st plus one month is the last day of the next month. */
export function addMonths(iso: string, months: number): string {
  const d = new Date(iso);
  const day = d.getUTCDate();
  d.setUTCDate(1);
  d.setUTCMonth(d.getUTCMonth() + months);
  const last = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 0)).getUTCDate();
  d.setUTCDate(Math.min(day, last));
  return d.toISOString();
}

export function ruleFor(policy: { terms: RetentionTerms; revision: number } | null, periodTo: string): RetentionRule {
  const terms = policy?.terms ?? { minimumMonths: AI_ACT_MINIMUM_MONTHS, maximumMonths: null, legalBasis: DEFAULT_LEGAL_BASIS };
  return {
    source: policy ? 'policy' : 'default',
    policyRevision: policy?.revision ?? null,
    ...terms,
    keepUntil: addMonths(periodTo, terms.minimumMonths),
    purgeDueAt: terms.maximumMonths === null ? null : addMonths(periodTo, terms.maximumMonths),
  };
}
