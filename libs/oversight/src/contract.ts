/**
 * `@app/oversight/contract`: the shapes of the review API's answers, declared once and read by
 * the server and by the web app. Pure TypeScript: only this context's domain and
 * `@app/event-store/core` (test/architecture.spec.ts).
 */
import type { Coverage } from './domain/coverage';

/** A review as `GET /reviews` lists it: its read-model row, the reason decrypted (or erased). */
export interface ReviewListItem {
  reviewId: string;
  aiSystemId: string;
  modelVersion: string;
  outputReference: string;
  outputSha256: string;
  patientPseudonym: string;
  reviewerSubject: string;
  reviewerRole: string;
  originalDecision: string;
  decision: string;
  reason: { text: string | null; erased: boolean };
  seenAt: string;
  decidedAt: string;
  recordedAt: string;
  month: string;
  withdrawn: boolean;
  corrections: number;
  incidentIds: string[];
  /**
   * The reviewer's competence for the system when deciding (AI Act Art. 26(2)): `not-authorised`
   * is the flag the quality manager sees; `not-checked` while the system has no competence policy.
   */
  competence: 'authorised' | 'not-authorised' | 'not-checked';
  revision: number;
}

/** One line of `GET /reviews/competence-flags`: the reviews of a system recorded with the competence flag. */
export interface CompetenceFlagCount {
  aiSystemId: string;
  flagged: number;
  /** The latest decision time among them. */
  lastDecidedAt: string;
}

/** One output awaiting review as `GET /worklist` lists it; the summary decrypted (or erased). */
export interface WorklistItem {
  outputId: string;
  aiSystemId: string;
  aiSystemName: string;
  modelVersion: string;
  outputReference: string;
  outputSha256: string;
  patientPseudonym: string;
  producedAt: string;
  urgency: string;
  ward: string | null;
  summary: { text: string | null; erased: boolean };
  /** Unreviewed longer than its AI system's review limit. */
  overdue: boolean;
}

/** Coverage of oversight for one AI system (`GET /ai-systems/{id}/coverage`). */
export interface CoverageAnswer {
  aiSystemId: string;
  from: string | null;
  to: string | null;
  version: string | null;
  ward: string | null;
  asOf: string;
  limitMinutes: number;
  produced: number;
  reviewed: number;
  unreviewed: number;
  overridden: number;
  overdue: number;
  timeToReviewSeconds: { median: number | null; p90: number | null };
  /** The same figures per ward (null: outputs that named none). */
  byWard: Array<Coverage & { ward: string | null }>;
}
