import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, ArrayMinSize, IsIn, IsISO8601, isIn, isISO8601, IsOptional, IsUUID, isUUID, Matches } from 'class-validator';
import { NestedObject, OptionalInstant, OptionalText, PRECHECKED, RequiredText } from '@app/platform';
import { AI_FINDINGS, OUTPUT_URGENCIES, WARD_CODE } from '../domain';

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

  @ApiPropertyOptional({
    enum: AI_FINDINGS,
    description: 'When the output is a finding: what the AI found (for sensitivity/specificity against confirmed outcomes)',
  })
  @IsOptional()
  @IsIn(AI_FINDINGS)
  aiFinding?: (typeof AI_FINDINGS)[number];
}

export class PostAiOutputsDto {
  @ApiProperty({ type: [AiOutputDto], minItems: 1, maxItems: MAX_OUTPUTS_PER_BATCH })
  @NestedObject(() => AiOutputDto, { array: true })
  @ArrayMinSize(1)
  @ArrayMaxSize(MAX_OUTPUTS_PER_BATCH)
  outputs!: AiOutputDto[];

  /**
   * The decorators above, by hand, for a batch that is valid as it is (class-validator cost about
   * a fifth of a 100-output batch's CPU): anything else, even `null` for an optional field,
   * answers `undefined` and goes through class-validator, which words the 400.
   */
  static [PRECHECKED](value: unknown): PostAiOutputsDto | undefined {
    if (!isRecord(value) || !onlyKeys(value, BATCH_KEYS)) return undefined;
    const { outputs } = value;
    if (!Array.isArray(outputs) || outputs.length < 1 || outputs.length > MAX_OUTPUTS_PER_BATCH) return undefined;
    const items: AiOutputDto[] = [];
    for (const o of outputs as unknown[]) {
      if (!isRecord(o) || !onlyKeys(o, OUTPUT_KEYS) || !validOutput(o)) return undefined;
      items.push(Object.assign(new AiOutputDto(), o));
    }
    return Object.assign(new PostAiOutputsDto(), { outputs: items });
  }
}

const BATCH_KEYS = new Set(['outputs']);
const OUTPUT_KEYS = new Set([
  'aiSystemId',
  'modelVersion',
  'outputReference',
  'outputSha256',
  'patientId',
  'producedAt',
  'urgency',
  'summary',
  'ward',
  'aiFinding',
]);
const SHA256_HEX = /^[0-9a-f]{64}$/;

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && Object.getPrototypeOf(v) === Object.prototype;
}

function onlyKeys(o: Record<string, unknown>, allowed: ReadonlySet<string>): boolean {
  for (const k in o) if (!allowed.has(k)) return false;
  return true;
}

/** A required text (IsString, IsNotEmpty, MaxLength): `length` counts UTF-16 units, never fewer characters than MaxLength counts. */
const text = (v: unknown, max: number): boolean => typeof v === 'string' && v.length > 0 && v.length <= max;
const optional = (v: unknown, check: (v: unknown) => boolean): boolean => v === undefined || check(v);

function validOutput(o: Record<string, unknown>): boolean {
  return (
    typeof o.aiSystemId === 'string' &&
    isUUID(o.aiSystemId, 'all') &&
    text(o.modelVersion, 100) &&
    text(o.outputReference, 500) &&
    typeof o.outputSha256 === 'string' &&
    SHA256_HEX.test(o.outputSha256) &&
    text(o.patientId, 128) &&
    typeof o.producedAt === 'string' &&
    isISO8601(o.producedAt, { strict: true, strictSeparator: true }) &&
    optional(o.urgency, (v) => isIn(v, OUTPUT_URGENCIES)) &&
    optional(o.summary, (v) => typeof v === 'string' && v.length <= 280) &&
    optional(o.ward, (v) => typeof v === 'string' && WARD_CODE.test(v)) &&
    optional(o.aiFinding, (v) => isIn(v, AI_FINDINGS))
  );
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
