import { Body, Controller, Get, HttpCode, Inject, Param, Post, Query, Req, Res, StreamableFile } from '@nestjs/common';
import { CommandBus, QueryBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { v7 as uuidv7 } from 'uuid';
import { actorOf, AccessLogged, type AuthenticatedRequest, ChangeRoute, CurrentPrincipal, type Principal, Roles, type Write, Writing } from '@app/identity';
import { CLOCK, Clock } from '@app/event-store';
import { ParseIdPipe, ProblemException, revisionETag } from '@app/platform';
import { BUNDLE_EXPORT_ROLES, BundleExports } from '../application/bundle-exports';
import { ExecuteDisclosureCommand, GetDisclosureQuery, ListDisclosuresQuery } from '../application/disclosure.commands';
import type { DisclosureScope } from '../domain';
import { type BundleJobView, disclosureView } from '../contract';
import {
  ChangeScopeDto,
  CloseDisclosureDto,
  DeliveryDto,
  DiscardBundleDto,
  ListDisclosuresQueryDto,
  ReceiveDisclosureDto,
  RedactionsDto,
  type ScopeDto,
} from './disclosure.dto';

const scopeOf = (s: ScopeDto): DisclosureScope => ({
  patientPseudonyms: s.patientPseudonyms ?? [],
  aiSystemIds: (s.aiSystemIds ?? []).map((x) => x.toLowerCase()),
  incidentIds: (s.incidentIds ?? []).map((x) => x.toLowerCase()),
  from: s.from ? new Date(s.from).toISOString() : null,
  to: s.to ? new Date(s.to).toISOString() : null,
});

/** PLD Art. 9 disclosure: requests, scope, redactions and evidence bundles (legal only exports). */
@ApiTags('Disclosure')
@ApiBearerAuth()
@Controller('disclosure-requests')
export class DisclosureController {
  constructor(
    private readonly commands: CommandBus,
    private readonly queries: QueryBus,
    private readonly exports: BundleExports,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  @Post()
  @Roles('legal')
  @ApiOperation({ summary: 'Record a disclosure request (court order, claimant, authority)' })
  async receive(@Body() dto: ReceiveDisclosureDto, @Writing() w: Write) {
    const result = await this.commands.execute(
      new ExecuteDisclosureCommand(
        {
          type: 'ReceiveDisclosureRequest',
          requestId: uuidv7(),
          reference: dto.reference,
          requester: { kind: dto.requester.kind, name: dto.requester.name },
          legalBasis: dto.legalBasis,
          receivedAt: new Date(dto.receivedAt ?? Date.now()).toISOString(),
          dueAt: new Date(dto.dueAt).toISOString(),
          scope: scopeOf(dto.scope),
        },
        w.actor,
        w.options,
      ),
    );
    w.res.status(201).setHeader('Location', `/api/v1/disclosure-requests/${result.requestId}`).setHeader('ETag', revisionETag(result.revision));
    return result;
  }

  @Get()
  @Roles('legal', 'auditor')
  @ApiOperation({ summary: 'Disclosure requests, newest first (filter by status)' })
  list(@Query() q: ListDisclosuresQueryDto) {
    const overdueAt = q.overdue ? this.clock.now().toISOString() : undefined;
    return this.queries.execute(new ListDisclosuresQuery({ status: q.status, overdueAt, limit: q.limit ?? 50, cursor: q.cursor }));
  }

  @Get(':id')
  @Roles('legal', 'auditor')
  @ApiOperation({ summary: 'One disclosure request with its bundles and deliveries' })
  async get(@Param('id', ParseIdPipe) id: string, @Res({ passthrough: true }) res: Response) {
    const { state, revision } = await this.queries.execute(new GetDisclosureQuery(id));
    const view = disclosureView(state, revision);
    if (!view)
      throw new ProblemException(404, 'disclosure-not-found', 'Not found', `No disclosure request ${id}`, [{ field: 'id', message: 'no such request' }]);
    res.setHeader('ETag', revisionETag(revision));
    return view;
  }

  @ChangeRoute(':id/scope', 'legal', 'Change the scope (the subjects and period the request covers), with a reason')
  scope(@Param('id', ParseIdPipe) id: string, @Body() dto: ChangeScopeDto, @Writing('if-match') w: Write) {
    return this.commands.execute(
      new ExecuteDisclosureCommand({ type: 'ChangeDisclosureScope', requestId: id, scope: scopeOf(dto.scope), reason: dto.reason }, w.actor, w.options),
    );
  }

  @ChangeRoute(':id/redactions', 'legal', 'Decide what is withheld (PLD Art. 9(4)–(5)); withheld values stay provable by hash')
  redactions(@Param('id', ParseIdPipe) id: string, @Body() dto: RedactionsDto, @Writing('if-match') w: Write) {
    return this.commands.execute(
      new ExecuteDisclosureCommand(
        {
          type: 'DecideRedactions',
          requestId: id,
          redactions: dto.redactions.map((r) => ({ eventId: r.eventId.toLowerCase(), path: r.path, ground: r.ground, note: r.note ?? null })),
        },
        w.actor,
        w.options,
      ),
    );
  }

  @Post(':id/bundles')
  @HttpCode(202)
  @Roles(...BUNDLE_EXPORT_ROLES)
  @AccessLogged('export', (job: { scope?: { patientPseudonyms: string[] } }) => job.scope?.patientPseudonyms ?? [])
  @ApiOperation({ summary: 'Start a bundle export (202 + job with progress; download when done)' })
  async exportBundle(@Param('id', ParseIdPipe) id: string, @CurrentPrincipal() who: Principal, @Res({ passthrough: true }) res: Response) {
    const { job } = await this.exports.start(id, actorOf(who));
    const { state } = await this.queries.execute(new GetDisclosureQuery(id));
    res.setHeader('Location', `/api/v1/disclosure-requests/${id}/bundles/${job.bundleId}`);
    return { ...this.view(job), scope: state.scope };
  }

  @Get(':id/bundles/:bundleId')
  @Roles('legal', 'auditor')
  @ApiOperation({ summary: 'Export job status and progress, or the recorded export' })
  async bundle(@Param('id', ParseIdPipe) id: string, @Param('bundleId', ParseIdPipe) bundleId: string) {
    // Jobs are rows, so every instance answers alike; a recorded bundle answers with its record
    // (a discard shows there).
    const job = await this.exports.job(bundleId);
    if (job && job.requestId === id && job.status !== 'done') return this.view(job);
    const { state } = await this.queries.execute(new GetDisclosureQuery(id));
    const recorded = state.bundles.find((b) => b.bundleId === bundleId);
    const finished = job?.requestId === id ? this.view(job) : {};
    if (!recorded && job?.requestId === id) return finished;
    if (!recorded) throw this.noBundle(bundleId);
    return { requestId: id, status: 'done', ...recorded, download: `/api/v1/disclosure-requests/${id}/bundles/${bundleId}/content`, ...finished };
  }

  @Get(':id/bundles/:bundleId/content')
  @Roles('legal')
  @AccessLogged('download', (_file, req: AuthenticatedRequest & { disclosedSubjects?: string[] }) => req.disclosedSubjects ?? [])
  @ApiOperation({ summary: 'Download a finished bundle (.zip)' })
  async download(
    @Param('id', ParseIdPipe) id: string,
    @Param('bundleId', ParseIdPipe) bundleId: string,
    @Req() req: AuthenticatedRequest & { disclosedSubjects?: string[] },
    @Res({ passthrough: true }) res: Response,
  ) {
    const { state } = await this.queries.execute(new GetDisclosureQuery(id));
    const recorded = state.bundles.find((b) => b.bundleId === bundleId);
    // The NEN 7513 entry names every patient the bundle is about.
    req.disclosedSubjects = [...new Set([...(state.scope?.patientPseudonyms ?? []), ...(recorded?.dataSubjects ?? [])])];
    if (recorded?.discardedAt) {
      throw new ProblemException(410, 'bundle-discarded', 'Gone', `Bundle ${bundleId} was discarded at ${recorded.discardedAt}; its SHA-256 stays recorded`);
    }
    const stream = recorded ? this.exports.open(bundleId) : undefined;
    if (!recorded || !stream) throw this.noBundle(bundleId);
    res.setHeader('Digest', `sha-256=${Buffer.from(recorded.bundleSha256, 'hex').toString('base64')}`);
    return new StreamableFile(stream, { type: 'application/zip', disposition: `attachment; filename="bundle-${bundleId}.zip"` });
  }

  @ChangeRoute(
    ':id/bundles/:bundleId/discard',
    'legal',
    'Discard a stored bundle the claim no longer needs: the file is deleted, who, when and why are recorded, its SHA-256 stays',
    'A stored bundle restricts the erasure of every data subject whose text it holds (GDPR Art. 17(3)(e)); once discarded it no longer does.',
  )
  discard(@Param('id', ParseIdPipe) id: string, @Param('bundleId', ParseIdPipe) bundleId: string, @Body() dto: DiscardBundleDto, @Writing() w: Write) {
    return this.exports.discard(id, bundleId, w.actor, dto.reason, w.options);
  }

  @ChangeRoute(':id/deliveries', 'legal', 'Record that a finished bundle was delivered: how and to whom')
  deliver(@Param('id', ParseIdPipe) id: string, @Body() dto: DeliveryDto, @Writing() w: Write) {
    return this.commands.execute(
      new ExecuteDisclosureCommand(
        { type: 'RecordDelivery', requestId: id, bundleId: dto.bundleId.toLowerCase(), channel: dto.channel, deliveredTo: dto.deliveredTo },
        w.actor,
        w.options,
      ),
    );
  }

  @ChangeRoute(':id/close', 'legal', 'Close the request with its outcome')
  close(@Param('id', ParseIdPipe) id: string, @Body() dto: CloseDisclosureDto, @Writing() w: Write) {
    return this.commands.execute(
      new ExecuteDisclosureCommand({ type: 'CloseDisclosure', requestId: id, outcome: dto.outcome, reason: dto.reason ?? null }, w.actor, w.options),
    );
  }

  private view(job: import('../application/bundle-exports').BundleJob): BundleJobView {
    return { ...job, download: job.status === 'done' ? `/api/v1/disclosure-requests/${job.requestId}/bundles/${job.bundleId}/content` : null };
  }

  private noBundle(bundleId: string) {
    return new ProblemException(404, 'bundle-not-found', 'Not found', `No finished bundle ${bundleId}`, [
      { field: 'bundleId', message: 'no such finished bundle' },
    ]);
  }
}
