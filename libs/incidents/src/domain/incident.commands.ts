import type { Actor } from '@app/event-store/core';
import type { AiSystemFacts, Classification, DeadlinePolicy, EncryptedText, NotificationData, SystemScope } from './incident.events';

/** The AI system as the handler loaded it from its own stream. */
export interface AiSystemSnapshot extends AiSystemFacts, SystemScope {
  exists: boolean;
}

/**
 * What a command that (re)computes deadlines brings: the hospital's policy values and the AI
 * system's facts as the register holds them now (risk class, MDR class, in-house), both recorded
 * with the computation.
 */
export interface Clocked {
  policy: DeadlinePolicy;
  scope: SystemScope;
}

/** A linked review as the handler loaded it from its own stream. */
export interface ReviewSnapshot {
  reviewId: string;
  exists: boolean;
  aiSystemId: string | null;
  reviewerSubject: string | null;
  patientPseudonym: string | null;
}

/**
 * Encrypted free text arrives with a `has…` flag set by the edge from the clear text, since the
 * decider cannot read ciphertext. Every command carries `now` (ISO 8601): deciders never read a clock.
 */
export interface DetectIncident {
  type: 'DetectIncident';
  incidentId: string;
  aiSystemId: string;
  system: AiSystemSnapshot;
  narrative: EncryptedText | null;
  hasNarrative: boolean;
  narrativeSubject: string;
  patientPseudonyms: string[];
  linkedReviews: ReviewSnapshot[];
  occurredAt: string | null;
  /** Null: awareness is the moment of recording. */
  awareAt: string | null;
  awarenessReason: EncryptedText | null;
  /** The reporter calls it a near miss (no harm happened). */
  nearMiss: boolean;
  policy: DeadlinePolicy;
  reporter: Actor;
  now: string;
}

export interface EstablishAwareness extends Clocked {
  type: 'EstablishAwareness';
  incidentId: string;
  awareAt: string;
  reason: EncryptedText | null;
  hasReason: boolean;
  by: Actor;
  now: string;
}

export interface ClassifyIncident extends Clocked {
  type: 'ClassifyIncident';
  incidentId: string;
  classification: Classification;
  rationale: EncryptedText | null;
  hasRationale: boolean;
  by: Actor;
  now: string;
}

/** Wkkgz art. 1: the hospital establishes that the incident is a calamity (*vaststelling*). */
export interface EstablishCalamity extends Clocked {
  type: 'EstablishCalamity';
  incidentId: string;
  /** The moment of establishment; the IGJ report clock runs from it. */
  establishedAt: string;
  reasons: EncryptedText | null;
  hasReasons: boolean;
  by: Actor;
  now: string;
}

/** The hospital decides the incident is not a calamity. */
export interface RuleOutCalamity {
  type: 'RuleOutCalamity';
  incidentId: string;
  decidedAt: string;
  reasons: EncryptedText | null;
  hasReasons: boolean;
  by: Actor;
  now: string;
}

/**
 * The notification as it will be recorded; the decider chooses the event type. Clocked: a report
 * can start a clock (NIS2's final report runs from the incident notification).
 */
export interface NotifyRecipient extends Omit<NotificationData, 'notifiedBy'>, Clocked {
  type: 'NotifyRecipient';
  by: Actor;
  now: string;
}

export interface RecordDeliveryAttempt {
  type: 'RecordDeliveryAttempt';
  incidentId: string;
  notificationId: string;
  attempt: number;
  outcome:
    | { delivered: true; httpStatus: number | null; smtpResponse?: string; reportSha256: string }
    | { delivered: false; httpStatus: number | null; error: string; nextAttemptAt: string | null };
  now: string;
}

export interface AcknowledgeReport {
  type: 'AcknowledgeReport';
  incidentId: string;
  notificationId: string;
  supplierReference: string | null;
  now: string;
}

/**
 * Link a suspension of the incident's AI system to the incident. The handler suspends the system
 * through the ai-systems context first (unless it already is) and says what it found or did.
 */
export interface SuspendSystemUse {
  type: 'SuspendSystemUse';
  incidentId: string;
  reason: string;
  /**
   * The system's suspension this links to: when it began, and whether this request began it
   * (false: it was already suspended). For a check before suspending, the handler passes the
   * suspension it is about to make (`suspendedAt: now`, `byThisRequest: true`).
   */
  system: { suspendedAt: string; byThisRequest: boolean };
  by: Actor;
  now: string;
}

export interface AddInvestigationNote {
  type: 'AddInvestigationNote';
  incidentId: string;
  note: EncryptedText | null;
  hasNote: boolean;
  by: Actor;
  now: string;
}

export interface CloseIncident {
  type: 'CloseIncident';
  incidentId: string;
  conclusion: EncryptedText | null;
  hasConclusion: boolean;
  by: Actor;
  now: string;
}

export interface ReopenIncident {
  type: 'ReopenIncident';
  incidentId: string;
  reason: EncryptedText | null;
  hasReason: boolean;
  by: Actor;
  now: string;
}

/** AI Act Art. 26(5), 4th sentence: the hospital could not reach the provider (what it tried, J13). */
export interface RecordProviderUnreachable extends Clocked {
  type: 'RecordProviderUnreachable';
  incidentId: string;
  unreachableAt: string;
  reasons: EncryptedText | null;
  hasReasons: boolean;
  by: Actor;
  now: string;
}

/** The IGJ asked for an investigation report by `dueAt` (J8); again for an extension. */
export interface SetInvestigationReportTerm extends Clocked {
  type: 'SetInvestigationReportTerm';
  incidentId: string;
  dueAt: string;
  igjReference: string | null;
  by: Actor;
  now: string;
}

/** Send again a report the delivery worker gave up on (same bytes). */
export interface ResendReport {
  type: 'ResendReport';
  incidentId: string;
  notificationId: string;
  by: Actor;
  now: string;
}

/** Apply the current rulebook to an open incident computed with an older one. */
export interface RecomputeDeadlines extends Clocked {
  type: 'RecomputeDeadlines';
  incidentId: string;
  /** Why the rulebook changed; required. */
  reason: string;
  now: string;
}

export type IncidentCommand =
  | DetectIncident
  | RecordProviderUnreachable
  | SetInvestigationReportTerm
  | ResendReport
  | RecomputeDeadlines
  | EstablishAwareness
  | ClassifyIncident
  | EstablishCalamity
  | RuleOutCalamity
  | NotifyRecipient
  | RecordDeliveryAttempt
  | AcknowledgeReport
  | SuspendSystemUse
  | AddInvestigationNote
  | CloseIncident
  | ReopenIncident;
