import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { AccessLogged, CurrentPrincipal, type Principal, PSEUDONYM_PATTERN, Pseudonymizer, pseudonymOfPatientId, ReadsOnly, Roles } from '@app/identity';
import { ProblemException } from '@app/platform';
import { PatientTimelineQuery } from '../application/review.queries';
import { PatientTimelineRequestDto, TimelineQueryDto } from './review.dto';

const READERS = ['clinician', 'quality-manager', 'legal', 'auditor'] as const;
/** A timeline request is an access to that patient's record even when it comes back empty. */
const timelineSubject = (timeline: { patientPseudonym: string }) => [timeline.patientPseudonym];

/** Per-patient timelines. Raw patient ids only ever arrive in a POST body; URLs carry pseudonyms. */
@ApiTags('Patients (pseudonymised)')
@ApiBearerAuth()
@Controller('patients')
export class PatientsController {
  constructor(
    private readonly queries: QueryBus,
    private readonly pseudonyms: Pseudonymizer,
  ) {}

  @Post('timeline')
  @HttpCode(200)
  @Roles(...READERS)
  @AccessLogged('read-timeline', timelineSubject)
  @ReadsOnly()
  @ApiOperation({ summary: 'Timeline of AI reviews for a patient, looked up by raw id (in the body)' })
  async byPatientId(@Body() dto: PatientTimelineRequestDto, @CurrentPrincipal() who: Principal) {
    const pseudonym = pseudonymOfPatientId(this.pseudonyms, dto.patientId);
    const page = await this.queries.execute(new PatientTimelineQuery({ patientPseudonym: pseudonym, asOf: iso(dto.asOf), limit: 500, reviewer: ownOnly(who) }));
    return { patientPseudonym: pseudonym, asOf: iso(dto.asOf) ?? null, ...page };
  }

  @Get(':pseudonym/timeline')
  @Roles(...READERS)
  @AccessLogged('read-timeline', timelineSubject)
  @ApiOperation({ summary: 'Timeline of AI reviews for a pseudonymised patient' })
  async byPseudonym(@Param('pseudonym') pseudonym: string, @Query() q: TimelineQueryDto, @CurrentPrincipal() who: Principal) {
    if (!PSEUDONYM_PATTERN.test(pseudonym)) {
      throw new ProblemException(400, 'invalid-pseudonym', 'Bad request', 'pseudonym must be one this registry issued (p-…)', [
        { field: 'pseudonym', message: 'is not a pseudonym issued by this registry' },
      ]);
    }
    const page = await this.queries.execute(
      new PatientTimelineQuery({ patientPseudonym: pseudonym, asOf: iso(q.asOf), limit: q.limit ?? 100, cursor: q.cursor, reviewer: ownOnly(who) }),
    );
    return { patientPseudonym: pseudonym, asOf: iso(q.asOf) ?? null, ...page };
  }
}

/** Clinicians read their own reviews only (DESIGN §8); other readers see every entry. */
function ownOnly(who: Principal): string | undefined {
  return who.role === 'clinician' ? who.subject : undefined;
}

function iso(t: string | undefined): string | undefined {
  return t ? new Date(t).toISOString() : undefined;
}
