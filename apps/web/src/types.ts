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
export type { AiSystemSummary as AiSystem } from '@app/ai-systems/contract';
export type { Page } from '@app/event-store/core';
export type { CompetenceFlagCount, CoverageAnswer as Coverage, ReviewListItem as ReviewItem, WorklistItem } from '@app/oversight/contract';
export type { BundleJobView as BundleJob, DisclosureScope as Scope, DisclosureSummary as DisclosureItem, DisclosureView } from '@app/disclosure/contract';
export type { TimelineEntry } from '@app/evidence/contract';
export type { MonitoringAlertView as MonitoringAlert, MonitoringAnswer as Monitoring } from '@app/monitoring/contract';
export type {
  ComplianceDashboard,
  ComplianceDocumentItem,
  ComplianceDocumentList,
  ComplianceFileAnswer as ComplianceFile,
  DashboardEntry,
  DocumentKind,
} from '@app/compliance/contract';
export { DOCUMENT_KIND_OPTIONS } from '@app/compliance/contract';
