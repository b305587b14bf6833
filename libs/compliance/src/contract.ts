/**
 * `@app/compliance/contract`: the shapes of the compliance file's answers (issue 23), declared once
 * and read by the server and the web app. Pure TypeScript: only this context's domain (as types)
 * and `@app/event-store/core` (test/architecture.spec.ts).
 */
import type { ComplianceView } from './domain/compliance-view';
import type { RequestDeadline, SubjectRequestKind } from './domain/subject-request.events';
import type { DashboardEntry } from './domain/dashboard';
import type { DocumentStatus } from './domain/documents';
import type { ComplianceDocument } from './domain/compliance-file.decider';

export type { ComplianceView } from './domain/compliance-view';
export type { DashboardEntry, DashboardItem, DashboardItemKind, DashboardStatus } from './domain/dashboard';
export type { DocumentStatus } from './domain/documents';
export type { AssessmentKind, AssessmentStatus, DocumentKind } from './domain/compliance-file.events';

/** `GET /compliance/dashboard`. */
export interface ComplianceDashboard {
  asOf: string;
  systems: DashboardEntry[];
}

/** One document of `GET /ai-systems/{id}/documents`. */
export type ComplianceDocumentItem = ComplianceDocument & { status: DocumentStatus; lastValidDay: string | null };

/** `GET /ai-systems/{id}/documents`. */
export interface ComplianceDocumentList {
  aiSystemId: string;
  validOn: string;
  asOf: string;
  items: ComplianceDocumentItem[];
}

/** `GET /ai-systems/{id}/compliance`. */
export type ComplianceFileAnswer = ComplianceView;

/** The kinds of papers the file keeps, in the order a form offers them (compliance-file.events DOCUMENT_KINDS). */
export const DOCUMENT_KIND_OPTIONS = [
  'ce-certificate',
  'eu-declaration-of-conformity',
  'instructions-for-use',
  'contract',
  'processing-agreement',
  'service-levels',
  'security-commitments',
] as const;

/**
 * What the file's forms offer (the web app's select lists): exactly the values the API accepts,
 * from the domain itself, so a form can offer nothing the decider would refuse as unknown.
 */
export {
  ASSESSMENT_KINDS,
  ASSESSMENT_STATUSES,
  CHANGE_KINDS,
  COMPETENCE_POLICIES,
  GROUNDS_OF_CLASS,
  HOSPITAL_ROLES,
  INFORMATION_BASES,
  LEGAL_GROUNDS,
  MDR_CLASSES,
  RISK_CLASSES,
} from './domain/compliance-file.events';
export type {
  ChangeKind,
  CompetencePolicy,
  HospitalRole,
  InformationBasis,
  InformationDutyRecordedData,
  LegalGround,
  MdrClass,
  RiskClass,
} from './domain/compliance-file.events';

export type { RefusalGround, RequestDeadline, SubjectRequestKind } from './domain/subject-request.events';
/** The grounds a refusal may name (GDPR Art. 12(5), 12(6); Art. 86 not applying): the form offers these only. */
export { REFUSAL_GROUNDS } from './domain/subject-request.events';

/** Free text as readers get it: clear, absent, or erased (the patient's key was shredded). */
export interface RequestTextView {
  text: string | null;
  erased: boolean;
}

/** `GET /compliance/subject-requests/{id}`: one request folded from its events, texts decrypted. */
export interface SubjectRequestDetail {
  requestId: string;
  kind: SubjectRequestKind;
  patientPseudonym: string;
  aiSystemId: string | null;
  channel: string;
  receivedAt: string;
  details: RequestTextView;
  status: SubjectRequestStatus;
  deadline: RequestDeadline;
  initialDeadline: RequestDeadline;
  overdue: boolean;
  extensions: Array<{ months: number; reasons: RequestTextView; informedAt: string; dueAt: string; by: string }>;
  outcome: {
    type: 'answered' | 'refused' | 'withdrawn';
    at: string;
    late: boolean;
    text: RequestTextView | null;
    answerSha256: string | null;
    ground: string | null;
    by: string;
  } | null;
  revision: number;
  history: Array<{ type: string; recordedAt: string; actor: unknown; globalPosition: number }>;
}

export type SubjectRequestStatus = 'open' | 'answered' | 'refused' | 'withdrawn';

/** One row of `GET /compliance/subject-requests` (issue 23 item 5, ADR 0051). */
export interface SubjectRequestListItem {
  requestId: string;
  kind: SubjectRequestKind;
  patientPseudonym: string;
  aiSystemId: string | null;
  channel: string;
  receivedAt: string;
  /** The deadline that holds: the first, or the last extension's. */
  dueAt: string;
  initialDueAt: string;
  nature: RequestDeadline['nature'];
  extendedMonths: number;
  status: SubjectRequestStatus;
  closedAt: string | null;
  late: boolean;
  revision: number;
  overdue: boolean;
}

/** `POST /compliance/subject-requests` and its change routes. */
export interface SubjectRequestWritten {
  requestId: string;
  revision: number;
  replayed: boolean;
  dueAt: string | null;
  status: SubjectRequestStatus;
}
