import { eventTypes, streamIdentity } from '@app/event-store/core';
import type { Actor, EncryptedText, EventOf, EventsOf } from '@app/event-store/core';

/** Stream of the confirmed outcome of one AI output: `outcome-<outputId>` (the feed's output id). */
export const outcomeStream = streamIdentity('outcome-');

export const FINDINGS = ['positive', 'negative'] as const;
export type Finding = (typeof FINDINGS)[number];

/** Where the ground truth comes from; a code, so no patient text rides along. */
export const OUTCOME_SOURCES = ['pathology', 'follow-up', 'discharge-diagnosis', 'expert-panel', 'other'] as const;
export type OutcomeSource = (typeof OUTCOME_SOURCES)[number];

/** The output as the feed recorded it, copied onto the outcome so figures need no join. */
export interface OutputFacts {
  outputId: string;
  aiSystemId: string;
  modelVersion: string;
  outputReference: string;
  patientPseudonym: string;
  ward: string | null;
  producedAt: string;
  /** What the AI found, when the output is a finding; null otherwise. */
  aiFinding: Finding | null;
}

export interface OutcomeConfirmedData extends OutputFacts {
  /** The confirmed finding when the output is one (or the outcome is one); null otherwise. */
  confirmedFinding: Finding | null;
  /** Whether the AI's output agreed with the outcome: derived from the findings when both are known. */
  agreesWithAi: boolean;
  source: OutcomeSource;
  /** Free text about the outcome, encrypted under the patient's key. */
  note: EncryptedText | null;
  /** When the outcome became known (business time). */
  knownAt: string;
  confirmedBy: Actor;
}

/** Restates the outcome in full; the first `OutcomeConfirmed` stays in the stream. */
export interface OutcomeCorrectedData {
  outputId: string;
  aiSystemId: string;
  confirmedFinding: Finding | null;
  agreesWithAi: boolean;
  source: OutcomeSource;
  note: EncryptedText | null;
  reason: EncryptedText;
  correctedBy: Actor;
  correctedAt: string;
}

export interface OutcomeEventData {
  'monitoring.OutcomeConfirmed': OutcomeConfirmedData;
  'monitoring.OutcomeCorrected': OutcomeCorrectedData;
}

export type OutcomeConfirmed = EventOf<OutcomeEventData, 'monitoring.OutcomeConfirmed'>;
export type OutcomeCorrected = EventOf<OutcomeEventData, 'monitoring.OutcomeCorrected'>;
export type OutcomeEvent = EventsOf<OutcomeEventData>;

export const OUTCOME_EVENT_TYPES = eventTypes<OutcomeEventData>({
  'monitoring.OutcomeConfirmed': true,
  'monitoring.OutcomeCorrected': true,
});
