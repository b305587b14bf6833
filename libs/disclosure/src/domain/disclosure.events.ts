import { eventTypes, streamIdentity } from '@app/event-store/core';
import type { Actor, EventOf, EventsOf } from '@app/event-store/core';

export const disclosureStream = streamIdentity('disclosure-');
export const disclosureStreamId = disclosureStream.streamOf;

/** What a disclosure covers: any combination, optionally limited to a period of business time. */
export interface DisclosureScope {
  patientPseudonyms: string[];
  aiSystemIds: string[];
  incidentIds: string[];
  from: string | null;
  to: string | null;
}

export type RequesterKind = 'court' | 'claimant' | 'authority' | 'other';
export type RedactionGround = 'trade-secret' | 'third-party-personal-data' | 'privilege';

/** PLD Art. 9(4)–(5): a field left out of the bundle; its hash stays so it remains provable. */
export interface Redaction {
  eventId: string;
  /** JSON pointer inside the event's data, e.g. `/reason`. */
  path: string;
  ground: RedactionGround;
  note: string | null;
}

/** The context's events, declared once: type → data. The union, each event and the list of types derive from it. */
export interface DisclosureEventData {
  'disclosure.DisclosureRequestReceived': {
    requestId: string;
    reference: string;
    requester: { kind: RequesterKind; name: string };
    legalBasis: string;
    receivedAt: string;
    dueAt: string;
    scope: DisclosureScope;
    receivedBy: Actor;
  };
  'disclosure.DisclosureScopeChanged': { requestId: string; scope: DisclosureScope; reason: string; changedBy: Actor; changedAt: string };
  'disclosure.RedactionsDecided': { requestId: string; redactions: Redaction[]; decidedBy: Actor; decidedAt: string };
  /** Chain of custody: who exported what, covering which signed tree, with which bundle hash. */
  'disclosure.BundleExported': {
    requestId: string;
    bundleId: string;
    exportedBy: Actor;
    exportedAt: string;
    treeSize: number;
    rootHash: string;
    eventCount: number;
    byteSize: number;
    bundleSha256: string;
    /**
     * Pseudonyms of the data subjects whose free text the bundle holds readable: their erasure
     * is restricted while it is stored (GDPR Art. 17(3)(e), ADR 0034). Absent on bundles recorded
     * before it was: the request's patients then.
     */
    dataSubjects?: string[];
  };
  /** The stored file is deleted (the claim no longer needs it); its recorded SHA-256 stays in the log. */
  'disclosure.BundleDiscarded': { requestId: string; bundleId: string; reason: string; discardedBy: Actor; discardedAt: string };
  'disclosure.DisclosureDelivered': { requestId: string; bundleId: string; channel: string; deliveredTo: string; deliveredBy: Actor; deliveredAt: string };
  'disclosure.DisclosureClosed': {
    requestId: string;
    outcome: 'disclosed' | 'partly-refused' | 'refused';
    reason: string | null;
    closedBy: Actor;
    closedAt: string;
  };
}

export type DisclosureRequestReceived = EventOf<DisclosureEventData, 'disclosure.DisclosureRequestReceived'>;
export type DisclosureScopeChanged = EventOf<DisclosureEventData, 'disclosure.DisclosureScopeChanged'>;
export type RedactionsDecided = EventOf<DisclosureEventData, 'disclosure.RedactionsDecided'>;
export type BundleExported = EventOf<DisclosureEventData, 'disclosure.BundleExported'>;
export type BundleDiscarded = EventOf<DisclosureEventData, 'disclosure.BundleDiscarded'>;
export type DisclosureDelivered = EventOf<DisclosureEventData, 'disclosure.DisclosureDelivered'>;
export type DisclosureClosed = EventOf<DisclosureEventData, 'disclosure.DisclosureClosed'>;

export type DisclosureEvent = EventsOf<DisclosureEventData>;

export const DISCLOSURE_EVENT_TYPES = eventTypes<DisclosureEventData>({
  'disclosure.DisclosureRequestReceived': true,
  'disclosure.DisclosureScopeChanged': true,
  'disclosure.RedactionsDecided': true,
  'disclosure.BundleExported': true,
  'disclosure.BundleDiscarded': true,
  'disclosure.DisclosureDelivered': true,
  'disclosure.DisclosureClosed': true,
});
