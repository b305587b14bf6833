import { eventTypes, streamIdentity } from '@app/event-store/core';
import type { Actor, EventOf, EventsOf } from '@app/event-store/core';
import type { EncryptedText } from '@app/event-store/core';

/**
 * Stream of one AI output that came by feed: `ai-output-<id>`, the id derived from (AI system,
 * output reference) at the edge, so the same output posted again lands on the same stream
 * (idempotency without a lookup table; ADR 0040).
 */
export const aiOutputStream = streamIdentity('ai-output-');

export const OUTPUT_URGENCIES = ['routine', 'urgent', 'critical'] as const;
export type OutputUrgency = (typeof OUTPUT_URGENCIES)[number];

/** What the AI found, when its output is a finding (present or absent): monitoring compares it with the confirmed outcome. */
export const AI_FINDINGS = ['positive', 'negative'] as const;
export type AiFinding = (typeof AI_FINDINGS)[number];

export interface AiOutputProducedData {
  outputId: string;
  aiSystemId: string;
  /** A version the registry knows was deployed for the system. */
  modelVersion: string;
  /** Where the output lives; with the system, the output's identity. Never patient-identifying. */
  outputReference: string;
  /** SHA-256 of the output as produced, lowercase hex. */
  outputSha256: string;
  patientPseudonym: string;
  /** When the AI system produced the output (business time, the clock of time to review). */
  producedAt: string;
  urgency: OutputUrgency;
  /** A short human summary for the worklist, encrypted under the patient's key. */
  summary: EncryptedText | null;
  /**
   * The ward (care unit) the output is for, a short code the hospital chooses, so coverage can be
   * shown per ward. Absent in events recorded before 2026-12-07: none.
   */
  ward?: string | null;
  /**
   * The AI's finding when the output is one (positive: it reports the condition; negative: it
   * reports none), for sensitivity and specificity against confirmed outcomes (issue 23, ADR 0052).
   * Absent when the feed did not say, and in events before 2026-12-07.
   */
  aiFinding?: AiFinding | null;
  /** The machine client that posted it. */
  postedBy: Actor;
}

/** The context's AI-output events, declared once: type → data. */
export interface AiOutputEventData {
  'oversight.AiOutputProduced': AiOutputProducedData;
}

export type AiOutputProduced = EventOf<AiOutputEventData, 'oversight.AiOutputProduced'>;
export type AiOutputEvent = EventsOf<AiOutputEventData>;

export const AI_OUTPUT_EVENT_TYPES = eventTypes<AiOutputEventData>({
  'oversight.AiOutputProduced': true,
});
