import { eventTypes, streamIdentity } from '@app/event-store/core';
import type { Actor, EventOf, EventsOf } from '@app/event-store/core';

/** Stream of one AI system's monitoring: its thresholds and the alerts they raised, `monitoring-<aiSystemId>`. */
export const monitoringStream = streamIdentity('monitoring-');

/**
 * The figures a threshold can watch. Lower bounds: agreement, sensitivity, specificity; upper
 * bounds: override rate, fast-acceptance rate (a sign of automation bias).
 */
export const MONITORED_METRICS = ['agreement', 'sensitivity', 'specificity', 'overrideRate', 'fastAcceptanceRate'] as const;
export type MonitoredMetric = (typeof MONITORED_METRICS)[number];
export const LOWER_BOUND: ReadonlySet<MonitoredMetric> = new Set(['agreement', 'sensitivity', 'specificity']);

export type ThresholdLimits = Record<MonitoredMetric, number | null>;

export interface Thresholds {
  /** A fraction 0–1 per metric; null: not watched. Lower bound for agreement, sensitivity, specificity; upper for the rates. */
  limits: ThresholdLimits;
  /** An acceptance decided within this many seconds of the reviewer seeing the output is "very fast". */
  fastAcceptanceSeconds: number;
  /** The figures over the last this many days are evaluated. */
  windowDays: number;
  /** A figure from fewer cases than this raises nothing (too few to tell). */
  minSample: number;
  /** Open an incident for each new alert without waiting for a person. */
  autoOpenIncident: boolean;
}

export interface ThresholdsSetData extends Thresholds {
  aiSystemId: string;
  reason: string;
  setBy: Actor;
  setAt: string;
}

export interface ThresholdBreachedData {
  aiSystemId: string;
  /** Per system, from 1. */
  alertNo: number;
  metric: MonitoredMetric;
  value: number;
  threshold: number;
  sample: number;
  windowFrom: string;
  windowTo: string;
  breachedAt: string;
}

/** The figure is within its threshold again; the alert stays until a person acts on it. */
export interface ThresholdRecoveredData {
  aiSystemId: string;
  metric: MonitoredMetric;
  value: number | null;
  recoveredAt: string;
}

export interface AlertIncidentOpenedData {
  aiSystemId: string;
  alertNo: number;
  incidentId: string;
  openedBy: Actor;
  openedAt: string;
}

export interface AlertDismissedData {
  aiSystemId: string;
  alertNo: number;
  reason: string;
  dismissedBy: Actor;
  dismissedAt: string;
}

export interface MonitoringEventData {
  'monitoring.ThresholdsSet': ThresholdsSetData;
  'monitoring.ThresholdBreached': ThresholdBreachedData;
  'monitoring.ThresholdRecovered': ThresholdRecoveredData;
  'monitoring.AlertIncidentOpened': AlertIncidentOpenedData;
  'monitoring.AlertDismissed': AlertDismissedData;
}

export type ThresholdBreached = EventOf<MonitoringEventData, 'monitoring.ThresholdBreached'>;
export type MonitoringEvent = EventsOf<MonitoringEventData>;

export const MONITORING_EVENT_TYPES = eventTypes<MonitoringEventData>({
  'monitoring.ThresholdsSet': true,
  'monitoring.ThresholdBreached': true,
  'monitoring.ThresholdRecovered': true,
  'monitoring.AlertIncidentOpened': true,
  'monitoring.AlertDismissed': true,
});
