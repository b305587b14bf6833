import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, IsISO8601, IsIn, IsOptional, IsUUID, Matches } from 'class-validator';
import { NestedObject, OptionalInstant, OptionalText, OptionalUuidList, PageQueryDto, RequiredText } from '@app/platform';
import { OptionalPseudonymList } from '@app/identity';

export class ScopeDto {
  @OptionalPseudonymList(1000, 'Patient pseudonyms (p-…)', 'each patient must be a pseudonym (p-…)')
  patientPseudonyms?: string[];

  @OptionalUuidList(1000)
  aiSystemIds?: string[];

  @OptionalUuidList(1000)
  incidentIds?: string[];

  @OptionalInstant({ strict: true, strictSeparator: true })
  from?: string;

  @OptionalInstant({ strict: true, strictSeparator: true })
  to?: string;
}

export class RequesterDto {
  @ApiProperty({ enum: ['court', 'claimant', 'authority', 'other'] })
  @IsIn(['court', 'claimant', 'authority', 'other'])
  kind!: 'court' | 'claimant' | 'authority' | 'other';

  @RequiredText(300, { example: 'Rechtbank Amsterdam' })
  name!: string;
}

export class ReceiveDisclosureDto {
  @RequiredText(200, { example: 'C/13/123456 / HA ZA 26-789' })
  reference!: string;

  @ApiProperty({ type: RequesterDto })
  @NestedObject(() => RequesterDto)
  requester!: RequesterDto;

  @RequiredText(500, { example: 'Product Liability Directive (EU) 2024/2853 Art. 9' })
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

  @RequiredText(2000)
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

  @OptionalText(2000)
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

  @RequiredText(200, { example: 'secure file transfer' })
  channel!: string;

  @RequiredText(300, { example: 'mr. J. Jansen, counsel for claimant' })
  deliveredTo!: string;
}

export class DiscardBundleDto {
  @RequiredText(2000, { example: 'Claim settled; no appeal possible', description: 'Why the stored bundle is no longer needed for the claim' })
  reason!: string;
}

export class CloseDisclosureDto {
  @ApiProperty({ enum: ['disclosed', 'partly-refused', 'refused'] })
  @IsIn(['disclosed', 'partly-refused', 'refused'])
  outcome!: 'disclosed' | 'partly-refused' | 'refused';

  @OptionalText(4000, { description: 'Required unless disclosed, e.g. PLD Art. 9(4) trade secrets' })
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
