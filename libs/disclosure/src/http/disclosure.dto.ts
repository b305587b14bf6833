import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, IsArray, IsISO8601, IsIn, IsNotEmpty, IsOptional, IsString, IsUUID, Matches, MaxLength } from 'class-validator';
import { PageQueryDto, NestedObject } from '@app/platform';
import { PSEUDONYM_PATTERN } from '@app/identity';

export class ScopeDto {
  @ApiPropertyOptional({ type: [String], description: 'Patient pseudonyms (p-…)' })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(1000)
  @Matches(PSEUDONYM_PATTERN, { each: true, message: 'each patient must be a pseudonym (p-…)' })
  patientPseudonyms?: string[];

  @ApiPropertyOptional({ type: [String], format: 'uuid' })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(1000)
  @IsUUID('all', { each: true })
  aiSystemIds?: string[];

  @ApiPropertyOptional({ type: [String], format: 'uuid' })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(1000)
  @IsUUID('all', { each: true })
  incidentIds?: string[];

  @ApiPropertyOptional({ format: 'date-time' })
  @IsOptional()
  @IsISO8601({ strict: true, strictSeparator: true })
  from?: string;

  @ApiPropertyOptional({ format: 'date-time' })
  @IsOptional()
  @IsISO8601({ strict: true, strictSeparator: true })
  to?: string;
}

export class RequesterDto {
  @ApiProperty({ enum: ['court', 'claimant', 'authority', 'other'] })
  @IsIn(['court', 'claimant', 'authority', 'other'])
  kind!: 'court' | 'claimant' | 'authority' | 'other';

  @ApiProperty({ example: 'Rechtbank Amsterdam' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(300)
  name!: string;
}

export class ReceiveDisclosureDto {
  @ApiProperty({ example: 'C/13/123456 / HA ZA 26-789' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  reference!: string;

  @ApiProperty({ type: RequesterDto })
  @NestedObject(() => RequesterDto)
  requester!: RequesterDto;

  @ApiProperty({ example: 'Product Liability Directive (EU) 2024/2853 Art. 9' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(500)
  legalBasis!: string;

  @ApiPropertyOptional({ format: 'date-time', description: 'Default now' })
  @IsOptional()
  @IsISO8601({ strict: true, strictSeparator: true })
  receivedAt?: string;

  @ApiProperty({ format: 'date-time' })
  @IsISO8601({ strict: true, strictSeparator: true })
  dueAt!: string;

  @ApiProperty({ type: ScopeDto })
  @NestedObject(() => ScopeDto)
  scope!: ScopeDto;
}

export class ChangeScopeDto {
  @ApiProperty({ type: ScopeDto })
  @NestedObject(() => ScopeDto)
  scope!: ScopeDto;

  @ApiProperty()
  @IsString()
  @IsNotEmpty()
  @MaxLength(2000)
  reason!: string;
}

export class RedactionDto {
  @ApiProperty({ format: 'uuid' })
  @IsUUID('all')
  eventId!: string;

  @ApiProperty({ example: '/reason', description: 'JSON pointer into the event data' })
  @Matches(/^\/[^\s]{1,200}$/, { message: 'path must be a JSON pointer such as /reason' })
  path!: string;

  @ApiProperty({ enum: ['trade-secret', 'third-party-personal-data', 'privilege'] })
  @IsIn(['trade-secret', 'third-party-personal-data', 'privilege'])
  ground!: 'trade-secret' | 'third-party-personal-data' | 'privilege';

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MaxLength(2000)
  note?: string;
}

export class RedactionsDto {
  @ApiProperty({ type: [RedactionDto] })
  @NestedObject(() => RedactionDto, { array: true })
  @ArrayMaxSize(10_000)
  redactions!: RedactionDto[];
}

export class DeliveryDto {
  @ApiProperty({ format: 'uuid' })
  @IsUUID('all')
  bundleId!: string;

  @ApiProperty({ example: 'secure file transfer' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  channel!: string;

  @ApiProperty({ example: 'mr. J. Jansen, counsel for claimant' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(300)
  deliveredTo!: string;
}

export class DiscardBundleDto {
  @ApiProperty({ example: 'Claim settled; no appeal possible', description: 'Why the stored bundle is no longer needed for the claim' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(2000)
  reason!: string;
}

export class CloseDisclosureDto {
  @ApiProperty({ enum: ['disclosed', 'partly-refused', 'refused'] })
  @IsIn(['disclosed', 'partly-refused', 'refused'])
  outcome!: 'disclosed' | 'partly-refused' | 'refused';

  @ApiPropertyOptional({ description: 'Required unless disclosed, e.g. PLD Art. 9(4) trade secrets' })
  @IsOptional()
  @IsString()
  @MaxLength(4000)
  reason?: string;
}

export class ListDisclosuresQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ enum: ['open', 'closed'] })
  @IsOptional()
  @IsIn(['open', 'closed'])
  status?: 'open' | 'closed';

  @ApiPropertyOptional({ enum: ['true'], description: 'Only open requests past their due date' })
  @IsOptional()
  @IsIn(['true'])
  overdue?: 'true';
}
