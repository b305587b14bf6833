import { eventTypes, streamIdentity } from '@app/event-store/core';
import type { EventOf, EventsOf } from '@app/event-store/core';
/** Stream of one notice a supplier sent about an AI system: `supplier-notice-<id>`. */
export const supplierNoticeStream = streamIdentity('supplier-notice-');
export const supplierNoticeStreamId = supplierNoticeStream.streamOf;

/** A field safety notice (MDR FSN/FSCA) or a security advisory; both arrive from the supplier. */
export type SupplierNoticeKind = 'field-safety-notice' | 'security-advisory';
export const SUPPLIER_NOTICE_KINDS: readonly SupplierNoticeKind[] = ['field-safety-notice', 'security-advisory'];

/** Who recorded a step: the signed-in member of staff (the same pair as the event's metadata). */
export interface NoticeActor {
  subject: string;
  role: string;
}

/** What the supplier asks the hospital to do, and by when if it says. */
export interface RequestedAction {
  description: string;
  /** ISO 8601, UTC; a date alone was read as the end of that day in Amsterdam. */
  dueBy: string | null;
}

export interface SupplierNoticeReceivedData {
  supplierNoticeId: string;
  /** Names the system, so an evidence bundle scoped to it holds this stream (scope.ts). */
  aiSystemId: string;
  kind: SupplierNoticeKind;
  supplierReference: string;
  title: string;
  receivedAt: string;
  /** Versions the notice concerns, as the register spells them. */
  affectedVersions: string[];
  /** Why listed versions are not ones the register knows: required when one is not, else optional. */
  unknownVersionsReason: string | null;
  requestedAction: RequestedAction | null;
  /** The hospital's own deadline for acting on the notice. */
  actBy: string | null;
  /** Where the notice itself is kept (a link or a document number). */
  documentReference: string | null;
  receivedBy: NoticeActor;
}

export interface SupplierNoticeActionRecordedData {
  supplierNoticeId: string;
  aiSystemId: string;
  /** What was done, short and plain (not personal data: it is about the system). */
  description: string;
  doneAt: string;
  /** This action does what the notice asks: its deadlines are met at `doneAt`. */
  completesRequestedAction: boolean;
  doneBy: NoticeActor;
}

export interface SupplierNoticeClosedData {
  supplierNoticeId: string;
  aiSystemId: string;
  conclusion: string;
  closedAt: string;
  closedBy: NoticeActor;
}

/** The context's events, declared once: type → data. The union, each event and the list of types derive from it. */
export interface SupplierNoticeEventData {
  'ai-systems.SupplierNoticeReceived': SupplierNoticeReceivedData;
  'ai-systems.SupplierNoticeActionRecorded': SupplierNoticeActionRecordedData;
  'ai-systems.SupplierNoticeClosed': SupplierNoticeClosedData;
}

export type SupplierNoticeReceived = EventOf<SupplierNoticeEventData, 'ai-systems.SupplierNoticeReceived'>;
export type SupplierNoticeActionRecorded = EventOf<SupplierNoticeEventData, 'ai-systems.SupplierNoticeActionRecorded'>;
export type SupplierNoticeClosed = EventOf<SupplierNoticeEventData, 'ai-systems.SupplierNoticeClosed'>;

export type SupplierNoticeEvent = EventsOf<SupplierNoticeEventData>;

export const SUPPLIER_NOTICE_EVENT_TYPES = eventTypes<SupplierNoticeEventData>({
  'ai-systems.SupplierNoticeReceived': true,
  'ai-systems.SupplierNoticeActionRecorded': true,
  'ai-systems.SupplierNoticeClosed': true,
});
