import { streamIdentity } from '@app/event-store/core';
import type { Actor } from '@app/event-store/core';
import type { EncryptedText } from './encrypted-text';

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
}

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

export interface AiOutputReviewed {
  type: 'oversight.AiOutputReviewed';
  data: AiOutputReviewedData;
}

export interface ReviewCorrected {
  type: 'oversight.ReviewCorrected';
  data: ReviewCorrectedData;
}

export interface ReviewWithdrawn {
  type: 'oversight.ReviewWithdrawn';
  data: ReviewWithdrawnData;
}

export interface ReviewLinkedToIncident {
  type: 'oversight.ReviewLinkedToIncident';
  data: ReviewLinkedToIncidentData;
}

/** Stored envelopes (`EventEnvelope<Data, Type>`) satisfy these shapes, so they can be folded directly. */
export type ReviewEvent = AiOutputReviewed | ReviewCorrected | ReviewWithdrawn | ReviewLinkedToIncident;

export type ReviewEventType = ReviewEvent['type'];

export const REVIEW_EVENT_TYPES: readonly ReviewEventType[] = [
  'oversight.AiOutputReviewed',
  'oversight.ReviewCorrected',
  'oversight.ReviewWithdrawn',
  'oversight.ReviewLinkedToIncident',
];
