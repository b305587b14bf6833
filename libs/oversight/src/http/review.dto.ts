import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsISO8601, IsNotEmpty, IsOptional, IsString, IsUUID, Matches, MaxLength, ValidateIf } from 'class-validator';
import { OptionalInstant, OptionalText, PageQueryDto, RequiredText } from '@app/platform';
import { PSEUDONYM_PATTERN } from '@app/identity';
import type { ReviewListItem } from '../contract';

export const DECISIONS = ['accepted', 'modified', 'rejected', 'escalated'] as const;
/** A review's competence as recorded (AI Act Art. 26(2)); `not-checked` while the system has no policy. */
const COMPETENCES: ReadonlyArray<ReviewListItem['competence']> = ['authorised', 'not-authorised', 'not-checked'];

export class RecordReviewDto {
  @ApiProperty({ format: 'uuid', description: 'The AI system whose output was reviewed' })
  @IsUUID('all')
  aiSystemId!: string;

  @RequiredText(100, { example: '2.3.1', description: 'Version of the system that produced the output' })
  modelVersion!: string;

  @RequiredText(500, { example: 'pacs://studies/1.2.840.113619.2.55/report/ai', description: 'Where the output lives; not patient-identifying' })
  outputReference!: string;

  @ApiProperty({ example: 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855', description: 'SHA-256 of the output as shown, lowercase hex' })
  @Matches(/^[0-9a-f]{64}$/, { message: 'outputSha256 must be 64 lowercase hex characters (SHA-256)' })
  outputSha256!: string;

  @ApiPropertyOptional({
    example: 'NL-123456789',
    description: 'Raw patient id; pseudonymised on arrival, never stored or logged. Give this or patientPseudonym.',
  })
  @ValidateIf((o: RecordReviewDto) => o.patientPseudonym === undefined)
  @IsString()
  @IsNotEmpty()
  @MaxLength(128)
  patientId?: string;

  @ApiPropertyOptional({ description: 'Pseudonym as returned by this registry, instead of patientId' })
  @ValidateIf((o: RecordReviewDto) => o.patientId === undefined || o.patientPseudonym !== undefined)
  @Matches(PSEUDONYM_PATTERN, { message: 'patientPseudonym must be a pseudonym issued by this registry (p-…)' })
  patientPseudonym?: string;

  @ApiProperty({ enum: DECISIONS })
  @IsIn(DECISIONS)
  decision!: (typeof DECISIONS)[number];

  @OptionalText(4000, { description: 'Why; required unless accepted. Encrypted per patient.', maxLength: 4000 })
  reason?: string;

  @ApiPropertyOptional({ format: 'date-time', description: 'When the output was seen; default decidedAt' })
  @IsOptional()
  @IsISO8601({ strict: true, strictSeparator: true })
  seenAt?: string;

  @ApiPropertyOptional({ format: 'date-time', description: 'When the reviewer decided; default now' })
  @IsOptional()
  @IsISO8601({ strict: true, strictSeparator: true })
  decidedAt?: string;

  @ApiPropertyOptional({ format: 'uuid', description: 'An incident this review belongs to' })
  @IsOptional()
  @IsUUID('all')
  incidentId?: string;
}

export class CorrectReviewDto {
  @ApiProperty({ enum: DECISIONS })
  @IsIn(DECISIONS)
  decision!: (typeof DECISIONS)[number];

  @OptionalText(4000, { maxLength: 4000 })
  reason?: string;

  @OptionalText(4000, { maxLength: 4000, description: 'What was wrong with the original entry' })
  correctionNote?: string;
}

export class WithdrawReviewDto {
  @RequiredText(4000, { maxLength: 4000 })
  reason!: string;
}

export class LinkIncidentDto {
  @ApiProperty({ format: 'uuid' })
  @IsUUID('all')
  incidentId!: string;
}

export class PatientTimelineRequestDto {
  @RequiredText(128, { example: 'NL-123456789', description: 'Raw patient id (in the body, never in a URL)' })
  patientId!: string;

  @ApiPropertyOptional({ format: 'date-time', description: 'Show only what the registry knew at this moment' })
  @IsOptional()
  @IsISO8601({ strict: true, strictSeparator: true })
  asOf?: string;
}

export class TimelineQueryDto extends PageQueryDto {
  @OptionalInstant({ strict: true, strictSeparator: true })
  asOf?: string;
}

export class ListReviewsQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ format: 'uuid' })
  @IsOptional()
  @IsUUID('all')
  aiSystemId?: string;

  @OptionalText(200, { description: 'Reviewer subject; clinicians always see only their own' })
  reviewer?: string;

  @ApiPropertyOptional({ enum: COMPETENCES, description: 'not-authorised: only the reviews flagged under a `flag` competence policy' })
  @IsOptional()
  @IsIn(COMPETENCES)
  competence?: ReviewListItem['competence'];
}

/** `GET /ai-systems/{id}/reviews`: a page, optionally only the reviews with one competence. */
export class SystemReviewsQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ enum: COMPETENCES, description: 'not-authorised: only the reviews flagged under a `flag` competence policy' })
  @IsOptional()
  @IsIn(COMPETENCES)
  competence?: ReviewListItem['competence'];
}
