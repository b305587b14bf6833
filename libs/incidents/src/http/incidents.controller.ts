import { Body, Controller, Get, HttpCode, Inject, Param, Post, Query, Req, Res, StreamableFile } from '@nestjs/common';
import { CommandBus, QueryBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { v7 as uuidv7 } from 'uuid';
import { EVENT_STORE, type EventStore, loadState } from '@app/event-store';
import {
  AccessLogged,
  type AuthenticatedRequest,
  ChangeRoute,
  CurrentPrincipal,
  type Principal,
  Pseudonymizer,
  pseudonymsIn,
  Public,
  Roles,
  withETag,
  type Write,
  Writing,
} from '@app/identity';
import { ParseIdPipe, ProblemException, RequestHash, revisionETag } from '@app/platform';
import { incidentDecider, incidentStreamId } from '../domain';
import { ExecuteIncidentCommand, type IncidentInput } from '../application/incident.commands';
import {
  GetIncidentQuery,
  GetSentReportQuery,
  IncidentHistoryQuery,
  IncidentSystemsQuery,
  ListIncidentsQuery,
  MyReportsQuery,
  ReportPreviewQuery,
  TriageQueueQuery,
} from '../application/incident.queries';
import { INCIDENTS_CONFIG, type IncidentsConfig, supplierEndpoint } from '../application/incidents.config';
import { acknowledgementToken, reportHtml, tokenMatches } from '../application/report-bytes';
import {
  AcknowledgementDto,
  AwarenessDto,
  CalamityEstablishmentDto,
  CalamityRulingOutDto,
  ProviderUnreachableDto,
  InvestigationReportTermDto,
  ClassificationDto,
  CloseDto,
  ListIncidentsQueryDto,
  NoteDto,
  NotificationDto,
  ReopenDto,
  ReportIncidentDto,
  ReportPreviewQueryDto,
  ReportQueryDto,
  SystemSuspensionDto,
} from './incident.dto';

const READERS = ['quality-manager', 'legal', 'auditor'] as const;
/** Every signed-in employee may report an incident and follow their own reports (VIM intake). */
const STAFF = ['clinician', 'quality-manager', 'legal', 'auditor', 'admin'] as const;
const isReader = (role: string) => (READERS as readonly string[]).includes(role);

// Without the id: the same bytes for an unknown incident and one the caller may not see.
const notFound = () => new ProblemException(404, 'incident-not-found', 'Not found', 'No incident with this id', [{ field: 'id', message: 'no such incident' }]);

@ApiTags('Serious incidents')
@ApiBearerAuth()
@Controller('incidents')
export class IncidentsController {
  constructor(
    private readonly commands: CommandBus,
    private readonly queries: QueryBus,
    private readonly pseudonyms: Pseudonymizer,
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(INCIDENTS_CONFIG) private readonly config: IncidentsConfig,
  ) {}

  @Post()
  @Roles(...STAFF)
  @ApiOperation({ summary: 'Report a (suspected) incident or a near miss with an AI system (any signed-in employee); the awareness clock starts' })
  async report(@Body() dto: ReportIncidentDto, @Writing() w: Write) {
    const patientPseudonyms = [...(dto.patientPseudonyms ?? []), ...(dto.patientIds ?? []).map((id) => this.pseudonymise(id))];
    const result = await this.execute(w, {
      type: 'DetectIncident',
      incidentId: uuidv7(),
      aiSystemId: dto.aiSystemId.toLowerCase(),
      narrative: dto.narrative,
      patientPseudonyms,
      linkedReviewIds: (dto.linkedReviewIds ?? []).map((id) => id.toLowerCase()),
      occurredAt: dto.occurredAt ?? null,
      awareAt: dto.awareAt ?? null,
      awarenessReason: dto.awarenessReason ?? null,
      nearMiss: dto.nearMiss ?? false,
    });
    w.res.status(201).setHeader('Location', `/api/v1/incidents/${result.incidentId}`).setHeader('ETag', revisionETag(result.revision));
    return result;
  }

  @Get()
  @Roles(...READERS)
  @ApiOperation({ summary: 'The incident board: by next deadline, overdue first (?overdue=true for overdue only)' })
  list(@Query() q: ListIncidentsQueryDto) {
    return this.queries.execute(
      new ListIncidentsQuery({ overdue: q.overdue, status: q.status, aiSystemId: q.aiSystemId?.toLowerCase(), limit: q.limit ?? 50, cursor: q.cursor }),
    );
  }

  @Get('mine')
  @Roles(...STAFF)
  @ApiOperation({ summary: 'The incidents I reported, newest first, with their status (awaiting triage, triaged, closed)' })
  async mine(@CurrentPrincipal() who: Principal) {
    return { items: await this.queries.execute(new MyReportsQuery(who.subject)) };
  }

  @Get('triage')
  @Roles(...READERS)
  @ApiOperation({ summary: 'The triage queue: open incidents nobody classified yet, oldest first' })
  async triage() {
    return { items: await this.queries.execute(new TriageQueueQuery()) };
  }

  @Get('systems')
  @Roles(...READERS)
  @ApiOperation({ summary: 'Incidents per AI system and whether its use is suspended' })
  async systems() {
    return { items: await this.queries.execute(new IncidentSystemsQuery()) };
  }

  @Get(':id')
  @Roles(...STAFF)
  @AccessLogged('read-incident', (view: { patientPseudonyms: string[] }) => view.patientPseudonyms)
  @ApiOperation({ summary: 'One incident from its events: deadlines (met, open, overdue), notifications, narrative' })
  async get(@Param('id', ParseIdPipe) id: string, @CurrentPrincipal() who: Principal, @Res({ passthrough: true }) res: Response) {
    const view = await this.queries.execute(new GetIncidentQuery(id));
    // Staff other than readers see only incidents they reported; others get 404, not 403: existence is not disclosed.
    if (!view || (!isReader(who.role) && view.detectedBy.subject !== who.subject)) throw notFound();
    res.setHeader('ETag', revisionETag(view.revision));
    return view;
  }

  @Get(':id/history')
  @Roles(...READERS)
  @AccessLogged('read-incident-history', (r: { items: Array<{ data: { patientPseudonyms?: unknown } }> }) =>
    r.items.flatMap((i) => (Array.isArray(i.data.patientPseudonyms) ? (i.data.patientPseudonyms as string[]) : [])),
  )
  @ApiOperation({ summary: 'Every event of the incident in order, with business time and recorded time' })
  async history(@Param('id', ParseIdPipe) id: string) {
    const items = await this.queries.execute(new IncidentHistoryQuery(id));
    if (!items) throw notFound();
    return { incidentId: id, items };
  }

  @Get(':id/report-preview')
  @Roles('quality-manager')
  @AccessLogged('read-incident-report-preview', (_file, req: AuthenticatedRequest & { disclosedSubjects?: string[] }) => req.disclosedSubjects ?? [])
  @ApiOperation({ summary: 'The report as it would be sent now (same builder as a sent report; nothing written), as JSON or HTML' })
  async reportPreview(
    @Param('id', ParseIdPipe) id: string,
    @Query() q: ReportPreviewQueryDto,
    @Req() req: AuthenticatedRequest & { disclosedSubjects?: string[] },
  ) {
    const format = q.format ?? (q.recipient === 'manufacturer' ? 'mdr-vigilance' : 'ai-act-art73');
    const preview = await this.queries.execute(new ReportPreviewQuery(id, format, q.complete ?? false, q.actionsTaken ?? null, this.config.organisation));
    if (!preview) throw notFound();
    req.disclosedSubjects = preview.patientPseudonyms;
    if (q.as === 'html') return new StreamableFile(Buffer.from(reportHtml(preview.report, `Report preview (${format})`)), { type: 'text/html; charset=utf-8' });
    return preview.report;
  }

  @ChangeRoute(
    ':id/notifications/:notificationId/resend',
    'quality-manager',
    'Send again a report the delivery worker gave up on: the same bytes, one more attempt',
  )
  resend(@Param('id', ParseIdPipe) id: string, @Param('notificationId', ParseIdPipe) notificationId: string, @Writing('if-match') w: Write) {
    return this.run(w, { type: 'ResendReport', incidentId: id, notificationId });
  }

  @Get(':id/reports/:notificationId')
  @Roles(...READERS)
  // NEN 7513: the entry names the incident's patients and any named in the report.
  @AccessLogged('read-incident-report', (_file, req: AuthenticatedRequest & { disclosedSubjects?: string[] }) => req.disclosedSubjects ?? [])
  @ApiOperation({ summary: 'A report exactly as sent (JSON bytes whose SHA-256 is in the event), or as HTML' })
  async sentReport(
    @Param('id', ParseIdPipe) id: string,
    @Param('notificationId', ParseIdPipe) notificationId: string,
    @Query() q: ReportQueryDto,
    @Req() req: AuthenticatedRequest & { disclosedSubjects?: string[] },
    @Res({ passthrough: true }) res: Response,
  ) {
    const report = await this.queries.execute(new GetSentReportQuery(id, notificationId));
    if (!report) {
      throw new ProblemException(404, 'report-not-found', 'Not found', `No report ${notificationId} on incident ${id}`, [
        { field: 'notificationId', message: 'no report was sent with this id' },
      ]);
    }
    if (!report.bytes) {
      throw new ProblemException(410, 'report-erased', 'Gone', 'The report held personal data whose key was shredded', [], { sha256: report.sha256 });
    }
    res.setHeader('X-Content-SHA256', report.sha256);
    const parsed = JSON.parse(report.bytes.toString('utf8')) as Record<string, unknown>;
    const incident = await this.queries.execute(new GetIncidentQuery(id));
    req.disclosedSubjects = [...(incident?.patientPseudonyms ?? []), ...pseudonymsIn(parsed)];
    if (q.as === 'html') return new StreamableFile(Buffer.from(reportHtml(parsed, `Incident report ${notificationId}`)), { type: 'text/html; charset=utf-8' });
    return new StreamableFile(report.bytes, { type: 'application/json' });
  }

  @ChangeRoute(':id/awareness', 'quality-manager', 'Establish (or move) the moment of awareness; deadlines are recomputed')
  awareness(@Param('id', ParseIdPipe) id: string, @Body() dto: AwarenessDto, @Writing('if-match') w: Write) {
    return this.run(w, { type: 'EstablishAwareness', incidentId: id, awareAt: dto.awareAt, reason: dto.reason });
  }

  @ChangeRoute(':id/classification', 'quality-manager', 'Classify (or re-classify) the incident under AI Act Art. 3(49), MDR and Wkkgz; deadlines follow')
  classify(@Param('id', ParseIdPipe) id: string, @Body() dto: ClassificationDto, @Writing('if-match') w: Write) {
    return this.run(w, {
      type: 'ClassifyIncident',
      incidentId: id,
      classification: {
        serious: dto.serious,
        criteria: { ...dto.criteria, couldHaveLedToSeriousHarm: dto.criteria.couldHaveLedToSeriousHarm ?? false },
        medicalDevice: dto.medicalDevice ?? null,
        wkkgzCalamity: dto.wkkgzCalamity,
        personalDataBreach: dto.personalDataBreach ?? 'none',
        patientConsequences: dto.patientConsequences ?? false,
        significantCyberIncident: dto.significantCyberIncident ?? false,
      },
      rationale: dto.rationale ?? null,
    });
  }

  @ChangeRoute(
    ':id/calamity-establishment',
    'quality-manager',
    'Wkkgz: establish that the incident is a calamity, with reasons; the IGJ report is due 3 Dutch working days after establishedAt (IGJ policy)',
  )
  establishCalamity(@Param('id', ParseIdPipe) id: string, @Body() dto: CalamityEstablishmentDto, @Writing('if-match') w: Write) {
    return this.run(w, { type: 'EstablishCalamity', incidentId: id, establishedAt: dto.establishedAt ?? null, reasons: dto.reasons });
  }

  @ChangeRoute(
    ':id/provider-unreachable',
    'quality-manager',
    'AI Act Art. 26(5): record, with what was tried, that the provider could not be reached; Art. 73 then applies to the hospital (report to the market surveillance authority)',
  )
  providerUnreachable(@Param('id', ParseIdPipe) id: string, @Body() dto: ProviderUnreachableDto, @Writing('if-match') w: Write) {
    return this.run(w, { type: 'RecordProviderUnreachable', incidentId: id, unreachableAt: dto.unreachableAt ?? null, reasons: dto.reasons });
  }

  @ChangeRoute(
    ':id/investigation-report-term',
    'quality-manager',
    'Wkkgz/IGJ: record the term the IGJ set for the calamity investigation report (again for an extension); met by a report of kind investigation-report',
  )
  investigationReportTerm(@Param('id', ParseIdPipe) id: string, @Body() dto: InvestigationReportTermDto, @Writing('if-match') w: Write) {
    return this.run(w, { type: 'SetInvestigationReportTerm', incidentId: id, dueAt: dto.dueAt, igjReference: dto.igjReference ?? null });
  }

  @ChangeRoute(':id/calamity-ruling-out', 'quality-manager', 'Wkkgz: decide, with reasons, that the incident is not a calamity; meets the IGJ triage window')
  ruleOutCalamity(@Param('id', ParseIdPipe) id: string, @Body() dto: CalamityRulingOutDto, @Writing('if-match') w: Write) {
    return this.run(w, { type: 'RuleOutCalamity', incidentId: id, decidedAt: dto.decidedAt ?? null, reasons: dto.reasons });
  }

  @Post(':id/notifications')
  @Roles('quality-manager')
  @ApiOperation({ summary: 'Report to a recipient: sent to the supplier by webhook or email (queued, delivered with retries) or recorded as made elsewhere' })
  async notify(@Param('id', ParseIdPipe) id: string, @Body() dto: NotificationDto, @Writing('if-match') w: Write) {
    const result = await this.execute(w, {
      type: 'NotifyRecipient',
      incidentId: id,
      notificationId: uuidv7(),
      recipient: dto.recipient,
      channel: dto.channel ?? null,
      format: dto.format ?? null,
      complete: dto.complete ?? false,
      reference: dto.reference ?? null,
      notifiedAt: dto.notifiedAt ?? null,
      actionsTaken: dto.actionsTaken ?? null,
      reportKind: dto.reportKind ?? null,
    });
    // A report the registry sends (webhook, email) is queued (202); one recorded as made elsewhere is done (201).
    w.res.status(result.channel === 'recorded' ? 201 : 202).setHeader('ETag', revisionETag(result.revision));
    w.res.setHeader('Location', `/api/v1/incidents/${id}/reports/${result.notificationId}`);
    return result;
  }

  @ChangeRoute(
    ':id/system-suspension',
    'quality-manager',
    "Suspend use of the incident's AI system (through the AI-system register) and link the suspension to the incident; an existing suspension is linked with alreadySuspended",
  )
  suspendSystem(@Param('id', ParseIdPipe) id: string, @Body() dto: SystemSuspensionDto, @Writing('if-match') w: Write) {
    return this.run(w, { type: 'SuspendSystemUse', incidentId: id, reason: dto.reason });
  }

  @ChangeRoute(':id/notes', 'quality-manager', 'Add an investigation note (encrypted)')
  note(@Param('id', ParseIdPipe) id: string, @Body() dto: NoteDto, @Writing('if-match') w: Write) {
    return this.run(w, { type: 'AddInvestigationNote', incidentId: id, note: dto.note });
  }

  @ChangeRoute(':id/close', 'quality-manager', 'Close the incident; refused while a report is still due')
  close(@Param('id', ParseIdPipe) id: string, @Body() dto: CloseDto, @Writing('if-match') w: Write) {
    return this.run(w, { type: 'CloseIncident', incidentId: id, conclusion: dto.conclusion });
  }

  @ChangeRoute(':id/reopen', 'quality-manager', 'Reopen a closed incident')
  reopen(@Param('id', ParseIdPipe) id: string, @Body() dto: ReopenDto, @Writing('if-match') w: Write) {
    return this.run(w, { type: 'ReopenIncident', incidentId: id, reason: dto.reason });
  }

  /**
   * Called by the supplier, without a bearer token: the token from the report (HMAC under the
   * supplier's secret) proves the caller received that report.
   */
  @Post(':id/acknowledgements')
  @HttpCode(200)
  @Public()
  @ApiOperation({ summary: 'Supplier acknowledges a report (token from the report proves receipt)' })
  async acknowledge(@Param('id', ParseIdPipe) id: string, @Body() dto: AcknowledgementDto, @RequestHash() requestHash: string) {
    const { state } = await loadState(this.store, incidentDecider, incidentStreamId(id));
    const endpoint = state.exists ? supplierEndpoint(this.config, state.aiSystemId!, state.aiSystem!.supplierName) : null;
    const notificationId = dto.notificationId.toLowerCase();
    if (!endpoint || !tokenMatches(acknowledgementToken(endpoint.secret, id, notificationId), dto.token)) {
      // One answer for "no such incident" and "wrong token": nothing is disclosed without the secret.
      throw new ProblemException(403, 'invalid-acknowledgement-token', 'Forbidden', 'The token does not match a report sent for this incident', [
        { field: 'token', message: 'does not match' },
      ]);
    }
    return this.commands.execute(
      new ExecuteIncidentCommand(
        { type: 'AcknowledgeReport', incidentId: id, notificationId, supplierReference: dto.supplierReference ?? null },
        { subject: `supplier:${state.aiSystem!.supplierName}`, role: 'supplier' },
        { requestHash },
      ),
    );
  }

  private execute(w: Write, input: IncidentInput) {
    return this.commands.execute(new ExecuteIncidentCommand(input, w.actor, w.options));
  }

  private async run(w: Write, input: IncidentInput) {
    return withETag(w, await this.execute(w, input));
  }

  private pseudonymise(patientId: string): string {
    try {
      return this.pseudonyms.pseudonymise(patientId);
    } catch {
      throw new ProblemException(400, 'invalid-patient-id', 'Bad request', 'A patientId is not a usable patient identifier', [
        { field: 'patientIds', message: 'is empty or too long after normalisation' },
      ]);
    }
  }
}
