import { Command } from '@nestjs/cqrs';
import type { Actor } from '@app/event-store';
import type { EvaluatedFigure, Finding, MonitoredMetric, ThresholdLimits } from '../domain';

/** What the edge sends for an outcome: the note still in clear; the handler encrypts it under the patient. */
export type OutcomeInput =
  | {
      type: 'ConfirmOutcome';
      aiSystemId: string;
      outputReference: string;
      /** For an output that never came by feed: what the AI found, and the ward. */
      aiFinding: Finding | null;
      ward: string | null;
      confirmedFinding: Finding | null;
      agreesWithAi: boolean | null;
      source: string;
      note: string | null;
      knownAt: string | null;
    }
  | {
      type: 'CorrectOutcome';
      outputId: string;
      /** Undefined: kept. Restatable only for an output that arrived by review. */
      aiFinding?: Finding | null;
      ward?: string | null;
      confirmedFinding: Finding | null;
      agreesWithAi: boolean | null;
      source: string;
      note: string | null;
      reason: string;
    };

export interface WriteOptions {
  idempotencyKey?: string;
  requestHash?: string;
  ifMatch?: number;
}

export class ExecuteOutcomeCommand extends Command<{ outputId: string; revision: number; replayed: boolean }> {
  constructor(
    readonly input: OutcomeInput,
    readonly actor: Actor,
    readonly options: WriteOptions = {},
  ) {
    super();
  }
}

export type MonitoringInput =
  | {
      type: 'SetThresholds';
      aiSystemId: string;
      limits: ThresholdLimits;
      fastAcceptanceSeconds: number;
      windowDays: number;
      minSample: number;
      autoOpenIncident: boolean;
      reason: string;
    }
  | { type: 'EvaluateThresholds'; aiSystemId: string; figures: Record<MonitoredMetric, EvaluatedFigure>; windowFrom: string; windowTo: string }
  | { type: 'RecordAlertIncident'; aiSystemId: string; alertNo: number; incidentId: string }
  | { type: 'DismissAlert'; aiSystemId: string; alertNo: number; reason: string };

export interface MonitoringCommandResult {
  aiSystemId: string;
  revision: number;
  replayed: boolean;
  /** Alerts the command raised. */
  raised: number[];
}

export class ExecuteMonitoringCommand extends Command<MonitoringCommandResult> {
  constructor(
    readonly input: MonitoringInput,
    readonly actor: Actor,
    readonly options: WriteOptions = {},
  ) {
    super();
  }
}

/** The actor of what the registry does by itself: evaluating thresholds, opening an incident by the per-system setting. */
export const MONITORING_ACTOR = { subject: 'system:monitoring', role: 'system' };
