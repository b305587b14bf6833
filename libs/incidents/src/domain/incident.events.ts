import type { Actor } from '@app/event-store/core';

/** Stream of one incident: `incident-<id>`. */
export const incidentStreamId = (incidentId: string): string => `incident-${incidentId}`;

/**
 * Free text that may hold personal data (narrative, notes, the report sent), encrypted at the
 * edge with AES-256-GCM under the data subject's key (docs/design.md §6). Opaque here.
 */
export type EncryptedText = { enc: 'aes-256-gcm'; kid: string; iv: string; ct: string };

/** Who must be told: the AI provider, the market surveillance authority, the device manufacturer, the Dutch inspectorate. */
export type Recipient = 'provider' | 'market-surveillance-authority' | 'manufacturer' | 'igj';
export const RECIPIENTS: readonly Recipient[] = ['provider', 'market-surveillance-authority', 'manufacturer', 'igj'];
/** Recipients reached through the supplier's endpoint (provider and manufacturer are the supplier). */
export const SUPPLIER_RECIPIENTS: readonly Recipient[] = ['provider', 'manufacturer'];
/**
 * Whom a deadline is owed to: a recipient, or `calamity-decision` — the hospital's own decision
 * whether the event is a calamity (IGJ triage window), met by CalamityEstablished or
 * CalamityRuledOut; nobody is told.
 */
export type DeadlineParty = Recipient | 'calamity-decision';

/** AI Act Art. 3(49) criteria, plus the two that shorten deadlines (Art. 3(61), MDR Art. 2(66)). */
export interface SeriousnessCriteria {
  /** Art. 3(49)(a): death of a person. */
  death: boolean;
  /** Art. 3(49)(a): serious harm to a person's health. */
  seriousHarmToHealth: boolean;
  /** Art. 3(49)(b): serious and irreversible disruption of critical infrastructure. */
  criticalInfrastructureDisruption: boolean;
  /** Art. 3(49)(c): infringement of Union-law obligations protecting fundamental rights. */
  fundamentalRightsInfringement: boolean;
  /** Art. 3(61): a widespread infringement (Art. 73(3) two-day deadline). */
  widespreadInfringement: boolean;
  /** Art. 3(49)(d): serious harm to property or the environment. */
  propertyOrEnvironmentHarm: boolean;
  /** MDR Art. 2(66): serious public health threat (MDR Art. 87(4) two-day deadline). */
  seriousPublicHealthThreat: boolean;
}

export const CRITERIA: readonly (keyof SeriousnessCriteria)[] = [
  'death',
  'seriousHarmToHealth',
  'criticalInfrastructureDisruption',
  'fundamentalRightsInfringement',
  'widespreadInfringement',
  'propertyOrEnvironmentHarm',
  'seriousPublicHealthThreat',
];

/** Every criterion false: the starting point for a classification. */
export const NO_CRITERIA: Readonly<SeriousnessCriteria> = Object.freeze(
  Object.fromEntries(CRITERIA.map((k) => [k, false])) as unknown as SeriousnessCriteria,
);

export interface Classification {
  serious: boolean;
  criteria: SeriousnessCriteria;
  /** The system is a medical device under the MDR: the hospital reports to the manufacturer. */
  medicalDevice: boolean;
  /**
   * A possible calamity under the Wkkgz (art. 1): starts the IGJ's 6-week window to establish
   * whether it is one. Before 2026-12 it meant an established calamity and started the IGJ report
   * clock from awareness; events recorded then keep the deadlines they computed.
   */
  wkkgzCalamity: boolean;
}

/** One reporting duty: to whom, by when, under which rule. */
export interface Deadline {
  obligation: string;
  recipient: DeadlineParty;
  dueAt: string;
  /** The legal rule, e.g. `AI Act Art. 73(2)`. */
  rule: string;
  /** Why this rule and period apply, including the policy value where the law says "immediately". */
  basis: string;
}

/** Configurable readings of "immediately" / "onverwijld"; recorded with every computation. */
export interface DeadlinePolicy {
  /** AI Act Art. 26(5): inform the provider "immediately" — hours after awareness. */
  providerInformHours: number;
  /** Wkkgz art. 11: report a calamity "onverwijld" — Dutch working days after its establishment (after awareness in events before 2026-12). */
  igjWorkingDays: number;
  /**
   * Whether 5 May counts as a holiday in the Dutch working-day calendar (Algemene termijnenwet
   * art. 3(1) lists it every year). Absent in events recorded before the Dutch calendar: those
   * counted Monday–Friday on the UTC calendar, as their `basis` text says.
   */
  liberationDayIsHoliday: boolean;
}

export type ReportFormat = 'ai-act-art73' | 'mdr-vigilance';
/**
 * `webhook`: the registry POSTs the report to the supplier's URL; `email`: the registry mails it
 * (SMTP) with the report attached; `recorded`: made elsewhere (portal, phone), recorded here.
 */
export type Channel = 'webhook' | 'email' | 'recorded';
/** Channels the registry delivers itself, through the outbox. */
export type DeliveryChannel = Exclude<Channel, 'recorded'>;
export const DELIVERY_CHANNELS: readonly DeliveryChannel[] = ['webhook', 'email'];

export interface AiSystemFacts {
  name: string;
  supplierName: string;
  version: string;
  mdrClass: string;
  udiDi: string | null;
}

export interface IncidentDetectedData {
  incidentId: string;
  aiSystemId: string;
  aiSystem: AiSystemFacts;
  /** What happened; encrypted under `narrativeSubject`'s key. */
  narrative: EncryptedText;
  /** The data subject whose key protects this incident's free text (first patient, else the incident). */
  narrativeSubject: string;
  patientPseudonyms: string[];
  linkedReviewIds: string[];
  occurredAt: string | null;
  detectedBy: Actor;
  detectedAt: string;
}

export interface AwarenessEstablishedData {
  incidentId: string;
  /** The moment the clocks start; may be earlier than when it was recorded. */
  awareAt: string;
  /** Why this moment; null when awareness is the moment of recording. */
  reason: EncryptedText | null;
  previousAwareAt: string | null;
  establishedBy: Actor;
  establishedAt: string;
}

export interface IncidentClassifiedData extends Classification {
  incidentId: string;
  rationale: EncryptedText | null;
  /** The classification this one replaces; null the first time. */
  previous: Classification | null;
  classifiedBy: Actor;
  classifiedAt: string;
}

export interface DeadlinesComputedData {
  incidentId: string;
  awareAt: string;
  deadlines: Deadline[];
  policy: DeadlinePolicy;
  cause: 'classification' | 'awareness' | 'establishment';
  /** When the calamity was established (Wkkgz); absent when it is not. The IGJ report clock runs from it. */
  calamityEstablishedAt?: string;
  computedAt: string;
}

/**
 * The hospital established that the incident is a calamity (Wkkgz art. 1): the IGJ report clock
 * starts at `establishedAt` (the moment of *vaststelling*, business time). Reasons encrypted as
 * other free text. Cannot be undone: a ruling-out after it is refused (docs/incidents.md).
 */
export interface CalamityEstablishedData {
  incidentId: string;
  establishedAt: string;
  reasons: EncryptedText;
  /** The ruling-out this overturns, if the incident had been ruled out before; null otherwise. */
  previousRuledOutAt: string | null;
  establishedBy: Actor;
}

/** The hospital decided the incident is not a calamity (the "NotACalamity"); the triage window is met. */
export interface CalamityRuledOutData {
  incidentId: string;
  decidedAt: string;
  reasons: EncryptedText;
  decidedBy: Actor;
}

/** A report made or queued: the first to a recipient is Supplier/AuthorityNotified, later ones FollowUpReported. */
export interface NotificationData {
  incidentId: string;
  notificationId: string;
  recipient: Recipient;
  channel: Channel;
  /** Webhook URL for `webhook`, `mailto:<address>` for `email`; null when recorded. */
  destination: string | null;
  format: ReportFormat;
  /** False for an initial, incomplete report (AI Act Art. 73(5)). */
  complete: boolean;
  /** The exact bytes to send, encrypted (they include the narrative); null when recorded only. */
  report: EncryptedText | null;
  reportSha256: string | null;
  /** The recipient's case number, when known. */
  reference: string | null;
  notifiedBy: Actor;
  notifiedAt: string;
}

export interface ReportDeliveredData {
  incidentId: string;
  notificationId: string;
  attempt: number;
  /** How it was sent (events recorded before email delivery existed have none: webhook). */
  channel: DeliveryChannel;
  destination: string;
  /** The supplier's HTTP status (webhook); null for email. */
  httpStatus: number | null;
  /** Email only: the SMTP server's reply accepting the message, e.g. `250 2.0.0 Ok: queued as …`. */
  smtpResponse?: string;
  /** SHA-256 of the exact bytes that were sent. */
  reportSha256: string;
  deliveredAt: string;
}

export interface ReportDeliveryFailedData {
  incidentId: string;
  notificationId: string;
  attempt: number;
  /** As in ReportDelivered. */
  channel: DeliveryChannel;
  destination: string;
  /** The supplier's HTTP status, when it answered (webhook); null for email and when nothing answered. */
  httpStatus: number | null;
  error: string;
  failedAt: string;
  /** Null when the worker gave up. */
  nextAttemptAt: string | null;
}

export interface SupplierAcknowledgedData {
  incidentId: string;
  notificationId: string;
  supplierReference: string | null;
  acknowledgedAt: string;
}

/**
 * Use of the incident's AI system is suspended because of it (through the ai-systems context,
 * which then refuses reviews of the system's output). The reason is in clear text: it is also
 * the reason of `ai-systems.AiSystemUseSuspended`.
 */
export interface SystemUseSuspendedData {
  incidentId: string;
  aiSystemId: string;
  reason: string;
  /**
   * True when use was already suspended (by someone else, or for another incident) and this
   * records that the incident is linked to that suspension; false when this request suspended it.
   */
  alreadySuspended: boolean;
  /** When the system's current suspension began (`suspendedAt` of `ai-systems.AiSystemUseSuspended`). */
  systemSuspendedAt: string;
  suspendedBy: Actor;
  suspendedAt: string;
}

export interface InvestigationNoteAddedData {
  incidentId: string;
  note: EncryptedText;
  addedBy: Actor;
  addedAt: string;
}

export interface IncidentClosedData {
  incidentId: string;
  conclusion: EncryptedText;
  closedBy: Actor;
  closedAt: string;
}

export interface IncidentReopenedData {
  incidentId: string;
  reason: EncryptedText;
  reopenedBy: Actor;
  reopenedAt: string;
}

type E<K extends string, D> = { type: K; data: D };

export type IncidentDetected = E<'incidents.IncidentDetected', IncidentDetectedData>;
export type AwarenessEstablished = E<'incidents.AwarenessEstablished', AwarenessEstablishedData>;
export type IncidentClassified = E<'incidents.IncidentClassified', IncidentClassifiedData>;
export type DeadlinesComputed = E<'incidents.DeadlinesComputed', DeadlinesComputedData>;
export type CalamityEstablished = E<'incidents.CalamityEstablished', CalamityEstablishedData>;
export type CalamityRuledOut = E<'incidents.CalamityRuledOut', CalamityRuledOutData>;
export type SupplierNotified = E<'incidents.SupplierNotified', NotificationData>;
export type AuthorityNotified = E<'incidents.AuthorityNotified', NotificationData>;
export type FollowUpReported = E<'incidents.FollowUpReported', NotificationData>;
export type ReportDelivered = E<'incidents.ReportDelivered', ReportDeliveredData>;
export type ReportDeliveryFailed = E<'incidents.ReportDeliveryFailed', ReportDeliveryFailedData>;
export type SupplierAcknowledged = E<'incidents.SupplierAcknowledged', SupplierAcknowledgedData>;
export type SystemUseSuspended = E<'incidents.SystemUseSuspended', SystemUseSuspendedData>;
export type InvestigationNoteAdded = E<'incidents.InvestigationNoteAdded', InvestigationNoteAddedData>;
export type IncidentClosed = E<'incidents.IncidentClosed', IncidentClosedData>;
export type IncidentReopened = E<'incidents.IncidentReopened', IncidentReopenedData>;

/** Stored envelopes satisfy these shapes, so they can be folded directly. */
export type IncidentEvent =
  | IncidentDetected
  | AwarenessEstablished
  | IncidentClassified
  | DeadlinesComputed
  | CalamityEstablished
  | CalamityRuledOut
  | SupplierNotified
  | AuthorityNotified
  | FollowUpReported
  | ReportDelivered
  | ReportDeliveryFailed
  | SupplierAcknowledged
  | SystemUseSuspended
  | InvestigationNoteAdded
  | IncidentClosed
  | IncidentReopened;

export type IncidentEventType = IncidentEvent['type'];

export const INCIDENT_EVENT_TYPES: readonly IncidentEventType[] = [
  'incidents.IncidentDetected',
  'incidents.AwarenessEstablished',
  'incidents.IncidentClassified',
  'incidents.DeadlinesComputed',
  'incidents.CalamityEstablished',
  'incidents.CalamityRuledOut',
  'incidents.SupplierNotified',
  'incidents.AuthorityNotified',
  'incidents.FollowUpReported',
  'incidents.ReportDelivered',
  'incidents.ReportDeliveryFailed',
  'incidents.SupplierAcknowledged',
  'incidents.SystemUseSuspended',
  'incidents.InvestigationNoteAdded',
  'incidents.IncidentClosed',
  'incidents.IncidentReopened',
];

export const NOTIFICATION_EVENT_TYPES: readonly IncidentEventType[] = [
  'incidents.SupplierNotified',
  'incidents.AuthorityNotified',
  'incidents.FollowUpReported',
];
