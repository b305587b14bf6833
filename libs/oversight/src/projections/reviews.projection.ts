import { Injectable } from '@nestjs/common';
import type { Envelope, Projection, ProjectionContext } from '@app/event-store';
import { REVIEW_EVENT_TYPES, type ReviewDecision, type ReviewEvent } from '../domain';
import { ReviewMonthlyRow, ReviewRow, ReviewTimelineRow } from './review.entities';

const ZERO = { total: 0, accepted: 0, modified: 0, rejected: 0, escalated: 0 };

/** Reviews, the per-patient timeline and monthly decision counts, from review events only. */
@Injectable()
export class ReviewsProjection implements Projection<ReviewEvent> {
  readonly name = 'oversight-reviews';
  // 2: the reviewer's competence (issue 23).
  readonly version = 2;
  readonly entities = [ReviewRow, ReviewTimelineRow, ReviewMonthlyRow];
  readonly eventTypes = REVIEW_EVENT_TYPES;

  async handle(events: Envelope<ReviewEvent>[], ctx: ProjectionContext): Promise<void> {
    for (const e of events) {
      if (e.type === 'oversight.AiOutputReviewed') {
        const d = e.data;
        const month = d.decidedAt.slice(0, 7);
        await ctx.insert(ReviewRow, {
          reviewId: d.reviewId,
          aiSystemId: d.aiSystemId,
          modelVersion: d.modelVersion,
          outputReference: d.outputReference,
          outputSha256: d.outputSha256,
          patientPseudonym: d.patientPseudonym,
          reviewerSubject: d.reviewer.subject,
          reviewerRole: d.reviewer.role,
          originalDecision: d.decision,
          decision: d.decision,
          reason: d.reason,
          seenAt: d.seenAt,
          decidedAt: d.decidedAt,
          recordedAt: e.recordedAt,
          month,
          withdrawn: false,
          corrections: 0,
          incidentIds: d.incidentId ? [d.incidentId] : [],
          competence: d.competence ?? 'not-checked',
          revision: e.streamRevision,
        });
        await this.count(ctx, d.aiSystemId, month, d.decision, 1);
        await this.timeline(
          ctx,
          e,
          {
            reviewId: d.reviewId,
            patientPseudonym: d.patientPseudonym,
            aiSystemId: d.aiSystemId,
            modelVersion: d.modelVersion,
            reviewerSubject: d.reviewer.subject,
          },
          {
            actor: d.reviewer,
            decision: d.decision,
            text: d.reason,
            incidentId: d.incidentId,
            occurredAt: d.decidedAt,
          },
        );
        continue;
      }
      const review = await ctx.find<ReviewRow>(ReviewRow, { reviewId: e.data.reviewId });
      if (!review) continue; // cannot happen for a stream the decider wrote; never invent one
      switch (e.type) {
        case 'oversight.ReviewCorrected': {
          const d = e.data;
          if (!review.withdrawn) {
            await this.count(ctx, review.aiSystemId, review.month, review.decision as ReviewDecision, -1);
            await this.count(ctx, review.aiSystemId, review.month, d.decision, 1);
          }
          await ctx.update(
            ReviewRow,
            { decision: d.decision, reason: d.reason, corrections: review.corrections + 1, revision: e.streamRevision },
            { reviewId: review.reviewId },
          );
          await this.timeline(ctx, e, review, { actor: d.correctedBy, decision: d.decision, text: d.reason, occurredAt: d.correctedAt });
          break;
        }
        case 'oversight.ReviewWithdrawn': {
          const d = e.data;
          if (!review.withdrawn) await this.count(ctx, review.aiSystemId, review.month, review.decision as ReviewDecision, -1);
          await ctx.update(ReviewRow, { withdrawn: true, revision: e.streamRevision }, { reviewId: review.reviewId });
          await this.timeline(ctx, e, review, { actor: d.withdrawnBy, text: d.reason, occurredAt: d.withdrawnAt });
          break;
        }
        case 'oversight.ReviewLinkedToIncident': {
          const d = e.data;
          const ids = review.incidentIds.includes(d.incidentId) ? review.incidentIds : [...review.incidentIds, d.incidentId];
          await ctx.update(ReviewRow, { incidentIds: ids, revision: e.streamRevision }, { reviewId: review.reviewId });
          await this.timeline(ctx, e, review, { actor: d.linkedBy, incidentId: d.incidentId, occurredAt: d.linkedAt });
          break;
        }
      }
    }
  }

  private count(ctx: ProjectionContext, aiSystemId: string, month: string, decision: ReviewDecision, by: 1 | -1) {
    return ctx.increment(ReviewMonthlyRow, { aiSystemId, month }, { total: by, [decision]: by }, ZERO);
  }

  private timeline(
    ctx: ProjectionContext,
    e: Envelope<ReviewEvent>,
    review: Pick<ReviewRow, 'reviewId' | 'patientPseudonym' | 'aiSystemId' | 'modelVersion' | 'reviewerSubject'>,
    what: { actor: { subject: string; role: string }; decision?: string; text?: unknown; incidentId?: string | null; occurredAt: string },
  ) {
    return ctx.insert(ReviewTimelineRow, {
      globalPosition: e.globalPosition,
      eventId: e.eventId,
      eventType: e.type,
      reviewId: review.reviewId,
      patientPseudonym: review.patientPseudonym,
      aiSystemId: review.aiSystemId,
      modelVersion: review.modelVersion,
      reviewerSubject: review.reviewerSubject,
      actorSubject: what.actor.subject,
      actorRole: what.actor.role,
      decision: what.decision ?? null,
      text: what.text ?? null,
      incidentId: what.incidentId ?? null,
      occurredAt: what.occurredAt,
      recordedAt: e.recordedAt,
    });
  }
}
