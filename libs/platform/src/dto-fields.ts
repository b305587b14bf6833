import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional, type ApiPropertyOptions } from '@nestjs/swagger';
import { ArrayMaxSize, IsArray, IsISO8601, IsNotEmpty, IsOptional, IsString, IsUUID, MaxLength } from 'class-validator';

// The property decorator stacks most request fields share, so each DTO states only what is its
// own (the limit, the example). The OpenAPI document and the validators are the same as with the
// stacks written out (both are compared with what the API enforces by test/e2e/openapi-contract).

/** A required, non-empty string of at most `max` characters. */
export function RequiredText(max: number, doc: ApiPropertyOptions = {}): PropertyDecorator {
  return applyDecorators(ApiProperty(doc), IsString(), IsNotEmpty(), MaxLength(max));
}

/** An optional string of at most `max` characters. */
export function OptionalText(max: number, doc: ApiPropertyOptions = {}): PropertyDecorator {
  return applyDecorators(ApiPropertyOptional(doc), IsOptional(), IsString(), MaxLength(max));
}

/** An optional list of at most `max` UUIDs. */
export function OptionalUuidList(max: number, doc: ApiPropertyOptions = { type: [String], format: 'uuid' }): PropertyDecorator {
  return applyDecorators(ApiPropertyOptional(doc), IsOptional(), IsArray(), ArrayMaxSize(max), IsUUID('all', { each: true }));
}

/** An optional ISO 8601 instant, checked with the given strictness. */
export function OptionalInstant(iso: Parameters<typeof IsISO8601>[0], doc: ApiPropertyOptions = { format: 'date-time' }): PropertyDecorator {
  return applyDecorators(ApiPropertyOptional(doc), IsOptional(), IsISO8601(iso));
}
