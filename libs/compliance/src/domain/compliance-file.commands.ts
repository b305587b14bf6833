import type { Actor } from '@app/event-store/core';
import type {
  AssessmentKind,
  AssessmentStatus,
  ChangeKind,
  CompetencePolicy,
  DocumentKind,
  HospitalRole,
  InformationBasis,
  LegalGround,
  MdrClass,
  RiskClass,
} from './compliance-file.events';

/** The AI system as the handler loaded it from its own stream, just before deciding. */
export interface InventorySnapshot {
  exists: boolean;
  knownVersions: readonly string[];
  currentVersion: string | null;
}

/**
 * Every command carries `now` (ISO 8601) and the person who decides (from the token); the
 * decider never reads the clock. Optional fields arrive as null from the edge.
 */
interface FileCommand {
  aiSystemId: string;
  system: InventorySnapshot;
  by: Actor;
  now: string;
}

export interface ClassifySystem extends FileCommand {
  type: 'ClassifySystem';
  /** Null: from the version in use now. */
  fromVersion: string | null;
  role: HospitalRole;
  aiActRiskClass: RiskClass;
  legalGround: LegalGround;
  legalGroundPoint: string | null;
  mdrClass: MdrClass;
  inHouseDevice: boolean;
  /** Null: the date Art. 113 gives for the class (see `DUTY_DATES`). */
  dutiesApplyFrom: string | null;
  rationale: string;
  /** Null: today. */
  decidedOn: string | null;
}

export interface AssessModification extends FileCommand {
  type: 'AssessModification';
  version: string | null;
  change: ChangeKind;
  description: string;
  becomesProvider: boolean;
  rationale: string;
  assessedOn: string | null;
}

export interface SetCompetencePolicy extends FileCommand {
  type: 'SetCompetencePolicy';
  policy: CompetencePolicy;
  reason: string;
}

export interface RecordCompetence extends FileCommand {
  type: 'RecordCompetence';
  recordId: string;
  person: string;
  course: string;
  completedOn: string;
  expiresOn: string | null;
}

export interface WithdrawCompetence extends FileCommand {
  type: 'WithdrawCompetence';
  person: string;
  reason: string;
}

export interface RecordAssessment extends FileCommand {
  type: 'RecordAssessment';
  assessmentId: string;
  kind: AssessmentKind;
  status: AssessmentStatus;
  outcome: string;
  approver: string | null;
  assessedOn: string | null;
  nextReviewOn: string | null;
  documentReference: string | null;
}

/** The content is already in the blob store (streamed and hashed by the handler); this records it. */
export interface RecordDocument extends FileCommand {
  type: 'RecordDocument';
  documentId: string;
  kind: DocumentKind;
  title: string;
  modelVersion: string | null;
  /** Null: today. */
  validFrom: string | null;
  validUntil: string | null;
  /** A document of the same kind this one replaces from its `validFrom`. */
  supersedes: string | null;
  sha256: string;
  sizeBytes: number;
  mediaType: string;
  filename: string | null;
}

export interface WithdrawDocument extends FileCommand {
  type: 'WithdrawDocument';
  documentId: string;
  reason: string;
  /** Null: today. */
  effectiveOn: string | null;
}

export interface RecordInformationDuty extends FileCommand {
  type: 'RecordInformationDuty';
  statementId: string;
  basis: InformationBasis;
  channel: string;
  timing: string;
  textVersion: string;
  documentId: string | null;
  textSha256: string | null;
  approvedBy: string;
  /** Null: today. */
  effectiveFrom: string | null;
}

export type ComplianceFileCommand =
  | ClassifySystem
  | AssessModification
  | SetCompetencePolicy
  | RecordCompetence
  | WithdrawCompetence
  | RecordAssessment
  | RecordDocument
  | WithdrawDocument
  | RecordInformationDuty;
