import { Inject, Module, type OnModuleInit } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import { InjectRepository, TypeOrmModule } from '@nestjs/typeorm';
import type { Repository } from 'typeorm';
import { EVENT_STORE, type EventStore, ProjectionRegistry } from '@app/event-store';
import { BlobKeepers, RetentionModule } from '@app/retention';
import { ListAssessmentsHandler, OverdueAssessments } from './application/assessment.queries';
import { ExecuteComplianceFileCommandHandler } from './application/compliance-file.handler';
import { GetComplianceFileHandler, GetReviewGateHandler } from './application/compliance-file.queries';
import { ComplianceDocuments } from './application/documents.service';
import { GetComplianceDashboardHandler } from './application/dashboard.queries';
import { ListComplianceDocumentsHandler } from './application/documents.queries';
import { ComplianceController } from './http/compliance.controller';
import { AssessmentRow } from './projections/assessment.entity';
import { AssessmentsProjection } from './projections/assessments.projection';
import { DocumentBlobRow } from './projections/document-blob.entity';
import { DOCUMENT_BLOBS_PROJECTION, DocumentBlobsProjection } from './projections/document-blobs.projection';
// Issue 23 item 5: information duties and subject requests (ADR 0051).
import { ExecuteSubjectRequestCommandHandler } from './application/subject-request.handler';
import { GetSubjectRequestHandler, ListSubjectRequestsHandler, OverdueSubjectRequests } from './application/subject-request.queries';
import { InformationController } from './http/information.controller';
import { SubjectRequestRow } from './projections/subject-request.entity';
import { SubjectRequestsProjection } from './projections/subject-requests.projection';

/**
 * The compliance file per AI system (issue 23): role and classification, Art. 25 assessments, the
 * competence of overseers, assessments with review dates and documents (in the blob store), on its own stream; one read model
 * (the latest assessments, for the overdue list and gauge), the rest read from the stream.
 */
@Module({
  // The documents share the log artefacts' blob store (content-addressed, file or S3).
  imports: [CqrsModule, TypeOrmModule.forFeature([AssessmentRow, DocumentBlobRow, SubjectRequestRow]), RetentionModule],
  controllers: [ComplianceController, InformationController],
  providers: [
    ExecuteComplianceFileCommandHandler,
    GetComplianceFileHandler,
    GetReviewGateHandler,
    ListAssessmentsHandler,
    OverdueAssessments,
    AssessmentsProjection,
    DocumentBlobsProjection,
    ComplianceDocuments,
    ListComplianceDocumentsHandler,
    ExecuteSubjectRequestCommandHandler,
    ListSubjectRequestsHandler,
    GetSubjectRequestHandler,
    OverdueSubjectRequests,
    SubjectRequestsProjection,
    GetComplianceDashboardHandler,
  ],
  exports: [OverdueAssessments, OverdueSubjectRequests],
})
export class ComplianceModule implements OnModuleInit {
  constructor(
    private readonly projections: ProjectionRegistry,
    private readonly assessments: AssessmentsProjection,
    private readonly documentBlobs: DocumentBlobsProjection,
    private readonly keepers: BlobKeepers,
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @InjectRepository(DocumentBlobRow) private readonly blobRows: Repository<DocumentBlobRow>,
    private readonly subjectRequests: SubjectRequestsProjection,
  ) {}

  onModuleInit(): void {
    this.projections.register(this.assessments);
    this.projections.register(this.documentBlobs);
    // Documents share the log artefacts' content-addressed store: a log purge keeps bytes a document records.
    this.keepers.register({
      context: 'compliance',
      keeps: async (sha256) => {
        // Everything committed so far, not a lagging view: a document recorded a moment ago counts.
        await this.projections.runner.requireThrough(await this.store.headPosition(), [DOCUMENT_BLOBS_PROJECTION]);
        return (await this.blobRows.find({ where: { sha256 }, order: { documentId: 'ASC' } })).map((r) => `document-${r.documentId}`);
      },
    });
    this.projections.register(this.subjectRequests);
  }
}
