import { Controller, Get, Param, Query } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { AccessLogged, CurrentPrincipal, type Principal, pseudonymsOfItems, Roles } from '@app/identity';
import { PageQueryDto, ParseIdPipe } from '@app/platform';
import { CoverageQuery, WorklistQuery } from '../application/ai-output.queries';
import { CoverageQueryDto } from './ai-output.dto';

const iso = (value: string | undefined) => (value === undefined ? undefined : new Date(value).toISOString());

/** Coverage of oversight per AI system: produced, reviewed, overridden, time to review, overdue. */
@ApiTags('AI outputs (feed)')
@ApiBearerAuth()
@Controller('ai-systems')
export class AiOutputCoverageController {
  constructor(private readonly queries: QueryBus) {}

  @Get(':id/coverage')
  @Roles('quality-manager', 'legal', 'auditor')
  @ApiOperation({ summary: 'Of the outputs the feed brought: how many were reviewed, overridden, how fast, how many are overdue (as of any date)' })
  coverage(@Param('id', ParseIdPipe) id: string, @Query() q: CoverageQueryDto) {
    return this.queries.execute(new CoverageQuery({ aiSystemId: id, from: iso(q.from), to: iso(q.to), version: q.version, asOf: iso(q.asOf) }));
  }
}

/** A clinician's outputs awaiting review, for the AI systems they are an oversight person of. */
@ApiTags('AI outputs (feed)')
@ApiBearerAuth()
@Controller('worklist')
export class WorklistController {
  constructor(private readonly queries: QueryBus) {}

  @Get()
  @Roles('clinician')
  @AccessLogged('list-worklist', pseudonymsOfItems)
  @ApiOperation({ summary: 'Outputs awaiting review for the systems I oversee: most urgent first, then oldest' })
  worklist(@Query() q: PageQueryDto, @CurrentPrincipal() who: Principal) {
    return this.queries.execute(new WorklistQuery({ who: { subject: who.subject, name: who.name }, limit: q.limit ?? 50, cursor: q.cursor }));
  }
}
