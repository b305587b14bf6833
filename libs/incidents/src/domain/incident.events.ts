import { eventTypes, streamIdentity } from '@app/event-store/core';
import type { Actor, EncryptedText, EventOf, EventsOf } from '@app/event-store/core';

/** Stream of one incident: `incident-<id>`. */
export const incidentStream = streamIdentity('incident-');
export const incidentStreamId = incidentStream.streamOf;

export type { EncryptedText };

/**
 * Who must be told: the AI provider, the market surveillance authority, the device manufacturer,
 * the Dutch inspectorate (IGJ), the data-protection supervisory authority (Autoriteit
 * Persoonsgegevens, GDPR Art. 33), the data subjects of a breach (GDPR Art. 34), the patient
 * (Wkkgz art. 10(3): a recorded conversation, its note in the patient's file).
 */
export type Recipient =
  | 'provider'
  | 'market-surveillance-authority'
  | 'manufacturer'
  | 'igj'
  | 'supervisory-authority'
  | 'data-subjects'
  | 'patient'
  | 'csirt'
  | 'importer-distributor';
export const RECIPIENTS: readonly Recipient[] = [
  'provider',
  'market-surveillance-authority',
  'manufacturer',
  'igj',
  'supervisory-authority',
  'data-subjects',
  'patient',
  'csirt',
  'importer-distributor',
];

/**
 * Which report a deadline asks for, when a recipient is owed several: NIS2 Art. 23(4) (an early
 * warning, then an incident notification, then a final report to the CSIRT), the IGJ's
 * investigation report after the calamity report. A deadline without a kind is met by the first
 * report of any kind to its recipient; one with a kind only by a report of that kind.
 */
export type ReportKind = 'incident-notification' | 'final-report' | 'investigation-report';
export const REPORT_KINDS: readonly ReportKind[] = ['incident-notification', 'final-report', 'investigation-report'];
/** The key in `informedAt` a report of this kind (or any report, without one) sets. */
export const reportKey = (recipient: DeadlineParty, kind?: ReportKind | null): string => (kind ? `${recipient}#${kind}` : recipient);
/** Recipients reached through the supplier's endpoint (provider and manufacturer are the supplier). */
export const SUPPLIER_RECIPIENTS: readonly Recipient[] = ['provider', 'manufacturer'];
/**
 * Whom a deadline is owed to: a recipient, or `calamity-decision` — the hospital's own decision
 * whether the event is a calamity (IGJ triage window), met by CalamityEstablished or
 * CalamityRuledOut; nobody is told.
 */
export type DeadlineParty = Recipient | 'calamity-decision';

/**
 * AI Act Art. 3(49) criteria, the two that shorten deadlines (Art. 3(61), MDR Art. 2(66)), and the
 * MDR near miss (Art. 2(65) "might have led or might lead to"). Each one met makes the incident
 * serious under at least one instrument; which clocks start is the rulebook's business.
 */
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
  /**
   * MDR Art. 2(65): the incident "might have led or might lead to" death, a serious deterioration of
   * health or a serious public health threat, although none happened (a near miss). An MDR serious
   * incident, not an AI Act one (Art. 3(49) says "leads to"). Absent in events recorded before 2026-12: false.
   */
  couldHaveLedToSeriousHarm: boolean;
}

export const CRITERIA: readonly (keyof SeriousnessCriteria)[] = [
  'death',
  'seriousHarmToHealth',
  'criticalInfrastructureDisruption',
  'fundamentalRightsInfringement',
  'widespreadInfringement',
  'propertyOrEnvironmentHarm',
  'seriousPublicHealthThreat',
  'couldHaveLedToSeriousHarm',
];

/** Every criterion, each answered by `answer`. */
export function criteriaFrom(answer: (criterion: (typeof CRITERIA)[number]) => boolean): SeriousnessCriteria {
  const criteria = {} as SeriousnessCriteria;
  for (const k of CRITERIA) criteria[k] = answer(k);
  return criteria;
}

/** Every criterion false: the starting point for a classification. */
export const NO_CRITERIA: Readonly<SeriousnessCriteria> = Object.freeze(criteriaFrom(() => false));

/**
 * GDPR Art. 33/34: whether the incident is a personal data breach and, if so, the controller's
 * risk assessment. `unlikely-risk`: Art. 33(1) "unless … unlikely to result in a risk" (no
 * notification; reasons required); `risk`: notify the authority; `high-risk`: also the data
 * subjects (Art. 34(1)). Absent in events recorded before 2026-12: `none`.
 */
export type PersonalDataBreach = 'none' | 'unlikely-risk' | 'risk' | 'high-risk';
export const PERSONAL_DATA_BREACH: readonly PersonalDataBreach[] = ['none', 'unlikely-risk', 'risk', 'high-risk'];

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
  /** GDPR: a personal data breach and its risk (absent before 2026-12: `none`). */
  personalDataBreach?: PersonalDataBreach;
  /**
   * Wkkgz art. 10(3): the incident has or may have noticeable consequences for the patient, who is
   * then told "onverwijld" (absent before 2026-12: false).
   */
  patientConsequences?: boolean;
  /**
   * NIS2 Art. 23(3): a significant incident (severe operational disruption or financial loss, or
   * considerable damage to others), reported to the CSIRT (J15). Absent before 2026-12: false.
   */
  significantCyberIncident?: boolean;
}

/**
 * What a deadline rests on (docs/legal/sources.md): `law` — a period written in a statute or
 * regulation binding the hospital; `regulator-policy` — the regulator's published reading of a
 * statute without a number (the IGJ's 3 working days); `hospital-policy` — a clock the hospital
 * keeps although no law sets it, e.g. before the AI Act applies or towards a manufacturer.
 */
export type RuleNature = 'law' | 'regulator-policy' | 'hospital-policy';

/** The moment a clock runs from. */
export type ClockTrigger = 'awareness' | 'identification' | 'establishment' | 'incident-notification' | 'term-set';

/** One reporting duty: to whom, by when, under which rule. */
export interface Deadline {
  obligation: string;
  recipient: DeadlineParty;
  dueAt: string;
  /** The article, e.g. `AI Act Art. 73(2)`. */
  rule: string;
  /** Why this rule and period apply, quoting the text, with the policy value where the law says "immediately". */
  basis: string;
  /** The rulebook's id for the rule, e.g. `aiact.73-2`; absent in deadlines computed before the rulebook (2026-12). */
  ruleId?: string;
  /** The rulebook version that computed this deadline. */
  rulebookVersion?: string;
  /** Law, the regulator's policy, or the hospital's own policy. */
  nature?: RuleNature;
  /** The moment the clock runs from, and what it is. */
  from?: { trigger: ClockTrigger; at: string };
  /** The kind of report that meets it; absent: any report to the recipient. */
  reportKind?: ReportKind;
  /**
   * For an AI Act rule of a high-risk system: from when its duties apply and which source gave the
   * date (the compliance file's classification, or the rulebook's default, J9). Absent before 2026-12-07.
   */
  dutiesApplyFrom?: { at: string; source: 'compliance-file' | 'rulebook'; basis: string };
}

/** The facts about the AI system that decide which rules apply; recorded with every computation. */
export interface SystemScope {
  /** EU AI Act risk tier as the AI-system register records it; `unknown` when it could not be read. */
  aiActRiskClass: 'prohibited' | 'high' | 'limited' | 'minimal' | 'unknown';
  /** MDR class (`none` when the software is not a medical device). */
  mdrClass: string;
  /** Made and used within the hospital (MDR Art. 5(5)). */
  inHouseDevice: boolean;
  /** The importer or distributor the system was obtained through (AI Act Art. 26(5)); absent or null: none. */
  importerOrDistributor?: string | null;
  /**
   * The compliance file's classification that held at awareness (issue 23, ADR 0041), when there
   * was one: the class, MDR class and in-house flag above are then its own, not the registration's.
   * Absent or null: the registration's (and in every computation before 2026-12-07).
   */
  classification?: ScopeClassification | null;
}

/** The compliance file's classification as the rulebook reads it (AI Act Art. 6, Art. 25; MDR Art. 5(5)). */
export interface ScopeClassification {
  /** The day it was decided (Europe/Amsterdam), and by whom (subject). */
  decidedOn: string;
  decidedBy: string;
  legalGround: string;
  legalGroundPoint: string | null;
  /** The hospital's role at awareness: `provider` owes Art. 73 itself (the classification's, or after an Art. 25(1) assessment). */
  role: 'deployer' | 'provider' | 'importer' | 'distributor';
  /** The day (YYYY-MM-DD) from which the class's AI Act duties bind the hospital, and on what basis (J9). */
  dutiesApplyFrom: string;
  dutiesApplyFromBasis: string;
}

/**
 * The hospital's judgements where the law sets no number (docs/legal/sources.md, "Judgements");
 * recorded with every computation. Fields added later are absent in older events.
 */
export interface DeadlinePolicy {
  /** J1, AI Act Art. 26(5): inform the provider "immediately" — hours (also the policy clock from awareness, J12). */
  providerInformHours: number;
  /** J1, AI Act Art. 26(5): "and then" the market surveillance authority — hours after identification. */
  authorityInformHours: number;
  /** Wkkgz art. 11: report a calamity "onverwijld" — Dutch working days after its establishment (after awareness in events before 2026-12). */
  igjWorkingDays: number;
  /**
   * Whether 5 May counts as a holiday in the Dutch working-day calendar (Algemene termijnenwet
   * art. 3(1) lists it every year). Absent in events recorded before the Dutch calendar: those
   * counted Monday–Friday on the UTC calendar, as their `basis` text says.
   */
  liberationDayIsHoliday: boolean;
  /**
   * J9: before the AI Act's high-risk duties apply to the system (Art. 113 as amended), keep their
   * clocks anyway as hospital policy (true), or keep none (false).
   */
  aiActBeforeApplication: boolean;
  /** J2, Wkkgz art. 10(3): tell the patient "onverwijld" — hours after awareness. */
  patientInformHours: number;
  /** J14, GDPR Art. 34(1): tell the data subjects "without undue delay" — hours after awareness. */
  dataSubjectInformHours: number;
  /**
   * J15: from when the Cyberbeveiligingswet (the Dutch NIS2 law) binds the hospital, as the
   * hospital's counsel verified it (ISO date-time); null: not verified, NIS2 clocks are hospital policy.
   */
  nis2AppliesFrom: string | null;
  /** Who adopted these values and where (e.g. a board decision); null: the product's defaults, adopted by nobody. */
  adoptedBy: string | null;
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

/** Why deadlines were (re)computed. */
export type DeadlineCause =
  'detection' | 'classification' | 'awareness' | 'establishment' | 'provider-unreachable' | 'rulebook-correction' | 'report' | 'investigation-term';

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
  /**
   * Reported as a near miss (Uitvoeringsbesluit Wkkgz art. 1.1: an incident that "had kunnen
   * leiden" to harm): the reporter's view at intake, not a classification. Absent before 2026-12: false.
   */
  nearMiss?: boolean;
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
  cause: DeadlineCause;
  /** When the calamity was established (Wkkgz); absent when it is not. The IGJ report clock runs from it. */
  calamityEstablishedAt?: string;
  /** The rulebook that computed the deadlines; absent before the rulebook (2026-12). */
  rulebookVersion?: string;
  /** The AI system's facts the rules read (risk class, MDR class, in-house); absent before the rulebook. */
  scope?: SystemScope;
  computedAt: string;
}

/**
 * A rulebook correction applied to an open incident: the deadlines as the current rulebook computes
 * them, with the reason. The earlier computation stays in the log; this one governs from now on.
 */
export interface DeadlinesRecomputedData extends DeadlinesComputedData {
  cause: 'rulebook-correction';
  rulebookVersion: string;
  /** The version the incident's deadlines were computed with before; null when they predate versioning. */
  previousRulebookVersion: string | null;
  /** Why the rulebook changed (not personal data: it concerns the rules). */
  reason: string;
}

/**
 * AI Act Art. 26(5), 4th sentence: "If the deployer is not able to reach the provider, Article 73
 * shall apply mutatis mutandis." The hospital records that it could not reach the provider (what it
 * tried, encrypted as other free text); the Art. 73 clocks then run for the hospital itself.
 */
export interface ProviderUnreachableData {
  incidentId: string;
  /** Business time from which the provider counted as unreachable. */
  unreachableAt: string;
  reasons: EncryptedText;
  recordedBy: Actor;
  recordedAt: string;
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
  /** Which report this is, when the recipient is owed several (NIS2, the IGJ's investigation report); absent: unspecified. */
  reportKind?: ReportKind | null;
  notifiedBy: Actor;
  notifiedAt: string;
}

/**
 * The IGJ asked for an investigation report and set its term (J8: the term is the IGJ's, named in
 * its acknowledgement, extendable on a motivated request). Set again for an extension.
 */
export interface InvestigationReportTermSetData {
  incidentId: string;
  dueAt: string;
  /** The IGJ's case number or letter, when known. */
  igjReference: string | null;
  /** The term this one replaces (an extension); null the first time. */
  previousDueAt: string | null;
  setBy: Actor;
  setAt: string;
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

/**
 * A quality manager asked for a report the worker gave up on to be sent again: the same bytes (the
 * SHA-256 in the notification event), one more attempt; if it fails it gives up again and can be
 * re-sent again. Nothing about the report changes.
 */
export interface ReportResendRequestedData {
  incidentId: string;
  notificationId: string;
  requestedBy: Actor;
  requestedAt: string;
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

/** The context's events, declared once: type → data. The union, each event and the list of types derive from it. */
export interface IncidentEventData {
  'incidents.IncidentDetected': IncidentDetectedData;
  'incidents.AwarenessEstablished': AwarenessEstablishedData;
  'incidents.IncidentClassified': IncidentClassifiedData;
  'incidents.DeadlinesComputed': DeadlinesComputedData;
  'incidents.DeadlinesRecomputed': DeadlinesRecomputedData;
  'incidents.ProviderUnreachable': ProviderUnreachableData;
  'incidents.InvestigationReportTermSet': InvestigationReportTermSetData;
  'incidents.ReportResendRequested': ReportResendRequestedData;
  'incidents.CalamityEstablished': CalamityEstablishedData;
  'incidents.CalamityRuledOut': CalamityRuledOutData;
  'incidents.SupplierNotified': NotificationData;
  'incidents.AuthorityNotified': NotificationData;
  'incidents.FollowUpReported': NotificationData;
  'incidents.ReportDelivered': ReportDeliveredData;
  'incidents.ReportDeliveryFailed': ReportDeliveryFailedData;
  'incidents.SupplierAcknowledged': SupplierAcknowledgedData;
  'incidents.SystemUseSuspended': SystemUseSuspendedData;
  'incidents.InvestigationNoteAdded': InvestigationNoteAddedData;
  'incidents.IncidentClosed': IncidentClosedData;
  'incidents.IncidentReopened': IncidentReopenedData;
}

export type IncidentDetected = EventOf<IncidentEventData, 'incidents.IncidentDetected'>;
export type AwarenessEstablished = EventOf<IncidentEventData, 'incidents.AwarenessEstablished'>;
export type IncidentClassified = EventOf<IncidentEventData, 'incidents.IncidentClassified'>;
export type DeadlinesComputed = EventOf<IncidentEventData, 'incidents.DeadlinesComputed'>;
export type DeadlinesRecomputed = EventOf<IncidentEventData, 'incidents.DeadlinesRecomputed'>;
export type ProviderUnreachable = EventOf<IncidentEventData, 'incidents.ProviderUnreachable'>;
export type InvestigationReportTermSet = EventOf<IncidentEventData, 'incidents.InvestigationReportTermSet'>;
export type ReportResendRequested = EventOf<IncidentEventData, 'incidents.ReportResendRequested'>;
export type CalamityEstablished = EventOf<IncidentEventData, 'incidents.CalamityEstablished'>;
export type CalamityRuledOut = EventOf<IncidentEventData, 'incidents.CalamityRuledOut'>;
export type SupplierNotified = EventOf<IncidentEventData, 'incidents.SupplierNotified'>;
export type AuthorityNotified = EventOf<IncidentEventData, 'incidents.AuthorityNotified'>;
export type FollowUpReported = EventOf<IncidentEventData, 'incidents.FollowUpReported'>;
export type ReportDelivered = EventOf<IncidentEventData, 'incidents.ReportDelivered'>;
export type ReportDeliveryFailed = EventOf<IncidentEventData, 'incidents.ReportDeliveryFailed'>;
export type SupplierAcknowledged = EventOf<IncidentEventData, 'incidents.SupplierAcknowledged'>;
export type SystemUseSuspended = EventOf<IncidentEventData, 'incidents.SystemUseSuspended'>;
export type InvestigationNoteAdded = EventOf<IncidentEventData, 'incidents.InvestigationNoteAdded'>;
export type IncidentClosed = EventOf<IncidentEventData, 'incidents.IncidentClosed'>;
export type IncidentReopened = EventOf<IncidentEventData, 'incidents.IncidentReopened'>;

/** Stored envelopes satisfy these shapes, so they can be folded directly. */
export type IncidentEvent = EventsOf<IncidentEventData>;

export type IncidentEventType = IncidentEvent['type'];

export const INCIDENT_EVENT_TYPES = eventTypes<IncidentEventData>({
  'incidents.IncidentDetected': true,
  'incidents.AwarenessEstablished': true,
  'incidents.IncidentClassified': true,
  'incidents.DeadlinesComputed': true,
  'incidents.DeadlinesRecomputed': true,
  'incidents.ProviderUnreachable': true,
  'incidents.InvestigationReportTermSet': true,
  'incidents.ReportResendRequested': true,
  'incidents.CalamityEstablished': true,
  'incidents.CalamityRuledOut': true,
  'incidents.SupplierNotified': true,
  'incidents.AuthorityNotified': true,
  'incidents.FollowUpReported': true,
  'incidents.ReportDelivered': true,
  'incidents.ReportDeliveryFailed': true,
  'incidents.SupplierAcknowledged': true,
  'incidents.SystemUseSuspended': true,
  'incidents.InvestigationNoteAdded': true,
  'incidents.IncidentClosed': true,
  'incidents.IncidentReopened': true,
});

export const NOTIFICATION_EVENT_TYPES: readonly IncidentEventType[] = [
  'incidents.SupplierNotified',
  'incidents.AuthorityNotified',
  'incidents.FollowUpReported',
];
