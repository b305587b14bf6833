import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsBoolean,
  IsIn,
  IsISO8601,
  IsNotEmpty,
  IsOptional,
  IsString,
  IsUUID,
  MaxLength,
  ValidateIf,
} from 'class-validator';
import { NestedObject, OptionalText, PageQueryDto, RequiredText } from '@app/platform';
import { SUPPLIER_NOTICE_KINDS } from '../domain';

const DATE = 'ISO 8601; a date alone means the whole of that day in Europe/Amsterdam';
const asBoolean = ({ value }: { value: unknown }) => (value === 'true' ? true : value === 'false' ? false : value);

export class RequestedActionDto {
  @RequiredText(2000, { example: 'Install software version 2.3.2 before further use on portable X-rays' })
  description!: string;

  @ApiPropertyOptional({ example: '2027-03-01', description: `The date the supplier asks it by (${DATE})` })
  @IsOptional()
  @IsISO8601({ strict: true })
  dueBy?: string;
}

export class ReceiveSupplierNoticeDto {
  @ApiProperty({ enum: SUPPLIER_NOTICE_KINDS, description: 'Field safety notice (FSN/FSCA) or security advisory' })
  @IsIn(SUPPLIER_NOTICE_KINDS)
  kind!: (typeof SUPPLIER_NOTICE_KINDS)[number];

  @RequiredText(100, { example: 'FSN-2027-004', description: "The supplier's own reference" })
  supplierReference!: string;

  @RequiredText(200, { example: 'Missed pneumothorax on portable chest X-rays' })
  title!: string;

  @ApiPropertyOptional({ example: '2027-02-01T09:00:00Z', description: `When it arrived; now if left out (${DATE})` })
  @IsOptional()
  @IsISO8601({ strict: true })
  receivedAt?: string;

  @ApiProperty({ type: [String], example: ['2.3.1'], description: 'Versions it concerns, as the register knows them' })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(50)
  @IsString({ each: true })
  @IsNotEmpty({ each: true })
  @MaxLength(100, { each: true })
  affectedVersions!: string[];

  @ApiPropertyOptional({
    example: 'The supplier lists every 2.x release; we never ran 2.4.0',
    description: 'Required when a version is not one the register knows',
  })
  @IsOptional()
  @IsString()
  @MaxLength(500)
  unknownVersionsReason?: string;

  @ApiPropertyOptional({ type: RequestedActionDto, description: 'What the supplier asks the hospital to do' })
  // Left out when the supplier asks nothing; null is not an object and is refused like any other non-object.
  @ValidateIf((_, value) => value !== undefined)
  @NestedObject(() => RequestedActionDto)
  requestedAction?: RequestedActionDto;

  @ApiPropertyOptional({ example: '2027-02-15', description: `The hospital's own deadline for acting (${DATE})` })
  @IsOptional()
  @IsISO8601({ strict: true })
  actBy?: string;

  @OptionalText(500, { example: 'https://acme.example/fsn/2027-004.pdf', description: 'Where the notice is kept: a link or a document number' })
  documentReference?: string;
}

export class RecordNoticeActionDto {
  @RequiredText(1000, { example: 'Installed 2.3.2 on all reading stations' })
  description!: string;

  @ApiPropertyOptional({ example: '2027-02-10T15:00:00Z', description: `When it was done; now if left out (${DATE})` })
  @IsOptional()
  @IsISO8601({ strict: true })
  doneAt?: string;

  @ApiPropertyOptional({ default: false, description: "This action does what the notice asks: the notice's deadlines are met" })
  @IsOptional()
  @IsBoolean()
  completesRequestedAction?: boolean;
}

export class CloseNoticeDto {
  @RequiredText(2000, { example: 'Patched; 20 test studies read correctly after the update' })
  conclusion!: string;
}

export class ListSupplierNoticesQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ description: 'true: open notices only; false: closed ones only' })
  @IsOptional()
  @Transform(asBoolean)
  @IsBoolean()
  open?: boolean;

  @ApiPropertyOptional({ description: 'Only open notices with a deadline passed and not met (business clock)' })
  @IsOptional()
  @Transform(asBoolean)
  @IsBoolean()
  overdue?: boolean;

  @ApiPropertyOptional({ format: 'uuid' })
  @IsOptional()
  @IsUUID('all')
  aiSystemId?: string;
}
