import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsISO8601, IsNotEmpty, IsOptional, IsString, Matches, MaxLength } from 'class-validator';
import { PageQueryDto } from '@app/platform';
import { PSEUDONYM_PATTERN } from '../pseudonymizer';

export class ErasureRequestDto {
  @ApiProperty({ example: 'NL-123456789', description: 'Raw patient id (in the body, never in a URL); pseudonymised on arrival' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(128)
  patientId!: string;
}

export class AccessLogQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ description: 'Data subject pseudonym (p-…)' })
  @IsOptional()
  @Matches(PSEUDONYM_PATTERN, { message: 'subject must be a pseudonym issued by this registry (p-…)' })
  subject?: string;

  @ApiPropertyOptional({ description: 'Subject (user id) of the staff member who accessed the data' })
  @IsOptional()
  @IsString()
  @MaxLength(255)
  actor?: string;

  @ApiPropertyOptional({ example: 'read-review' })
  @IsOptional()
  @IsString()
  @MaxLength(64)
  action?: string;

  @ApiPropertyOptional({ format: 'date-time', description: 'From this time (inclusive)' })
  @IsOptional()
  @IsISO8601({ strict: true, strictSeparator: true })
  from?: string;

  @ApiPropertyOptional({ format: 'date-time', description: 'Up to this time (exclusive)' })
  @IsOptional()
  @IsISO8601({ strict: true, strictSeparator: true })
  to?: string;
}
