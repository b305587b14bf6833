export * from './domain';
export * from './monitoring.module';
export * from './projections/monitoring.entities';
export * from './projections/monitoring.projection';
export * from './application/monitoring.commands';
export * from './application/monitoring.queries';
export { MonitoringAlerts, MonitoringEvaluator } from './application/monitoring-alerts';
