import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional, type ApiPropertyOptions } from '@nestjs/swagger';
import { IsBoolean, IsIn, IsISO8601, IsOptional, IsUUID } from 'class-validator';
import { Transform } from 'class-transformer';
import { LimitQueryDto, OptionalText, RequiredText } from '@app/platform';
import {
  ASSESSMENT_KINDS,
  ASSESSMENT_STATUSES,
  CHANGE_KINDS,
  COMPETENCE_POLICIES,
  DOCUMENT_KINDS,
  HOSPITAL_ROLES,
  LEGAL_GROUNDS,
  MDR_CLASSES,
  RISK_CLASSES,
} from '../domain';
import type { AssessmentKind, AssessmentStatus, ChangeKind, CompetencePolicy, DocumentKind, HospitalRole, LegalGround, MdrClass, RiskClass } from '../domain';

const DATE: ApiPropertyOptions = { format: 'date', example: '2026-11-30', description: 'A local date in Europe/Amsterdam (YYYY-MM-DD)' };

/** `?overdue=true` arrives as text. */
const asBoolean = ({ value }: { value: unknown }) => (value === 'true' ? true : value === 'false' ? false : value);

/** A date alone (YYYY-MM-DD); the decider checks it is a real day. */
function OptionalDate(doc: ApiPropertyOptions = DATE): PropertyDecorator {
  return applyDecorators(ApiPropertyOptional(doc), IsOptional(), IsISO8601({ strict: true }));
}

export class ClassifySystemDto {
  @OptionalText(100, { example: '2.3.1', description: 'The version from which the classification holds; default the version in use' })
  fromVersion?: string;

  @ApiProperty({ enum: HOSPITAL_ROLES, description: "The hospital's role under the AI Act (an in-house system: provider)" })
  @IsIn(HOSPITAL_ROLES)
  role!: HospitalRole;

  @ApiProperty({ enum: RISK_CLASSES, description: 'AI Act risk class; prohibited blocks every review of the system (Art. 5)' })
  @IsIn(RISK_CLASSES)
  aiActRiskClass!: RiskClass;

  @ApiProperty({ enum: LEGAL_GROUNDS, description: 'art-5, art-6-1 (Annex I product), annex-iii (Art. 6(2)), art-50, none' })
  @IsIn(LEGAL_GROUNDS)
  legalGround!: LegalGround;

  @OptionalText(200, { example: 'Annex I Section A point 11 (MDR), class IIa', description: 'The point of the ground; required except for art-50 and none' })
  legalGroundPoint?: string;

  @ApiProperty({ enum: MDR_CLASSES })
  @IsIn(MDR_CLASSES)
  mdrClass!: MdrClass;

  @ApiProperty({ description: 'In-house device under MDR Art. 5(5)' })
  @IsBoolean()
  inHouseDevice!: boolean;

  @OptionalDate({ ...DATE, description: 'From when the AI Act duties of the class apply; default the date of Art. 113 for the ground' })
  dutiesApplyFrom?: string;

  @RequiredText(4000, { example: 'Software medical device class IIa with notified body: Art. 6(1) applies' })
  rationale!: string;

  @OptionalDate({ ...DATE, description: 'The day of the decision; default today' })
  decidedOn?: string;
}

export class AssessModificationDto {
  @OptionalText(100, { example: '2.4.0', description: 'The version assessed; default the version in use' })
  version?: string;

  @ApiProperty({ enum: CHANGE_KINDS, description: 'AI Act Art. 25(1): (a) name-or-trademark, (b) substantial-modification, (c) intended-purpose-change' })
  @IsIn(CHANGE_KINDS)
  change!: ChangeKind;

  @RequiredText(4000, { example: 'Retrained on our own CT data by the hospital' })
  description!: string;

  @ApiProperty({ description: 'The outcome: the hospital is now the provider (Art. 25(1))' })
  @IsBoolean()
  becomesProvider!: boolean;

  @RequiredText(4000, { example: 'The retraining changes the performance the conformity assessment covered' })
  rationale!: string;

  @OptionalDate({ ...DATE, description: 'The day of the assessment; default today' })
  assessedOn?: string;
}

export class CompetencePolicyDto {
  @ApiProperty({ enum: COMPETENCE_POLICIES, description: 'refuse or flag reviews by people without a current competence record; not-checked: as before' })
  @IsIn(COMPETENCE_POLICIES)
  policy!: CompetencePolicy;

  @RequiredText(2000, { example: 'All radiologists trained by 1 December' })
  reason!: string;
}

export class RecordCompetenceDto {
  @RequiredText(200, { example: 'dr-devries', description: 'The overseer, as their token names them (subject)' })
  person!: string;

  @RequiredText(500, { example: 'ChestXR Triage: limits, failure modes and override (v2.3)' })
  course!: string;

  @ApiProperty(DATE)
  @IsISO8601({ strict: true })
  completedOn!: string;

  @OptionalDate({ ...DATE, description: 'Last day the authority holds; none: until withdrawn' })
  expiresOn?: string;
}

export class WithdrawCompetenceDto {
  @RequiredText(200, { example: 'dr-devries' })
  person!: string;

  @RequiredText(2000, { example: 'Moved to another department' })
  reason!: string;
}

export class ComplianceQueryDto {
  @ApiPropertyOptional({ format: 'date-time', description: 'The file as the registry knew it at this moment; default now' })
  @IsOptional()
  @IsISO8601({ strict: true, strictSeparator: true })
  asOf?: string;
}

export class RecordAssessmentDto {
  @ApiProperty({ enum: ASSESSMENT_KINDS, description: 'fria (AI Act Art. 27), dpia (GDPR Art. 35), risk-analysis (medical technology)' })
  @IsIn(ASSESSMENT_KINDS)
  kind!: AssessmentKind;

  @ApiProperty({ enum: ASSESSMENT_STATUSES })
  @IsIn(ASSESSMENT_STATUSES)
  status!: AssessmentStatus;

  @RequiredText(4000, { example: 'Residual risks acceptable with second reading for urgent studies' })
  outcome!: string;

  @OptionalText(200, { example: 'dr. B. Smit, chair of the medical technology committee', description: 'Required once approved' })
  approver?: string;

  @OptionalDate({ ...DATE, description: 'The day of the assessment; default today' })
  assessedOn?: string;

  @OptionalDate({ ...DATE, description: 'When it is reviewed next; required unless not-required' })
  nextReviewOn?: string;

  @OptionalText(500, { example: 'https://dms.hospital.example/dpia/chestxr-2026' })
  documentReference?: string;
}

export class ListAssessmentsQueryDto extends LimitQueryDto {
  @ApiPropertyOptional({ description: 'true: only assessments past their review date' })
  @IsOptional()
  @Transform(asBoolean)
  @IsBoolean()
  overdue?: boolean;

  @ApiPropertyOptional({ format: 'uuid' })
  @IsOptional()
  @IsUUID('all')
  aiSystemId?: string;
}

/** The metadata of an uploaded document, in the query string (the body is the file itself). */
export class UploadDocumentQueryDto {
  @ApiProperty({ enum: DOCUMENT_KINDS, description: 'What the document is (issue 23 item 3)' })
  @IsIn(DOCUMENT_KINDS)
  kind!: DocumentKind;

  @RequiredText(300, { example: 'Instructions for use ChestXR Triage 2.3', description: 'No patient data: the title is stored in clear' })
  title!: string;

  @OptionalText(100, { example: '2.3.1', description: 'The model version it applies to; required for instructions-for-use' })
  modelVersion?: string;

  @OptionalDate({ ...DATE, description: 'First day the document holds; default today' })
  validFrom?: string;

  @OptionalDate({ ...DATE, description: "Last day it holds (a certificate's expiry); none: until superseded or withdrawn" })
  validUntil?: string;

  @ApiPropertyOptional({ format: 'uuid', description: 'A document of the same kind this one replaces from its validFrom' })
  @IsOptional()
  @IsUUID('all')
  supersedes?: string;

  @OptionalText(255, { example: 'ifu-2.3.pdf', description: 'The file name, for display' })
  filename?: string;
}

export class ListDocumentsQueryDto {
  @OptionalDate({ ...DATE, description: 'Only the documents in force on this day; default: every document, with its status today' })
  validOn?: string;

  @ApiPropertyOptional({ format: 'date-time', description: 'As the registry knew it at this moment; default now' })
  @IsOptional()
  @IsISO8601({ strict: true, strictSeparator: true })
  asOf?: string;
}

export class WithdrawDocumentDto {
  @RequiredText(2000, { example: 'Certificate suspended by the notified body' })
  reason!: string;

  @OptionalDate({ ...DATE, description: 'First day the document no longer holds; default today' })
  effectiveOn?: string;
}
