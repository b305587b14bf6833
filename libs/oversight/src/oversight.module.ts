import { Module, type OnModuleInit } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ProjectionRegistry } from '@app/event-store';
import { IncidentReviewLinks } from './application/incident-review-links';
import { ExecuteReviewCommandHandler } from './application/review.handler';
import { GetReviewHandler, ListReviewsHandler, OverrideRatesHandler, PatientTimelineHandler } from './application/review.queries';
import { AiSystemReviewsController } from './http/ai-system-reviews.controller';
import { PatientsController } from './http/patients.controller';
import { ReviewsController } from './http/reviews.controller';
import { ReviewMonthlyRow, ReviewRow, ReviewTimelineRow } from './projections/review.entities';
import { ReviewsProjection } from './projections/reviews.projection';

/** Human oversight: reviews of AI output (AI Act Art. 14, 26(2)). */
@Module({
  imports: [CqrsModule, TypeOrmModule.forFeature([ReviewRow, ReviewTimelineRow, ReviewMonthlyRow])],
  controllers: [ReviewsController, PatientsController, AiSystemReviewsController],
  providers: [
    ExecuteReviewCommandHandler,
    GetReviewHandler,
    ListReviewsHandler,
    PatientTimelineHandler,
    OverrideRatesHandler,
    ReviewsProjection,
    IncidentReviewLinks,
  ],
})
export class OversightModule implements OnModuleInit {
  constructor(
    private readonly projections: ProjectionRegistry,
    private readonly projection: ReviewsProjection,
  ) {}

  onModuleInit(): void {
    this.projections.register(this.projection);
  }
}
