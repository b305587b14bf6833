import { Controller, Get, Inject, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { IsISO8601, IsOptional, IsUUID, Matches } from 'class-validator';
import { EVENT_STORE, type EventStore } from '@app/event-store';
import { AccessLogged, PSEUDONYM_PATTERN, Roles, SubjectKeyStore } from '@app/identity';
import { ProblemException } from '@app/platform';
import { reconstruct } from '../bundle/reconstruction';

export class ReconstructionQueryDto {
  @ApiPropertyOptional({ format: 'date-time', description: 'Default now' })
  @IsOptional()
  @IsISO8601({ strict: true, strictSeparator: true })
  asOf?: string;

  @ApiPropertyOptional({ description: 'Patient pseudonym (p-…); raw ids never go in a URL' })
  @IsOptional()
  @Matches(PSEUDONYM_PATTERN, { message: 'patient must be a pseudonym issued by this registry (p-…)' })
  patient?: string;

  @ApiPropertyOptional({ format: 'uuid' })
  @IsOptional()
  @IsUUID('all')
  system?: string;

  @ApiPropertyOptional({ format: 'uuid' })
  @IsOptional()
  @IsUUID('all')
  incident?: string;
}

/** "What did the hospital know, and when": any view as it was at a moment, from events only. */
@ApiTags('Evidence')
@ApiBearerAuth()
@Controller('reconstruction')
export class ReconstructionController {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    private readonly keys: SubjectKeyStore,
  ) {}

  @Get()
  @Roles('legal', 'auditor', 'quality-manager')
  @AccessLogged('read-reconstruction', (r: { timeline: Array<{ patient: string | null }> }) => r.timeline.map((e) => e.patient))
  @ApiOperation({ summary: 'Timeline of a patient, AI system or incident as recorded up to asOf' })
  async get(@Query() q: ReconstructionQueryDto) {
    if (!q.patient && !q.system && !q.incident) {
      throw new ProblemException(400, 'validation-failed', 'The request is not valid', 'Give a patient, system or incident', [
        { field: 'patient', message: 'give a patient, system or incident' },
      ]);
    }
    const asOf = new Date(q.asOf ?? Date.now()).toISOString();
    return reconstruct(
      { store: this.store, decrypt: (v) => this.keys.decrypt(v) },
      {
        patientPseudonyms: q.patient ? [q.patient] : [],
        aiSystemIds: q.system ? [q.system.toLowerCase()] : [],
        incidentIds: q.incident ? [q.incident.toLowerCase()] : [],
        from: null,
        to: null,
      },
      asOf,
    );
  }
}
