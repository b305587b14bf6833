import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, IsArray, IsBoolean, IsEmail, IsIn, IsInt, IsNotEmpty, IsOptional, IsString, Max, MaxLength, Min, ValidateIf } from 'class-validator';
import { NestedObject, OptionalText, RequiredText } from '@app/platform';
import { MAX_OUTPUT_REVIEW_LIMIT_MINUTES } from '../domain';

const RISK = ['prohibited', 'high', 'limited', 'minimal'] as const;
const MDR = ['none', 'I', 'IIa', 'IIb', 'III'] as const;

export class SupplierDto {
  @RequiredText(200, { example: 'Acme Imaging B.V.' })
  name!: string;

  @ApiPropertyOptional({ example: 'vigilance@acme.example', description: 'Where serious incidents are reported' })
  @IsOptional()
  @IsEmail()
  @MaxLength(320)
  incidentContactEmail?: string;

  @ApiPropertyOptional({
    example: 'MedTech Distributie B.V.',
    description: 'The importer or distributor the system was obtained through, if any (AI Act Art. 26(5) informs it after the provider)',
  })
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  importerOrDistributor?: string;
}

export class RegisterAiSystemDto {
  @RequiredText(200, { example: 'ChestXR Triage' })
  name!: string;

  @ApiProperty({ type: SupplierDto })
  @NestedObject(() => SupplierDto)
  supplier!: SupplierDto;

  @RequiredText(100, { example: '2.3.1', description: 'Model / software version in use' })
  version!: string;

  @RequiredText(2000, { example: 'Flags suspected pneumothorax on chest X-rays for radiologist review' })
  intendedPurpose!: string;

  @ApiProperty({ enum: RISK, description: 'EU AI Act risk class' })
  @IsIn(RISK)
  aiActRiskClass!: (typeof RISK)[number];

  @ApiProperty({ enum: MDR, description: 'MDR device class; none if not a medical device' })
  @IsIn(MDR)
  mdrClass!: (typeof MDR)[number];

  @ApiProperty({ description: 'In-house device under MDR Art. 5(5)' })
  @IsBoolean()
  inHouseDevice!: boolean;

  @OptionalText(100, { example: 'IFU-2.3' })
  ifuVersion?: string;

  @ApiProperty({ type: [String], description: 'People assigned to human oversight (AI Act Art. 26(2))' })
  @IsArray()
  @ArrayMaxSize(100)
  @IsString({ each: true })
  @MaxLength(200, { each: true })
  oversightPersons!: string[];

  @OptionalText(100, { example: 'CE 0344' })
  ceMarking?: string;

  @OptionalText(100, { example: '08712345678906' })
  udiDi?: string;
}

export class ChangeVersionDto {
  @RequiredText(100, { example: '2.4.0' })
  version!: string;

  @OptionalText(100, { example: 'IFU-2.4' })
  ifuVersion?: string;

  @OptionalText(2000, { example: 'Supplier update fixing low-contrast false negatives' })
  reason?: string;
}

export class UseChangeDto {
  @RequiredText(2000, { example: 'Suspected systematic false negatives; investigating' })
  reason!: string;
}

export class OutputReviewLimitDto {
  @ApiProperty({
    type: 'integer',
    nullable: true,
    minimum: 1,
    maximum: MAX_OUTPUT_REVIEW_LIMIT_MINUTES,
    example: 30,
    description: 'Minutes an output may wait for review before it is overdue; null: the registry default (OUTPUT_REVIEW_LIMIT_MINUTES)',
  })
  @ValidateIf((_, v) => v !== null)
  @IsInt()
  @Min(1)
  @Max(MAX_OUTPUT_REVIEW_LIMIT_MINUTES)
  limitMinutes!: number | null;

  @OptionalText(2000, { example: 'Stroke triage: a missed occlusion costs brain' })
  reason?: string;
}
