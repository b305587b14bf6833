import { Module, type OnModuleInit } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ProjectionRegistry } from '@app/event-store';
import { RetentionModule } from '@app/retention';
import { ListAssessmentsHandler, OverdueAssessments } from './application/assessment.queries';
import { ExecuteComplianceFileCommandHandler } from './application/compliance-file.handler';
import { GetComplianceFileHandler, GetReviewGateHandler } from './application/compliance-file.queries';
import { ComplianceDocuments } from './application/documents.service';
import { GetComplianceDashboardHandler } from './application/dashboard.queries';
import { ListComplianceDocumentsHandler } from './application/documents.queries';
import { ComplianceController } from './http/compliance.controller';
import { AssessmentRow } from './projections/assessment.entity';
import { AssessmentsProjection } from './projections/assessments.projection';

/**
 * The compliance file per AI system (issue 23): role and classification, Art. 25 assessments, the
 * competence of overseers, assessments with review dates and documents (in the blob store), on its own stream; one read model
 * (the latest assessments, for the overdue list and gauge), the rest read from the stream.
 */
@Module({
  // The documents share the log artefacts' blob store (content-addressed, file or S3).
  imports: [CqrsModule, TypeOrmModule.forFeature([AssessmentRow]), RetentionModule],
  controllers: [ComplianceController],
  providers: [
    ExecuteComplianceFileCommandHandler,
    GetComplianceFileHandler,
    GetReviewGateHandler,
    ListAssessmentsHandler,
    OverdueAssessments,
    AssessmentsProjection,
    ComplianceDocuments,
    ListComplianceDocumentsHandler,
    GetComplianceDashboardHandler,
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
