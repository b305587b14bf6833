import { Body, Controller, Get, Param, Post, Query, Res } from '@nestjs/common';
import { CommandBus, QueryBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { v7 as uuidv7 } from 'uuid';
import { AccessLogged, ChangeRoute, Pseudonymizer, pseudonymOfPatientId, pseudonymsOfItems, Roles, withETag, type Write, Writing } from '@app/identity';
import { ParseIdPipe, ProblemException, revisionETag } from '@app/platform';
import { ExecuteComplianceFileCommand } from '../application/compliance-file.commands';
import { ExecuteSubjectRequestCommand, type SubjectRequestInput } from '../application/subject-request.commands';
import { GetSubjectRequestQuery, ListSubjectRequestsQuery, type SubjectRequestView } from '../application/subject-request.queries';
import {
  AnswerSubjectRequestDto,
  ExtendSubjectRequestDto,
  ListSubjectRequestsQueryDto,
  ReceiveSubjectRequestDto,
  RecordInformationDutyDto,
  RefuseSubjectRequestDto,
  WithdrawSubjectRequestDto,
} from './information.dto';

/**
 * Who records how people are informed and handles their requests: quality management, legal
 * counsel (the requests are legal correspondence) and the administrator. There is no DPO role
 * (docs/roles.md); a DPO works under the legal role. Auditors read.
 */
const WRITERS = ['admin', 'quality-manager', 'legal'] as const;
const READERS = ['admin', 'quality-manager', 'legal', 'auditor'] as const;

/** Issue 23 item 5: information duties on the compliance file; explanation (AI Act Art. 86) and access (GDPR Art. 15) requests. */
@ApiTags('Compliance')
@ApiBearerAuth()
@Controller()
export class InformationController {
  constructor(
    private readonly commands: CommandBus,
    private readonly queries: QueryBus,
    private readonly pseudonyms: Pseudonymizer,
  ) {}

  @ChangeRoute(
    'ai-systems/:id/information-duties',
    WRITERS,
    'Record how and when workers, persons affected or patients are informed about the system, with the text version (AI Act Art. 26(7), 26(11), 50; GDPR Art. 13/14)',
  )
  async recordInformationDuty(@Param('id', ParseIdPipe) aiSystemId: string, @Body() dto: RecordInformationDutyDto, @Writing('if-match') w: Write) {
    const input = {
      type: 'RecordInformationDuty' as const,
      aiSystemId,
      statementId: uuidv7(),
      basis: dto.basis,
      channel: dto.channel,
      timing: dto.timing,
      textVersion: dto.textVersion,
      documentId: dto.documentId?.toLowerCase() ?? null,
      textSha256: dto.textSha256 ?? null,
      approvedBy: dto.approvedBy,
      effectiveFrom: dto.effectiveFrom ?? null,
    };
    return withETag(w, await this.commands.execute(new ExecuteComplianceFileCommand(input, w.actor, w.options)));
  }

  @Post('compliance/subject-requests')
  @Roles(...WRITERS)
  @ApiOperation({ summary: 'Record an explanation (AI Act Art. 86) or access (GDPR Art. 15) request as received; its deadline is computed from receipt' })
  async receive(@Body() dto: ReceiveSubjectRequestDto, @Writing() w: Write) {
    if (dto.patientId !== undefined && dto.patientPseudonym !== undefined) {
      throw new ProblemException(400, 'validation-failed', 'The request is not valid', 'Give patientId or patientPseudonym, not both', [
        { field: 'patientPseudonym', message: 'give patientId or patientPseudonym, not both' },
      ]);
    }
    const result = await this.commands.execute(
      new ExecuteSubjectRequestCommand(
        {
          type: 'ReceiveSubjectRequest',
          requestId: uuidv7(),
          kind: dto.kind,
          patientPseudonym: dto.patientPseudonym ?? pseudonymOfPatientId(this.pseudonyms, dto.patientId!),
          aiSystemId: dto.aiSystemId?.toLowerCase() ?? null,
          receivedAt: dto.receivedAt ?? null,
          channel: dto.channel,
          details: dto.details ?? null,
        },
        w.actor,
        w.options,
      ),
    );
    w.res.status(201).setHeader('Location', `/api/v1/compliance/subject-requests/${result.requestId}`).setHeader('ETag', revisionETag(result.revision));
    return result;
  }

  @ChangeRoute(
    'compliance/subject-requests/:id/extension',
    WRITERS,
    'Extend the deadline by further months with the reasons told to the data subject (GDPR Art. 12(3): within the first month, two months at most)',
  )
  extend(@Param('id', ParseIdPipe) requestId: string, @Body() dto: ExtendSubjectRequestDto, @Writing('if-match') w: Write) {
    return this.run(w, { type: 'ExtendSubjectRequest', requestId, months: dto.months, reasons: dto.reasons, informedAt: dto.informedAt ?? null });
  }

  @ChangeRoute('compliance/subject-requests/:id/answer', WRITERS, 'Record the answer: its text (encrypted per patient) or the hash of the document sent')
  answer(@Param('id', ParseIdPipe) requestId: string, @Body() dto: AnswerSubjectRequestDto, @Writing('if-match') w: Write) {
    return this.run(w, {
      type: 'AnswerSubjectRequest',
      requestId,
      answeredAt: dto.answeredAt ?? null,
      answer: dto.answer ?? null,
      answerSha256: dto.answerSha256 ?? null,
    });
  }

  @ChangeRoute('compliance/subject-requests/:id/refusal', WRITERS, 'Refuse the request with its ground (GDPR Art. 12(5), 12(6); Art. 86 not applying)')
  refuse(@Param('id', ParseIdPipe) requestId: string, @Body() dto: RefuseSubjectRequestDto, @Writing('if-match') w: Write) {
    return this.run(w, { type: 'RefuseSubjectRequest', requestId, ground: dto.ground, explanation: dto.explanation, refusedAt: dto.refusedAt ?? null });
  }

  @ChangeRoute('compliance/subject-requests/:id/withdrawal', WRITERS, 'The requester withdrew the request')
  withdraw(@Param('id', ParseIdPipe) requestId: string, @Body() dto: WithdrawSubjectRequestDto, @Writing('if-match') w: Write) {
    return this.run(w, { type: 'WithdrawSubjectRequest', requestId, withdrawnAt: dto.withdrawnAt ?? null });
  }

  @Get('compliance/subject-requests')
  @Roles(...READERS)
  @AccessLogged('list-subject-requests', pseudonymsOfItems)
  @ApiOperation({ summary: 'Explanation and access requests with their deadlines: open first, soonest due first; overdue=true: open past their deadline' })
  list(@Query() q: ListSubjectRequestsQueryDto) {
    return this.queries.execute(
      new ListSubjectRequestsQuery({ kind: q.kind, status: q.status, aiSystemId: q.aiSystemId?.toLowerCase(), overdue: q.overdue, limit: q.limit ?? 50 }),
    );
  }

  @Get('compliance/subject-requests/:id')
  @Roles(...READERS)
  @AccessLogged('read-subject-request', (view: SubjectRequestView) => [view.patientPseudonym])
  @ApiOperation({ summary: 'One request with its deadline, extensions, outcome and texts (decrypted), from its events' })
  async get(@Param('id', ParseIdPipe) requestId: string, @Res({ passthrough: true }) res: Response) {
    const view = await this.queries.execute(new GetSubjectRequestQuery(requestId));
    if (!view)
      throw new ProblemException(404, 'subject-request-not-found', 'Not found', `No request ${requestId}`, [{ field: 'id', message: 'no such request' }]);
    res.setHeader('ETag', revisionETag(view.revision));
    return view;
  }

  private async run(w: Write, input: SubjectRequestInput) {
    return withETag(w, await this.commands.execute(new ExecuteSubjectRequestCommand(input, w.actor, w.options)));
  }
}
