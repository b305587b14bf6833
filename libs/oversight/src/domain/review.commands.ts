import type { Actor } from '@app/event-store/core';
import type { EncryptedText } from './encrypted-text';
import type { ReviewDecision } from './review.events';

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
 * A recorded incident as the handler found it in the incident's own stream (its
 * `IncidentDetected`), just before deciding; null when no incident has that id.
 */
export interface IncidentSnapshot {
  reportedBy: Actor;
}

/**
 * Encrypted free text arrives with `hasReason`, set by the edge from the clear text
 * (not blank), because the decider cannot read the ciphertext to tell.
 * Every command carries `now` (ISO 8601): the decider never reads the clock.
 */
export interface RecordReview {
  type: 'RecordReview';
  reviewId: string;
  aiSystemId: string;
  modelVersion: string;
  outputReference: string;
  outputSha256: string;
  patientPseudonym: string;
  reviewer: Actor;
  decision: ReviewDecision;
  reason: EncryptedText | null;
  hasReason: boolean;
  seenAt: string;
  decidedAt: string;
  incidentId: string | null;
  /** The incident `incidentId` names (when given), as the handler found it; null if not recorded. */
  incident: IncidentSnapshot | null;
  system: AiSystemSnapshot;
  now: string;
}

export interface CorrectReview {
  type: 'CorrectReview';
  reviewId: string;
  decision: ReviewDecision;
  reason: EncryptedText | null;
  hasReason: boolean;
  /** Optional; the edge passes null when the note is blank. */
  correctionNote: EncryptedText | null;
  correctedBy: Actor;
  now: string;
}

export interface WithdrawReview {
  type: 'WithdrawReview';
  reviewId: string;
  reason: EncryptedText | null;
  hasReason: boolean;
  withdrawnBy: Actor;
  now: string;
}

export interface LinkReviewToIncident {
  type: 'LinkReviewToIncident';
  reviewId: string;
  incidentId: string;
  /** The incident, as the handler found it in the incident's stream; null if not recorded. */
  incident: IncidentSnapshot | null;
  linkedBy: Actor;
  now: string;
}

export type ReviewCommand = RecordReview | CorrectReview | WithdrawReview | LinkReviewToIncident;
