import type { Actor } from '@app/event-store/core';
import type { EncryptedText } from '@app/event-store/core';
import type { AiOutputReviewedData, ReviewCorrectedData, ReviewLinkedToIncidentData, ReviewWithdrawnData } from './review.events';

/**
 * The AI system as the handler loaded it from its own stream, just before deciding.
 * Structurally the `reviewableSnapshot` of the ai-systems context; declared here so
 * oversight's domain depends on no other context.
 */
export interface AiSystemSnapshot {
  exists: boolean;
  status: 'active' | 'suspended';
  knownVersions: readonly string[];
  name: string | null;
}

/**
 * What the AI system's compliance file says about this review, as the handler read it just before
 * deciding. Structurally the `ReviewGate` of the compliance context (declared here for the same reason).
 */
export interface ComplianceSnapshot {
  /** Why the system is a prohibited practice (AI Act Art. 5); null when it is not. */
  prohibited: string | null;
  competencePolicy: 'refuse' | 'flag' | 'not-checked';
  /**
   * When the reviewer held authority to oversee the system: intervals of instants, `until` null =
   * open, `until` included unless it is the instant of a withdrawal (the compliance file's rule).
   */
  reviewerAuthorisations: ReadonlyArray<{ from: string; until: string | null; endsAtWithdrawal: boolean }>;
}

/**
 * A recorded incident as the handler found it in the incident's own stream (its
 * `IncidentDetected`), just before deciding; null when no incident has that id.
 */
export interface IncidentSnapshot {
  reportedBy: Actor;
}

/**
 * Each command is declared from the event it leads to (its data, less what the decider stamps).
 * Encrypted free text arrives with `hasReason`, set by the edge from the clear text
 * (not blank), because the decider cannot read the ciphertext to tell.
 * Every command carries `now` (ISO 8601): the decider never reads the clock.
 */
export interface RecordReview extends Omit<AiOutputReviewedData, 'competence'> {
  type: 'RecordReview';
  hasReason: boolean;
  /** The incident `incidentId` names (when given), as the handler found it; null if not recorded. */
  incident: IncidentSnapshot | null;
  system: AiSystemSnapshot;
  compliance: ComplianceSnapshot;
  now: string;
}

/** Restates decision and reason; the note is optional (the edge passes null when it is blank). */
export interface CorrectReview extends Omit<ReviewCorrectedData, 'correctedAt'> {
  type: 'CorrectReview';
  hasReason: boolean;
  now: string;
}

/** The reason may arrive empty: the decider refuses that (`reason-required`), so the event's is never null. */
export interface WithdrawReview extends Omit<ReviewWithdrawnData, 'withdrawnAt' | 'reason'> {
  type: 'WithdrawReview';
  reason: EncryptedText | null;
  hasReason: boolean;
  now: string;
}

export interface LinkReviewToIncident extends Omit<ReviewLinkedToIncidentData, 'linkedAt'> {
  type: 'LinkReviewToIncident';
  /** The incident, as the handler found it in the incident's stream; null if not recorded. */
  incident: IncidentSnapshot | null;
  now: string;
}

export type ReviewCommand = RecordReview | CorrectReview | WithdrawReview | LinkReviewToIncident;
