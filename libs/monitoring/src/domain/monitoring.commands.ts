import type { Actor } from '@app/event-store/core';
import type { MonitoredMetric, Thresholds } from './monitoring.events';

export interface SetThresholds extends Thresholds {
  type: 'SetThresholds';
  aiSystemId: string;
  systemExists: boolean;
  reason: string;
  by: Actor;
  now: string;
}

/** One metric as evaluated over the window: its value (null: not computable) and how many cases it rests on. */
export interface EvaluatedFigure {
  value: number | null;
  sample: number;
}

/** The figures over the window, computed by the caller from the read model; the decider compares. */
export interface EvaluateThresholds {
  type: 'EvaluateThresholds';
  aiSystemId: string;
  figures: Record<MonitoredMetric, EvaluatedFigure>;
  windowFrom: string;
  windowTo: string;
  /** The worker's actor; not recorded (the event's metadata names it). */
  by?: Actor;
  now: string;
}

export interface RecordAlertIncident {
  type: 'RecordAlertIncident';
  aiSystemId: string;
  alertNo: number;
  incidentId: string;
  by: Actor;
  now: string;
}

export interface DismissAlert {
  type: 'DismissAlert';
  aiSystemId: string;
  alertNo: number;
  reason: string;
  by: Actor;
  now: string;
}

export type MonitoringCommand = SetThresholds | EvaluateThresholds | RecordAlertIncident | DismissAlert;
