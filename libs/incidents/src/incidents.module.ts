import { Module, type OnModuleInit } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import { InjectRepository, TypeOrmModule } from '@nestjs/typeorm';
import type { Repository } from 'typeorm';
import { ErasureBlockers, erasureBlocker } from '@app/identity';
import { ProjectionRegistry } from '@app/event-store';
import { IncidentDeliveryService } from './application/delivery.service';
import { ExecuteIncidentCommandHandler } from './application/incident.handler';
import {
  CountOverdueIncidentsHandler,
  GetIncidentHandler,
  GetSentReportHandler,
  IncidentHistoryHandler,
  IncidentSystemsHandler,
  ListIncidentsHandler,
  MyReportsHandler,
  ReportPreviewHandler,
  SearchIncidentsHandler,
  TriageQueueHandler,
} from './application/incident.queries';
import { OverdueIncidents } from './application/overdue-incidents';
import { INCIDENTS_CONFIG, incidentsConfigFromEnv } from './application/incidents.config';
import { ReportMailer } from './application/report-mailer';
import { IncidentsController } from './http/incidents.controller';
import { IncidentDeliveriesProjection } from './projections/deliveries.projection';
import { IncidentDeliveryRow, IncidentRow, IncidentSystemRow } from './projections/incident.entities';
import { IncidentsProjection } from './projections/incidents.projection';

/** Serious incidents: awareness clocks, reports to suppliers and authorities (AI Act Art. 26(5), 73; MDR Art. 87; Wkkgz). */
@Module({
  imports: [CqrsModule, TypeOrmModule.forFeature([IncidentRow, IncidentSystemRow, IncidentDeliveryRow])],
  controllers: [IncidentsController],
  providers: [
    { provide: INCIDENTS_CONFIG, useFactory: () => incidentsConfigFromEnv() },
    ExecuteIncidentCommandHandler,
    GetIncidentHandler,
    IncidentHistoryHandler,
    ListIncidentsHandler,
    MyReportsHandler,
    ReportPreviewHandler,
    SearchIncidentsHandler,
    TriageQueueHandler,
    CountOverdueIncidentsHandler,
    IncidentSystemsHandler,
    GetSentReportHandler,
    IncidentsProjection,
    IncidentDeliveriesProjection,
    ReportMailer,
    IncidentDeliveryService,
    OverdueIncidents,
  ],
  exports: [INCIDENTS_CONFIG, IncidentDeliveryService, OverdueIncidents],
})
export class IncidentsModule implements OnModuleInit {
  constructor(
    private readonly projections: ProjectionRegistry,
    private readonly board: IncidentsProjection,
    private readonly deliveries: IncidentDeliveriesProjection,
    private readonly blockers: ErasureBlockers,
    @InjectRepository(IncidentRow) private readonly incidents: Repository<IncidentRow>,
  ) {}

  onModuleInit(): void {
    this.projections.register(this.board, this.deliveries);
    // GDPR Art. 17(3)(b): an open incident must still be reported and investigated (AI Act Art. 73, Wkkgz).
    this.blockers.register(
      erasureBlocker('incidents', 'open-incident', 'GDPR Art. 17(3)(b)', async (p) =>
        (await this.incidents.find({ where: { status: 'open' } })).filter((i) => i.state.patientPseudonyms.includes(p)).map((i) => `incident-${i.incidentId}`),
      ),
    );
  }
}
