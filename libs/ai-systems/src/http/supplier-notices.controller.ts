import { Body, Controller, Get, Param, Post, Query, Res } from '@nestjs/common';
import { CommandBus, QueryBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { v7 as uuidv7 } from 'uuid';
import { ChangeRoute, Roles, withETag, type Write, Writing } from '@app/identity';
import { ParseIdPipe, ProblemException, revisionETag } from '@app/platform';
import { ExecuteSupplierNoticeCommand } from '../application/supplier-notice.commands';
import { GetSupplierNoticeQuery, ListSupplierNoticesQuery } from '../application/supplier-notice.queries';
import { CloseNoticeDto, ListSupplierNoticesQueryDto, ReceiveSupplierNoticeDto, RecordNoticeActionDto } from './supplier-notice.dto';

const READERS = ['quality-manager', 'legal', 'auditor'] as const;

/** Field safety notices and security advisories from suppliers, and what the hospital did about them. */
@ApiTags('Supplier notices')
@ApiBearerAuth()
@Controller()
export class SupplierNoticesController {
  constructor(
    private readonly commands: CommandBus,
    private readonly queries: QueryBus,
  ) {}

  @Post('ai-systems/:id/supplier-notices')
  @Roles('quality-manager')
  @ApiOperation({ summary: 'Record a field safety notice or security advisory received from the supplier of an AI system' })
  async receive(@Param('id', ParseIdPipe) aiSystemId: string, @Body() dto: ReceiveSupplierNoticeDto, @Writing() w: Write) {
    const result = await this.commands.execute(
      new ExecuteSupplierNoticeCommand(
        {
          type: 'ReceiveSupplierNotice',
          supplierNoticeId: uuidv7(),
          aiSystemId,
          kind: dto.kind,
          supplierReference: dto.supplierReference,
          title: dto.title,
          receivedAt: dto.receivedAt ?? null,
          affectedVersions: dto.affectedVersions,
          unknownVersionsReason: dto.unknownVersionsReason ?? null,
          requestedAction: dto.requestedAction ? { description: dto.requestedAction.description, dueBy: dto.requestedAction.dueBy ?? null } : null,
          actBy: dto.actBy ?? null,
          documentReference: dto.documentReference ?? null,
        },
        w.actor,
        w.options,
      ),
    );
    w.res.status(201).setHeader('Location', `/api/v1/supplier-notices/${result.supplierNoticeId}`).setHeader('ETag', revisionETag(result.revision));
    return result;
  }

  @Get('supplier-notices')
  @Roles(...READERS)
  @ApiOperation({ summary: 'List supplier notices, the earliest open deadline first (overdue ones lead)' })
  list(@Query() q: ListSupplierNoticesQueryDto) {
    return this.queries.execute(
      new ListSupplierNoticesQuery({ open: q.open, overdue: q.overdue, aiSystemId: q.aiSystemId, limit: q.limit ?? 50, cursor: q.cursor }),
    );
  }

  @Get('supplier-notices/:id')
  @Roles(...READERS)
  @ApiOperation({ summary: 'One supplier notice with its actions and deadlines' })
  async get(@Param('id', ParseIdPipe) id: string, @Res({ passthrough: true }) res: Response) {
    const view = await this.queries.execute(new GetSupplierNoticeQuery(id));
    if (!view)
      throw new ProblemException(404, 'supplier-notice-not-found', 'Not found', `No supplier notice ${id}`, [
        { field: 'id', message: 'no such supplier notice' },
      ]);
    res.setHeader('ETag', revisionETag(view.revision));
    return view;
  }

  @ChangeRoute('supplier-notices/:id/actions', 'quality-manager', 'Record an action taken on a supplier notice')
  async recordAction(@Param('id', ParseIdPipe) id: string, @Body() dto: RecordNoticeActionDto, @Writing('if-match') w: Write) {
    const input = {
      type: 'RecordSupplierNoticeAction' as const,
      supplierNoticeId: id,
      description: dto.description,
      doneAt: dto.doneAt ?? null,
      completesRequestedAction: dto.completesRequestedAction ?? false,
    };
    return this.run(w, new ExecuteSupplierNoticeCommand(input, w.actor, w.options));
  }

  @ChangeRoute('supplier-notices/:id/close', 'quality-manager', 'Close a supplier notice with its conclusion')
  async close(@Param('id', ParseIdPipe) id: string, @Body() dto: CloseNoticeDto, @Writing('if-match') w: Write) {
    return this.run(w, new ExecuteSupplierNoticeCommand({ type: 'CloseSupplierNotice', supplierNoticeId: id, conclusion: dto.conclusion }, w.actor, w.options));
  }

  private async run(w: Write, command: ExecuteSupplierNoticeCommand) {
    return withETag(w, await this.commands.execute(command));
  }
}
