import { Module, type OnModuleInit } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ProjectionRegistry } from '@app/event-store';
import { ListAssessmentsHandler, OverdueAssessments } from './application/assessment.queries';
import { ExecuteComplianceFileCommandHandler } from './application/compliance-file.handler';
import { GetComplianceFileHandler, GetReviewGateHandler } from './application/compliance-file.queries';
import { ComplianceController } from './http/compliance.controller';
import { AssessmentRow } from './projections/assessment.entity';
import { AssessmentsProjection } from './projections/assessments.projection';

/**
 * The compliance file per AI system (issue 23): role and classification, Art. 25 assessments, the
 * competence of overseers and assessments with review dates, on its own stream; one read model
 * (the latest assessments, for the overdue list and gauge), the rest read from the stream.
 */
@Module({
  imports: [CqrsModule, TypeOrmModule.forFeature([AssessmentRow])],
  controllers: [ComplianceController],
  providers: [
    ExecuteComplianceFileCommandHandler,
    GetComplianceFileHandler,
    GetReviewGateHandler,
    ListAssessmentsHandler,
    OverdueAssessments,
    AssessmentsProjection,
  ],
  exports: [OverdueAssessments],
})
export class ComplianceModule implements OnModuleInit {
  constructor(
    private readonly projections: ProjectionRegistry,
    private readonly assessments: AssessmentsProjection,
  ) {}

  onModuleInit(): void {
    this.projections.register(this.assessments);
  }
}
