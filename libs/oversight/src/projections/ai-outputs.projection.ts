import { Injectable } from '@nestjs/common';
import type { Envelope, Projection, ProjectionContext } from '@app/event-store';
import { outputIdOf } from '../application/output-id';
import { AI_OUTPUT_EVENT_TYPES, type AiOutputEvent, type OutputUrgency, REVIEW_EVENT_TYPES, type ReviewEvent } from '../domain';
import { AiOutputReviewEventRow, AiOutputReviewLinkRow, AiOutputRow } from './ai-output.entities';

export const URGENCY_RANK: Record<OutputUrgency, number> = { critical: 0, urgent: 1, routine: 2 };

/**
 * Outputs that came by feed and the reviews of them: a review is of an output when it names the
 * same AI system and output reference (the output id is derived from both, as the feed's).
 */
@Injectable()
export class AiOutputsProjection implements Projection<AiOutputEvent | ReviewEvent> {
  readonly name = 'oversight-ai-outputs';
  // 2: ward (issue 25).
  readonly version = 2;
  readonly entities = [AiOutputRow, AiOutputReviewEventRow, AiOutputReviewLinkRow];
  readonly eventTypes = [...AI_OUTPUT_EVENT_TYPES, ...REVIEW_EVENT_TYPES];

  async handle(events: Envelope<AiOutputEvent | ReviewEvent>[], ctx: ProjectionContext): Promise<void> {
    for (const e of events) {
      switch (e.type) {
        case 'oversight.AiOutputProduced': {
          // The AI's finding is monitoring's (ADR 0052), not the worklist's.
          const { postedBy: _by, aiFinding: _f, ...d } = e.data;
          const fed = { ...d, ward: d.ward ?? null, fed: true, urgencyRank: URGENCY_RANK[d.urgency], recordedAt: e.recordedAt };
          // Blind: no read per output. A row a review made first keeps its count (the column's default is 0).
          await ctx.upsert(AiOutputRow, fed, ['outputId']);
          break;
        }
        case 'oversight.AiOutputReviewed': {
          const d = e.data;
          const outputId = outputIdOf(d.aiSystemId, d.outputReference);
          await ctx.insert(AiOutputReviewLinkRow, { reviewId: d.reviewId, outputId, aiSystemId: d.aiSystemId, withdrawn: false });
          await this.history(ctx, e, outputId, d.aiSystemId, d.reviewId, 'reviewed', d.decision, d.decidedAt);
          const row = await ctx.find<AiOutputRow>(AiOutputRow, { outputId });
          if (row) await ctx.update(AiOutputRow, { liveReviews: row.liveReviews + 1 }, { outputId });
          else
            await ctx.insert(AiOutputRow, { ...NOT_FED, outputId, aiSystemId: d.aiSystemId, outputReference: d.outputReference, fed: false, liveReviews: 1 });
          break;
        }
        case 'oversight.ReviewCorrected':
        case 'oversight.ReviewWithdrawn': {
          const link = await ctx.find<AiOutputReviewLinkRow>(AiOutputReviewLinkRow, { reviewId: e.data.reviewId });
          if (!link || link.withdrawn) break;
          if (e.type === 'oversight.ReviewCorrected') {
            await this.history(ctx, e, link.outputId, link.aiSystemId, link.reviewId, 'corrected', e.data.decision, null);
            break;
          }
          await this.history(ctx, e, link.outputId, link.aiSystemId, link.reviewId, 'withdrawn', null, null);
          await ctx.update(AiOutputReviewLinkRow, { withdrawn: true }, { reviewId: link.reviewId });
          const row = await ctx.find<AiOutputRow>(AiOutputRow, { outputId: link.outputId });
          if (row) await ctx.update(AiOutputRow, { liveReviews: Math.max(0, row.liveReviews - 1) }, { outputId: link.outputId });
          break;
        }
        default:
          break;
      }
    }
  }

  private history(
    ctx: ProjectionContext,
    e: Envelope<AiOutputEvent | ReviewEvent>,
    outputId: string,
    aiSystemId: string,
    reviewId: string,
    kind: AiOutputReviewEventRow['kind'],
    decision: string | null,
    decidedAt: string | null,
  ) {
    return ctx.insert(AiOutputReviewEventRow, {
      globalPosition: e.globalPosition,
      outputId,
      aiSystemId,
      reviewId,
      kind,
      decision,
      decidedAt,
      recordedAt: e.recordedAt,
    });
  }
}

const NOT_FED = {
  modelVersion: null,
  outputSha256: null,
  patientPseudonym: null,
  producedAt: null,
  urgency: null,
  urgencyRank: null,
  summary: null,
  ward: null,
  recordedAt: null,
};
