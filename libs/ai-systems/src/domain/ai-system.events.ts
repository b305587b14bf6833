import { eventTypes, streamIdentity } from '@app/event-store/core';
import type { EventOf, EventsOf } from '@app/event-store/core';
/** Stream of one deployed AI system: `ai-system-<id>`. */
export const aiSystemStream = streamIdentity('ai-system-');
export const aiSystemStreamId = aiSystemStream.streamOf;

/** EU AI Act risk tier (Art. 5, Art. 6 + Annex III, Art. 50, rest). */
export type AiActRiskClass = 'prohibited' | 'high' | 'limited' | 'minimal';
/** MDR 2017/745 Annex VIII class; `none` when the software is not a medical device. */
export type MdrClass = 'none' | 'I' | 'IIa' | 'IIb' | 'III';

export interface Supplier {
  name: string;
  /** Where serious incidents are reported to the provider (AI Act Art. 26(5)); unknown at first for some. */
  incidentContactEmail: string | null;
  /**
   * The importer or distributor the hospital obtained the system through, if any: AI Act Art. 26(5)
   * has it informed after the provider. Absent in events recorded before 2026-12: none.
   */
  importerOrDistributor?: string | null;
}

export interface AiSystemRegisteredData {
  aiSystemId: string;
  name: string;
  supplier: Supplier;
  version: string;
  intendedPurpose: string;
  aiActRiskClass: AiActRiskClass;
  mdrClass: MdrClass;
  /** Made and used within the hospital (MDR Art. 5(5)): no CE marking expected. */
  inHouseDevice: boolean;
  ifuVersion: string | null;
  /** Subjects assigned human oversight (AI Act Art. 26(2)). */
  oversightPersons: string[];
  ceMarking: string | null;
  udiDi: string | null;
  registeredAt: string;
}

export interface AiSystemVersionChangedData {
  aiSystemId: string;
  previousVersion: string;
  version: string;
  ifuVersion: string | null;
  reason: string | null;
  changedAt: string;
}

export interface AiSystemUseSuspendedData {
  aiSystemId: string;
  reason: string;
  suspendedAt: string;
}

export interface AiSystemUseResumedData {
  aiSystemId: string;
  reason: string;
  resumedAt: string;
}

/**
 * How long an output of this system may wait for a person's review before it is overdue (and
 * raises the alert); null: the registry-wide default (`OUTPUT_REVIEW_LIMIT_MINUTES`).
 */
export interface OutputReviewLimitSetData {
  aiSystemId: string;
  limitMinutes: number | null;
  reason: string | null;
  setAt: string;
}

/** The context's events, declared once: type → data. The union, each event and the list of types derive from it. */
export interface AiSystemEventData {
  'ai-systems.AiSystemRegistered': AiSystemRegisteredData;
  'ai-systems.AiSystemVersionChanged': AiSystemVersionChangedData;
  'ai-systems.AiSystemUseSuspended': AiSystemUseSuspendedData;
  'ai-systems.AiSystemUseResumed': AiSystemUseResumedData;
  'ai-systems.OutputReviewLimitSet': OutputReviewLimitSetData;
}

export type AiSystemRegistered = EventOf<AiSystemEventData, 'ai-systems.AiSystemRegistered'>;
export type AiSystemVersionChanged = EventOf<AiSystemEventData, 'ai-systems.AiSystemVersionChanged'>;
export type AiSystemUseSuspended = EventOf<AiSystemEventData, 'ai-systems.AiSystemUseSuspended'>;
export type AiSystemUseResumed = EventOf<AiSystemEventData, 'ai-systems.AiSystemUseResumed'>;
export type OutputReviewLimitSet = EventOf<AiSystemEventData, 'ai-systems.OutputReviewLimitSet'>;

/** Stored envelopes (`EventEnvelope<Data, Type>`) satisfy these shapes, so they can be folded directly. */
export type AiSystemEvent = EventsOf<AiSystemEventData>;

export type AiSystemEventType = AiSystemEvent['type'];

export const AI_SYSTEM_EVENT_TYPES = eventTypes<AiSystemEventData>({
  'ai-systems.AiSystemRegistered': true,
  'ai-systems.AiSystemVersionChanged': true,
  'ai-systems.AiSystemUseSuspended': true,
  'ai-systems.AiSystemUseResumed': true,
  'ai-systems.OutputReviewLimitSet': true,
});
