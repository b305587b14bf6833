/**
 * `@app/incidents/contract`: the shapes of the incident API's answers, declared once and read by
 * the server (the query handlers build them) and by the web app (which imports these types and the
 * criteria list instead of copying them). Pure TypeScript: only this context's domain and
 * `@app/event-store/core` (test/architecture.spec.ts holds it to that).
 */
import type { DeadlineStatus } from './domain/deadlines';
import type { IncidentState, NotificationState } from './domain/incident.decider';

export { CRITERIA, NO_CRITERIA, PERSONAL_DATA_BREACH } from './domain/incident.events';
export type { Classification, Deadline, PersonalDataBreach, SeriousnessCriteria } from './domain/incident.events';
export type { DeadlineStatus } from './domain/deadlines';
export type { NotificationState } from './domain/incident.decider';

/** Free text as readers get it: clear, absent, or erased (its subject key was shredded). */
export interface TextView {
  text: string | null;
  erased: boolean;
}

export interface IncidentSummary {
  incidentId: string;
  aiSystemId: string;
  aiSystemName: string;
  status: 'open' | 'closed';
  serious: boolean | null;
  awareAt: string | null;
  detectedAt: string;
  /** Reported as a near miss at intake. */
  nearMiss: boolean;
  deadlines: DeadlineStatus[];
  nextDeadline: DeadlineStatus | null;
  overdue: boolean;
  /**
   * Wkkgz triage: `open` while a possible calamity (or nothing flagged yet: `not-suspected`) awaits
   * the hospital's decision; `established` or `ruled-out` (with `calamityDecidedAt`) once decided.
   */
  calamityTriage: 'not-suspected' | 'open' | 'established' | 'ruled-out';
  calamityDecidedAt: string | null;
}

export interface IncidentView extends IncidentSummary {
  narrative: TextView;
  occurredAt: string | null;
  detectedBy: { subject: string; role: string };
  aiSystem: IncidentState['aiSystem'];
  classification: IncidentState['classification'];
  patientPseudonyms: string[];
  linkedReviewIds: string[];
  notifications: NotificationState[];
  /** Suspensions of the AI system linked to the incident (`POST …/system-suspension`). */
  suspensions: IncidentState['suspensions'];
  notes: number;
  closedAt: string | null;
  revision: number;
}

export interface ReportedIncident {
  incidentId: string;
  aiSystemName: string;
  detectedAt: string;
  nearMiss: boolean;
  /** `awaiting-triage` until a quality manager classifies it. */
  triage: 'awaiting-triage' | 'triaged';
  status: 'open' | 'closed';
  closedAt: string | null;
}
