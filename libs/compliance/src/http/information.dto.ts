import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsBoolean, IsIn, IsInt, IsISO8601, IsNotEmpty, IsOptional, IsString, IsUUID, Matches, Max, MaxLength, Min, ValidateIf } from 'class-validator';
import { PSEUDONYM_PATTERN } from '@app/identity';
import { LimitQueryDto, OptionalInstant, OptionalText, RequiredText } from '@app/platform';
import { INFORMATION_BASES, REFUSAL_GROUNDS, SUBJECT_REQUEST_KINDS } from '../domain';
import type { InformationBasis, RefusalGround, SubjectRequestKind } from '../domain';

const SHA256 = /^[0-9a-f]{64}$/;
const asBoolean = ({ value }: { value: unknown }) => (value === 'true' ? true : value === 'false' ? false : value);

export class RecordInformationDutyDto {
  @ApiProperty({ enum: INFORMATION_BASES, description: 'aiact-26-7 (workers), aiact-26-11 or aiact-50 (persons affected), gdpr-13 or gdpr-14 (patients)' })
  @IsIn(INFORMATION_BASES)
  basis!: InformationBasis;

  @RequiredText(300, { example: 'leaflet handed out at admission; patient portal page' })
  channel!: string;

  @RequiredText(300, { example: 'at admission, before the first examination the system reads' })
  timing!: string;

  @RequiredText(100, { example: 'v2.1 (2026-11)' })
  textVersion!: string;

  @ApiPropertyOptional({ format: 'uuid', description: 'The text as a document of this file; or give textSha256' })
  @IsOptional()
  @IsUUID('all')
  documentId?: string;

  @ApiPropertyOptional({ description: 'SHA-256 (hex) of the text used; or give documentId' })
  @IsOptional()
  @Matches(SHA256, { message: 'textSha256 must be 64 lower-case hex characters' })
  textSha256?: string;

  @RequiredText(200, { example: 'J. Smit, quality manager' })
  approvedBy!: string;

  @ApiPropertyOptional({ format: 'date', description: 'First day (Europe/Amsterdam) the text is used; default today' })
  @IsOptional()
  @IsISO8601({ strict: true })
  effectiveFrom?: string;
}

export class ReceiveSubjectRequestDto {
  @ApiProperty({ enum: SUBJECT_REQUEST_KINDS, description: 'explanation (AI Act Art. 86) or access (GDPR Art. 15)' })
  @IsIn(SUBJECT_REQUEST_KINDS)
  kind!: SubjectRequestKind;

  @ApiPropertyOptional({
    example: 'NL-123456789',
    description: 'Raw patient id of the requester; pseudonymised on arrival, never stored. Give this or patientPseudonym.',
  })
  @ValidateIf((o: ReceiveSubjectRequestDto) => o.patientPseudonym === undefined)
  @IsString()
  @IsNotEmpty()
  @MaxLength(128)
  patientId?: string;

  @ApiPropertyOptional({ description: 'Pseudonym as returned by this registry, instead of patientId' })
  @ValidateIf((o: ReceiveSubjectRequestDto) => o.patientId === undefined || o.patientPseudonym !== undefined)
  @Matches(PSEUDONYM_PATTERN, { message: 'patientPseudonym must be a pseudonym issued by this registry (p-…)' })
  patientPseudonym?: string;

  @ApiPropertyOptional({ format: 'uuid', description: 'The AI system the request is about; required for an explanation' })
  @IsOptional()
  @IsUUID('all')
  aiSystemId?: string;

  @OptionalInstant(
    { strict: true, strictSeparator: true },
    { format: 'date-time', description: 'When the hospital received it (the period runs from it); default now' },
  )
  receivedAt?: string;

  @RequiredText(200, { example: 'letter', description: 'How it came in; no personal data' })
  channel!: string;

  @OptionalText(8000, { description: "What was asked; encrypted under the patient's key" })
  details?: string;
}

export class ExtendSubjectRequestDto {
  @ApiProperty({ minimum: 1, maximum: 2, description: 'Further months (GDPR Art. 12(3): at most two in all)' })
  @IsInt()
  @Min(1)
  @Max(2)
  months!: number;

  @RequiredText(4000, { description: "The reasons for the delay, as told to the data subject; encrypted under the patient's key" })
  reasons!: string;

  @OptionalInstant(
    { strict: true, strictSeparator: true },
    { format: 'date-time', description: 'When the data subject was told (within the first month); default now' },
  )
  informedAt?: string;
}

export class AnswerSubjectRequestDto {
  @OptionalInstant({ strict: true, strictSeparator: true }, { format: 'date-time', description: 'When the answer was sent; default now' })
  answeredAt?: string;

  @OptionalText(20000, { description: "The answer; encrypted under the patient's key. Or give answerSha256" })
  answer?: string;

  @ApiPropertyOptional({ description: 'SHA-256 (hex) of the answer document sent (it stays in the patient record)' })
  @IsOptional()
  @Matches(SHA256, { message: 'answerSha256 must be 64 lower-case hex characters' })
  answerSha256?: string;
}

export class RefuseSubjectRequestDto {
  @ApiProperty({ enum: REFUSAL_GROUNDS })
  @IsIn(REFUSAL_GROUNDS)
  ground!: RefusalGround;

  @RequiredText(8000, { description: "The explanation given to the data subject; encrypted under the patient's key" })
  explanation!: string;

  @OptionalInstant({ strict: true, strictSeparator: true }, { format: 'date-time', description: 'When the refusal was sent; default now' })
  refusedAt?: string;
}

export class WithdrawSubjectRequestDto {
  @OptionalInstant({ strict: true, strictSeparator: true }, { format: 'date-time', description: 'When the requester withdrew it; default now' })
  withdrawnAt?: string;
}

export class ListSubjectRequestsQueryDto extends LimitQueryDto {
  @ApiPropertyOptional({ description: 'true: only open requests past their deadline' })
  @IsOptional()
  @Transform(asBoolean)
  @IsBoolean()
  overdue?: boolean;

  @ApiPropertyOptional({ enum: SUBJECT_REQUEST_KINDS })
  @IsOptional()
  @IsIn(SUBJECT_REQUEST_KINDS)
  kind?: SubjectRequestKind;

  @ApiPropertyOptional({ enum: ['open', 'answered', 'refused', 'withdrawn'] })
  @IsOptional()
  @IsIn(['open', 'answered', 'refused', 'withdrawn'])
  status?: 'open' | 'answered' | 'refused' | 'withdrawn';

  @ApiPropertyOptional({ format: 'uuid' })
  @IsOptional()
  @IsUUID('all')
  aiSystemId?: string;
}
