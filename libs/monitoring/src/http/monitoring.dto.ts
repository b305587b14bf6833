import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsIn, IsInt, IsNumber, IsOptional, IsString, IsUUID, Matches, Max, Min } from 'class-validator';
import { NestedObject, OptionalInstant, OptionalText, RequiredText } from '@app/platform';
import { FINDINGS, type Finding, OUTCOME_SOURCES, WARD_CODE } from '../domain';

export class ConfirmOutcomeDto {
  @ApiProperty({ format: 'uuid', description: 'The AI system that produced the output' })
  @IsUUID('all')
  aiSystemId!: string;

  @RequiredText(500, {
    example: 'pacs://studies/1.2.840/ai-report',
    description: 'The output, as the feed named it or, for an output entered by hand, as its review named it',
  })
  outputReference!: string;

  @ApiPropertyOptional({
    enum: FINDINGS,
    nullable: true,
    description: "What the AI found, for an output that never came by feed (a fed output's comes from the feed; a different one is 422)",
  })
  @IsOptional()
  @IsIn(FINDINGS)
  aiFinding?: Finding | null;

  @ApiPropertyOptional({
    nullable: true,
    example: 'ICU-2',
    description: "The ward, for an output that never came by feed (a fed output's comes from the feed)",
  })
  @IsOptional()
  @IsString()
  @Matches(WARD_CODE, { message: 'must be a short code: letters, digits, dot, dash or underscore, at most 32' })
  ward?: string | null;

  @ApiPropertyOptional({ enum: FINDINGS, nullable: true, description: 'The confirmed finding, when the output (or the outcome) is one' })
  @IsOptional()
  @IsIn(FINDINGS)
  confirmedFinding?: Finding | null;

  @ApiPropertyOptional({ nullable: true, description: 'Whether the AI agreed with the outcome; derived when both findings are known, required otherwise' })
  @IsOptional()
  @IsBoolean()
  agreesWithAi?: boolean | null;

  @ApiProperty({ enum: OUTCOME_SOURCES, description: 'Where the ground truth comes from' })
  @IsIn(OUTCOME_SOURCES)
  source!: string;

  @OptionalText(2000, { description: 'Free text about the outcome; encrypted under the patient' })
  note?: string;

  @OptionalInstant({ strict: true, strictSeparator: true }, { format: 'date-time', description: 'When the outcome became known; default now' })
  knownAt?: string;
}

export class CorrectOutcomeDto {
  @ApiPropertyOptional({
    enum: FINDINGS,
    nullable: true,
    description: "Restates the AI's finding of an output entered by hand (a fed output's is the feed's: 422)",
  })
  @IsOptional()
  @IsIn(FINDINGS)
  aiFinding?: Finding | null;

  @ApiPropertyOptional({ nullable: true, description: "Restates the ward of an output entered by hand (a fed output's is the feed's: 422)" })
  @IsOptional()
  @IsString()
  @Matches(WARD_CODE, { message: 'must be a short code: letters, digits, dot, dash or underscore, at most 32' })
  ward?: string | null;

  @ApiPropertyOptional({ enum: FINDINGS, nullable: true })
  @IsOptional()
  @IsIn(FINDINGS)
  confirmedFinding?: Finding | null;

  @ApiPropertyOptional({ nullable: true })
  @IsOptional()
  @IsBoolean()
  agreesWithAi?: boolean | null;

  @ApiProperty({ enum: OUTCOME_SOURCES })
  @IsIn(OUTCOME_SOURCES)
  source!: string;

  @OptionalText(2000, { description: 'Free text about the outcome; encrypted under the patient' })
  note?: string;

  @RequiredText(2000, { description: 'Why the outcome is corrected; encrypted under the patient' })
  reason!: string;
}

/** A fraction 0–1, or null (not watched). */
function Fraction(description: string): PropertyDecorator {
  return (target: object, key: string | symbol) => {
    ApiPropertyOptional({ nullable: true, minimum: 0, maximum: 1, description })(target, key);
    IsOptional()(target, key);
    IsNumber({ allowNaN: false, allowInfinity: false })(target, key);
    Min(0)(target, key);
    Max(1)(target, key);
  };
}

export class ThresholdLimitsDto {
  @Fraction('Lowest acceptable agreement with confirmed outcomes') agreement?: number | null;
  @Fraction('Lowest acceptable sensitivity (findings)') sensitivity?: number | null;
  @Fraction('Lowest acceptable specificity (findings)') specificity?: number | null;
  @Fraction('Highest acceptable override rate of reviews') overrideRate?: number | null;
  @Fraction('Highest acceptable share of very fast acceptances (automation bias)') fastAcceptanceRate?: number | null;
}

export class SetThresholdsDto {
  @ApiProperty({ type: ThresholdLimitsDto })
  @NestedObject(() => ThresholdLimitsDto)
  limits!: ThresholdLimitsDto;

  @ApiPropertyOptional({ minimum: 1, maximum: 600, default: 5, description: 'An acceptance within this many seconds of seeing the output is very fast' })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(600)
  fastAcceptanceSeconds?: number;

  @ApiPropertyOptional({ minimum: 1, maximum: 366, default: 30, description: 'The figures over the last this many days are evaluated' })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(366)
  windowDays?: number;

  @ApiPropertyOptional({ minimum: 1, default: 20, description: 'A figure from fewer cases raises nothing' })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(100_000)
  minSample?: number;

  @ApiPropertyOptional({ default: false, description: 'Open an incident for each new alert without waiting for a person' })
  @IsOptional()
  @IsBoolean()
  autoOpenIncident?: boolean;

  @RequiredText(2000, { example: 'IFU 2.3 section 7: expected agreement ≥ 85%', description: 'Why these thresholds (e.g. the instructions for use)' })
  reason!: string;
}

export class DismissAlertDto {
  @RequiredText(2000, { description: 'Why no incident is needed' })
  reason!: string;
}

export class MonitoringQueryDto {
  @OptionalInstant({ strict: true, strictSeparator: true }, { format: 'date-time', description: 'Outcomes of outputs produced, reviews decided, at or after' })
  from?: string;

  @OptionalInstant({ strict: true, strictSeparator: true }, { format: 'date-time', description: '… and before' })
  to?: string;

  @OptionalText(100, { example: '2.3.1', description: 'Only this model version' })
  version?: string;
}

export class MonthlyReportQueryDto {
  @ApiProperty({ example: '2026-11', description: 'The month, YYYY-MM, in the hospital’s time (Europe/Amsterdam)' })
  @IsString()
  @Matches(/^\d{4}-(0[1-9]|1[0-2])$/, { message: 'must be YYYY-MM' })
  month!: string;
}

export class ListAlertsQueryDto {
  @ApiPropertyOptional({ enum: ['open', 'incident-opened', 'dismissed'] })
  @IsOptional()
  @IsIn(['open', 'incident-opened', 'dismissed'])
  status?: string;

  @ApiPropertyOptional({ format: 'uuid' })
  @IsOptional()
  @IsUUID('all')
  aiSystemId?: string;
}
