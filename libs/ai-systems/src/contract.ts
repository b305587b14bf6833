/**
 * `@app/ai-systems/contract`: the shapes of the supplier-notice API's answers, declared once and
 * read by the server (the query handlers build them) and by the web app. Pure TypeScript: only
 * this context's domain and `@app/event-store/core` (test/architecture.spec.ts).
 */
import type { NoticeDeadline, ReceivedSupplierNotice } from './domain/supplier-notice.decider';
import type { SupplierNoticeKind } from './domain/supplier-notice.events';

export type { SupplierNoticeKind } from './domain/supplier-notice.events';

/** One AI system as the inventory lists it (`GET /ai-systems`): its read-model row. */
export interface AiSystemSummary {
  aiSystemId: string;
  name: string;
  supplierName: string;
  supplierIncidentContactEmail: string | null;
  intendedPurpose: string;
  aiActRiskClass: string;
  mdrClass: string;
  inHouseDevice: boolean;
  ceMarking: string | null;
  udiDi: string | null;
  oversightPersons: string[];
  currentVersion: string;
  ifuVersion: string | null;
  knownVersions: string[];
  status: string;
  suspensionReason: string | null;
  registeredAt: string;
  /** Minutes an output may wait for review before it is overdue; null: the registry default. */
  outputReviewLimitMinutes: number | null;
  updatedAt: string;
  revision: number;
}

/** One notice as the API shows it: its stream folded, deadlines and overdue judged by the business clock. */
export interface SupplierNoticeView extends Omit<ReceivedSupplierNotice, 'exists'> {
  deadlines: Array<NoticeDeadline & { overdue: boolean }>;
  nextDueAt: string | null;
  overdue: boolean;
  revision: number;
}

export interface SupplierNoticeSummary {
  supplierNoticeId: string;
  aiSystemId: string;
  kind: SupplierNoticeKind;
  supplierReference: string;
  title: string;
  receivedAt: string;
  affectedVersions: string[];
  requestedActionDueBy: string | null;
  actBy: string | null;
  nextDueAt: string | null;
  overdue: boolean;
  status: 'open' | 'closed';
  actionCount: number;
  completedAt: string | null;
  closedAt: string | null;
  revision: number;
}
