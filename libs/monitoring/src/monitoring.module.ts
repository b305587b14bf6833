import { Module, type OnModuleInit } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ProjectionRegistry } from '@app/event-store';
import { MonitoringAlerts, MonitoringEvaluator } from './application/monitoring-alerts';
import { ExecuteMonitoringCommandHandler, ExecuteOutcomeCommandHandler } from './application/monitoring.handlers';
import { GetOutcomeHandler, ListMonitoringAlertsHandler, MonitoringFacts, MonitoringFiguresHandler } from './application/monitoring.queries';
import { MonitoringController } from './http/monitoring.controller';
import { MonitoringAlertRow, MonitoringOutcomeRow, MonitoringOutputRow, MonitoringReviewRow } from './projections/monitoring.entities';
import { MonitoringProjection } from './projections/monitoring.projection';

/**
 * Monitoring against confirmed outcomes (issue 23 item 6, ADR 0052): outcomes per output on their
 * own streams, thresholds and alerts per AI system, one read model for the figures, and the worker
 * that evaluates thresholds on each new outcome or review.
 */
@Module({
  imports: [CqrsModule, TypeOrmModule.forFeature([MonitoringOutputRow, MonitoringReviewRow, MonitoringOutcomeRow, MonitoringAlertRow])],
  controllers: [MonitoringController],
  providers: [
    ExecuteOutcomeCommandHandler,
    ExecuteMonitoringCommandHandler,
    MonitoringFiguresHandler,
    ListMonitoringAlertsHandler,
    GetOutcomeHandler,
    MonitoringFacts,
    MonitoringAlerts,
    MonitoringEvaluator,
    MonitoringProjection,
  ],
})
export class MonitoringModule implements OnModuleInit {
  constructor(
    private readonly projections: ProjectionRegistry,
    private readonly monitoring: MonitoringProjection,
  ) {}

  onModuleInit(): void {
    this.projections.register(this.monitoring);
  }
}
