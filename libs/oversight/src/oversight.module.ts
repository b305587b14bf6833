import { Module, type OnModuleInit } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ProjectionRegistry } from '@app/event-store';
import { RecordAiOutputsHandler } from './application/ai-output.handler';
import { CoverageHandler, OverdueAiOutputs, WorklistHandler } from './application/ai-output.queries';
import { IncidentReviewLinks } from './application/incident-review-links';
import { ExecuteReviewCommandHandler } from './application/review.handler';
import {
  CompetenceFlagCountsHandler,
  CountReviewsHandler,
  GetReviewHandler,
  ListReviewsHandler,
  OverrideRatesHandler,
  PatientTimelineHandler,
} from './application/review.queries';
import { AiOutputCoverageController, OverdueAiOutputsController, WorklistController } from './http/ai-output-oversight.controller';
import { AiOutputsController } from './http/ai-outputs.controller';
import { AiSystemReviewsController } from './http/ai-system-reviews.controller';
import { PatientsController } from './http/patients.controller';
import { ReviewsController } from './http/reviews.controller';
import { AiOutputReviewEventRow, AiOutputReviewLinkRow, AiOutputRow } from './projections/ai-output.entities';
import { AiOutputsProjection } from './projections/ai-outputs.projection';
import { ReviewMonthlyRow, ReviewRow, ReviewTimelineRow } from './projections/review.entities';
import { ReviewsProjection } from './projections/reviews.projection';

/** Human oversight: AI outputs by feed and the reviews of them (AI Act Art. 14, 26(2)). */
@Module({
  imports: [CqrsModule, TypeOrmModule.forFeature([ReviewRow, ReviewTimelineRow, ReviewMonthlyRow, AiOutputRow, AiOutputReviewEventRow, AiOutputReviewLinkRow])],
  controllers: [
    ReviewsController,
    PatientsController,
    AiSystemReviewsController,
    AiOutputsController,
    AiOutputCoverageController,
    OverdueAiOutputsController,
    WorklistController,
  ],
  providers: [
    ExecuteReviewCommandHandler,
    GetReviewHandler,
    ListReviewsHandler,
    CountReviewsHandler,
    CompetenceFlagCountsHandler,
    PatientTimelineHandler,
    OverrideRatesHandler,
    ReviewsProjection,
    IncidentReviewLinks,
    RecordAiOutputsHandler,
    CoverageHandler,
    WorklistHandler,
    OverdueAiOutputs,
    AiOutputsProjection,
  ],
  exports: [OverdueAiOutputs],
})
export class OversightModule implements OnModuleInit {
  constructor(
    private readonly projections: ProjectionRegistry,
    private readonly projection: ReviewsProjection,
    private readonly outputs: AiOutputsProjection,
  ) {}

  onModuleInit(): void {
    this.projections.register(this.projection);
    this.projections.register(this.outputs);
  }
}
