import { Injectable } from '@nestjs/common';
import type { Envelope, Projection, ProjectionContext } from '@app/event-store';
import { COMPLIANCE_FILE_EVENT_TYPES, type ComplianceFileEvent } from '../domain';
import { DocumentBlobRow } from './document-blob.entity';

export const DOCUMENT_BLOBS_PROJECTION = 'compliance-document-blobs';

/**
 * Every document ever recorded with its content's SHA-256. Withdrawn and superseded documents stay:
 * the bytes of a paper withdrawn are still the evidence of what was withdrawn.
 */
@Injectable()
export class DocumentBlobsProjection implements Projection<ComplianceFileEvent> {
  readonly name = DOCUMENT_BLOBS_PROJECTION;
  readonly version = 1;
  readonly entities = [DocumentBlobRow];
  readonly eventTypes = COMPLIANCE_FILE_EVENT_TYPES;

  async handle(events: Envelope<ComplianceFileEvent>[], ctx: ProjectionContext): Promise<void> {
    for (const e of events) {
      if (e.type !== 'compliance.DocumentRecorded') continue;
      const { documentId, aiSystemId, sha256 } = e.data;
      await ctx.upsert(DocumentBlobRow, { documentId, aiSystemId, sha256 }, ['documentId']);
    }
  }
}
