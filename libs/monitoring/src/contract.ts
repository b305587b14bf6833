import type { Figures, MonitoredMetric, OutcomeSource, OutputArrival, Finding, Thresholds } from './domain';

export type { Figures, MonitoredMetric, Thresholds } from './domain';

/** Figures for one value of a breakdown (a version, a month, a ward, a reviewer). */
export interface FiguresRow {
  key: string | null;
  figures: Figures;
}

/** A threshold's alert, as the board and the monitoring screen show it. */
export interface MonitoringAlertView {
  aiSystemId: string;
  aiSystemName: string | null;
  alertNo: number;
  metric: MonitoredMetric;
  value: number;
  threshold: number;
  sample: number;
  windowFrom: string;
  windowTo: string;
  breachedAt: string;
  status: 'open' | 'incident-opened' | 'dismissed';
  incidentId: string | null;
  recovered: boolean;
}

/** `GET /ai-systems/{id}/monitoring`: the figures of one AI system against confirmed outcomes. */
export interface MonitoringAnswer {
  aiSystemId: string;
  /** The period asked (producedAt of outcomes, decidedAt of reviews); null: all. */
  from: string | null;
  to: string | null;
  /** Only this model version; null: all. */
  version: string | null;
  thresholds: Thresholds | null;
  /** The seconds that made an acceptance "very fast" here: the system's threshold setting, else the default 5. */
  fastAcceptanceSeconds: number;
  overall: Figures;
  /** The figures over the thresholds' window ending now, as the last evaluation saw them. */
  window: { from: string; to: string; figures: Figures };
  /** Agreement in the window minus agreement before it (null without outcomes in both): drift. */
  agreementDrift: number | null;
  byVersion: FiguresRow[];
  byMonth: FiguresRow[];
  byWard: FiguresRow[];
  /** Review figures per reviewer (outcomes are the AI's, not the reviewer's). */
  byReviewer: FiguresRow[];
  alerts: MonitoringAlertView[];
}

/** One confirmed outcome as `GET /outcomes/{outputId}` shows it (the note decrypted unless erased). */
export interface OutcomeView {
  outputId: string;
  patientPseudonym: string;
  aiSystemId: string;
  modelVersion: string;
  outputReference: string;
  ward: string | null;
  producedAt: string;
  aiFinding: Finding | null;
  /** feed, or review: known only from a review entered by hand (producedAt is then its first review's seenAt). */
  arrivedBy: OutputArrival;
  reviewId: string | null;
  confirmedFinding: Finding | null;
  agreesWithAi: boolean;
  source: OutcomeSource;
  knownAt: string;
  note: { text: string | null; erased: boolean } | null;
}
