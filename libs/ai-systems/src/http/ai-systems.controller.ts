import { Body, Controller, Get, Param, Post, Query, Res } from '@nestjs/common';
import { CommandBus, QueryBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { ChangeRoute, Roles, withETag, type Write, Writing } from '@app/identity';
import { PageQueryDto, ParseIdPipe, ProblemException, revisionETag } from '@app/platform';
import { v7 as uuidv7 } from 'uuid';
import { ExecuteAiSystemCommand } from '../application/ai-system.commands';
import { GetAiSystemQuery, ListAiSystemsQuery } from '../application/ai-system.queries';
import { ChangeVersionDto, OutputReviewLimitDto, RegisterAiSystemDto, UseChangeDto } from './ai-system.dto';

const MANAGERS = ['admin', 'quality-manager'] as const;

@ApiTags('AI systems')
@ApiBearerAuth()
@Controller('ai-systems')
export class AiSystemsController {
  constructor(
    private readonly commands: CommandBus,
    private readonly queries: QueryBus,
  ) {}

  @Post()
  @Roles(...MANAGERS)
  @ApiOperation({ summary: 'Register an AI system the hospital deploys' })
  async register(@Body() dto: RegisterAiSystemDto, @Writing() w: Write) {
    const result = await this.commands.execute(
      new ExecuteAiSystemCommand(
        {
          type: 'RegisterAiSystem',
          aiSystemId: uuidv7(),
          name: dto.name,
          supplier: {
            name: dto.supplier.name,
            incidentContactEmail: dto.supplier.incidentContactEmail ?? null,
            importerOrDistributor: dto.supplier.importerOrDistributor ?? null,
          },
          version: dto.version,
          intendedPurpose: dto.intendedPurpose,
          aiActRiskClass: dto.aiActRiskClass,
          mdrClass: dto.mdrClass,
          inHouseDevice: dto.inHouseDevice,
          ifuVersion: dto.ifuVersion ?? null,
          oversightPersons: dto.oversightPersons,
          ceMarking: dto.ceMarking ?? null,
          udiDi: dto.udiDi ?? null,
        },
        w.actor,
        w.options,
      ),
    );
    w.res.status(201).setHeader('Location', `/api/v1/ai-systems/${result.aiSystemId}`).setHeader('ETag', revisionETag(result.revision));
    return result;
  }

  @Get()
  @ApiOperation({ summary: 'List the AI systems in use (cursor pagination)' })
  async list(@Query() page: PageQueryDto) {
    return this.queries.execute(new ListAiSystemsQuery(page.limit ?? 50, page.cursor));
  }

  @Get(':id')
  @ApiOperation({ summary: 'One AI system, current state' })
  async get(@Param('id', ParseIdPipe) id: string, @Res({ passthrough: true }) res: Response) {
    const { state, revision } = await this.queries.execute(new GetAiSystemQuery(id));
    if (!state.exists) throw notFound(id);
    res.setHeader('ETag', revisionETag(revision));
    return { ...state, revision };
  }

  @ChangeRoute(':id/versions', MANAGERS, 'Record that another model/software version is now deployed')
  async changeVersion(@Param('id', ParseIdPipe) id: string, @Body() dto: ChangeVersionDto, @Writing('if-match') w: Write) {
    return this.run(
      w,
      new ExecuteAiSystemCommand(
        { type: 'ChangeAiSystemVersion', aiSystemId: id, version: dto.version, ifuVersion: dto.ifuVersion ?? null, reason: dto.reason ?? null },
        w.actor,
        w.options,
      ),
    );
  }

  @ChangeRoute(':id/suspension', MANAGERS, 'Suspend use of the system (reviews of its output are then refused)')
  async suspend(@Param('id', ParseIdPipe) id: string, @Body() dto: UseChangeDto, @Writing('if-match') w: Write) {
    return this.run(w, new ExecuteAiSystemCommand({ type: 'SuspendAiSystemUse', aiSystemId: id, reason: dto.reason }, w.actor, w.options));
  }

  @ChangeRoute(':id/resumption', MANAGERS, 'Resume use of a suspended system')
  async resume(@Param('id', ParseIdPipe) id: string, @Body() dto: UseChangeDto, @Writing('if-match') w: Write) {
    return this.run(w, new ExecuteAiSystemCommand({ type: 'ResumeAiSystemUse', aiSystemId: id, reason: dto.reason }, w.actor, w.options));
  }

  @ChangeRoute(
    ':id/output-review-limit',
    MANAGERS,
    'Set how long an output of this system may wait for review before it is overdue and raises the alert (null: the registry default)',
  )
  async setOutputReviewLimit(@Param('id', ParseIdPipe) id: string, @Body() dto: OutputReviewLimitDto, @Writing('if-match') w: Write) {
    return this.run(
      w,
      new ExecuteAiSystemCommand(
        { type: 'SetOutputReviewLimit', aiSystemId: id, limitMinutes: dto.limitMinutes, reason: dto.reason ?? null },
        w.actor,
        w.options,
      ),
    );
  }

  private async run(w: Write, command: ExecuteAiSystemCommand) {
    return withETag(w, await this.commands.execute(command));
  }
}

function notFound(id: string) {
  return new ProblemException(404, 'ai-system-not-found', 'Not found', `No AI system ${id}`, [{ field: 'id', message: 'no such AI system' }]);
}
