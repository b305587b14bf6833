import { Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiBody, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { AccessLogged, CurrentPrincipal, type Principal, Pseudonymizer, pseudonymOfPatientId, pseudonymsOfItems, ReadsOnly, Roles } from '@app/identity';
import { BodyAndQuery, PageQueryDto, ParseIdPipe } from '@app/platform';
import { CoverageQuery, OverdueAiOutputs, WorklistQuery } from '../application/ai-output.queries';
import { CoverageQueryDto, PatientWorklistDto } from './ai-output.dto';

const iso = (value: string | undefined) => (value === undefined ? undefined : new Date(value).toISOString());
const OVERSEERS = ['quality-manager', 'legal', 'auditor'] as const;

/** Coverage of oversight per AI system: produced, reviewed, overridden, time to review, overdue. */
@ApiTags('AI outputs (feed)')
@ApiBearerAuth()
@Controller('ai-systems')
export class AiOutputCoverageController {
  constructor(private readonly queries: QueryBus) {}

  @Get(':id/coverage')
  @Roles(...OVERSEERS)
  @ApiOperation({
    summary: 'Of the outputs the feed brought: how many were reviewed, overridden, how fast, how many are overdue (as of any date; per ward too)',
  })
  coverage(@Param('id', ParseIdPipe) id: string, @Query() q: CoverageQueryDto) {
    return this.queries.execute(new CoverageQuery({ aiSystemId: id, from: iso(q.from), to: iso(q.to), version: q.version, ward: q.ward, asOf: iso(q.asOf) }));
  }
}

/** The alert: outputs still unreviewed past their AI system's review limit. */
@ApiTags('AI outputs (feed)')
@ApiBearerAuth()
@Controller('ai-outputs')
export class OverdueAiOutputsController {
  constructor(private readonly overdue: OverdueAiOutputs) {}

  @Get('overdue')
  @Roles(...OVERSEERS)
  @ApiOperation({ summary: "Per AI system, the outputs still unreviewed past the system's review limit (the alert), the most overdue first" })
  async list() {
    return { items: await this.overdue.alerts() };
  }
}

/** A clinician's outputs awaiting review, for the AI systems they are an oversight person of. */
@ApiTags('AI outputs (feed)')
@ApiBearerAuth()
@Controller('worklist')
export class WorklistController {
  constructor(
    private readonly queries: QueryBus,
    private readonly pseudonyms: Pseudonymizer,
  ) {}

  @Get()
  @Roles('clinician')
  @AccessLogged('list-worklist', pseudonymsOfItems)
  @ApiOperation({ summary: 'Outputs awaiting review for the systems I oversee: most urgent first, then oldest' })
  worklist(@Query() q: PageQueryDto, @CurrentPrincipal() who: Principal) {
    return this.queries.execute(new WorklistQuery({ who: { subject: who.subject, name: who.name }, limit: q.limit ?? 50, cursor: q.cursor }));
  }

  /** The raw id only ever in a body, as `POST /patients/timeline`; an empty answer is still an access to that patient. */
  @Post('patient')
  @HttpCode(200)
  @Roles('clinician')
  @AccessLogged('list-worklist-patient', (page: { patientPseudonym: string }) => [page.patientPseudonym])
  @ReadsOnly()
  @ApiOperation({ summary: 'My worklist for one patient (the patient in context of an EHR launch), looked up by raw id in the body' })
  @ApiBody({ type: PatientWorklistDto })
  @ApiQuery({ name: 'limit', required: false, type: Number, minimum: 1, maximum: 500, default: 50 })
  @ApiQuery({ name: 'cursor', required: false, type: String, description: 'nextCursor of the previous page' })
  async forPatient(
    @BodyAndQuery(PatientWorklistDto, PageQueryDto) input: { body: PatientWorklistDto; query: PageQueryDto },
    @CurrentPrincipal() who: Principal,
  ) {
    const { body: dto, query: q } = input;
    const patientPseudonym = pseudonymOfPatientId(this.pseudonyms, dto.patientId);
    const page = await this.queries.execute(
      new WorklistQuery({ who: { subject: who.subject, name: who.name }, limit: q.limit ?? 50, cursor: q.cursor, patientPseudonym }),
    );
    return { patientPseudonym, ...page };
  }
}
