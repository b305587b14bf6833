// Shapes of the API answers this app reads (see /docs for the full OpenAPI description). Where the
// server declares an answer in a context's contract (`@app/<context>/contract`), it is used as is.
import type { EventEnvelope } from '@app/event-store/core';
import type { DeadlineStatus, IncidentSummary } from '@app/incidents/contract';

export { CRITERIA, NO_CRITERIA, PERSONAL_DATA_BREACH as BREACH_LEVELS } from '@app/incidents/contract';
export type { IncidentView, ReportedIncident, SeriousnessCriteria as Criteria } from '@app/incidents/contract';
export type Deadline = DeadlineStatus;
export type IncidentItem = IncidentSummary;
/** An event of the log as `GET /events` answers it. */
export type StoredEvent = EventEnvelope;
export interface AiSystem {
  aiSystemId: string;
  name: string;
  supplierName: string;
  currentVersion: string;
  status: string;
}
export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}
export interface ReviewItem {
  reviewId: string;
  aiSystemId: string;
  modelVersion: string;
  outputReference: string;
  decision: string;
  decidedAt: string;
  reason: { text: string | null; erased: boolean };
}
export interface Scope {
  patientPseudonyms: string[];
  aiSystemIds: string[];
  incidentIds: string[];
  from: string | null;
  to: string | null;
}
export interface DisclosureItem {
  requestId: string;
  reference: string;
  status: string;
  dueAt: string;
  requester: string;
}
export interface Bundle {
  bundleId: string;
  bundleSha256: string;
  eventCount?: number;
  exportedAt?: string;
}
export interface DisclosureView {
  requestId: string;
  reference: string;
  status: string;
  dueAt: string;
  scope: Scope;
  bundles: Bundle[];
  revision: number;
}
export interface BundleJob {
  bundleId: string;
  status: 'running' | 'done' | 'failed';
  progress: { phase: string; done: number; total: number };
  bundleSha256: string | null;
  eventCount: number | null;
  error: string | null;
  download: string | null;
}
export interface TimelineEntry {
  position: number;
  label: string;
  labelNl: string;
  occurredAt: string;
  recordedAt: string;
  late: boolean;
  actor: string;
  role: string;
  text: string | null;
}
