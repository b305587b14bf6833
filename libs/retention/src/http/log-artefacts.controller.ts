import { Body, Controller, Get, Headers, Inject, Param, Post, Query, Req, Res, StreamableFile } from '@nestjs/common';
import { CommandBus, QueryBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiBody, ApiConsumes, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { actorOf, AccessLogged, ANY_DATA_SUBJECT, ChangeRoute, CurrentPrincipal, type Principal, Roles, type Write, Writing } from '@app/identity';
import { ParseIdPipe, ProblemException, revisionETag } from '@app/platform';
import { ExecuteLogArtefactCommand } from '../application/retention.commands';
import { GetLogArtefactQuery, ListLogArtefactsQuery } from '../application/retention.queries';
import { LogIngestService } from '../application/log-ingest.service';
import { BLOB_STORE, type BlobStore } from '../blobs/blob-store';
import { IngestQueryDto, ListLogArtefactsQueryDto, SetRetentionDto } from './retention.dto';

const UPLOAD_TYPES = ['application/octet-stream', 'application/x-ndjson'];
const SHA256 = /^[0-9a-fA-F]{64}$/;
const READERS = ['quality-manager', 'legal', 'auditor'] as const;

export const iso = (t: string) => new Date(t).toISOString();

/** Logs AI systems generate automatically (AI Act Art. 12, 19, 26(6)), kept as content-addressed blobs. */
@ApiTags('Log retention')
@ApiBearerAuth()
@Controller('log-artefacts')
export class LogArtefactsController {
  constructor(
    private readonly commands: CommandBus,
    private readonly queries: QueryBus,
    private readonly ingestion: LogIngestService,
    @Inject(BLOB_STORE) private readonly blobs: BlobStore,
  ) {}

  @Post()
  @Roles('quality-manager', 'admin')
  @ApiConsumes(...UPLOAD_TYPES)
  @ApiBody({ schema: { type: 'string', format: 'binary' }, description: 'The log content, streamed (raw or NDJSON); optional X-Content-SHA256 must match it' })
  @ApiOperation({ summary: 'Upload one log artefact; the same content twice is stored and recorded once' })
  async ingest(
    @Req() req: Request,
    @Query() q: IngestQueryDto,
    @Headers('x-content-sha256') claimed: string | undefined,
    @CurrentPrincipal() who: Principal,
    @Res({ passthrough: true }) res: Response,
  ) {
    const contentType = (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
    if (!UPLOAD_TYPES.includes(contentType)) {
      throw new ProblemException(415, 'unsupported-media-type', 'Unsupported media type', `Send the log as ${UPLOAD_TYPES.join(' or ')}`);
    }
    if (claimed !== undefined && !SHA256.test(claimed)) {
      throw new ProblemException(400, 'invalid-sha256', 'Bad request', 'X-Content-SHA256 must be 64 hex characters', [
        { field: 'X-Content-SHA256', message: 'must be 64 hex characters' },
      ]);
    }
    // The JSON parser only takes JSON types, so `req` is still the unread body stream.
    const result = await this.ingestion.ingest(
      req,
      {
        aiSystemId: q.system.toLowerCase(),
        periodFrom: iso(q.from),
        periodTo: iso(q.to),
        kind: q.kind,
        source: { channel: 'api', contentType, filename: null },
        expectedSha256: claimed?.toLowerCase(),
      },
      actorOf(who),
    );
    res.status(result.duplicate ? 200 : 201).setHeader('Location', `/api/v1/log-artefacts/${result.artefactId}`);
    return result;
  }

  @Get()
  @Roles(...READERS)
  @ApiOperation({ summary: 'What is held per system and period, with the rule and dates that apply' })
  list(@Query() q: ListLogArtefactsQueryDto) {
    return this.queries.execute(
      new ListLogArtefactsQuery({
        aiSystemId: q.system?.toLowerCase(),
        from: q.from && iso(q.from),
        to: q.to && iso(q.to),
        status: q.status,
        limit: q.limit ?? 50,
        cursor: q.cursor,
      }),
    );
  }

  @Get(':id')
  @Roles(...READERS)
  @ApiOperation({ summary: 'One artefact and its full history (recorded, retention, purge, downloads)' })
  async get(@Param('id', ParseIdPipe) id: string, @Res({ passthrough: true }) res: Response) {
    const view = await this.queries.execute(new GetLogArtefactQuery(id));
    if (!view) throw notFound(id);
    res.setHeader('ETag', revisionETag(view.revision));
    return view;
  }

  @Get(':id/content')
  @Roles('legal', 'quality-manager')
  // Logs are not indexed by patient: the NEN 7513 entry names any patient ('*') and the artefact.
  @AccessLogged('download-log-artefact', () => [ANY_DATA_SUBJECT])
  @ApiOperation({ summary: 'Download the content; every download is recorded on the artefact and in the access log' })
  async content(@Param('id', ParseIdPipe) id: string, @CurrentPrincipal() who: Principal, @Res({ passthrough: true }) res: Response) {
    const view = await this.queries.execute(new GetLogArtefactQuery(id));
    if (!view) throw notFound(id);
    if (view.status === 'purged') {
      throw new ProblemException(410, 'artefact-purged', 'Gone', `The artefact was purged at ${view.purgedAt}; its tombstone is in its history`);
    }
    // Recorded before the first byte leaves: no read without a trace.
    await this.commands.execute(new ExecuteLogArtefactCommand({ type: 'RecordDownload', artefactId: id }, actorOf(who)));
    const artefact = view.artefact!;
    const body = await this.blobs.read(artefact.sha256);
    if (!body) throw new ProblemException(500, 'content-missing', 'Internal error', 'The content of this artefact is missing from the blob store');
    res.setHeader('X-Content-SHA256', artefact.sha256);
    return new StreamableFile(body, { type: artefact.source.contentType, length: artefact.sizeBytes, disposition: `attachment; filename="log-${id}"` });
  }

  @ChangeRoute(':id/retention', 'quality-manager', "Set this artefact's purge date (never before its minimum retention)")
  async setRetention(@Param('id', ParseIdPipe) id: string, @Body() dto: SetRetentionDto, @Writing('if-match') w: Write) {
    const result = await this.commands.execute(
      new ExecuteLogArtefactCommand(
        { type: 'SetRetention', artefactId: id, purgeDueAt: dto.purgeDueAt === null ? null : iso(dto.purgeDueAt), legalBasis: dto.legalBasis },
        w.actor,
        w.options,
      ),
    );
    w.res.setHeader('ETag', revisionETag(result.revision));
    return { artefactId: id, revision: result.revision, replayed: result.replayed };
  }
}

function notFound(id: string) {
  return new ProblemException(404, 'artefact-not-found', 'Not found', `No log artefact ${id}`, [{ field: 'id', message: 'no such log artefact' }]);
}
