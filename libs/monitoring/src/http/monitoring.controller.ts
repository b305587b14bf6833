import { Body, Controller, Get, Inject, Param, ParseIntPipe, Post, Query, Res, StreamableFile } from '@nestjs/common';
import { CommandBus, QueryBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { Readable } from 'node:stream';
import { GetAiSystemQuery } from '@app/ai-systems';
import { CLOCK, type Clock } from '@app/event-store';
import { AccessLogged, ChangeRoute, Roles, withETag, type Write, Writing } from '@app/identity';
import { ParseIdPipe, ProblemException, revisionETag } from '@app/platform';
import { MonitoringAlerts } from '../application/monitoring-alerts';
import { ExecuteMonitoringCommand, ExecuteOutcomeCommand } from '../application/monitoring.commands';
import { monthlyReportPdf, monthSpan } from '../application/monthly-report';
import { GetOutcomeQuery, ListMonitoringAlertsQuery, MonitoringFacts, MonitoringFiguresQuery } from '../application/monitoring.queries';
import {
  ConfirmOutcomeDto,
  CorrectOutcomeDto,
  DismissAlertDto,
  ListAlertsQueryDto,
  MonitoringQueryDto,
  MonthlyReportQueryDto,
  SetThresholdsDto,
} from './monitoring.dto';

/** Who decides thresholds and acts on alerts: quality management and the administrator. */
const MANAGERS = ['admin', 'quality-manager'] as const;
const READERS = ['admin', 'quality-manager', 'legal', 'auditor'] as const;
/** Who records an outcome: the clinician who learns it (pathology, follow-up) and quality management. */
const OUTCOME_WRITERS = ['clinician', 'quality-manager'] as const;

/** Monitoring against confirmed outcomes (issue 23 item 6; AI Act Art. 26(5), Art. 72). */
@ApiTags('Monitoring')
@ApiBearerAuth()
@Controller()
export class MonitoringController {
  constructor(
    private readonly commands: CommandBus,
    private readonly queries: QueryBus,
    private readonly facts: MonitoringFacts,
    private readonly alerts: MonitoringAlerts,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  @Post('outcomes')
  @Roles(...OUTCOME_WRITERS)
  @ApiOperation({ summary: 'Record the confirmed outcome (ground truth) of an AI output that came by feed or was reviewed (entered by hand)' })
  async confirm(@Body() dto: ConfirmOutcomeDto, @Writing() w: Write) {
    const result = await this.commands.execute(
      new ExecuteOutcomeCommand(
        {
          type: 'ConfirmOutcome',
          aiSystemId: dto.aiSystemId.toLowerCase(),
          outputReference: dto.outputReference,
          aiFinding: dto.aiFinding ?? null,
          ward: dto.ward ?? null,
          confirmedFinding: dto.confirmedFinding ?? null,
          agreesWithAi: dto.agreesWithAi ?? null,
          source: dto.source,
          note: dto.note ?? null,
          knownAt: dto.knownAt ? new Date(dto.knownAt).toISOString() : null,
        },
        w.actor,
        w.options,
      ),
    );
    w.res.status(201).setHeader('Location', `/api/v1/outcomes/${result.outputId}`);
    return withETag(w, result);
  }

  @Get('outcomes/:outputId')
  @Roles(...OUTCOME_WRITERS)
  @AccessLogged('read-outcome', (view: { patientPseudonym: string }) => [view.patientPseudonym])
  @ApiOperation({ summary: 'One confirmed outcome, as corrected, with its note' })
  async outcome(@Param('outputId', ParseIdPipe) outputId: string, @Res({ passthrough: true }) res: Response) {
    const found = await this.queries.execute(new GetOutcomeQuery(outputId));
    if (!found)
      throw new ProblemException(404, 'outcome-not-found', 'Not found', `No outcome of output ${outputId}`, [{ field: 'outputId', message: 'no outcome' }]);
    res.setHeader('ETag', revisionETag(found.revision));
    return found.view;
  }

  @ChangeRoute('outcomes/:outputId/correction', OUTCOME_WRITERS, 'Correct a confirmed outcome with a reason (restated in full)')
  async correct(@Param('outputId', ParseIdPipe) outputId: string, @Body() dto: CorrectOutcomeDto, @Writing('if-match') w: Write) {
    const input = {
      type: 'CorrectOutcome' as const,
      outputId,
      // Absent keeps the recorded value; null clears it (a hand-entered output only).
      ...(dto.aiFinding !== undefined ? { aiFinding: dto.aiFinding } : {}),
      ...(dto.ward !== undefined ? { ward: dto.ward } : {}),
      confirmedFinding: dto.confirmedFinding ?? null,
      agreesWithAi: dto.agreesWithAi ?? null,
      source: dto.source,
      note: dto.note ?? null,
      reason: dto.reason,
    };
    return withETag(w, await this.commands.execute(new ExecuteOutcomeCommand(input, w.actor, w.options)));
  }

  @ChangeRoute('ai-systems/:id/monitoring-thresholds', MANAGERS, "Set the system's monitoring thresholds (they raise alerts; optionally open incidents)")
  async setThresholds(@Param('id', ParseIdPipe) aiSystemId: string, @Body() dto: SetThresholdsDto, @Writing('if-match') w: Write) {
    const l = dto.limits;
    const input = {
      type: 'SetThresholds' as const,
      aiSystemId,
      limits: {
        agreement: l.agreement ?? null,
        sensitivity: l.sensitivity ?? null,
        specificity: l.specificity ?? null,
        overrideRate: l.overrideRate ?? null,
        fastAcceptanceRate: l.fastAcceptanceRate ?? null,
      },
      fastAcceptanceSeconds: dto.fastAcceptanceSeconds ?? 5,
      windowDays: dto.windowDays ?? 30,
      minSample: dto.minSample ?? 20,
      autoOpenIncident: dto.autoOpenIncident ?? false,
      reason: dto.reason,
    };
    return withETag(w, await this.commands.execute(new ExecuteMonitoringCommand(input, w.actor, w.options)));
  }

  @Get('ai-systems/:id/monitoring')
  @Roles(...READERS)
  @ApiOperation({
    summary:
      'Monitoring figures: agreement with confirmed outcomes, sensitivity/specificity, override rate, very fast acceptances; per version, month, ward, reviewer',
  })
  async figures(@Param('id', ParseIdPipe) aiSystemId: string, @Query() q: MonitoringQueryDto, @Res({ passthrough: true }) res: Response) {
    const iso = (s?: string) => (s ? new Date(s).toISOString() : undefined);
    const [answer, { revision }] = await Promise.all([
      this.queries.execute(new MonitoringFiguresQuery(aiSystemId, iso(q.from), iso(q.to), q.version)),
      this.facts.thresholds(aiSystemId),
    ]);
    res.setHeader('ETag', revisionETag(revision));
    return answer;
  }

  @Get('ai-systems/:id/monitoring/report')
  @Roles(...READERS)
  @ApiOperation({ summary: 'The monthly monitoring report of one AI system as a PDF (month YYYY-MM, Europe/Amsterdam; not a month still to come)' })
  async monthlyReport(@Param('id', ParseIdPipe) aiSystemId: string, @Query() q: MonthlyReportQueryDto, @Res({ passthrough: true }) res: Response) {
    const span = monthSpan(q.month);
    if (!span) throw new ProblemException(400, 'validation-failed', 'Bad request', 'month must be YYYY-MM', [{ field: 'month', message: 'must be YYYY-MM' }]);
    const now = this.clock.now().toISOString();
    if (span.from > now)
      throw new ProblemException(422, 'month-in-future', 'Unprocessable request', 'This month has not begun: there is nothing to report yet', [
        { field: 'month', message: 'has not begun' },
      ]);
    const system = await this.queries.execute(new GetAiSystemQuery(aiSystemId));
    if (!system.state.exists) throw new ProblemException(404, 'ai-system-not-found', 'Not found', 'No such AI system');
    const answer = await this.queries.execute(new MonitoringFiguresQuery(aiSystemId, span.from, span.to));
    res.setHeader('Content-Type', 'application/pdf');
    res.setHeader('Content-Disposition', `attachment; filename="monitoring-${aiSystemId}-${q.month}.pdf"`);
    return new StreamableFile(Readable.from(monthlyReportPdf(q.month, system.state.name ?? null, answer, now)));
  }

  @Get('monitoring/alerts')
  @Roles(...READERS)
  @ApiOperation({ summary: 'Alerts raised by monitoring thresholds, newest first (status=open: the gauge)' })
  async list(@Query() q: ListAlertsQueryDto) {
    const items = await this.queries.execute(new ListMonitoringAlertsQuery({ aiSystemId: q.aiSystemId, status: q.status }));
    return { items };
  }

  @ChangeRoute('ai-systems/:id/monitoring-alerts/:alertNo/incident', MANAGERS, 'Open an incident for a monitoring alert (through the incident context)')
  async openIncident(@Param('id', ParseIdPipe) aiSystemId: string, @Param('alertNo', ParseIntPipe) alertNo: number, @Writing('if-match') w: Write) {
    return withETag(w, await this.alerts.openIncident(aiSystemId, alertNo, w.actor, { ifMatch: w.options.ifMatch }));
  }

  @ChangeRoute('ai-systems/:id/monitoring-alerts/:alertNo/dismissal', MANAGERS, 'Dismiss a monitoring alert with a reason')
  async dismiss(
    @Param('id', ParseIdPipe) aiSystemId: string,
    @Param('alertNo', ParseIntPipe) alertNo: number,
    @Body() dto: DismissAlertDto,
    @Writing('if-match') w: Write,
  ) {
    return withETag(
      w,
      await this.commands.execute(new ExecuteMonitoringCommand({ type: 'DismissAlert', aiSystemId, alertNo, reason: dto.reason }, w.actor, w.options)),
    );
  }
}
