import { streamIdentity } from '@app/event-store/core';
import type { Actor } from '@app/event-store/core';

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

export interface DisclosureRequestReceived {
  type: 'disclosure.DisclosureRequestReceived';
  data: {
    requestId: string;
    reference: string;
    requester: { kind: RequesterKind; name: string };
    legalBasis: string;
    receivedAt: string;
    dueAt: string;
    scope: DisclosureScope;
    receivedBy: Actor;
  };
}

export interface DisclosureScopeChanged {
  type: 'disclosure.DisclosureScopeChanged';
  data: { requestId: string; scope: DisclosureScope; reason: string; changedBy: Actor; changedAt: string };
}

export interface RedactionsDecided {
  type: 'disclosure.RedactionsDecided';
  data: { requestId: string; redactions: Redaction[]; decidedBy: Actor; decidedAt: string };
}

/** Chain of custody: who exported what, covering which signed tree, with which bundle hash. */
export interface BundleExported {
  type: 'disclosure.BundleExported';
  data: {
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
}

/** The stored file is deleted (the claim no longer needs it); its recorded SHA-256 stays in the log. */
export interface BundleDiscarded {
  type: 'disclosure.BundleDiscarded';
  data: { requestId: string; bundleId: string; reason: string; discardedBy: Actor; discardedAt: string };
}

export interface DisclosureDelivered {
  type: 'disclosure.DisclosureDelivered';
  data: { requestId: string; bundleId: string; channel: string; deliveredTo: string; deliveredBy: Actor; deliveredAt: string };
}

export interface DisclosureClosed {
  type: 'disclosure.DisclosureClosed';
  data: { requestId: string; outcome: 'disclosed' | 'partly-refused' | 'refused'; reason: string | null; closedBy: Actor; closedAt: string };
}

export type DisclosureEvent =
  DisclosureRequestReceived | DisclosureScopeChanged | RedactionsDecided | BundleExported | BundleDiscarded | DisclosureDelivered | DisclosureClosed;

export const DISCLOSURE_EVENT_TYPES: readonly DisclosureEvent['type'][] = [
  'disclosure.DisclosureRequestReceived',
  'disclosure.DisclosureScopeChanged',
  'disclosure.RedactionsDecided',
  'disclosure.BundleExported',
  'disclosure.BundleDiscarded',
  'disclosure.DisclosureDelivered',
  'disclosure.DisclosureClosed',
];
