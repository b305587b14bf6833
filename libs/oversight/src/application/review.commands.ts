import { Command } from '@nestjs/cqrs';
import type { Actor } from '@app/event-store';
import type { CorrectReview, LinkReviewToIncident, RecordReview, WithdrawReview } from '../domain';

/** Free text as the edge has it: in clear (or absent); the handler encrypts it per patient. */
type InClear<T, K extends keyof T> = Omit<T, K> & { [P in K]: string | null };

/**
 * What the edge sends, declared from the domain's commands: free text still in clear, and
 * nothing the handler adds (the actor, `now`, `hasReason`, the snapshots it loads).
 */
export type ReviewInput =
  | InClear<Omit<RecordReview, 'reviewer' | 'hasReason' | 'incident' | 'system' | 'compliance' | 'now'>, 'reason'>
  | InClear<Omit<CorrectReview, 'correctedBy' | 'hasReason' | 'now'>, 'reason' | 'correctionNote'>
  | (Omit<WithdrawReview, 'withdrawnBy' | 'hasReason' | 'now' | 'reason'> & { reason: string })
  | Omit<LinkReviewToIncident, 'linkedBy' | 'incident' | 'now'>;

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
