import { Inject, Injectable } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import { aiSystemDecider, aiSystemStreamId } from '@app/ai-systems';
import {
  type Actor,
  type AppendResult,
  CLOCK,
  type Clock,
  DomainError,
  EVENT_STORE,
  type EventStore,
  IdempotencyConflictError,
  loadState,
  scopedIdempotencyKey,
} from '@app/event-store';
import { ProblemException, requestHash } from '@app/platform';
import { artefactIdFor, BLOB_STORE, BlobRejectedError, type BlobStore, logArtefactStreamId } from '@app/retention';
import { complianceFileDecider, complianceFileStreamId, type RecordDocument } from '../domain';
import { type ComplianceFileCommandResult, ExecuteComplianceFileCommand } from './compliance-file.commands';

/** What the uploader says about the document; the content's hash, size and media type come from the upload. */
export type DocumentUpload = Omit<RecordDocument, 'type' | 'system' | 'by' | 'now' | 'sha256' | 'sizeBytes'> & {
  /** X-Content-SHA256: the content must match it. */
  expectedSha256?: string;
};

/** Media types a supplier's paper arrives in; anything else is refused before a byte is stored. */
export const DOCUMENT_MEDIA_TYPES = [
  'application/pdf',
  'image/png',
  'image/jpeg',
  'image/tiff',
  'text/plain',
  'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  'application/octet-stream',
];

/** Documents are papers, not logs: 50 MiB unless configured (COMPLIANCE_DOCUMENT_MAX_BYTES). */
export const documentMaxBytes = (env: NodeJS.ProcessEnv = process.env) => Number(env.COMPLIANCE_DOCUMENT_MAX_BYTES ?? 50 * 1024 ** 2);

/** A hash no content has in practice: stands in for the content while the metadata is checked before the upload. */
const PLACEHOLDER_SHA256 = '0'.repeat(64);

/**
 * Streams a document into the blob store (never held whole in memory) and records it on the
 * file's stream. Everything the decider can refuse about the metadata is refused before the body is
 * read; content refused afterwards (empty, not the claimed hash, too large, the same paper twice)
 * leaves no blob behind that nothing records.
 */
@Injectable()
export class ComplianceDocuments {
  constructor(
    private readonly commands: CommandBus,
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(BLOB_STORE) private readonly blobs: BlobStore,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  /**
   * With an `Idempotency-Key`, a retry of the same upload answers the first one (`replayed`) and
   * writes nothing: the key's fingerprint is the route and the metadata, and the content must hash
   * to what the first upload recorded (else 422, as for any key reused for another request). The
   * retry is recognised before the metadata is checked again: by then the first upload may have
   * superseded the document the retry names.
   */
  async upload(
    content: Readable,
    upload: DocumentUpload,
    actor: Actor,
    idempotencyKey?: string,
  ): Promise<ComplianceFileCommandResult & { sha256: string; sizeBytes: number }> {
    const { expectedSha256, ...meta } = upload;
    const fingerprint = idempotencyKey === undefined ? undefined : uploadFingerprint(meta);
    if (idempotencyKey !== undefined) {
      const first = await this.store.readIdempotent(scopedIdempotencyKey(actor, idempotencyKey), fingerprint);
      if (first) return this.replay(first, await sha256Of(content), idempotencyKey);
    }
    await this.precheck(meta, actor);
    let blob;
    try {
      blob = await this.blobs.put(content, { expectedSha256, maxBytes: documentMaxBytes() });
    } catch (err) {
      throw rejection(err);
    }
    try {
      const result = await this.commands.execute(
        new ExecuteComplianceFileCommand({ type: 'RecordDocument', ...meta, sha256: blob.sha256, sizeBytes: blob.sizeBytes }, actor, {
          idempotencyKey,
          requestHash: fingerprint,
        }),
      );
      if (!result.replayed) return { ...result, sha256: blob.sha256, sizeBytes: blob.sizeBytes };
      // Two attempts with one key raced and the other recorded first: answer it if it is this content.
      const recorded = await this.recordedDocument(meta.aiSystemId, result.documentId);
      if (recorded?.sha256 !== blob.sha256) throw new IdempotencyConflictError(idempotencyKey!);
      return { ...result, sha256: recorded.sha256, sizeBytes: recorded.sizeBytes };
    } catch (err) {
      if (!blob.existed && !(await this.recordedAnywhere(meta.aiSystemId, blob.sha256))) await this.blobs.delete(blob.sha256);
      throw err;
    }
  }

  private replay(first: AppendResult, sha256: string, idempotencyKey: string): ComplianceFileCommandResult & { sha256: string; sizeBytes: number } {
    const recorded = first.events.find((e) => e.type === 'compliance.DocumentRecorded')?.data as
      { aiSystemId: string; documentId: string; sha256: string; sizeBytes: number } | undefined;
    if (!recorded || recorded.sha256 !== sha256) throw new IdempotencyConflictError(idempotencyKey);
    return {
      aiSystemId: recorded.aiSystemId,
      revision: first.nextExpectedRevision,
      replayed: true,
      documentId: recorded.documentId,
      sha256: recorded.sha256,
      sizeBytes: recorded.sizeBytes,
    };
  }

  private async recordedDocument(aiSystemId: string, documentId: string | undefined) {
    const { state } = await loadState(this.store, complianceFileDecider, complianceFileStreamId(aiSystemId));
    return state.documents.find((d) => d.documentId === documentId);
  }

  /** The decider's verdict on the metadata alone, so a bad request reads no body and stores nothing. */
  private async precheck(meta: Omit<DocumentUpload, 'expectedSha256'>, actor: Actor): Promise<void> {
    const [system, file] = await Promise.all([
      loadState(this.store, aiSystemDecider, aiSystemStreamId(meta.aiSystemId)),
      loadState(this.store, complianceFileDecider, complianceFileStreamId(meta.aiSystemId)),
    ]);
    complianceFileDecider.decide(
      {
        type: 'RecordDocument',
        ...meta,
        sha256: PLACEHOLDER_SHA256,
        sizeBytes: 1,
        system: { exists: system.state.exists, knownVersions: [...system.state.knownVersions], currentVersion: system.state.currentVersion },
        by: actor,
        now: this.clock.now().toISOString(),
      },
      file.state,
    );
  }

  /** Whether a document of this file or a log artefact (same content-addressed store) now records the content. */
  private async recordedAnywhere(aiSystemId: string, sha256: string): Promise<boolean> {
    const { state } = await loadState(this.store, complianceFileDecider, complianceFileStreamId(aiSystemId));
    if (state.documents.some((d) => d.sha256 === sha256)) return true;
    return (await this.store.readStream(logArtefactStreamId(artefactIdFor(sha256)))).length > 0;
  }
}

/** An upload's fingerprint for its Idempotency-Key: the route and everything said about the paper (its id is minted per attempt). */
function uploadFingerprint({ documentId: _minted, ...meta }: Omit<DocumentUpload, 'expectedSha256'>): string {
  return requestHash('POST', `/api/v1/ai-systems/${meta.aiSystemId}/documents`, meta);
}

/** The SHA-256 of a retried upload's content, read and dropped: the first attempt already stored it. */
async function sha256Of(content: Readable): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of content) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

function rejection(err: unknown): unknown {
  if (!(err instanceof BlobRejectedError)) return err;
  switch (err.reason) {
    case 'empty':
      return new DomainError('empty-upload', 'A document must not be empty', 400, 'body');
    case 'sha256-mismatch':
      return new DomainError('sha256-mismatch', err.message, 422, 'X-Content-SHA256');
    case 'too-large':
      return new ProblemException(413, 'body-too-large', 'Request body too large', err.message);
  }
}
