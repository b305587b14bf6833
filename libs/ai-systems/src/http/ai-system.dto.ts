import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, IsArray, IsBoolean, IsEmail, IsIn, IsNotEmpty, IsOptional, IsString, MaxLength } from 'class-validator';
import { NestedObject } from '@app/platform';

const RISK = ['prohibited', 'high', 'limited', 'minimal'] as const;
const MDR = ['none', 'I', 'IIa', 'IIb', 'III'] as const;

export class SupplierDto {
  @ApiProperty({ example: 'Acme Imaging B.V.' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
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
  @ApiProperty({ example: 'ChestXR Triage' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  name!: string;

  @ApiProperty({ type: SupplierDto })
  @NestedObject(() => SupplierDto)
  supplier!: SupplierDto;

  @ApiProperty({ example: '2.3.1', description: 'Model / software version in use' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(100)
  version!: string;

  @ApiProperty({ example: 'Flags suspected pneumothorax on chest X-rays for radiologist review' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(2000)
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

  @ApiPropertyOptional({ example: 'IFU-2.3' })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  ifuVersion?: string;

  @ApiProperty({ type: [String], description: 'People assigned to human oversight (AI Act Art. 26(2))' })
  @IsArray()
  @ArrayMaxSize(100)
  @IsString({ each: true })
  @MaxLength(200, { each: true })
  oversightPersons!: string[];

  @ApiPropertyOptional({ example: 'CE 0344' })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  ceMarking?: string;

  @ApiPropertyOptional({ example: '08712345678906' })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  udiDi?: string;
}

export class ChangeVersionDto {
  @ApiProperty({ example: '2.4.0' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(100)
  version!: string;

  @ApiPropertyOptional({ example: 'IFU-2.4' })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  ifuVersion?: string;

  @ApiPropertyOptional({ example: 'Supplier update fixing low-contrast false negatives' })
  @IsOptional()
  @IsString()
  @MaxLength(2000)
  reason?: string;
}

export class UseChangeDto {
  @ApiProperty({ example: 'Suspected systematic false negatives; investigating' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(2000)
  reason!: string;
}
