import { Body, Controller, Get, Post, Query } from '@nestjs/common';
import { CommandBus, QueryBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { actorOf, ChangeRoute, CurrentPrincipal, type Principal, Roles, type Write, Writing } from '@app/identity';
import { revisionETag } from '@app/platform';
import { SetRetentionPolicyCommand } from '../application/retention.commands';
import { DuePurgesQuery, ListRetentionPoliciesQuery } from '../application/retention.queries';
import { RetentionPurger } from '../application/retention-purger';
import { DEFAULT_KIND } from '../application/log-ingest.service';
import { DueQueryDto, PolicyQueryDto, PurgeRunDto, SetRetentionPolicyDto } from './retention.dto';

const READERS = ['quality-manager', 'legal', 'auditor'] as const;

/** Retention policies, what is due, and purge runs. */
@ApiTags('Log retention')
@ApiBearerAuth()
@Controller()
export class RetentionController {
  constructor(
    private readonly commands: CommandBus,
    private readonly queries: QueryBus,
    private readonly purger: RetentionPurger,
  ) {}

  @Post('retention-policies')
  @Roles('quality-manager')
  @ApiOperation({ summary: 'Set the retention for one AI system and artefact kind; applies to artefacts recorded from now on' })
  async setPolicy(@Body() dto: SetRetentionPolicyDto, @Writing() w: Write) {
    const kind = dto.kind ?? DEFAULT_KIND;
    const aiSystemId = dto.aiSystemId.toLowerCase();
    const result = await this.commands.execute(
      new SetRetentionPolicyCommand(
        { aiSystemId, kind, minimumMonths: dto.minimumMonths, maximumMonths: dto.maximumMonths ?? null, legalBasis: dto.legalBasis },
        w.actor,
        w.options,
      ),
    );
    w.res.status(201).setHeader('ETag', revisionETag(result.revision));
    return { aiSystemId, kind, revision: result.revision, replayed: result.replayed };
  }

  @Get('retention-policies')
  @Roles(...READERS)
  @ApiOperation({ summary: 'Policies in force per system and kind' })
  policies(@Query() q: PolicyQueryDto) {
    return this.queries.execute(new ListRetentionPoliciesQuery(q.system?.toLowerCase()));
  }

  @Get('retention/due')
  @Roles(...READERS)
  @ApiOperation({ summary: 'Artefacts due for purge (and within N days), with the holds that stop them' })
  due(@Query() q: DueQueryDto) {
    return this.queries.execute(new DuePurgesQuery(q.withinDays ?? 0));
  }

  @ChangeRoute('retention/purge-runs', 'quality-manager', 'Purge what is due and not held (dryRun: only report); tombstones prove what went')
  purge(@Body() dto: PurgeRunDto, @CurrentPrincipal() who: Principal) {
    return this.purger.run({ dryRun: dto.dryRun, actor: actorOf(who) });
  }
}
