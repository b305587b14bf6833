import { type Actor, type Decider, DomainError } from '@app/event-store/core';
import { computeDeadlines, metAt } from './deadlines';
import type {
  AcknowledgeReport,
  AddInvestigationNote,
  ClassifyIncident,
  Clocked,
  CloseIncident,
  DetectIncident,
  EstablishAwareness,
  EstablishCalamity,
  IncidentCommand,
  NotifyRecipient,
  RecomputeDeadlines,
  RecordDeliveryAttempt,
  RecordProviderUnreachable,
  ReopenIncident,
  ResendReport,
  SetInvestigationReportTerm,
  RuleOutCalamity,
  SuspendSystemUse,
} from './incident.commands';
import {
  type AiSystemFacts,
  type Classification,
  CRITERIA,
  criteriaFrom,
  type Deadline,
  type DeadlineCause,
  type DeadlineParty,
  type DeliveryChannel,
  type EncryptedText,
  type IncidentEvent,
  type NotificationData,
  type Recipient,
  type ReportKind,
  reportKey,
  SUPPLIER_RECIPIENTS,
  type SystemScope,
} from './incident.events';
import { aiActSerious, type CalamityDecision, RULEBOOK_VERSION } from './rulebook';

/** A notification without its (encrypted) report bytes, plus how its delivery went. */
export interface NotificationState extends Omit<NotificationData, 'incidentId' | 'report' | 'notifiedBy'> {
  status: 'queued' | 'delivered' | 'gave-up' | 'recorded';
  attempts: number;
  deliveredAt: string | null;
  acknowledgedAt: string | null;
  supplierReference: string | null;
}

/** A suspension of the AI system linked to the incident. */
export interface SuspensionLink {
  systemSuspendedAt: string;
  alreadySuspended: boolean;
  suspendedAt: string;
  suspendedBy: Actor;
}

/** One state shape for "not yet detected" and "detected"; `exists` tells which. */
export interface IncidentState {
  exists: boolean;
  incidentId: string | null;
  aiSystemId: string | null;
  aiSystem: AiSystemFacts | null;
  narrative: EncryptedText | null;
  narrativeSubject: string | null;
  patientPseudonyms: string[];
  linkedReviewIds: string[];
  occurredAt: string | null;
  /** Reported as a near miss at intake. */
  nearMiss: boolean;
  detectedAt: string | null;
  detectedBy: Actor | null;
  awareAt: string | null;
  classification: Classification | null;
  /** Wkkgz: whether the incident was established as a calamity or ruled out, and when; null while undecided. */
  calamity: CalamityDecision | null;
  /** AI Act Art. 26(5) "have identified": the first classification as a serious incident under the AI Act. */
  identifiedAt: string | null;
  /** AI Act Art. 26(5), 4th sentence: since when the provider could not be reached; null otherwise. */
  providerUnreachableAt: string | null;
  deadlines: Deadline[];
  /** The rulebook version of the last computation; null before any, or before versioning (2026-12). */
  rulebookVersion: string | null;
  /** The IGJ's investigation-report term (J8), the latest set; null until it asks for one. */
  investigationReport: { dueAt: string; setAt: string } | null;
  notifications: NotificationState[];
  /**
   * First moment each recipient was informed (or the calamity decided), under the recipient, and
   * for a report of a kind also under `reportKey(recipient, kind)`: the duties they meet.
   */
  informedAt: Partial<Record<string, string>>;
  /** Suspensions of the AI system linked to this incident, oldest first. */
  suspensions: SuspensionLink[];
  notes: number;
  status: 'open' | 'closed';
  closedAt: string | null;
}

export const initialIncidentState = (): IncidentState => ({
  exists: false,
  incidentId: null,
  aiSystemId: null,
  aiSystem: null,
  narrative: null,
  narrativeSubject: null,
  patientPseudonyms: [],
  linkedReviewIds: [],
  occurredAt: null,
  nearMiss: false,
  detectedAt: null,
  detectedBy: null,
  awareAt: null,
  classification: null,
  calamity: null,
  identifiedAt: null,
  providerUnreachableAt: null,
  deadlines: [],
  rulebookVersion: null,
  investigationReport: null,
  notifications: [],
  informedAt: {},
  suspensions: [],
  notes: 0,
  status: 'open',
  closedAt: null,
});

/** Tolerated clock difference between a workstation and the registry. */
const MAX_CLOCK_SKEW_MS = 5 * 60 * 1000;

function decide(command: IncidentCommand, state: IncidentState): IncidentEvent[] {
  if (command.type === 'DetectIncident') return detect(command, state);
  if (!state.exists) {
    throw new DomainError('incident-not-found', `Incident ${command.incidentId} does not exist.`, 404);
  }
  switch (command.type) {
    case 'EstablishAwareness':
      return establishAwareness(command, open(state));
    case 'RecordProviderUnreachable':
      return providerUnreachable(command, open(state));
    case 'RecomputeDeadlines':
      return recompute(command, open(state));
    case 'SetInvestigationReportTerm':
      return setInvestigationTerm(command, open(state));
    case 'ResendReport':
      return resend(command, state);
    case 'ClassifyIncident':
      return classify(command, open(state));
    case 'EstablishCalamity':
      return establishCalamity(command, open(state));
    case 'RuleOutCalamity':
      return ruleOutCalamity(command, open(state));
    case 'NotifyRecipient':
      return notify(command, open(state));
    case 'RecordDeliveryAttempt':
      return recordAttempt(command, state);
    case 'AcknowledgeReport':
      return acknowledge(command, state);
    case 'SuspendSystemUse':
      return suspendSystemUse(command, open(state));
    case 'AddInvestigationNote':
      return addNote(command, open(state));
    case 'CloseIncident':
      return close(command, open(state));
    case 'ReopenIncident':
      return reopen(command, state);
  }
}

function detect(c: DetectIncident, state: IncidentState): IncidentEvent[] {
  if (state.exists) throw new DomainError('incident-exists', `Incident ${c.incidentId} is already recorded.`, 409);
  if (!c.system.exists) {
    throw new DomainError('ai-system-not-found', `AI system ${c.aiSystemId} is not registered.`, 404, 'aiSystemId');
  }
  const narrative = required(c.narrative, c.hasNarrative, 'narrative', 'Recording an incident requires a narrative of what happened.');
  const occurredAt = c.occurredAt === null ? null : notInFuture(c.occurredAt, c.now, 'occurredAt');
  const awareAt = c.awareAt === null ? c.now : notInFuture(c.awareAt, c.now, 'awareAt');
  notBeforeOccurrence(awareAt, occurredAt);
  const patients = new Set(c.patientPseudonyms);
  for (const r of c.linkedReviews) {
    if (!r.exists) throw new DomainError('review-not-found', `Review ${r.reviewId} does not exist.`, 404, 'linkedReviewIds');
    if (r.aiSystemId !== c.aiSystemId) {
      throw new DomainError('review-of-other-system', `Review ${r.reviewId} is about another AI system.`, 422, 'linkedReviewIds');
    }
    // Staff other than quality managers may link only their own reviews (as in the oversight context).
    if (c.reporter.role !== 'quality-manager' && r.reviewerSubject !== c.reporter.subject) {
      throw new DomainError('not-your-review', `Review ${r.reviewId} was recorded by someone else.`, 403, 'linkedReviewIds');
    }
    if (r.patientPseudonym) patients.add(r.patientPseudonym);
  }
  const { system } = c;
  const scope: SystemScope = {
    aiActRiskClass: system.aiActRiskClass,
    mdrClass: system.mdrClass,
    inHouseDevice: system.inHouseDevice,
    ...(system.classification ? { classification: system.classification } : {}),
  };
  // Clocks that run before classification (the provider policy clock, J12) start at detection.
  const computed = deadlines(c.incidentId, initialIncidentState(), awareAt, { policy: c.policy, scope }, 'detection', c.now);
  return [
    {
      type: 'incidents.IncidentDetected',
      data: {
        incidentId: c.incidentId,
        aiSystemId: c.aiSystemId,
        aiSystem: { name: system.name, supplierName: system.supplierName, version: system.version, mdrClass: system.mdrClass, udiDi: system.udiDi },
        narrative,
        narrativeSubject: c.narrativeSubject,
        patientPseudonyms: [...patients],
        linkedReviewIds: c.linkedReviews.map((r) => r.reviewId),
        occurredAt,
        ...(c.nearMiss ? { nearMiss: true } : {}),
        detectedBy: actor(c.reporter),
        detectedAt: c.now,
      },
    },
    {
      type: 'incidents.AwarenessEstablished',
      data: {
        incidentId: c.incidentId,
        awareAt,
        reason: c.awarenessReason,
        previousAwareAt: null,
        establishedBy: actor(c.reporter),
        establishedAt: c.now,
      },
    },
    ...(computed.data.deadlines.length ? [computed] : []),
  ];
}

function establishAwareness(c: EstablishAwareness, state: IncidentState): IncidentEvent[] {
  const awareAt = notInFuture(c.awareAt, c.now, 'awareAt');
  notBeforeOccurrence(awareAt, state.occurredAt);
  if (awareAt === state.awareAt) {
    throw new DomainError('awareness-unchanged', `Awareness is already established at ${awareAt}.`, 409, 'awareAt');
  }
  const reason = required(c.reason, c.hasReason, 'reason', 'Moving the moment of awareness requires a reason.');
  const events: IncidentEvent[] = [
    {
      type: 'incidents.AwarenessEstablished',
      data: { incidentId: c.incidentId, awareAt, reason, previousAwareAt: state.awareAt, establishedBy: actor(c.by), establishedAt: c.now },
    },
  ];
  const computed = deadlines(c.incidentId, state, awareAt, c, 'awareness', c.now);
  if (state.deadlines.length || computed.data.deadlines.length) events.push(computed);
  return events;
}

function classify(c: ClassifyIncident, state: IncidentState): IncidentEvent[] {
  const next = c.classification;
  // Every criterion makes the incident serious under some instrument: AI Act Art. 3(49) and 73(3),
  // MDR Art. 2(65) (including "might have led": a near miss) and 2(66).
  const met = CRITERIA.filter((k) => next.criteria[k] === true);
  if (next.serious && met.length === 0) {
    throw new DomainError(
      'criteria-required',
      'A serious incident needs at least one criterion: AI Act Art. 3(49) (death or serious harm to health, critical infrastructure, fundamental rights, property or environment), a widespread infringement (Art. 3(61)), or MDR Art. 2(65)/(66) (a serious public health threat, or an incident that might have led to death or serious deterioration of health).',
      400,
      'criteria',
    );
  }
  if (!next.serious && met.length > 0) {
    throw new DomainError('criteria-contradict-classification', `An incident meeting ${met.join(', ')} is serious by definition.`, 422, 'serious');
  }
  if (state.classification && sameClassification(state.classification, next)) {
    throw new DomainError('classification-unchanged', 'The incident already has this classification.', 409);
  }
  // GDPR Art. 33(5): the controller documents every breach; "unlikely to result in a risk" needs its reasons.
  const rationale = state.classification
    ? required(c.rationale, c.hasRationale, 'rationale', 'Re-classifying an incident requires a rationale.')
    : next.personalDataBreach === 'unlikely-risk'
      ? required(c.rationale, c.hasRationale, 'rationale', 'A personal data breach judged unlikely to result in a risk (GDPR Art. 33(1)) requires the reasons.')
      : c.hasRationale
        ? c.rationale
        : null;
  const classification: Classification = {
    serious: next.serious,
    criteria: criteriaFrom((k) => next.criteria[k] === true),
    medicalDevice: next.medicalDevice,
    wkkgzCalamity: next.wkkgzCalamity,
    personalDataBreach: next.personalDataBreach ?? 'none',
    patientConsequences: next.patientConsequences === true,
    significantCyberIncident: next.significantCyberIncident === true,
  };
  const classified: IncidentEvent = {
    type: 'incidents.IncidentClassified',
    data: { incidentId: c.incidentId, ...classification, rationale, previous: state.classification, classifiedBy: actor(c.by), classifiedAt: c.now },
  };
  return withDeadlines(classified, state, c, 'classification', c.now);
}

/** An event that changes what the rules read, and the deadlines computed on the state it leads to (`evolve`, not a copy of it). */
function withDeadlines(event: IncidentEvent, state: IncidentState, clocked: Clocked, cause: DeadlineCause, now: string): IncidentEvent[] {
  return [event, deadlines(state.incidentId!, evolve(state, event), state.awareAt!, clocked, cause, now)];
}

/**
 * Wkkgz art. 1 *vaststelling*: the IGJ report clock starts at `establishedAt` (IGJ: "Binnen 3
 * werkdagen nadat u heeft vastgesteld dat het om een calamiteit gaat"). A ruled-out incident may
 * be established later (both decisions stay in the log); an established one is never un-established.
 */
function establishCalamity(c: EstablishCalamity, state: IncidentState): IncidentEvent[] {
  if (state.calamity?.status === 'established') {
    throw new DomainError('calamity-already-established', `The calamity was established at ${state.calamity.at}.`, 409);
  }
  const establishedAt = decisionTime(c.establishedAt, 'establishedAt', c.now, state);
  if (state.calamity && establishedAt < state.calamity.at) {
    throw new DomainError(
      'established-before-ruling-out',
      `The calamity was ruled out at ${state.calamity.at}; an establishment that overturns it cannot precede it.`,
      422,
      'establishedAt',
    );
  }
  const reasons = required(c.reasons, c.hasReasons, 'reasons', 'Establishing a calamity requires the reasons.');
  const established: IncidentEvent = {
    type: 'incidents.CalamityEstablished',
    data: { incidentId: c.incidentId, establishedAt, reasons, previousRuledOutAt: state.calamity?.at ?? null, establishedBy: actor(c.by) },
  };
  return withDeadlines(established, state, c, 'establishment', c.now);
}

/**
 * AI Act Art. 26(5): "If the deployer is not able to reach the provider, Article 73 shall apply
 * mutatis mutandis." Recorded once, with what was tried; the Art. 73 clocks then run for the hospital.
 */
function providerUnreachable(c: RecordProviderUnreachable, state: IncidentState): IncidentEvent[] {
  if (state.providerUnreachableAt) {
    throw new DomainError('provider-unreachable-recorded', `The provider was recorded as unreachable at ${state.providerUnreachableAt}.`, 409);
  }
  if (state.informedAt.provider) {
    throw new DomainError('provider-informed', `The provider was informed at ${state.informedAt.provider}.`, 409);
  }
  const unreachableAt = decisionTime(c.unreachableAt, 'unreachableAt', c.now, state);
  const reasons = required(c.reasons, c.hasReasons, 'reasons', 'Recording that the provider could not be reached requires what was tried.');
  return withDeadlines(
    { type: 'incidents.ProviderUnreachable', data: { incidentId: c.incidentId, unreachableAt, reasons, recordedBy: actor(c.by), recordedAt: c.now } },
    state,
    c,
    'provider-unreachable',
    c.now,
  );
}

/**
 * A rulebook correction: the current rulebook's deadlines for an incident computed with another
 * version. The earlier computation stays in the log; this one governs from now on.
 */
function recompute(c: RecomputeDeadlines, state: IncidentState): IncidentEvent[] {
  if (state.rulebookVersion === RULEBOOK_VERSION) {
    throw new DomainError('deadlines-current', `The deadlines were computed with rulebook ${RULEBOOK_VERSION} already.`, 409);
  }
  const reason = c.reason.trim();
  if (!reason) throw new DomainError('reason-required', 'A rulebook correction requires its reason.', 400, 'reason');
  const computed = deadlines(c.incidentId, state, state.awareAt!, c, 'rulebook-correction', c.now);
  return [
    {
      type: 'incidents.DeadlinesRecomputed',
      data: { ...computed.data, cause: 'rulebook-correction', rulebookVersion: RULEBOOK_VERSION, previousRulebookVersion: state.rulebookVersion, reason },
    },
  ];
}

/**
 * The incident is not a calamity: the triage window is met and no IGJ report is due. Refused once
 * a calamity is established: the IGJ is (or must be) told, and taking the clock away silently
 * would hide that; a correction would be its own recorded decision (not built).
 */
function ruleOutCalamity(c: RuleOutCalamity, state: IncidentState): IncidentEvent[] {
  if (state.calamity?.status === 'established') {
    throw new DomainError('calamity-established', `The calamity was established at ${state.calamity.at}; it cannot be ruled out.`, 409);
  }
  if (state.calamity?.status === 'ruled-out') {
    throw new DomainError('calamity-already-ruled-out', `The calamity was ruled out at ${state.calamity.at}.`, 409);
  }
  const decidedAt = decisionTime(c.decidedAt, 'decidedAt', c.now, state);
  const reasons = required(c.reasons, c.hasReasons, 'reasons', 'Ruling out a calamity requires the reasons.');
  return [{ type: 'incidents.CalamityRuledOut', data: { incidentId: c.incidentId, decidedAt, reasons, decidedBy: actor(c.by) } }];
}

/** A calamity decision lies between awareness (the start of the triage window) and now. */
function decisionTime(at: string, field: string, now: string, state: IncidentState): string {
  const t = notInFuture(at, now, field);
  if (t < state.awareAt!) {
    throw new DomainError('decided-before-awareness', `${field} (${t}) cannot precede awareness of the incident (${state.awareAt}).`, 422, field);
  }
  return t;
}

function notify(c: NotifyRecipient, state: IncidentState): IncidentEvent[] {
  const notifiedAt = notInFuture(c.notifiedAt, c.now, 'notifiedAt');
  if (notifiedAt < state.awareAt!) {
    throw new DomainError(
      'notified-before-detection',
      `A notification at ${notifiedAt} would precede awareness of the incident (${state.awareAt}).`,
      422,
      'notifiedAt',
    );
  }
  if (state.notifications.some((n) => n.notificationId === c.notificationId)) {
    throw new DomainError('notification-exists', `Notification ${c.notificationId} is already recorded.`, 409);
  }
  const supplier = SUPPLIER_RECIPIENTS.includes(c.recipient);
  const sent = c.channel !== 'recorded';
  if (sent && !supplier) {
    throw new DomainError(
      'channel-not-supported',
      `Reports to ${c.recipient} are made through its own portal: record them with channel "recorded".`,
      422,
      'channel',
    );
  }
  if (c.channel === 'webhook' && (!c.destination || !c.report || !c.reportSha256)) {
    throw new DomainError('no-supplier-endpoint', `No webhook is configured for the supplier of ${state.aiSystem!.name}.`, 422, 'recipient');
  }
  if (c.channel === 'email' && (!c.destination?.startsWith('mailto:') || !c.report || !c.reportSha256)) {
    throw new DomainError(
      'no-supplier-email',
      `No email address is configured for the supplier of ${state.aiSystem!.name}, or SMTP is not configured.`,
      422,
      'channel',
    );
  }
  const kind = c.reportKind ?? null;
  if (kind && REPORT_KIND_RECIPIENT[kind] !== c.recipient) {
    throw new DomainError(
      'report-kind-not-for-recipient',
      `A report of kind ${kind} goes to ${REPORT_KIND_RECIPIENT[kind]}, not to ${c.recipient}.`,
      422,
      'reportKind',
    );
  }
  const first = !state.notifications.some((n) => n.recipient === c.recipient);
  const type = !first ? 'incidents.FollowUpReported' : supplier ? 'incidents.SupplierNotified' : 'incidents.AuthorityNotified';
  const notification: IncidentEvent = {
    type,
    data: {
      incidentId: c.incidentId,
      notificationId: c.notificationId,
      recipient: c.recipient,
      channel: c.channel,
      destination: sent ? c.destination : null,
      format: c.format,
      complete: c.complete,
      report: c.report,
      reportSha256: c.reportSha256,
      reference: c.reference,
      ...(kind ? { reportKind: kind } : {}),
      notifiedBy: actor(c.by),
      notifiedAt,
    },
  };
  // A report recorded as made can start a clock (NIS2: the final report runs from the incident notification).
  const after = incidentDecider.evolve(state, notification);
  const computed = deadlines(c.incidentId, after, state.awareAt!, c, 'report', c.now);
  const changed = JSON.stringify(computed.data.deadlines.map(clockOf)) !== JSON.stringify(state.deadlines.map(clockOf));
  return changed && state.rulebookVersion === RULEBOOK_VERSION ? [notification, computed] : [notification];
}

/** What identifies a clock, for "did the report change the deadlines?". */
const clockOf = (d: Deadline) => [d.ruleId, d.recipient, d.dueAt];

/** Which recipient receives a report of each kind. */
const REPORT_KIND_RECIPIENT: Record<ReportKind, Recipient> = {
  'incident-notification': 'csirt',
  'final-report': 'csirt',
  'investigation-report': 'igj',
};

/**
 * The IGJ names the investigation-report term in its acknowledgement of the calamity report (J8);
 * an extension is a new term with the earlier one on record. Only after a report to the IGJ.
 */
function setInvestigationTerm(c: SetInvestigationReportTerm, state: IncidentState): IncidentEvent[] {
  const reported = state.informedAt.igj;
  if (!reported) {
    throw new DomainError('igj-not-informed', 'The IGJ asks for an investigation report after the calamity was reported to it: record that report first.', 409);
  }
  const t = Date.parse(c.dueAt);
  if (Number.isNaN(t)) throw new DomainError('invalid-timestamp', 'dueAt must be an ISO 8601 date-time.', 400, 'dueAt');
  const dueAt = new Date(t).toISOString();
  if (dueAt <= reported) {
    throw new DomainError('term-before-report', `The term (${dueAt}) must fall after the report to the IGJ (${reported}).`, 422, 'dueAt');
  }
  if (state.investigationReport?.dueAt === dueAt) throw new DomainError('term-unchanged', `The term is already ${dueAt}.`, 409, 'dueAt');
  const termSet: IncidentEvent = {
    type: 'incidents.InvestigationReportTermSet',
    data: {
      incidentId: c.incidentId,
      dueAt,
      igjReference: c.igjReference,
      previousDueAt: state.investigationReport?.dueAt ?? null,
      setBy: actor(c.by),
      setAt: c.now,
    },
  };
  return withDeadlines(termSet, state, c, 'investigation-term', c.now);
}

function recordAttempt(c: RecordDeliveryAttempt, state: IncidentState): IncidentEvent[] {
  const n = sentNotification(state, c.notificationId);
  if (n.status === 'delivered') {
    throw new DomainError('already-delivered', `Report ${c.notificationId} was delivered at ${n.deliveredAt}.`, 409);
  }
  if (c.attempt !== n.attempts + 1) {
    throw new DomainError('stale-attempt', `Attempt ${c.attempt} of report ${c.notificationId} is already recorded.`, 409);
  }
  const channel = n.channel as DeliveryChannel;
  const base = { incidentId: c.incidentId, notificationId: c.notificationId, attempt: c.attempt, channel, destination: n.destination! };
  const o = c.outcome;
  const smtp = channel === 'email' && o.delivered && o.smtpResponse ? { smtpResponse: o.smtpResponse.slice(0, 500) } : {};
  return o.delivered
    ? [{ type: 'incidents.ReportDelivered', data: { ...base, httpStatus: o.httpStatus, ...smtp, reportSha256: o.reportSha256, deliveredAt: c.now } }]
    : [
        {
          type: 'incidents.ReportDeliveryFailed',
          data: { ...base, httpStatus: o.httpStatus, error: o.error.slice(0, 500), failedAt: c.now, nextAttemptAt: o.nextAttemptAt },
        },
      ];
}

function resend(c: ResendReport, state: IncidentState): IncidentEvent[] {
  const n = sentNotification(state, c.notificationId);
  if (n.status !== 'gave-up') {
    throw new DomainError('report-not-given-up', `Report ${c.notificationId} is ${n.status}: only a report the worker gave up on is sent again.`, 409);
  }
  return [
    {
      type: 'incidents.ReportResendRequested',
      data: { incidentId: c.incidentId, notificationId: c.notificationId, requestedBy: actor(c.by), requestedAt: c.now },
    },
  ];
}

function acknowledge(c: AcknowledgeReport, state: IncidentState): IncidentEvent[] {
  const n = sentNotification(state, c.notificationId);
  if (n.acknowledgedAt) {
    throw new DomainError('already-acknowledged', `Report ${c.notificationId} was acknowledged at ${n.acknowledgedAt}.`, 409);
  }
  return [
    {
      type: 'incidents.SupplierAcknowledged',
      data: { incidentId: c.incidentId, notificationId: c.notificationId, supplierReference: c.supplierReference, acknowledgedAt: c.now },
    },
  ];
}

/**
 * Links a suspension of the system to the incident. A new suspension, or an existing one (made by
 * someone else or for another incident: `alreadySuspended`), is linked once per incident.
 */
function suspendSystemUse(c: SuspendSystemUse, state: IncidentState): IncidentEvent[] {
  const reason = c.reason.trim();
  if (!reason) throw new DomainError('reason-required', 'Suspending use of the AI system requires a reason.', 400, 'reason');
  const linked = state.suspensions.find((s) => s.systemSuspendedAt === c.system.suspendedAt);
  if (linked) {
    throw new DomainError(
      'suspension-already-linked',
      `Use of AI system ${state.aiSystemId} is suspended since ${linked.systemSuspendedAt}, already linked to this incident at ${linked.suspendedAt}.`,
      409,
    );
  }
  return [
    {
      type: 'incidents.SystemUseSuspended',
      data: {
        incidentId: c.incidentId,
        aiSystemId: state.aiSystemId!,
        reason,
        alreadySuspended: !c.system.byThisRequest,
        systemSuspendedAt: c.system.suspendedAt,
        suspendedBy: actor(c.by),
        suspendedAt: c.now,
      },
    },
  ];
}

function addNote(c: AddInvestigationNote, _state: IncidentState): IncidentEvent[] {
  const note = required(c.note, c.hasNote, 'note', 'An investigation note needs text.');
  return [{ type: 'incidents.InvestigationNoteAdded', data: { incidentId: c.incidentId, note, addedBy: actor(c.by), addedAt: c.now } }];
}

function close(c: CloseIncident, state: IncidentState): IncidentEvent[] {
  if (!state.classification) {
    throw new DomainError('not-classified', 'Classify the incident (serious or not) before closing it.', 409);
  }
  const open = state.deadlines.filter((d) => !metAt(d, state.informedAt)).map((d) => `${d.recipient} (${d.rule})`);
  if (open.length) {
    throw new DomainError('obligations-open', `Reports still due before closing: ${open.join(', ')}.`, 409);
  }
  const conclusion = required(c.conclusion, c.hasConclusion, 'conclusion', 'Closing an incident requires a conclusion.');
  return [{ type: 'incidents.IncidentClosed', data: { incidentId: c.incidentId, conclusion, closedBy: actor(c.by), closedAt: c.now } }];
}

function reopen(c: ReopenIncident, state: IncidentState): IncidentEvent[] {
  if (state.status !== 'closed') throw new DomainError('incident-open', `Incident ${c.incidentId} is not closed.`, 409);
  const reason = required(c.reason, c.hasReason, 'reason', 'Reopening an incident requires a reason.');
  return [{ type: 'incidents.IncidentReopened', data: { incidentId: c.incidentId, reason, reopenedBy: actor(c.by), reopenedAt: c.now } }];
}

function deadlines(
  incidentId: string,
  facts: Pick<IncidentState, 'classification' | 'calamity' | 'identifiedAt' | 'providerUnreachableAt' | 'informedAt' | 'investigationReport'>,
  awareAt: string,
  { policy, scope }: Clocked,
  cause: DeadlineCause,
  now: string,
): Extract<IncidentEvent, { type: 'incidents.DeadlinesComputed' }> {
  const calamity = facts.calamity ?? null;
  const established = calamity?.status === 'established' ? { calamityEstablishedAt: calamity.at } : {};
  const computed = computeDeadlines({
    classification: facts.classification,
    awareAt,
    identifiedAt: facts.identifiedAt,
    calamity,
    providerUnreachableAt: facts.providerUnreachableAt,
    system: scope,
    policy,
    reports: facts.informedAt ?? {},
    investigationReport: facts.investigationReport ?? null,
  });
  return {
    type: 'incidents.DeadlinesComputed',
    data: {
      incidentId,
      awareAt,
      deadlines: computed,
      policy: { ...policy },
      cause,
      ...established,
      rulebookVersion: RULEBOOK_VERSION,
      scope: { ...scope },
      computedAt: now,
    },
  };
}

function open(state: IncidentState): IncidentState {
  if (state.status === 'closed') {
    throw new DomainError('incident-closed', `Incident ${state.incidentId} is closed; reopen it first.`, 409);
  }
  return state;
}

/** A report the registry sends itself (webhook or email), as opposed to one recorded as made elsewhere. */
function sentNotification(state: IncidentState, notificationId: string): NotificationState {
  const n = state.notifications.find((x) => x.notificationId === notificationId);
  if (!n || n.channel === 'recorded') {
    throw new DomainError('notification-not-found', `No report ${notificationId} was sent to a supplier for this incident.`, 404, 'notificationId');
  }
  return n;
}

function required(value: EncryptedText | null, present: boolean, field: string, message: string): EncryptedText {
  if (!present || !value) throw new DomainError(`${field}-required`, message, 400, field);
  return value;
}

/** A valid ISO 8601 instant, not more than the tolerated skew ahead of `now`; returned normalised. */
function notInFuture(at: string, now: string, field: string): string {
  const t = Date.parse(at);
  if (Number.isNaN(t)) throw new DomainError('invalid-timestamp', `${field} must be an ISO 8601 date-time.`, 400, field);
  if (t - Date.parse(now) > MAX_CLOCK_SKEW_MS) {
    throw new DomainError('time-in-future', `${field} (${at}) lies in the future.`, 400, field);
  }
  return new Date(t).toISOString();
}

function notBeforeOccurrence(awareAt: string, occurredAt: string | null): void {
  if (occurredAt && awareAt < occurredAt) {
    throw new DomainError('aware-before-occurred', `Awareness (${awareAt}) cannot precede the incident (${occurredAt}).`, 422, 'awareAt');
  }
}

function sameClassification(a: Classification, b: Classification): boolean {
  return (
    a.serious === b.serious &&
    a.medicalDevice === b.medicalDevice &&
    a.wkkgzCalamity === b.wkkgzCalamity &&
    (a.personalDataBreach ?? 'none') === (b.personalDataBreach ?? 'none') &&
    (a.patientConsequences === true) === (b.patientConsequences === true) &&
    (a.significantCyberIncident === true) === (b.significantCyberIncident === true) &&
    CRITERIA.every((k) => a.criteria[k] === (b.criteria[k] === true))
  );
}

/** Only subject and role go into the ledger, whatever else the caller's actor carries. */
const actor = (a: Actor): Actor => ({ subject: a.subject, role: a.role });

function evolve(state: IncidentState, event: IncidentEvent): IncidentState {
  switch (event.type) {
    case 'incidents.IncidentDetected':
      // The state holds every field of the detection; nearMiss is absent from events before 2026-12.
      return { ...state, ...event.data, exists: true, nearMiss: event.data.nearMiss === true };
    case 'incidents.AwarenessEstablished':
      return { ...state, awareAt: event.data.awareAt };
    case 'incidents.IncidentClassified': {
      const { serious, criteria, medicalDevice, wkkgzCalamity, personalDataBreach, patientConsequences, significantCyberIncident } = event.data;
      const classification: Classification = {
        serious,
        criteria,
        medicalDevice,
        wkkgzCalamity,
        personalDataBreach: personalDataBreach ?? 'none',
        patientConsequences: patientConsequences === true,
        significantCyberIncident: significantCyberIncident === true,
      };
      const identifiedAt = state.identifiedAt ?? (aiActSerious(classification) ? event.data.classifiedAt : null);
      return { ...state, classification, identifiedAt };
    }
    case 'incidents.DeadlinesComputed':
    case 'incidents.DeadlinesRecomputed':
      return { ...state, deadlines: event.data.deadlines, rulebookVersion: event.data.rulebookVersion ?? null };
    case 'incidents.ProviderUnreachable':
      return { ...state, providerUnreachableAt: event.data.unreachableAt };
    case 'incidents.InvestigationReportTermSet':
      return { ...state, investigationReport: { dueAt: event.data.dueAt, setAt: event.data.setAt } };
    case 'incidents.CalamityEstablished': {
      const at = event.data.establishedAt;
      return informed({ ...state, calamity: { status: 'established', at } }, 'calamity-decision', at);
    }
    case 'incidents.CalamityRuledOut': {
      const at = event.data.decidedAt;
      return informed({ ...state, calamity: { status: 'ruled-out', at } }, 'calamity-decision', at);
    }
    case 'incidents.SupplierNotified':
    case 'incidents.AuthorityNotified':
    case 'incidents.FollowUpReported': {
      const d = event.data;
      const recorded = d.channel === 'recorded';
      const { incidentId: _incident, report: _bytes, notifiedBy: _by, ...notification } = d;
      const n: NotificationState = {
        ...notification,
        status: recorded ? 'recorded' : 'queued',
        attempts: 0,
        deliveredAt: null,
        acknowledgedAt: null,
        supplierReference: null,
      };
      const next = { ...state, notifications: [...state.notifications, n] };
      return recorded ? informed(next, d.recipient, d.notifiedAt, d.reportKind) : next;
    }
    case 'incidents.ReportDelivered': {
      const d = event.data;
      const next = withNotification(state, d.notificationId, (n) => ({ ...n, status: 'delivered', attempts: d.attempt, deliveredAt: d.deliveredAt }));
      const n = next.notifications.find((x) => x.notificationId === d.notificationId);
      return n ? informed(next, n.recipient, d.deliveredAt, n.reportKind) : next;
    }
    case 'incidents.ReportDeliveryFailed': {
      const d = event.data;
      return withNotification(state, d.notificationId, (n) => ({ ...n, attempts: d.attempt, status: d.nextAttemptAt ? 'queued' : 'gave-up' }));
    }
    case 'incidents.ReportResendRequested':
      return withNotification(state, event.data.notificationId, (n) => ({ ...n, status: 'queued' }));
    case 'incidents.SupplierAcknowledged': {
      const d = event.data;
      return withNotification(state, d.notificationId, (n) => ({ ...n, acknowledgedAt: d.acknowledgedAt, supplierReference: d.supplierReference }));
    }
    case 'incidents.SystemUseSuspended': {
      const d = event.data;
      const link: SuspensionLink = {
        systemSuspendedAt: d.systemSuspendedAt,
        alreadySuspended: d.alreadySuspended,
        suspendedAt: d.suspendedAt,
        suspendedBy: d.suspendedBy,
      };
      // `?? []`: board rows folded before this event type existed have no `suspensions`.
      return { ...state, suspensions: [...(state.suspensions ?? []), link] };
    }
    case 'incidents.InvestigationNoteAdded':
      return { ...state, notes: state.notes + 1 };
    case 'incidents.IncidentClosed':
      return { ...state, status: 'closed', closedAt: event.data.closedAt };
    case 'incidents.IncidentReopened':
      return { ...state, status: 'open', closedAt: null };
    default:
      // Event types added later are ignored by older code rather than breaking the fold.
      return state;
  }
}

function withNotification(state: IncidentState, id: string, change: (n: NotificationState) => NotificationState): IncidentState {
  return { ...state, notifications: state.notifications.map((n) => (n.notificationId === id ? change(n) : n)) };
}

/** The first report to a recipient (and the first of each kind) meets the duty; later ones are follow-ups. */
function informed(state: IncidentState, recipient: DeadlineParty, at: string, kind?: ReportKind | null): IncidentState {
  const informedAt = { ...state.informedAt };
  for (const key of kind ? [recipient, reportKey(recipient, kind)] : [recipient]) {
    const current = informedAt[key];
    if (!current || at < current) informedAt[key] = at;
  }
  return { ...state, informedAt };
}

export const incidentDecider: Decider<IncidentState, IncidentCommand, IncidentEvent> = {
  initialState: initialIncidentState,
  decide,
  evolve,
};
