/**
 * `@app/oversight/contract`: the shapes of the review API's answers, declared once and read by
 * the server and by the web app. Pure TypeScript: only this context's domain and
 * `@app/event-store/core` (test/architecture.spec.ts).
 */

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
