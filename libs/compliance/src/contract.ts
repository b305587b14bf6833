/**
 * `@app/compliance/contract`: the shapes of the compliance context's answers the web app reads,
 * declared once. Pure TypeScript: only this context's domain (as types) and the event store core.
 */
import type { RequestDeadline, SubjectRequestKind } from './domain/subject-request.events';

export type { RefusalGround, RequestDeadline, SubjectRequestKind } from './domain/subject-request.events';

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
