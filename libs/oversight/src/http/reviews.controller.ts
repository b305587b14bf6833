import { Body, Controller, Get, Inject, Param, Post, Query, Res } from '@nestjs/common';
import { CommandBus, QueryBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { v7 as uuidv7 } from 'uuid';
import { CLOCK, type Clock } from '@app/event-store';
import {
  AccessLogged,
  ChangeRoute,
  CurrentPrincipal,
  type Principal,
  Pseudonymizer,
  pseudonymOfPatientId,
  pseudonymsOfItems,
  Roles,
  withETag,
  type Write,
  Writing,
} from '@app/identity';
import { ParseIdPipe, ProblemException, revisionETag } from '@app/platform';
import { ExecuteReviewCommand, type ReviewInput } from '../application/review.commands';
import { CompetenceFlagCountsQuery, GetReviewQuery, ListReviewsQuery } from '../application/review.queries';
import { CorrectReviewDto, LinkIncidentDto, ListReviewsQueryDto, RecordReviewDto, WithdrawReviewDto } from './review.dto';
import type { ReviewListItem } from '../contract';

const READERS = ['clinician', 'quality-manager', 'legal', 'auditor'] as const;

@ApiTags('Reviews (human oversight)')
@ApiBearerAuth()
@Controller('reviews')
export class ReviewsController {
  constructor(
    private readonly commands: CommandBus,
    private readonly queries: QueryBus,
    private readonly pseudonyms: Pseudonymizer,
    // Business time, as the handler's: a review decided "now" is not "in the future" to the decider.
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  @Post()
  @Roles('clinician')
  @ApiOperation({ summary: 'Record a review of one AI output (AI Act Art. 14, 26(2))' })
  async record(@Body() dto: RecordReviewDto, @Writing() w: Write) {
    if (dto.patientId !== undefined && dto.patientPseudonym !== undefined) {
      throw new ProblemException(400, 'validation-failed', 'The request is not valid', 'Give patientId or patientPseudonym, not both', [
        { field: 'patientPseudonym', message: 'give patientId or patientPseudonym, not both' },
      ]);
    }
    const now = this.clock.now().toISOString();
    const decidedAt = dto.decidedAt ? new Date(dto.decidedAt).toISOString() : now;
    const result = await this.commands.execute(
      new ExecuteReviewCommand(
        {
          type: 'RecordReview',
          reviewId: uuidv7(),
          aiSystemId: dto.aiSystemId.toLowerCase(),
          modelVersion: dto.modelVersion,
          outputReference: dto.outputReference,
          outputSha256: dto.outputSha256,
          patientPseudonym: dto.patientPseudonym ?? this.pseudonymise(dto.patientId!),
          decision: dto.decision,
          reason: dto.reason ?? null,
          seenAt: dto.seenAt ? new Date(dto.seenAt).toISOString() : decidedAt,
          decidedAt,
          incidentId: dto.incidentId?.toLowerCase() ?? null,
        },
        w.actor,
        w.options,
      ),
    );
    w.res.status(201).setHeader('Location', `/api/v1/reviews/${result.reviewId}`).setHeader('ETag', revisionETag(result.revision));
    return result;
  }

  @Get()
  @Roles(...READERS)
  @AccessLogged('list-reviews', pseudonymsOfItems)
  @ApiOperation({ summary: 'Reviews, newest first; clinicians see only their own' })
  async list(@Query() q: ListReviewsQueryDto, @CurrentPrincipal() who: Principal) {
    const reviewer = who.role === 'clinician' ? who.subject : q.reviewer;
    const page = await this.queries.execute(
      new ListReviewsQuery({ aiSystemId: q.aiSystemId?.toLowerCase(), reviewer, competence: q.competence, limit: q.limit ?? 50, cursor: q.cursor }),
    );
    return { items: page.items.map(reviewListItem), nextCursor: page.nextCursor };
  }

  // Declared before ':id', so the path is not read as a review id. Counts only: no person, no patient.
  @Get('competence-flags')
  @Roles('quality-manager', 'legal', 'auditor', 'admin')
  @ApiOperation({
    summary: 'Per AI system: how many reviews were recorded with the competence flag (AI Act Art. 26(2), the `flag` policy), and the latest',
  })
  async competenceFlags() {
    return { systems: await this.queries.execute(new CompetenceFlagCountsQuery()) };
  }

  @Get(':id')
  @Roles(...READERS)
  @AccessLogged('read-review', (review: { patientPseudonym: string }) => [review.patientPseudonym])
  @ApiOperation({ summary: 'One review with its history, from its events' })
  async get(@Param('id', ParseIdPipe) id: string, @CurrentPrincipal() who: Principal, @Res({ passthrough: true }) res: Response) {
    const view = await this.queries.execute(new GetReviewQuery(id));
    // A clinician gets 404, not 403, for someone else's review: existence is not disclosed.
    if (!view || (who.role === 'clinician' && view.reviewer.subject !== who.subject)) {
      throw new ProblemException(404, 'review-not-found', 'Not found', `No review ${id}`, [{ field: 'id', message: 'no such review' }]);
    }
    res.setHeader('ETag', revisionETag(view.revision));
    return view;
  }

  @ChangeRoute(':id/corrections', ['clinician', 'quality-manager'], 'Correct a review (a new event; the original stays)')
  correct(@Param('id', ParseIdPipe) id: string, @Body() dto: CorrectReviewDto, @Writing('if-match') w: Write) {
    return this.run(w, {
      type: 'CorrectReview',
      reviewId: id,
      decision: dto.decision,
      reason: dto.reason ?? null,
      correctionNote: dto.correctionNote ?? null,
    });
  }

  @ChangeRoute(':id/withdrawal', ['clinician', 'quality-manager'], 'Withdraw a review entered in error')
  withdraw(@Param('id', ParseIdPipe) id: string, @Body() dto: WithdrawReviewDto, @Writing('if-match') w: Write) {
    return this.run(w, { type: 'WithdrawReview', reviewId: id, reason: dto.reason });
  }

  @ChangeRoute(':id/incident-links', ['clinician', 'quality-manager'], 'Link the review to an incident')
  link(@Param('id', ParseIdPipe) id: string, @Body() dto: LinkIncidentDto, @Writing('if-match') w: Write) {
    return this.run(w, {
      type: 'LinkReviewToIncident',
      reviewId: id,
      incidentId: dto.incidentId.toLowerCase(),
    });
  }

  private async run(w: Write, input: ReviewInput) {
    return withETag(w, await this.commands.execute(new ExecuteReviewCommand(input, w.actor, w.options)));
  }

  private pseudonymise(patientId: string): string {
    return pseudonymOfPatientId(this.pseudonyms, patientId);
  }
}

export function reviewListItem(
  r: import('../projections/review.entities').ReviewRow & { reasonView: { text: string | null; erased: boolean } },
): ReviewListItem {
  const { reason: _encrypted, reasonView, ...rest } = r;
  return { ...rest, reason: reasonView };
}
