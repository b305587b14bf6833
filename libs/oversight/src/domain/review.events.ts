import { eventTypes, streamIdentity } from '@app/event-store/core';
import type { Actor, EventOf, EventsOf } from '@app/event-store/core';
import type { EncryptedText } from '@app/event-store/core';

/** Stream of one human review of one AI output: `review-<id>`. */
export const reviewStream = streamIdentity('review-');
export const reviewStreamId = reviewStream.streamOf;

export type ReviewDecision = 'accepted' | 'modified' | 'rejected' | 'escalated';

export interface AiOutputReviewedData {
  reviewId: string;
  aiSystemId: string;
  /** The system version that produced the output; one the registry knows was deployed. */
  modelVersion: string;
  /** Where the output lives (e.g. a PACS or EHR reference); never patient-identifying. */
  outputReference: string;
  /** SHA-256 of the output as the reviewer saw it, lowercase hex. */
  outputSha256: string;
  patientPseudonym: string;
  reviewer: Actor;
  decision: ReviewDecision;
  reason: EncryptedText | null;
  /** When the reviewer saw the output. */
  seenAt: string;
  /** When the reviewer decided; business time, may be earlier than `recordedAt`. */
  decidedAt: string;
  incidentId: string | null;
  /**
   * Whether the reviewer held a current competence record for the system when deciding (AI Act
   * Art. 26(2)); absent when the system has no competence policy (and in reviews before issue 23).
   * `not-authorised` is recorded only under the `flag` policy: the quality manager sees it.
   */
  competence?: ReviewCompetence;
}

export type ReviewCompetence = 'authorised' | 'not-authorised';

/** Restates decision and reason in full; the original `AiOutputReviewed` stays in the stream. */
export interface ReviewCorrectedData {
  reviewId: string;
  decision: ReviewDecision;
  reason: EncryptedText | null;
  correctionNote: EncryptedText | null;
  correctedBy: Actor;
  correctedAt: string;
}

export interface ReviewWithdrawnData {
  reviewId: string;
  reason: EncryptedText;
  withdrawnBy: Actor;
  withdrawnAt: string;
}

export interface ReviewLinkedToIncidentData {
  reviewId: string;
  incidentId: string;
  linkedBy: Actor;
  linkedAt: string;
}

/** The context's events, declared once: type → data. The union, each event and the list of types derive from it. */
export interface ReviewEventData {
  'oversight.AiOutputReviewed': AiOutputReviewedData;
  'oversight.ReviewCorrected': ReviewCorrectedData;
  'oversight.ReviewWithdrawn': ReviewWithdrawnData;
  'oversight.ReviewLinkedToIncident': ReviewLinkedToIncidentData;
}

export type AiOutputReviewed = EventOf<ReviewEventData, 'oversight.AiOutputReviewed'>;
export type ReviewCorrected = EventOf<ReviewEventData, 'oversight.ReviewCorrected'>;
export type ReviewWithdrawn = EventOf<ReviewEventData, 'oversight.ReviewWithdrawn'>;
export type ReviewLinkedToIncident = EventOf<ReviewEventData, 'oversight.ReviewLinkedToIncident'>;

/** Stored envelopes (`EventEnvelope<Data, Type>`) satisfy these shapes, so they can be folded directly. */
export type ReviewEvent = EventsOf<ReviewEventData>;

export type ReviewEventType = ReviewEvent['type'];

export const REVIEW_EVENT_TYPES = eventTypes<ReviewEventData>({
  'oversight.AiOutputReviewed': true,
  'oversight.ReviewCorrected': true,
  'oversight.ReviewWithdrawn': true,
  'oversight.ReviewLinkedToIncident': true,
});
