import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsISO8601, IsOptional, Matches } from 'class-validator';
import { OptionalText, PageQueryDto, RequiredText } from '@app/platform';
import { PSEUDONYM_PATTERN } from '../pseudonymizer';

export class ErasureRequestDto {
  @RequiredText(128, { example: 'NL-123456789', description: 'Raw patient id (in the body, never in a URL); pseudonymised on arrival' })
  patientId!: string;
}

export class AccessLogQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ description: 'Data subject pseudonym (p-…)' })
  @IsOptional()
  @Matches(PSEUDONYM_PATTERN, { message: 'subject must be a pseudonym issued by this registry (p-…)' })
  subject?: string;

  @OptionalText(255, { description: 'Subject (user id) of the staff member who accessed the data' })
  actor?: string;

  @OptionalText(64, { example: 'read-review' })
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
