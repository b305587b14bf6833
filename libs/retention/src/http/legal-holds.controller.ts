import { Body, Controller, Get, Param, Post, Query, Res } from '@nestjs/common';
import { CommandBus, QueryBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { v7 as uuidv7 } from 'uuid';
import { ChangeRoute, Roles, withETag, type Write, Writing } from '@app/identity';
import { ParseIdPipe, ProblemException, revisionETag } from '@app/platform';
import { ExecuteLegalHoldCommand, type LegalHoldInput } from '../application/retention.commands';
import { GetLegalHoldQuery, ListLegalHoldsQuery } from '../application/retention.queries';
import { iso } from './log-artefacts.controller';
import { ListLegalHoldsQueryDto, PlaceLegalHoldDto, ReleaseLegalHoldDto, ReviewLegalHoldDto } from './retention.dto';

const READERS = ['legal', 'quality-manager', 'auditor'] as const;

/** Legal holds: freeze what a claim, incident or disclosure request needs; nothing held is purged. */
@ApiTags('Log retention')
@ApiBearerAuth()
@Controller('legal-holds')
export class LegalHoldsController {
  constructor(
    private readonly commands: CommandBus,
    private readonly queries: QueryBus,
  ) {}

  @Post()
  @Roles('legal', 'quality-manager')
  @ApiOperation({ summary: 'Place a legal hold (scope: systems, patients, incidents, disclosure requests, time range)' })
  async place(@Body() dto: PlaceLegalHoldDto, @Writing() w: Write) {
    const s = dto.scope;
    const input: LegalHoldInput = {
      type: 'PlaceLegalHold',
      holdId: uuidv7(),
      scope: {
        aiSystemIds: (s.aiSystemIds ?? []).map((x) => x.toLowerCase()),
        patientPseudonyms: s.patientPseudonyms ?? [],
        incidentIds: (s.incidentIds ?? []).map((x) => x.toLowerCase()),
        disclosureRequestIds: (s.disclosureRequestIds ?? []).map((x) => x.toLowerCase()),
        from: s.from ? iso(s.from) : null,
        to: s.to ? iso(s.to) : null,
      },
      reason: dto.reason,
    };
    const result = await this.run(w, input);
    w.res.status(201).setHeader('Location', `/api/v1/legal-holds/${result.holdId}`);
    return result;
  }

  @Get()
  @Roles(...READERS)
  @ApiOperation({ summary: 'Holds and their scope, newest first' })
  list(@Query() q: ListLegalHoldsQueryDto) {
    return this.queries.execute(new ListLegalHoldsQuery({ status: q.status, limit: q.limit ?? 50, cursor: q.cursor }));
  }

  @Get(':id')
  @Roles(...READERS)
  @ApiOperation({ summary: 'One hold with its history' })
  async get(@Param('id', ParseIdPipe) id: string, @Res({ passthrough: true }) res: Response) {
    const view = await this.queries.execute(new GetLegalHoldQuery(id));
    if (!view) throw new ProblemException(404, 'hold-not-found', 'Not found', `No legal hold ${id}`, [{ field: 'id', message: 'no such hold' }]);
    res.setHeader('ETag', revisionETag(view.revision));
    return view;
  }

  @ChangeRoute(':id/review', 'legal', 'Record that legal reviewed the hold and keeps it')
  review(@Param('id', ParseIdPipe) id: string, @Body() dto: ReviewLegalHoldDto, @Writing('if-match') w: Write) {
    return this.run(w, { type: 'ReviewLegalHold', holdId: id, note: dto.note });
  }

  @ChangeRoute(':id/release', 'legal', 'Release the hold (legal only); its artefacts become purgeable when due')
  release(@Param('id', ParseIdPipe) id: string, @Body() dto: ReleaseLegalHoldDto, @Writing('if-match') w: Write) {
    return this.run(w, { type: 'ReleaseLegalHold', holdId: id, reason: dto.reason });
  }

  private async run(w: Write, input: LegalHoldInput) {
    const result = withETag(w, await this.commands.execute(new ExecuteLegalHoldCommand(input, w.actor, w.options)));
    return { holdId: result.id, revision: result.revision, replayed: result.replayed };
  }
}
