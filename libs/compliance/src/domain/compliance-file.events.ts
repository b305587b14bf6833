import { eventTypes, streamIdentity } from '@app/event-store/core';
import type { Actor, EventOf, EventsOf } from '@app/event-store/core';

/** Stream of one AI system's compliance file: `compliance-file-<aiSystemId>` (the system's own id). */
export const complianceFileStream = streamIdentity('compliance-file-');
export const complianceFileStreamId = complianceFileStream.streamOf;

/**
 * The hospital's role for the system under the AI Act (Art. 3(3)-(7), Art. 25): a `provider` is
 * also what a hospital is for its in-house system (MDR Art. 5(5) with `inHouseDevice`).
 */
export type HospitalRole = 'deployer' | 'provider' | 'importer' | 'distributor';
export const HOSPITAL_ROLES: readonly HospitalRole[] = ['deployer', 'provider', 'importer', 'distributor'];

/** EU AI Act risk tier, as in the inventory (Art. 5, Art. 6 with Annex I/III, Art. 50, the rest). */
export type RiskClass = 'prohibited' | 'high' | 'limited' | 'minimal';
export const RISK_CLASSES: readonly RiskClass[] = ['prohibited', 'high', 'limited', 'minimal'];

/**
 * Which text puts the system in its class: `art-5` (a prohibited practice), `art-6-1` (a product
 * or safety component under Annex I needing third-party conformity assessment, e.g. an MDR class
 * IIa+ device), `annex-iii` (Art. 6(2)), `art-50` (transparency only), `none` (minimal risk).
 */
export type LegalGround = 'art-5' | 'art-6-1' | 'annex-iii' | 'art-50' | 'none';
export const LEGAL_GROUNDS: readonly LegalGround[] = ['art-5', 'art-6-1', 'annex-iii', 'art-50', 'none'];

/**
 * The grounds each class may rest on: AI Act Art. 5 for a prohibited practice, Art. 6(1) (Annex I
 * products such as MDR devices) or Art. 6(2) with Annex III for high risk, Art. 50 for the
 * transparency tier, nothing for minimal risk. The decider refuses any other pair; the web form
 * offers only these.
 */
export const GROUNDS_OF_CLASS: Readonly<Record<RiskClass, readonly LegalGround[]>> = {
  prohibited: ['art-5'],
  high: ['art-6-1', 'annex-iii'],
  limited: ['art-50'],
  minimal: ['none'],
};

export type MdrClass = 'none' | 'I' | 'IIa' | 'IIb' | 'III';
export const MDR_CLASSES: readonly MdrClass[] = ['none', 'I', 'IIa', 'IIb', 'III'];

/** Who signed a decision and in which role, as the token said. */
export type Signatory = Actor;

export interface SystemClassifiedData {
  aiSystemId: string;
  /** The version from which this classification holds (a version the system has run). */
  fromVersion: string;
  role: HospitalRole;
  aiActRiskClass: RiskClass;
  legalGround: LegalGround;
  /** The point of the ground, e.g. "Art. 5(1)(f)", "Annex III point 5(d)", "Annex I Section A point 11 (MDR)". */
  legalGroundPoint: string | null;
  mdrClass: MdrClass;
  /** Made and used within the hospital (MDR Art. 5(5)). */
  inHouseDevice: boolean;
  /** The date (YYYY-MM-DD) from which the AI Act duties of this class bind the hospital, and on what basis. */
  dutiesApplyFrom: string;
  dutiesApplyFromBasis: string;
  /** Why: the classification is a judgement, recorded with its reasons. */
  rationale: string;
  decidedBy: Signatory;
  /** The date of the decision (YYYY-MM-DD), which may precede its recording. */
  decidedOn: string;
  classifiedAt: string;
}

/**
 * A change the hospital made or plans, assessed against AI Act Art. 25(1): a substantial
 * modification (b), a change of intended purpose (c) or its own name on the system (a).
 */
export type ChangeKind = 'substantial-modification' | 'intended-purpose-change' | 'name-or-trademark';
export const CHANGE_KINDS: readonly ChangeKind[] = ['substantial-modification', 'intended-purpose-change', 'name-or-trademark'];

export interface ModificationAssessedData {
  aiSystemId: string;
  version: string;
  change: ChangeKind;
  description: string;
  /** The outcome: the hospital is from now on the provider of the system (Art. 25(1)). */
  becomesProvider: boolean;
  rationale: string;
  assessedBy: Signatory;
  assessedOn: string;
  assessedAt: string;
}

/**
 * What happens to a review by someone who is not an authorised, currently competent overseer:
 * `refuse` it, record it with a `flag` the quality manager sees, or `not-checked` (the default of
 * a system without a policy, as before issue 23).
 */
export type CompetencePolicy = 'refuse' | 'flag' | 'not-checked';
export const COMPETENCE_POLICIES: readonly CompetencePolicy[] = ['refuse', 'flag', 'not-checked'];

export interface CompetencePolicySetData {
  aiSystemId: string;
  policy: CompetencePolicy;
  reason: string;
  setBy: Signatory;
  setAt: string;
}

/**
 * Training completed and authority to oversee this system, signed off (AI Act Art. 4, Art. 26(2)).
 * `person` is the overseer's subject, as their token names them when they review.
 */
export interface CompetenceRecordedData {
  aiSystemId: string;
  recordId: string;
  person: string;
  course: string;
  /** Local dates in Europe/Amsterdam, YYYY-MM-DD; the authority holds through the whole expiry day. */
  completedOn: string;
  expiresOn: string | null;
  /** The same as instants (UTC): the interval a review's decision time is checked against. */
  validFrom: string;
  validUntil: string | null;
  signedOffBy: Signatory;
  recordedAt: string;
}

/** Authority to oversee this system withdrawn from a person (every record up to now). */
export interface CompetenceWithdrawnData {
  aiSystemId: string;
  person: string;
  reason: string;
  withdrawnBy: Signatory;
  withdrawnAt: string;
}

/**
 * The assessments the file keeps with review dates: the fundamental-rights impact assessment
 * (AI Act Art. 27, where it applies), the DPIA (GDPR Art. 35) and the hospital's risk analysis of
 * the medical technology. The latest record of a kind holds; a periodic review is a new record.
 */
export type AssessmentKind = 'fria' | 'dpia' | 'risk-analysis';
export const ASSESSMENT_KINDS: readonly AssessmentKind[] = ['fria', 'dpia', 'risk-analysis'];
export type AssessmentStatus = 'in-progress' | 'approved' | 'not-required';
export const ASSESSMENT_STATUSES: readonly AssessmentStatus[] = ['in-progress', 'approved', 'not-required'];

export interface AssessmentRecordedData {
  aiSystemId: string;
  assessmentId: string;
  kind: AssessmentKind;
  status: AssessmentStatus;
  /** The conclusion, or why the assessment is not required. */
  outcome: string;
  /** Who approved it (name and function); required once approved. */
  approver: string | null;
  /** Local dates (Europe/Amsterdam), YYYY-MM-DD. */
  assessedOn: string;
  nextReviewOn: string | null;
  /** The end of `nextReviewOn` in Amsterdam as an instant: overdue after it. */
  nextReviewAt: string | null;
  /** Where the document is (a reference; the document itself is issue 23 item 3). */
  documentReference: string | null;
  recordedBy: Signatory;
  recordedAt: string;
}

/**
 * The papers the file keeps as evidence (issue 23 item 3): the CE certificate of the notified body
 * (MDR Art. 56), the EU declaration of conformity (AI Act Art. 47, MDR Art. 19), the instructions
 * for use per version (AI Act Art. 13, 26(1)), the contract (liability, recourse, indemnity), the
 * processing agreement (GDPR Art. 28), service levels, security and patching commitments.
 */
export type DocumentKind =
  'ce-certificate' | 'eu-declaration-of-conformity' | 'instructions-for-use' | 'contract' | 'processing-agreement' | 'service-levels' | 'security-commitments';
export const DOCUMENT_KINDS: readonly DocumentKind[] = [
  'ce-certificate',
  'eu-declaration-of-conformity',
  'instructions-for-use',
  'contract',
  'processing-agreement',
  'service-levels',
  'security-commitments',
];

/**
 * One document stored in the blob store under its SHA-256 (the blob key), recorded when it was
 * uploaded. Its validity is in local days (Europe/Amsterdam), as the paper states it; a bundle
 * checks the file it carries against `sha256` and `sizeBytes` of this event.
 */
export interface DocumentRecordedData {
  aiSystemId: string;
  documentId: string;
  kind: DocumentKind;
  title: string;
  /** The model version the document applies to (instructions for use are per version); null: every version. */
  modelVersion: string | null;
  /** YYYY-MM-DD, first and last day the document holds; `validUntil` null: until superseded or withdrawn. */
  validFrom: string;
  validUntil: string | null;
  sha256: string;
  sizeBytes: number;
  mediaType: string;
  /** The name it had on the uploader's disk, if they said; only for display. */
  filename: string | null;
  uploadedBy: Signatory;
  uploadedAt: string;
}

/** A newer document of the same kind takes over from `effectiveOn` (the newer one's first day). */
export interface DocumentSupersededData {
  aiSystemId: string;
  documentId: string;
  supersededBy: string;
  effectiveOn: string;
  supersededAt: string;
}

/** The document no longer holds from `effectiveOn` (a certificate suspended, a contract ended, an upload in error). */
export interface DocumentWithdrawnData {
  aiSystemId: string;
  documentId: string;
  reason: string;
  effectiveOn: string;
  withdrawnBy: Signatory;
  withdrawnAt: string;
}

/**
 * Which duty to inform a statement serves, and so whom it informs: workers (AI Act Art. 26(7)),
 * persons affected by decisions (Art. 26(11)), persons interacting with or exposed to the system
 * (Art. 50), patients whose data are collected from them (GDPR Art. 13) or elsewhere (Art. 14).
 */
export type InformationBasis = 'aiact-26-7' | 'aiact-26-11' | 'aiact-50' | 'gdpr-13' | 'gdpr-14';
export const INFORMATION_BASES: readonly InformationBasis[] = ['aiact-26-7', 'aiact-26-11', 'aiact-50', 'gdpr-13', 'gdpr-14'];
export type InformationAudience = 'workers' | 'affected-persons' | 'patients';
export const AUDIENCE_OF: Record<InformationBasis, InformationAudience> = {
  'aiact-26-7': 'workers',
  'aiact-26-11': 'affected-persons',
  'aiact-50': 'affected-persons',
  'gdpr-13': 'patients',
  'gdpr-14': 'patients',
};

/**
 * How and when one audience is informed about the system, with the text's version: the text is a
 * document of the file (`documentId`) or named by its SHA-256 (`textSha256`). The latest statement
 * of a basis holds; a new text version is a new statement.
 */
export interface InformationDutyRecordedData {
  aiSystemId: string;
  statementId: string;
  basis: InformationBasis;
  audience: InformationAudience;
  /** e.g. "leaflet at admission", "intranet page and team briefing", "patient portal". */
  channel: string;
  /** When the audience is informed, e.g. "before first use", "at admission", "before the examination". */
  timing: string;
  textVersion: string;
  documentId: string | null;
  textSha256: string | null;
  /** Who approved the text (name and function). */
  approvedBy: string;
  /** First day (Europe/Amsterdam) this text is used. */
  effectiveFrom: string;
  recordedBy: Signatory;
  recordedAt: string;
}

/** The context's events, declared once: type → data. */
export interface ComplianceFileEventData {
  'compliance.SystemClassified': SystemClassifiedData;
  'compliance.ModificationAssessed': ModificationAssessedData;
  'compliance.CompetencePolicySet': CompetencePolicySetData;
  'compliance.CompetenceRecorded': CompetenceRecordedData;
  'compliance.CompetenceWithdrawn': CompetenceWithdrawnData;
  'compliance.AssessmentRecorded': AssessmentRecordedData;
  'compliance.DocumentRecorded': DocumentRecordedData;
  'compliance.DocumentSuperseded': DocumentSupersededData;
  'compliance.DocumentWithdrawn': DocumentWithdrawnData;
  'compliance.InformationDutyRecorded': InformationDutyRecordedData;
}

export type SystemClassified = EventOf<ComplianceFileEventData, 'compliance.SystemClassified'>;
export type ModificationAssessed = EventOf<ComplianceFileEventData, 'compliance.ModificationAssessed'>;
export type CompetencePolicySet = EventOf<ComplianceFileEventData, 'compliance.CompetencePolicySet'>;
export type CompetenceRecorded = EventOf<ComplianceFileEventData, 'compliance.CompetenceRecorded'>;
export type CompetenceWithdrawn = EventOf<ComplianceFileEventData, 'compliance.CompetenceWithdrawn'>;
export type AssessmentRecorded = EventOf<ComplianceFileEventData, 'compliance.AssessmentRecorded'>;
export type DocumentRecorded = EventOf<ComplianceFileEventData, 'compliance.DocumentRecorded'>;

export type ComplianceFileEvent = EventsOf<ComplianceFileEventData>;

export const COMPLIANCE_FILE_EVENT_TYPES = eventTypes<ComplianceFileEventData>({
  'compliance.SystemClassified': true,
  'compliance.ModificationAssessed': true,
  'compliance.CompetencePolicySet': true,
  'compliance.CompetenceRecorded': true,
  'compliance.CompetenceWithdrawn': true,
  'compliance.AssessmentRecorded': true,
  'compliance.DocumentRecorded': true,
  'compliance.DocumentSuperseded': true,
  'compliance.DocumentWithdrawn': true,
  'compliance.InformationDutyRecorded': true,
});
