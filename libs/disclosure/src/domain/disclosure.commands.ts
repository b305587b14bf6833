import type { Actor } from '@app/event-store/core';
import type { DisclosureScope, Redaction, RequesterKind } from './disclosure.events';

/** Every command carries `now` (ISO 8601) and the acting person; the decider reads no clock. */
interface Base {
  requestId: string;
  by: Actor;
  now: string;
}

export interface ReceiveDisclosureRequest extends Base {
  type: 'ReceiveDisclosureRequest';
  reference: string;
  requester: { kind: RequesterKind; name: string };
  legalBasis: string;
  receivedAt: string;
  dueAt: string;
  scope: DisclosureScope;
}

export interface ChangeDisclosureScope extends Base {
  type: 'ChangeDisclosureScope';
  scope: DisclosureScope;
  reason: string;
}

export interface DecideRedactions extends Base {
  type: 'DecideRedactions';
  redactions: Redaction[];
}

export interface RecordBundleExport extends Base {
  type: 'RecordBundleExport';
  bundleId: string;
  treeSize: number;
  rootHash: string;
  eventCount: number;
  byteSize: number;
  bundleSha256: string;
  /** Pseudonyms whose free text the bundle holds readable. */
  dataSubjects: string[];
}

export interface DiscardBundle extends Base {
  type: 'DiscardBundle';
  bundleId: string;
  reason: string;
}

export interface RecordDelivery extends Base {
  type: 'RecordDelivery';
  bundleId: string;
  channel: string;
  deliveredTo: string;
}

export interface CloseDisclosure extends Base {
  type: 'CloseDisclosure';
  outcome: 'disclosed' | 'partly-refused' | 'refused';
  reason: string | null;
}

export type DisclosureCommand =
  ReceiveDisclosureRequest | ChangeDisclosureScope | DecideRedactions | RecordBundleExport | DiscardBundle | RecordDelivery | CloseDisclosure;
