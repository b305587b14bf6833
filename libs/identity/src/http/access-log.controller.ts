import { Controller, Get, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { decodeCursor, encodeCursor } from '@app/platform';
import { AccessLog } from '../access-log/access-log';
import { AccessLogEvidence } from '../access-log/access-log-evidence';
import { AccessLogExempt } from '../access-log/access-logged';
import { Roles } from '../nest/auth.decorators';
import { AccessLogQueryDto } from './identity.dto';

/** The NEN 7513 access log, read-only: there is no route that changes or removes an entry. */
@ApiTags('Audit')
@ApiBearerAuth()
@Controller('access-log')
export class AccessLogController {
  constructor(
    private readonly log: AccessLog,
    private readonly evidence: AccessLogEvidence,
  ) {}

  @Get('verification')
  @Roles('auditor')
  @AccessLogExempt('names no data subject: a verdict on the whole log')
  @ApiOperation({
    summary: 'Recompute the hash chain and check it against the anchors and purges the ledger-sealed event log holds (ok: false names what differs)',
  })
  verification() {
    return this.evidence.verify();
  }

  @Get()
  @Roles('auditor')
  @AccessLogExempt('reading the access log audits accesses; logging it would log every audit query once per subject it lists')
  @ApiOperation({ summary: 'Who accessed which data subject’s data, when, how and from where; oldest first' })
  async find(@Query() q: AccessLogQueryDto) {
    const after = decodeCursor(q.cursor, 1) as [number] | undefined;
    const limit = q.limit ?? 100;
    const rows = await this.log.find({
      subject: q.subject,
      actor: q.actor,
      action: q.action,
      from: q.from && new Date(q.from).toISOString(),
      to: q.to && new Date(q.to).toISOString(),
      afterSeq: after ? Number(after[0]) : undefined,
      limit: limit + 1,
    });
    const items = rows.slice(0, limit);
    return { items, nextCursor: rows.length > limit ? encodeCursor([items[items.length - 1].seq]) : null };
  }
}
