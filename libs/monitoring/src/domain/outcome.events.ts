import { eventTypes, streamIdentity } from '@app/event-store/core';
import type { Actor, EncryptedText, EventOf, EventsOf } from '@app/event-store/core';

/** Stream of the confirmed outcome of one AI output: `outcome-<outputId>` (the feed's output id). */
export const outcomeStream = streamIdentity('outcome-');

export const FINDINGS = ['positive', 'negative'] as const;
export type Finding = (typeof FINDINGS)[number];

/** Where the ground truth comes from; a code, so no patient text rides along. */
export const OUTCOME_SOURCES = ['pathology', 'follow-up', 'discharge-diagnosis', 'expert-panel', 'other'] as const;
export type OutcomeSource = (typeof OUTCOME_SOURCES)[number];

/** How the registry learned of the output: by the feed (ADR 0040) or only by a clinician's review entered by hand. */
export const OUTPUT_ARRIVALS = ['feed', 'review'] as const;
export type OutputArrival = (typeof OUTPUT_ARRIVALS)[number];

/** A ward code as the feed takes it (ADR 0040 addendum): short, no room for patient data. */
export const WARD_CODE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,31}$/;

/**
 * The output as the registry knows it, copied onto the outcome so figures need no join: from its
 * feed record, or (hand-entered) from its earliest live review and what the outcome request adds.
 */
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
  /**
   * `review`: the output never came by feed; `producedAt` is then the `seenAt` of its earliest live
   * review (the first moment the registry knows it existed), and ward and AI finding are what the
   * person recording the outcome said (ADR 0052 amendment). Absent in events before 2026-12-07: feed.
   */
  arrivedBy?: OutputArrival;
  /** For `review`: the review the facts were taken from. */
  reviewId?: string;
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
  /** Only for an output that arrived by review, when the correction restates them (ADR 0052 amendment). */
  aiFinding?: Finding | null;
  ward?: string | null;
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
