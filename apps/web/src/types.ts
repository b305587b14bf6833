// Shapes of the API answers this app reads (see /docs for the full OpenAPI description).
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
export interface Deadline {
  obligation: string;
  recipient: string;
  dueAt: string;
  rule: string;
  basis: string;
  /** Absent on deadlines computed before the rulebook (2026-12). */
  ruleId?: string;
  nature?: 'law' | 'regulator-policy' | 'hospital-policy';
  metAt: string | null;
  overdue: boolean;
}
export interface IncidentItem {
  incidentId: string;
  aiSystemId: string;
  aiSystemName: string;
  status: string;
  serious: boolean | null;
  awareAt: string;
  detectedAt: string;
  deadlines: Deadline[];
  nextDeadline: Deadline | null;
  overdue: boolean;
}
export interface Notification {
  notificationId: string;
  recipient: string;
  channel: string;
  status: string;
  attempts: number;
  notifiedAt: string;
  deliveredAt: string | null;
}
export type Criteria = Record<(typeof CRITERIA)[number], boolean>;
/** GDPR Art. 33/34: the controller's risk assessment of a personal data breach. */
export const BREACH_LEVELS = ['none', 'unlikely-risk', 'risk', 'high-risk'] as const;
export const CRITERIA = [
  'death',
  'seriousHarmToHealth',
  'criticalInfrastructureDisruption',
  'fundamentalRightsInfringement',
  'widespreadInfringement',
  'propertyOrEnvironmentHarm',
  'seriousPublicHealthThreat',
  'couldHaveLedToSeriousHarm',
] as const;
export interface IncidentView extends IncidentItem {
  narrative: { text: string | null; erased: boolean };
  classification: {
    serious: boolean;
    criteria: Criteria;
    wkkgzCalamity: boolean;
    personalDataBreach?: (typeof BREACH_LEVELS)[number];
    patientConsequences?: boolean;
  } | null;
  notifications: Notification[];
  revision: number;
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
export interface StoredEvent {
  eventId: string;
  type: string;
  streamId: string;
  globalPosition: number;
  recordedAt: string;
  data: unknown;
  metadata: { actor?: { subject: string; role: string } };
}
