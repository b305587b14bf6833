import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsBoolean, IsISO8601, IsIn, IsInt, IsOptional, IsUUID, Matches, Max, Min, ValidateIf } from 'class-validator';
import { NestedObject, OptionalInstant, OptionalUuidList, PageQueryDto, RequiredText } from '@app/platform';
import { OptionalPseudonymList } from '@app/identity';

const ISO = { strict: true, strictSeparator: true } as const;
const KIND = /^[a-z0-9][a-z0-9-]{0,39}$/;
const KIND_MESSAGE = 'kind must be 1–40 characters a–z, 0–9 and - (e.g. ai-system-log)';

/** Query string of the raw upload; the body is the log content itself. */
export class IngestQueryDto {
  @ApiProperty({ format: 'uuid', description: 'The AI system that generated the logs' })
  @IsUUID('all')
  system!: string;

  @ApiProperty({ format: 'date-time', description: 'Start of the period the logs cover' })
  @IsISO8601(ISO)
  from!: string;

  @ApiProperty({ format: 'date-time', description: 'End of the period the logs cover' })
  @IsISO8601(ISO)
  to!: string;

  @ApiPropertyOptional({ default: 'ai-system-log', description: 'Artefact kind; retention policies are per system and kind' })
  @IsOptional()
  @Matches(KIND, { message: KIND_MESSAGE })
  kind?: string;
}

export class ListLogArtefactsQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ format: 'uuid' })
  @IsOptional()
  @IsUUID('all')
  system?: string;

  @ApiPropertyOptional({ format: 'date-time', description: 'Artefacts whose period ends at or after this' })
  @IsOptional()
  @IsISO8601(ISO)
  from?: string;

  @ApiPropertyOptional({ format: 'date-time', description: 'Artefacts whose period starts at or before this' })
  @IsOptional()
  @IsISO8601(ISO)
  to?: string;

  @ApiPropertyOptional({ enum: ['stored', 'purge-requested', 'purged'] })
  @IsOptional()
  @IsIn(['stored', 'purge-requested', 'purged'])
  status?: string;
}

export class SetRetentionPolicyDto {
  @ApiProperty({ format: 'uuid' })
  @IsUUID('all')
  aiSystemId!: string;

  @ApiPropertyOptional({ default: 'ai-system-log' })
  @IsOptional()
  @Matches(KIND, { message: KIND_MESSAGE })
  kind?: string;

  @ApiProperty({ minimum: 6, example: 6, description: 'At least 6 (AI Act Art. 26(6))' })
  @IsInt()
  @Min(0)
  @Max(1200)
  minimumMonths!: number;

  @ApiProperty({ nullable: true, example: 24, description: 'Purge after this; null: keep until a policy sets one' })
  @ValidateIf((o: SetRetentionPolicyDto) => o.maximumMonths !== null)
  @IsInt()
  @Min(0)
  @Max(1200)
  maximumMonths!: number | null;

  @RequiredText(2000, { example: 'AI Act Art. 26(6); hospital log policy v3' })
  legalBasis!: string;
}

export class SetRetentionDto {
  @ApiProperty({ format: 'date-time', nullable: true, description: 'Purge from this moment; null: not by rule' })
  @ValidateIf((o: SetRetentionDto) => o.purgeDueAt !== null)
  @IsISO8601(ISO)
  purgeDueAt!: string | null;

  @RequiredText(2000)
  legalBasis!: string;
}

export class HoldScopeDto {
  @OptionalUuidList(200)
  aiSystemIds?: string[];

  @OptionalPseudonymList(1000, 'Pseudonyms issued by this registry (p-…)', 'patientPseudonyms must be pseudonyms issued by this registry (p-…)')
  patientPseudonyms?: string[];

  @OptionalUuidList(200)
  incidentIds?: string[];

  @OptionalUuidList(200)
  disclosureRequestIds?: string[];

  @OptionalInstant(ISO)
  from?: string;

  @OptionalInstant(ISO)
  to?: string;
}

export class PlaceLegalHoldDto {
  @ApiProperty({ type: HoldScopeDto, description: 'At least one system, patient, incident, disclosure request or a time range' })
  @NestedObject(() => HoldScopeDto)
  scope!: HoldScopeDto;

  @RequiredText(4000, { example: 'Claim 2026-0042 (PLD); preserve all triage logs', maxLength: 4000 })
  reason!: string;
}

export class ReviewLegalHoldDto {
  @RequiredText(4000, { example: 'Claim still open; hold maintained', maxLength: 4000 })
  note!: string;
}

export class ReleaseLegalHoldDto {
  @RequiredText(4000, { example: 'Claim settled on 2027-03-01', maxLength: 4000 })
  reason!: string;
}

export class ListLegalHoldsQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ enum: ['active', 'released'] })
  @IsOptional()
  @IsIn(['active', 'released'])
  status?: string;
}

export class DueQueryDto {
  @ApiPropertyOptional({ default: 0, description: 'Also list what becomes due within this many days' })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(3650)
  withinDays?: number;
}

export class PurgeRunDto {
  @ApiProperty({ description: 'true: report what would be purged and change nothing' })
  @IsBoolean()
  dryRun!: boolean;
}

export class PolicyQueryDto {
  @ApiPropertyOptional({ format: 'uuid' })
  @IsOptional()
  @IsUUID('all')
  system?: string;
}
