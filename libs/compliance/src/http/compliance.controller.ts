import { Body, Controller, Get, Inject, Param, Query, Res } from '@nestjs/common';
import { CommandBus, QueryBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { v7 as uuidv7 } from 'uuid';
import { CLOCK, type Clock } from '@app/event-store';
import { ChangeRoute, Roles, withETag, type Write, Writing } from '@app/identity';
import { ParseIdPipe, ProblemException, revisionETag } from '@app/platform';
import { type ComplianceFileInput, ExecuteComplianceFileCommand } from '../application/compliance-file.commands';
import { GetComplianceFileQuery } from '../application/compliance-file.queries';
import { ListAssessmentsQuery } from '../application/assessment.queries';
import {
  AssessModificationDto,
  ClassifySystemDto,
  CompetencePolicyDto,
  ComplianceQueryDto,
  ListAssessmentsQueryDto,
  RecordAssessmentDto,
  RecordCompetenceDto,
  WithdrawCompetenceDto,
} from './compliance.dto';

/** Who decides the file: quality management and the administrator, as for the inventory itself. */
const MANAGERS = ['admin', 'quality-manager'] as const;
const READERS = ['admin', 'quality-manager', 'legal', 'auditor'] as const;

/** The compliance file of an AI system (issue 23): role and class, Art. 25 assessments, competence of overseers. */
@ApiTags('Compliance')
@ApiBearerAuth()
@Controller()
export class ComplianceController {
  constructor(
    private readonly commands: CommandBus,
    private readonly queries: QueryBus,
    @Inject(CLOCK) private readonly clock: Clock,
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

  private async run(w: Write, input: ComplianceFileInput) {
    return withETag(w, await this.commands.execute(new ExecuteComplianceFileCommand(input, w.actor, w.options)));
  }
}
