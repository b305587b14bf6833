import { Body, Controller, Get, Headers, Inject, Param, Post, Query, Req, Res, StreamableFile } from '@nestjs/common';
import { CommandBus, QueryBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiBody, ApiConsumes, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { v7 as uuidv7 } from 'uuid';
import { CLOCK, type Clock } from '@app/event-store';
import { actorOf, ChangeRoute, CurrentPrincipal, type Principal, Roles, withETag, type Write, Writing } from '@app/identity';
import { BLOB_STORE, type BlobStore } from '@app/retention';
import { idempotencyKeyOf, ParseIdPipe, ProblemException, revisionETag } from '@app/platform';
import { type ComplianceFileInput, ExecuteComplianceFileCommand } from '../application/compliance-file.commands';
import { GetComplianceFileQuery } from '../application/compliance-file.queries';
import { ListAssessmentsQuery } from '../application/assessment.queries';
import { GetComplianceDashboardQuery } from '../application/dashboard.queries';
import { ComplianceDocuments, DOCUMENT_MEDIA_TYPES } from '../application/documents.service';
import { ListComplianceDocumentsQuery } from '../application/documents.queries';
import { hospitalDay } from '../domain';
import {
  AssessModificationDto,
  ClassifySystemDto,
  CompetencePolicyDto,
  ComplianceQueryDto,
  ListAssessmentsQueryDto,
  ListDocumentsQueryDto,
  RecordAssessmentDto,
  RecordCompetenceDto,
  UploadDocumentQueryDto,
  WithdrawCompetenceDto,
  WithdrawDocumentDto,
} from './compliance.dto';

/** Who decides the file: quality management and the administrator, as for the inventory itself. */
const MANAGERS = ['admin', 'quality-manager'] as const;
const READERS = ['admin', 'quality-manager', 'legal', 'auditor'] as const;
/**
 * Who files the supplier's papers: quality management (certificates, declarations, instructions
 * for use), legal counsel (contracts, processing agreements, service levels) and the administrator.
 */
const DOCUMENT_WRITERS = ['admin', 'quality-manager', 'legal'] as const;
const SHA256_CLAIM = /^[0-9a-fA-F]{64}$/;

/** The compliance file of an AI system (issue 23): role and class, Art. 25 assessments, competence of overseers. */
@ApiTags('Compliance')
@ApiBearerAuth()
@Controller()
export class ComplianceController {
  constructor(
    private readonly commands: CommandBus,
    private readonly queries: QueryBus,
    @Inject(CLOCK) private readonly clock: Clock,
    private readonly documents: ComplianceDocuments,
    @Inject(BLOB_STORE) private readonly blobs: BlobStore,
  ) {}

  @ChangeRoute('ai-systems/:id/classification', MANAGERS, "Record the hospital's role and the system's AI Act and MDR class (prohibited blocks every review)")
  async classify(@Param('id', ParseIdPipe) aiSystemId: string, @Body() dto: ClassifySystemDto, @Writing('if-match') w: Write) {
    return this.run(w, {
      type: 'ClassifySystem',
      aiSystemId,
      fromVersion: dto.fromVersion ?? null,
      role: dto.role,
      aiActRiskClass: dto.aiActRiskClass,
      legalGround: dto.legalGround,
      legalGroundPoint: dto.legalGroundPoint ?? null,
      mdrClass: dto.mdrClass,
      inHouseDevice: dto.inHouseDevice,
      dutiesApplyFrom: dto.dutiesApplyFrom ?? null,
      rationale: dto.rationale,
      decidedOn: dto.decidedOn ?? null,
    });
  }

  @ChangeRoute(
    'ai-systems/:id/modification-assessments',
    MANAGERS,
    'Record an AI Act Art. 25(1) assessment of a change (it can make the hospital the provider)',
  )
  async assess(@Param('id', ParseIdPipe) aiSystemId: string, @Body() dto: AssessModificationDto, @Writing('if-match') w: Write) {
    return this.run(w, {
      type: 'AssessModification',
      aiSystemId,
      version: dto.version ?? null,
      change: dto.change,
      description: dto.description,
      becomesProvider: dto.becomesProvider,
      rationale: dto.rationale,
      assessedOn: dto.assessedOn ?? null,
    });
  }

  @ChangeRoute('ai-systems/:id/competence-policy', MANAGERS, 'Refuse or flag reviews by people without a current competence record for the system')
  async setPolicy(@Param('id', ParseIdPipe) aiSystemId: string, @Body() dto: CompetencePolicyDto, @Writing('if-match') w: Write) {
    return this.run(w, { type: 'SetCompetencePolicy', aiSystemId, policy: dto.policy, reason: dto.reason });
  }

  @ChangeRoute('ai-systems/:id/competence-records', MANAGERS, "Record a person's training and authority to oversee the system (AI Act Art. 4, 26(2))")
  async recordCompetence(@Param('id', ParseIdPipe) aiSystemId: string, @Body() dto: RecordCompetenceDto, @Writing('if-match') w: Write) {
    return this.run(w, {
      type: 'RecordCompetence',
      aiSystemId,
      recordId: uuidv7(),
      person: dto.person,
      course: dto.course,
      completedOn: dto.completedOn,
      expiresOn: dto.expiresOn ?? null,
    });
  }

  @ChangeRoute('ai-systems/:id/competence-withdrawals', MANAGERS, "Withdraw a person's authority to oversee the system")
  async withdrawCompetence(@Param('id', ParseIdPipe) aiSystemId: string, @Body() dto: WithdrawCompetenceDto, @Writing('if-match') w: Write) {
    return this.run(w, { type: 'WithdrawCompetence', aiSystemId, person: dto.person, reason: dto.reason });
  }

  @Get('ai-systems/:id/compliance')
  @Roles(...READERS)
  @ApiOperation({ summary: 'The compliance file: classification, competence records and what is missing, as of any moment' })
  async file(@Param('id', ParseIdPipe) aiSystemId: string, @Query() q: ComplianceQueryDto, @Res({ passthrough: true }) res: Response) {
    const asOf = new Date(q.asOf ?? this.clock.now()).toISOString();
    const { view, revision } = await this.queries.execute(new GetComplianceFileQuery(aiSystemId, asOf));
    if (!view) {
      throw new ProblemException(404, 'ai-system-not-found', 'Not found', `No AI system ${aiSystemId} as of ${asOf}`, [
        { field: 'id', message: 'no such AI system' },
      ]);
    }
    res.setHeader('ETag', revisionETag(revision));
    return view;
  }

  @ChangeRoute('ai-systems/:id/assessments', MANAGERS, 'Record a FRIA, DPIA or risk analysis with its outcome, approver and next review date')
  async recordAssessment(@Param('id', ParseIdPipe) aiSystemId: string, @Body() dto: RecordAssessmentDto, @Writing('if-match') w: Write) {
    return this.run(w, {
      type: 'RecordAssessment',
      aiSystemId,
      assessmentId: uuidv7(),
      kind: dto.kind,
      status: dto.status,
      outcome: dto.outcome,
      approver: dto.approver ?? null,
      assessedOn: dto.assessedOn ?? null,
      nextReviewOn: dto.nextReviewOn ?? null,
      documentReference: dto.documentReference ?? null,
    });
  }

  @Get('compliance/assessments')
  @Roles(...READERS)
  @ApiOperation({ summary: 'The latest assessment of each kind per AI system, soonest review first; overdue=true: past their review date' })
  async assessments(@Query() q: ListAssessmentsQueryDto) {
    return this.queries.execute(new ListAssessmentsQuery({ aiSystemId: q.aiSystemId, overdue: q.overdue, limit: q.limit ?? 50 }));
  }

  // Issue 23 item 7: every system's file at a glance (docs/compliance.md).
  @Get('compliance/dashboard')
  @Roles(...READERS)
  @ApiOperation({ summary: 'Per AI system: what the compliance file holds, lacks and has overdue (assessments past review), as of a moment' })
  async dashboard(@Query() q: ComplianceQueryDto) {
    return this.queries.execute(new GetComplianceDashboardQuery(new Date(q.asOf ?? this.clock.now()).toISOString()));
  }

  @Post('ai-systems/:id/documents')
  @Roles(...DOCUMENT_WRITERS)
  @ApiConsumes(...DOCUMENT_MEDIA_TYPES)
  @ApiBody({ schema: { type: 'string', format: 'binary' }, description: 'The document, streamed; optional X-Content-SHA256 must match it' })
  @ApiOperation({
    summary: 'Upload a document of the file (certificate, declaration, IFU per version, contract…): stored by its SHA-256, recorded as an event',
  })
  async uploadDocument(
    @Param('id', ParseIdPipe) aiSystemId: string,
    @Req() req: Request,
    @Query() q: UploadDocumentQueryDto,
    @Headers('x-content-sha256') claimed: string | undefined,
    @CurrentPrincipal() who: Principal,
    @Res({ passthrough: true }) res: Response,
  ) {
    const mediaType = (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
    if (!DOCUMENT_MEDIA_TYPES.includes(mediaType)) {
      throw new ProblemException(415, 'unsupported-media-type', 'Unsupported media type', `Send the document as one of ${DOCUMENT_MEDIA_TYPES.join(', ')}`, [
        { field: 'Content-Type', message: `must be one of ${DOCUMENT_MEDIA_TYPES.join(', ')}` },
      ]);
    }
    if (claimed !== undefined && !SHA256_CLAIM.test(claimed)) {
      throw new ProblemException(400, 'invalid-sha256', 'Bad request', 'X-Content-SHA256 must be 64 hex characters', [
        { field: 'X-Content-SHA256', message: 'must be 64 hex characters' },
      ]);
    }
    // Only JSON is parsed, so `req` is still the unread body stream.
    const result = await this.documents.upload(
      req,
      {
        aiSystemId,
        documentId: uuidv7(),
        kind: q.kind,
        title: q.title,
        modelVersion: q.modelVersion ?? null,
        validFrom: q.validFrom ?? null,
        validUntil: q.validUntil ?? null,
        supersedes: q.supersedes ?? null,
        mediaType,
        filename: q.filename ?? null,
        expectedSha256: claimed?.toLowerCase(),
      },
      actorOf(who),
      idempotencyKeyOf(req),
    );
    res.setHeader('Location', `/api/v1/ai-systems/${aiSystemId}/documents/${result.documentId}`);
    res.setHeader('ETag', revisionETag(result.revision));
    return result;
  }

  @Get('ai-systems/:id/documents')
  @Roles(...READERS)
  @ApiOperation({ summary: 'The documents of the file with their status on a day; validOn: only those in force that day; asOf: as the registry knew it then' })
  async listDocuments(@Param('id', ParseIdPipe) aiSystemId: string, @Query() q: ListDocumentsQueryDto, @Res({ passthrough: true }) res: Response) {
    const asOf = new Date(q.asOf ?? this.clock.now()).toISOString();
    const list = await this.queries.execute(new ListComplianceDocumentsQuery(aiSystemId, asOf, q.validOn ?? hospitalDay(asOf), q.validOn !== undefined));
    if (!list) throw systemNotFound(aiSystemId, asOf);
    res.setHeader('ETag', revisionETag(list.revision));
    return { aiSystemId, validOn: list.day, asOf, items: list.items };
  }

  @Get('ai-systems/:id/documents/:documentId/content')
  @Roles(...READERS)
  // Not in the NEN 7513 access log: the file's documents are the supplier's and the hospital's papers
  // about the system, not a patient's data (see docs/compliance.md); the route is role-checked.
  @ApiOperation({ summary: 'Download a document exactly as uploaded (X-Content-SHA256 names its hash)' })
  async documentContent(
    @Param('id', ParseIdPipe) aiSystemId: string,
    @Param('documentId', ParseIdPipe) documentId: string,
    @Res({ passthrough: true }) res: Response,
  ) {
    const asOf = this.clock.now().toISOString();
    const list = await this.queries.execute(new ListComplianceDocumentsQuery(aiSystemId, asOf, hospitalDay(asOf), false));
    if (!list) throw systemNotFound(aiSystemId, asOf);
    const doc = list.items.find((d) => d.documentId === documentId);
    if (!doc) {
      throw new ProblemException(404, 'document-not-found', 'Not found', `No document ${documentId} in the file of ${aiSystemId}`, [
        { field: 'documentId', message: 'no such document' },
      ]);
    }
    const body = await this.blobs.read(doc.sha256);
    if (!body) throw new ProblemException(500, 'content-missing', 'Internal error', 'The content of this document is missing from the blob store');
    res.setHeader('X-Content-SHA256', doc.sha256);
    const name = (doc.filename ?? `document-${documentId}`).replace(/[^A-Za-z0-9._-]/g, '_');
    return new StreamableFile(body, { type: doc.mediaType, length: doc.sizeBytes, disposition: `attachment; filename="${name}"` });
  }

  @ChangeRoute(
    'ai-systems/:id/documents/:documentId/withdrawal',
    DOCUMENT_WRITERS,
    'Withdraw a document from a day on (a certificate suspended, a contract ended, an upload in error)',
  )
  async withdrawDocument(
    @Param('id', ParseIdPipe) aiSystemId: string,
    @Param('documentId', ParseIdPipe) documentId: string,
    @Body() dto: WithdrawDocumentDto,
    @Writing('if-match') w: Write,
  ) {
    return this.run(w, { type: 'WithdrawDocument', aiSystemId, documentId, reason: dto.reason, effectiveOn: dto.effectiveOn ?? null });
  }

  private async run(w: Write, input: ComplianceFileInput) {
    return withETag(w, await this.commands.execute(new ExecuteComplianceFileCommand(input, w.actor, w.options)));
  }
}

function systemNotFound(aiSystemId: string, asOf: string) {
  return new ProblemException(404, 'ai-system-not-found', 'Not found', `No AI system ${aiSystemId} as of ${asOf}`, [
    { field: 'id', message: 'no such AI system' },
  ]);
}
