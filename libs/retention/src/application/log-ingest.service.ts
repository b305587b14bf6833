import { Inject, Injectable } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import type { Readable } from 'node:stream';
import { GetAiSystemQuery } from '@app/ai-systems';
import { type Actor, CLOCK, type Clock, ConcurrencyError, DomainError, EVENT_STORE, type EventStore, loadState, runDecider } from '@app/event-store';
import { ProblemException } from '@app/platform';
import { BLOB_STORE, BlobRejectedError, type BlobStore } from '../blobs/blob-store';
import {
  type ArtefactSource,
  checkArtefactLabels,
  logArtefactDecider,
  logArtefactStreamId,
  retentionPolicyDecider,
  retentionPolicyStreamId,
  ruleFor,
} from '../domain';

export const DEFAULT_KIND = 'ai-system-log';

export interface IngestRequest {
  aiSystemId: string;
  periodFrom: string;
  periodTo: string;
  kind?: string;
  source: ArtefactSource;
  /** SHA-256 the sender claims (X-Content-SHA256); the content must match it. */
  expectedSha256?: string;
}

export interface IngestResult {
  artefactId: string;
  sha256: string;
  sizeBytes: number;
  /** The same content was recorded before: nothing was stored or recorded again. */
  duplicate: boolean;
  revision: number;
}

/**
 * The artefact id is derived from the content's SHA-256, so the same content maps to the same
 * stream: a duplicate (even two uploads racing) meets `no_stream` and is answered, not stored twice.
 */
export function artefactIdFor(sha256: string): string {
  const h = sha256.slice(0, 32).split('');
  h[12] = '8'; // UUID version 8: custom, derived from the digest
  h[16] = ((parseInt(h[16], 16) & 0x3) | 0x8).toString(16);
  const s = h.join('');
  return `${s.slice(0, 8)}-${s.slice(8, 12)}-${s.slice(12, 16)}-${s.slice(16, 20)}-${s.slice(20)}`;
}

const MAX_BYTES = Number(process.env.LOG_ARTEFACT_MAX_BYTES ?? 16 * 1024 ** 3);

/**
 * Streams a log artefact into the blob store and records it. Used by the HTTP upload, the CLI
 * and the benchmark (`app.get(LogIngestService).ingest(createReadStream(file), …)`): the content
 * is never held in memory whole.
 */
@Injectable()
export class LogIngestService {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(BLOB_STORE) private readonly blobs: BlobStore,
    @Inject(CLOCK) private readonly clock: Clock,
    private readonly queries: QueryBus,
  ) {}

  /** Checks what can be checked before a possibly large body is read. */
  async checkSystem(aiSystemId: string): Promise<void> {
    const { state } = await this.queries.execute(new GetAiSystemQuery(aiSystemId));
    if (!state.exists) throw new DomainError('ai-system-not-found', 'No AI system with this id is registered', 404, 'system');
  }

  async ingest(content: Readable, request: IngestRequest, actor: Actor): Promise<IngestResult> {
    const kind = request.kind ?? DEFAULT_KIND;
    checkArtefactLabels({ kind, periodFrom: request.periodFrom, periodTo: request.periodTo });
    await this.checkSystem(request.aiSystemId);
    let blob;
    try {
      blob = await this.blobs.put(content, { expectedSha256: request.expectedSha256, maxBytes: MAX_BYTES });
    } catch (err) {
      throw rejection(err);
    }
    const artefactId = artefactIdFor(blob.sha256);
    const streamId = logArtefactStreamId(artefactId);
    const policy = await loadState(this.store, retentionPolicyDecider, retentionPolicyStreamId(request.aiSystemId, kind));
    const rule = ruleFor(policy.state.terms ? { terms: policy.state.terms, revision: policy.revision! } : null, request.periodTo);
    try {
      const { result } = await runDecider(
        this.store,
        logArtefactDecider,
        streamId,
        {
          type: 'RecordLogArtefact',
          artefactId,
          aiSystemId: request.aiSystemId,
          kind,
          periodFrom: request.periodFrom,
          periodTo: request.periodTo,
          sizeBytes: blob.sizeBytes,
          sha256: blob.sha256,
          source: request.source,
          rule,
          systemExists: true,
          recordedBy: actor,
          now: this.clock.now().toISOString(),
        },
        { metadata: { actor } },
      );
      return { artefactId, sha256: blob.sha256, sizeBytes: blob.sizeBytes, duplicate: false, revision: result.nextExpectedRevision };
    } catch (err) {
      const duplicate = (err instanceof DomainError && err.code === 'artefact-exists') || err instanceof ConcurrencyError;
      if (!duplicate) {
        // Refused: leave no unrecorded content behind (unless someone recorded it meanwhile).
        const recorded = await this.store.readStream(streamId);
        if (!blob.existed && recorded.length === 0) await this.blobs.delete(blob.sha256);
        throw err;
      }
      return this.answerDuplicate(artefactId, blob.sha256, blob.sizeBytes, blob.existed);
    }
  }

  private async answerDuplicate(artefactId: string, sha256: string, sizeBytes: number, blobExisted: boolean): Promise<IngestResult> {
    const { state, revision } = await loadState(this.store, logArtefactDecider, logArtefactStreamId(artefactId));
    if (state.status === 'purged') {
      // Purged content stays purged: remove the copy this upload just wrote back.
      if (!blobExisted) await this.blobs.delete(sha256);
      throw new DomainError('artefact-purged', `This content was recorded before and purged at ${state.purgedAt}; it is not recorded again`, 409);
    }
    return { artefactId, sha256, sizeBytes, duplicate: true, revision: revision! };
  }
}

function rejection(err: unknown): unknown {
  if (!(err instanceof BlobRejectedError)) return err;
  switch (err.reason) {
    case 'empty':
      return new DomainError('empty-upload', 'A log artefact must not be empty', 400, 'body');
    case 'sha256-mismatch':
      return new DomainError('sha256-mismatch', err.message, 422, 'X-Content-SHA256');
    case 'too-large':
      return new ProblemException(413, 'body-too-large', 'Request body too large', err.message);
  }
}
