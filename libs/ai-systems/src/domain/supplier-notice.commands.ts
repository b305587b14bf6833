import type { NoticeActor, SupplierNoticeKind } from './supplier-notice.events';

/** What the register knows of the system the notice is about, read by the handler before deciding. */
export interface NoticeSystem {
  exists: boolean;
  knownVersions: string[];
}

/** Every command carries `now` (ISO 8601, business clock): the decider never reads the clock. */
export interface ReceiveSupplierNotice {
  type: 'ReceiveSupplierNotice';
  supplierNoticeId: string;
  aiSystemId: string;
  system: NoticeSystem;
  kind: SupplierNoticeKind;
  supplierReference: string;
  title: string;
  /** Defaults to `now`. */
  receivedAt: string | null;
  affectedVersions: string[];
  unknownVersionsReason: string | null;
  requestedAction: { description: string; dueBy: string | null } | null;
  actBy: string | null;
  documentReference: string | null;
  by: NoticeActor;
  now: string;
}

export interface RecordSupplierNoticeAction {
  type: 'RecordSupplierNoticeAction';
  supplierNoticeId: string;
  description: string;
  /** Defaults to `now`. */
  doneAt: string | null;
  completesRequestedAction: boolean;
  by: NoticeActor;
  now: string;
}

export interface CloseSupplierNotice {
  type: 'CloseSupplierNotice';
  supplierNoticeId: string;
  conclusion: string;
  by: NoticeActor;
  now: string;
}

export type SupplierNoticeCommand = ReceiveSupplierNotice | RecordSupplierNoticeAction | CloseSupplierNotice;
