import { Command } from '@nestjs/cqrs';
import type { Actor } from '@app/event-store';
import type { ReviewDecision } from '../domain';

/** What the edge sends: free text still in clear; the handler encrypts it per patient. */
export type ReviewInput =
  | {
      type: 'RecordReview';
      reviewId: string;
      aiSystemId: string;
      modelVersion: string;
      outputReference: string;
      outputSha256: string;
      patientPseudonym: string;
      decision: ReviewDecision;
      reason: string | null;
      seenAt: string;
      decidedAt: string;
      incidentId: string | null;
    }
  | { type: 'CorrectReview'; reviewId: string; decision: ReviewDecision; reason: string | null; correctionNote: string | null }
  | { type: 'WithdrawReview'; reviewId: string; reason: string }
  | { type: 'LinkReviewToIncident'; reviewId: string; incidentId: string };

export interface ReviewCommandResult {
  reviewId: string;
  revision: number;
  replayed: boolean;
}

export class ExecuteReviewCommand extends Command<ReviewCommandResult> {
  constructor(
    readonly input: ReviewInput,
    readonly actor: Actor,
    readonly options: { idempotencyKey?: string; requestHash?: string; ifMatch?: number } = {},
  ) {
    super();
  }
}
