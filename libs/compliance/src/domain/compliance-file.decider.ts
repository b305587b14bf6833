import { HOSPITAL_ZONE } from '@app/calendar/zone';
import { DateTime } from 'luxon';
import { type Actor, type Decider, DomainError } from '@app/event-store/core';
import type {
  AssessModification,
  ClassifySystem,
  ComplianceFileCommand,
  RecordAssessment,
  RecordCompetence,
  RecordDocument,
  RecordInformationDuty,
  SetCompetencePolicy,
  WithdrawCompetence,
  WithdrawDocument,
} from './compliance-file.commands';
import { AUDIENCE_OF, GROUNDS_OF_CLASS } from './compliance-file.events';
import type {
  AssessmentKind,
  AssessmentRecordedData,
  CompetencePolicy,
  CompetencePolicySetData,
  CompetenceRecordedData,
  ComplianceFileEvent,
  DocumentRecordedData,
  DocumentWithdrawnData,
  HospitalRole,
  InformationBasis,
  InformationDutyRecordedData,
  LegalGround,
  ModificationAssessedData,
  SystemClassifiedData,
} from './compliance-file.events';

/** A competence record as the file holds it: withdrawn from when, if at all. */
export type CompetenceRecord = CompetenceRecordedData & { withdrawnAt: string | null };

/** A document as the file holds it: replaced or withdrawn from which day, if at all. */
export type ComplianceDocument = DocumentRecordedData & {
  supersededBy: string | null;
  /** The first day it no longer holds because a newer one does. */
  supersededOn: string | null;
  withdrawal: Omit<DocumentWithdrawnData, 'aiSystemId' | 'documentId'> | null;
};

export interface ComplianceFileState {
  /** Every classification, oldest first; the last one holds. */
  classifications: SystemClassifiedData[];
  modifications: ModificationAssessedData[];
  /** The role after the last classification and the assessments since (Art. 25(1) can make it `provider`). */
  role: HospitalRole | null;
  competencePolicy: Omit<CompetencePolicySetData, 'aiSystemId'> | null;
  competence: CompetenceRecord[];
  /** The latest assessment of each kind. */
  assessments: Partial<Record<AssessmentKind, AssessmentRecordedData>>;
  /** Every document recorded, oldest first. */
  documents: ComplianceDocument[];
  /** The latest statement of how and when each audience is informed, per basis. */
  informationDuties: Partial<Record<InformationBasis, InformationDutyRecordedData>>;
}

export const initialComplianceFileState = (): ComplianceFileState => ({
  classifications: [],
  modifications: [],
  role: null,
  competencePolicy: null,
  competence: [],
  assessments: {},
  documents: [],
  informationDuties: {},
});

const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;

/**
 * From when the duties of each ground apply when the classification names no date.
 * AI Act Art. 113: "It shall apply from 2 August 2026. However: (a) Chapters I and II shall apply
 * from 2 February 2025; … (c) Article 6(1) and the corresponding obligations in this Regulation
 * shall apply from 2 August 2027." The high-risk dates below are those the Digital Omnibus on AI
 * reportedly set (docs/legal/sources.md § 3: **unverified**); legal counsel confirms or records
 * another date on the classification.
 */
export const DUTY_DATES: Record<LegalGround, { from: string; basis: string }> = {
  'art-5': { from: '2025-02-02', basis: 'AI Act Art. 113(a): Chapter II (Art. 5) applies from 2 February 2025' },
  'annex-iii': {
    from: '2027-12-02',
    basis: 'Digital Omnibus on AI (unverified): Annex III high-risk duties from 2 December 2027 (Art. 113 as published: 2 August 2026)',
  },
  'art-6-1': {
    from: '2028-08-02',
    basis: 'Digital Omnibus on AI (unverified): Annex I high-risk duties from 2 August 2028 (Art. 113(c) as published: 2 August 2027)',
  },
  'art-50': { from: '2026-08-02', basis: 'AI Act Art. 113: the Regulation (Art. 50) applies from 2 August 2026' },
  none: { from: '2025-02-02', basis: 'AI Act Art. 113(a): Chapter I (Art. 4, AI literacy) applies from 2 February 2025' },
};

function decide(command: ComplianceFileCommand, state: ComplianceFileState): ComplianceFileEvent[] {
  if (!command.system.exists) {
    throw new DomainError('ai-system-not-found', `AI system ${command.aiSystemId} is not registered.`, 404);
  }
  switch (command.type) {
    case 'ClassifySystem':
      return classify(command);
    case 'AssessModification':
      return assessModification(command);
    case 'SetCompetencePolicy':
      return setPolicy(command, state);
    case 'RecordCompetence':
      return recordCompetence(command, state);
    case 'WithdrawCompetence':
      return withdrawCompetence(command, state);
    case 'RecordAssessment':
      return recordAssessment(command, state);
    case 'RecordDocument':
      return recordDocument(command, state);
    case 'WithdrawDocument':
      return withdrawDocument(command, state);
    case 'RecordInformationDuty':
      return recordInformationDuty(command, state);
  }
}

function classify(command: ClassifySystem): ComplianceFileEvent[] {
  const fromVersion = knownVersion(command, command.fromVersion, 'fromVersion');
  if (!GROUNDS_OF_CLASS[command.aiActRiskClass].includes(command.legalGround)) {
    throw new DomainError(
      'legal-ground-mismatch',
      `A ${command.aiActRiskClass} classification rests on ${GROUNDS_OF_CLASS[command.aiActRiskClass].join(' or ')}, not ${command.legalGround}.`,
      422,
      'legalGround',
    );
  }
  const legalGroundPoint = command.legalGroundPoint?.trim() || null;
  if (!legalGroundPoint && command.legalGround !== 'none' && command.legalGround !== 'art-50') {
    throw new DomainError('legal-ground-point-required', `Name the point of ${command.legalGround} (e.g. "Annex III point 5(d)").`, 400, 'legalGroundPoint');
  }
  // MDR Art. 5(5): the health institution that makes and uses a device in-house is its manufacturer;
  // under the AI Act it puts the system into service for its own use, as its provider (Art. 3(3)).
  if (command.inHouseDevice && command.role !== 'provider') {
    throw new DomainError('in-house-means-provider', 'An in-house system is provided by the hospital itself: its role is provider.', 422, 'role');
  }
  const defaults = DUTY_DATES[command.legalGround];
  const dutiesApplyFrom = command.dutiesApplyFrom === null ? defaults.from : localDate(command.dutiesApplyFrom, 'dutiesApplyFrom');
  return [
    {
      type: 'compliance.SystemClassified',
      data: {
        aiSystemId: command.aiSystemId,
        fromVersion,
        role: command.role,
        aiActRiskClass: command.aiActRiskClass,
        legalGround: command.legalGround,
        legalGroundPoint,
        mdrClass: command.mdrClass,
        inHouseDevice: command.inHouseDevice,
        dutiesApplyFrom,
        dutiesApplyFromBasis: command.dutiesApplyFrom === null ? defaults.basis : 'date set by the person classifying',
        rationale: required(command.rationale, 'rationale'),
        decidedBy: actor(command.by),
        decidedOn: decisionDate(command.decidedOn, command.now, 'decidedOn'),
        classifiedAt: command.now,
      },
    },
  ];
}

function assessModification(command: AssessModification): ComplianceFileEvent[] {
  return [
    {
      type: 'compliance.ModificationAssessed',
      data: {
        aiSystemId: command.aiSystemId,
        version: knownVersion(command, command.version, 'version'),
        change: command.change,
        description: required(command.description, 'description'),
        becomesProvider: command.becomesProvider,
        rationale: required(command.rationale, 'rationale'),
        assessedBy: actor(command.by),
        assessedOn: decisionDate(command.assessedOn, command.now, 'assessedOn'),
        assessedAt: command.now,
      },
    },
  ];
}

function setPolicy(command: SetCompetencePolicy, state: ComplianceFileState): ComplianceFileEvent[] {
  const current: CompetencePolicy = state.competencePolicy?.policy ?? 'not-checked';
  if (command.policy === current) {
    throw new DomainError('policy-unchanged', `The competence policy is already "${current}".`, 409, 'policy');
  }
  return [
    {
      type: 'compliance.CompetencePolicySet',
      data: {
        aiSystemId: command.aiSystemId,
        policy: command.policy,
        reason: required(command.reason, 'reason'),
        setBy: actor(command.by),
        setAt: command.now,
      },
    },
  ];
}

function recordCompetence(command: RecordCompetence, state: ComplianceFileState): ComplianceFileEvent[] {
  if (state.competence.some((r) => r.recordId === command.recordId)) {
    throw new DomainError('competence-record-exists', `Competence record ${command.recordId} is already recorded.`, 409);
  }
  const completedOn = localDate(command.completedOn, 'completedOn');
  const today = DateTime.fromISO(command.now, { zone: HOSPITAL_ZONE }).toISODate()!;
  if (completedOn > today) {
    throw new DomainError('completed-in-future', 'completedOn is after today: record training once it is completed.', 422, 'completedOn');
  }
  const expiresOn = command.expiresOn === null ? null : localDate(command.expiresOn, 'expiresOn');
  if (expiresOn !== null && expiresOn < completedOn) {
    throw new DomainError('expires-before-completed', 'expiresOn is before completedOn.', 422, 'expiresOn');
  }
  return [
    {
      type: 'compliance.CompetenceRecorded',
      data: {
        aiSystemId: command.aiSystemId,
        recordId: command.recordId,
        person: required(command.person, 'person'),
        course: required(command.course, 'course'),
        completedOn,
        expiresOn,
        validFrom: DateTime.fromISO(completedOn, { zone: HOSPITAL_ZONE }).startOf('day').toUTC().toISO()!,
        validUntil: expiresOn === null ? null : DateTime.fromISO(expiresOn, { zone: HOSPITAL_ZONE }).endOf('day').toUTC().toISO()!,
        signedOffBy: actor(command.by),
        recordedAt: command.now,
      },
    },
  ];
}

function withdrawCompetence(command: WithdrawCompetence, state: ComplianceFileState): ComplianceFileEvent[] {
  const person = required(command.person, 'person');
  if (!state.competence.some((r) => r.person === person && r.withdrawnAt === null)) {
    throw new DomainError('no-competence-record', `${person} holds no competence record for this system to withdraw.`, 404, 'person');
  }
  return [
    {
      type: 'compliance.CompetenceWithdrawn',
      data: { aiSystemId: command.aiSystemId, person, reason: required(command.reason, 'reason'), withdrawnBy: actor(command.by), withdrawnAt: command.now },
    },
  ];
}

function recordAssessment(command: RecordAssessment, state: ComplianceFileState): ComplianceFileEvent[] {
  if (Object.values(state.assessments).some((a) => a.assessmentId === command.assessmentId)) {
    throw new DomainError('assessment-exists', `Assessment ${command.assessmentId} is already recorded.`, 409);
  }
  const assessedOn = decisionDate(command.assessedOn, command.now, 'assessedOn');
  const approver = command.approver?.trim() || null;
  if (command.status === 'approved' && !approver) {
    throw new DomainError('approver-required', 'An approved assessment names who approved it.', 400, 'approver');
  }
  const nextReviewOn = command.nextReviewOn === null ? null : localDate(command.nextReviewOn, 'nextReviewOn');
  // An assessment that applies is reviewed again: without a date nothing would ever fall due.
  if (command.status !== 'not-required' && nextReviewOn === null) {
    throw new DomainError('next-review-required', 'Set the date of the next review.', 400, 'nextReviewOn');
  }
  if (nextReviewOn !== null && nextReviewOn <= assessedOn) {
    throw new DomainError('next-review-not-after', 'nextReviewOn must be after assessedOn.', 422, 'nextReviewOn');
  }
  return [
    {
      type: 'compliance.AssessmentRecorded',
      data: {
        aiSystemId: command.aiSystemId,
        assessmentId: command.assessmentId,
        kind: command.kind,
        status: command.status,
        outcome: required(command.outcome, 'outcome'),
        approver,
        assessedOn,
        nextReviewOn,
        nextReviewAt: nextReviewOn === null ? null : DateTime.fromISO(nextReviewOn, { zone: HOSPITAL_ZONE }).endOf('day').toUTC().toISO()!,
        documentReference: command.documentReference?.trim() || null,
        recordedBy: actor(command.by),
        recordedAt: command.now,
      },
    },
  ];
}

const SHA256_HEX = /^[0-9a-f]{64}$/;

function recordDocument(command: RecordDocument, state: ComplianceFileState): ComplianceFileEvent[] {
  if (state.documents.some((d) => d.documentId === command.documentId)) {
    throw new DomainError('document-exists', `Document ${command.documentId} is already recorded.`, 409);
  }
  if (!SHA256_HEX.test(command.sha256) || !(command.sizeBytes > 0) || !command.mediaType) {
    throw new DomainError('document-content-invalid', 'A document is recorded with the SHA-256, size and media type of non-empty stored content.', 400, 'body');
  }
  // The same paper twice would make "which one held" ambiguous: name the one already there.
  const same = state.documents.find((d) => d.sha256 === command.sha256 && d.withdrawal === null);
  if (same) {
    throw new DomainError('document-already-recorded', `This content is already recorded as document ${same.documentId} ("${same.title}").`, 409, 'body');
  }
  const title = required(command.title, 'title');
  const modelVersion = command.modelVersion?.trim() || null;
  // AI Act Art. 26(1) asks for use in accordance with the instructions for use: those of the version in use.
  if (command.kind === 'instructions-for-use' && modelVersion === null) {
    throw new DomainError('modelVersion-required', 'Instructions for use apply to a model version: name it.', 400, 'modelVersion');
  }
  const validFrom =
    command.validFrom === null ? DateTime.fromISO(command.now, { zone: HOSPITAL_ZONE }).toISODate()! : localDate(command.validFrom, 'validFrom');
  const validUntil = command.validUntil === null ? null : localDate(command.validUntil, 'validUntil');
  if (validUntil !== null && validUntil < validFrom) {
    throw new DomainError('valid-until-before-from', 'validUntil is before validFrom.', 422, 'validUntil');
  }
  const events: ComplianceFileEvent[] = [];
  events.push({
    type: 'compliance.DocumentRecorded',
    data: {
      aiSystemId: command.aiSystemId,
      documentId: command.documentId,
      kind: command.kind,
      title,
      modelVersion,
      validFrom,
      validUntil,
      sha256: command.sha256,
      sizeBytes: command.sizeBytes,
      mediaType: command.mediaType,
      filename: command.filename?.trim() || null,
      uploadedBy: actor(command.by),
      uploadedAt: command.now,
    },
  });
  if (command.supersedes !== null) {
    const old = state.documents.find((d) => d.documentId === command.supersedes);
    if (!old) throw new DomainError('document-not-found', `No document ${command.supersedes} in this file to supersede.`, 404, 'supersedes');
    if (old.kind !== command.kind) {
      throw new DomainError('supersedes-other-kind', `Document ${old.documentId} is a ${old.kind}, not a ${command.kind}.`, 422, 'supersedes');
    }
    if (old.supersededBy !== null || old.withdrawal !== null) {
      throw new DomainError('document-not-in-force', `Document ${old.documentId} is already superseded or withdrawn.`, 409, 'supersedes');
    }
    if (validFrom <= old.validFrom) {
      throw new DomainError('supersedes-not-later', `validFrom must be after ${old.validFrom}, the first day of the document it supersedes.`, 422, 'validFrom');
    }
    events.push({
      type: 'compliance.DocumentSuperseded',
      data: { aiSystemId: command.aiSystemId, documentId: old.documentId, supersededBy: command.documentId, effectiveOn: validFrom, supersededAt: command.now },
    });
  }
  return events;
}

function withdrawDocument(command: WithdrawDocument, state: ComplianceFileState): ComplianceFileEvent[] {
  const doc = state.documents.find((d) => d.documentId === command.documentId);
  if (!doc) throw new DomainError('document-not-found', `No document ${command.documentId} in this file.`, 404, 'documentId');
  if (doc.withdrawal !== null) throw new DomainError('document-withdrawn', `Document ${doc.documentId} was withdrawn on ${doc.withdrawal.effectiveOn}.`, 409);
  return [
    {
      type: 'compliance.DocumentWithdrawn',
      data: {
        aiSystemId: command.aiSystemId,
        documentId: doc.documentId,
        reason: required(command.reason, 'reason'),
        effectiveOn: decisionDate(command.effectiveOn, command.now, 'effectiveOn'),
        withdrawnBy: actor(command.by),
        withdrawnAt: command.now,
      },
    },
  ];
}

function recordInformationDuty(command: RecordInformationDuty, state: ComplianceFileState): ComplianceFileEvent[] {
  if (Object.values(state.informationDuties).some((d) => d.statementId === command.statementId)) {
    throw new DomainError('statement-exists', `Statement ${command.statementId} is already recorded.`, 409);
  }
  // The text itself must be findable: a document of this file, or the hash of the text used.
  if (command.documentId === null && command.textSha256 === null) {
    throw new DomainError('text-required', 'Name the text: documentId (a document of this file) or textSha256.', 400, 'documentId');
  }
  if (command.documentId !== null && !state.documents.some((d) => d.documentId === command.documentId)) {
    throw new DomainError('document-not-found', `No document ${command.documentId} in this file.`, 404, 'documentId');
  }
  if (command.textSha256 !== null && !SHA256_HEX.test(command.textSha256)) {
    throw new DomainError('invalid-sha256', 'textSha256 is 64 lower-case hex characters.', 400, 'textSha256');
  }
  const effectiveFrom =
    command.effectiveFrom === null ? DateTime.fromISO(command.now, { zone: HOSPITAL_ZONE }).toISODate()! : localDate(command.effectiveFrom, 'effectiveFrom');
  return [
    {
      type: 'compliance.InformationDutyRecorded',
      data: {
        aiSystemId: command.aiSystemId,
        statementId: command.statementId,
        basis: command.basis,
        audience: AUDIENCE_OF[command.basis],
        channel: required(command.channel, 'channel'),
        timing: required(command.timing, 'timing'),
        textVersion: required(command.textVersion, 'textVersion'),
        documentId: command.documentId,
        textSha256: command.textSha256,
        approvedBy: required(command.approvedBy, 'approvedBy'),
        effectiveFrom,
        recordedBy: actor(command.by),
        recordedAt: command.now,
      },
    },
  ];
}

/** A version the system has run; null means the version in use now. */
function knownVersion(command: { system: { knownVersions: readonly string[]; currentVersion: string | null } }, version: string | null, field: string): string {
  const v = version?.trim() || command.system.currentVersion;
  if (!v || !command.system.knownVersions.includes(v)) {
    throw new DomainError('unknown-version', `Version ${v ?? '(none)'} was never deployed for this AI system.`, 422, field);
  }
  return v;
}

function required(text: string, field: string): string {
  const trimmed = text.trim();
  if (!trimmed) throw new DomainError(`${field}-required`, `${field} is required.`, 400, field);
  return trimmed;
}

function localDate(value: string, field: string): string {
  if (!DATE_ONLY.test(value) || !DateTime.fromISO(value, { zone: HOSPITAL_ZONE }).isValid) {
    throw new DomainError('invalid-date', `${field} is not a date (YYYY-MM-DD).`, 400, field);
  }
  return value;
}

/** The day a decision was taken: today unless given, never after today. */
function decisionDate(value: string | null, now: string, field: string): string {
  const today = DateTime.fromISO(now, { zone: HOSPITAL_ZONE }).toISODate()!;
  if (value === null) return today;
  const date = localDate(value, field);
  if (date > today) throw new DomainError('decided-in-future', `${field} is after today.`, 422, field);
  return date;
}

/** Copies just subject and role, whatever else the caller's principal carries. */
const actor = (a: Actor): Actor => ({ subject: a.subject, role: a.role });

function evolve(state: ComplianceFileState, event: ComplianceFileEvent): ComplianceFileState {
  switch (event.type) {
    case 'compliance.SystemClassified':
      return { ...state, classifications: [...state.classifications, event.data], role: event.data.role };
    case 'compliance.ModificationAssessed':
      return {
        ...state,
        modifications: [...state.modifications, event.data],
        // Art. 25(1): the hospital is the provider from then on; an assessment that it is not changes nothing.
        role: event.data.becomesProvider ? 'provider' : state.role,
      };
    case 'compliance.CompetencePolicySet': {
      const { aiSystemId: _id, ...policy } = event.data;
      return { ...state, competencePolicy: policy };
    }
    case 'compliance.CompetenceRecorded':
      return { ...state, competence: [...state.competence, { ...event.data, withdrawnAt: null }] };
    case 'compliance.CompetenceWithdrawn':
      return {
        ...state,
        competence: state.competence.map((r) => (r.person === event.data.person && r.withdrawnAt === null ? { ...r, withdrawnAt: event.data.withdrawnAt } : r)),
      };
    case 'compliance.AssessmentRecorded':
      return { ...state, assessments: { ...state.assessments, [event.data.kind]: event.data } };
    case 'compliance.DocumentRecorded':
      return { ...state, documents: [...state.documents, { ...event.data, supersededBy: null, supersededOn: null, withdrawal: null }] };
    case 'compliance.DocumentSuperseded':
      return {
        ...state,
        documents: state.documents.map((d) =>
          d.documentId === event.data.documentId ? { ...d, supersededBy: event.data.supersededBy, supersededOn: event.data.effectiveOn } : d,
        ),
      };
    case 'compliance.DocumentWithdrawn': {
      const { aiSystemId: _a, documentId, ...withdrawal } = event.data;
      return { ...state, documents: state.documents.map((d) => (d.documentId === documentId ? { ...d, withdrawal } : d)) };
    }
    case 'compliance.InformationDutyRecorded':
      return { ...state, informationDuties: { ...state.informationDuties, [event.data.basis]: event.data } };
    default:
      // Event types added later are ignored by older code rather than breaking the fold.
      return state;
  }
}

export const complianceFileDecider: Decider<ComplianceFileState, ComplianceFileCommand, ComplianceFileEvent> = {
  initialState: initialComplianceFileState,
  decide,
  evolve,
};
