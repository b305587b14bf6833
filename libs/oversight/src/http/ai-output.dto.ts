import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, ArrayMinSize, IsIn, IsISO8601, IsOptional, IsUUID, Matches } from 'class-validator';
import { NestedObject, OptionalInstant, OptionalText, RequiredText } from '@app/platform';
import { OUTPUT_URGENCIES, WARD_CODE } from '../domain';

/** The most outputs one request may carry (issue 25). */
export const MAX_OUTPUTS_PER_BATCH = 1000;

export class AiOutputDto {
  @ApiProperty({ format: 'uuid', description: 'The AI system that produced the output; the one the token is bound to' })
  @IsUUID('all')
  aiSystemId!: string;

  @RequiredText(100, { example: '2.3.1', description: 'Version that produced the output; one the registry knows was deployed' })
  modelVersion!: string;

  @RequiredText(500, {
    example: 'pacs://studies/1.2.840.113619.2.55/report/ai',
    description: 'Where the output lives; with the system, its identity. Not patient-identifying',
  })
  outputReference!: string;

  @ApiProperty({ example: 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855', description: 'SHA-256 of the output, lowercase hex' })
  @Matches(/^[0-9a-f]{64}$/, { message: 'outputSha256 must be 64 lowercase hex characters (SHA-256)' })
  outputSha256!: string;

  @RequiredText(128, { example: 'NL-123456789', description: 'Raw patient id; pseudonymised on arrival, never stored or logged' })
  patientId!: string;

  @ApiProperty({ format: 'date-time', description: 'When the AI system produced the output' })
  @IsISO8601({ strict: true, strictSeparator: true })
  producedAt!: string;

  @ApiPropertyOptional({ enum: OUTPUT_URGENCIES, description: 'Default routine; the worklist shows the most urgent first' })
  @IsOptional()
  @IsIn(OUTPUT_URGENCIES)
  urgency?: (typeof OUTPUT_URGENCIES)[number];

  @OptionalText(280, { maxLength: 280, description: 'A short human summary for the worklist; encrypted per patient' })
  summary?: string;

  @ApiPropertyOptional({ example: 'ICU-2', maxLength: 32, description: 'The ward (care unit) the output is for: a short code, for coverage per ward' })
  @IsOptional()
  @Matches(WARD_CODE, { message: 'ward must be a short code: letters, digits, dot, dash or underscore, at most 32' })
  ward?: string;
}

export class PostAiOutputsDto {
  @ApiProperty({ type: [AiOutputDto], minItems: 1, maxItems: MAX_OUTPUTS_PER_BATCH })
  @NestedObject(() => AiOutputDto, { array: true })
  @ArrayMinSize(1)
  @ArrayMaxSize(MAX_OUTPUTS_PER_BATCH)
  outputs!: AiOutputDto[];
}

export class CoverageQueryDto {
  @OptionalInstant({ strict: true, strictSeparator: true }, { format: 'date-time', description: 'Outputs produced at or after' })
  from?: string;

  @OptionalInstant({ strict: true, strictSeparator: true }, { format: 'date-time', description: 'Outputs produced before' })
  to?: string;

  @OptionalText(100, { description: 'Only outputs of this model version' })
  version?: string;

  @OptionalInstant({ strict: true, strictSeparator: true }, { format: 'date-time', description: 'Coverage as the registry knew it then; default now' })
  asOf?: string;

  @ApiPropertyOptional({ example: 'ICU-2', description: 'Only outputs for this ward' })
  @IsOptional()
  @Matches(WARD_CODE, { message: 'ward must be a short code: letters, digits, dot, dash or underscore, at most 32' })
  ward?: string;
}

export class PatientWorklistDto {
  @RequiredText(128, { example: 'NL-123456789', description: 'Raw patient id (the patient in context); pseudonymised on arrival, never stored or logged' })
  patientId!: string;
}
