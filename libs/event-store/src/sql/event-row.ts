import type { EventEnvelope, EventMetadata } from '../envelope';

/**
 * A stored event as the `events` table holds it, and the envelope read from it. Kept free of
 * TypeORM and Nest: the ledger's leaf worker reads the table with its own connection and must
 * build exactly the envelope the store hands out (the leaf is its canonical JSON, ADR 0012).
 */
export const EVENT_COLUMNS = 'global_position, event_id, stream_id, stream_revision, type, schema_version, recorded_at, data, metadata';

export interface EventRow {
  global_position: number | string;
  event_id: string;
  stream_id: string;
  stream_revision: number;
  type: string;
  schema_version: number;
  recorded_at: string;
  data: string;
  metadata: string;
}

/** The envelope as stored (no upcasting). */
export function storedEnvelope(r: EventRow): EventEnvelope {
  return {
    eventId: r.event_id,
    type: r.type,
    schemaVersion: Number(r.schema_version),
    streamId: r.stream_id,
    streamRevision: Number(r.stream_revision),
    globalPosition: Number(r.global_position),
    recordedAt: r.recorded_at,
    data: JSON.parse(r.data) as Record<string, unknown>,
    metadata: JSON.parse(r.metadata) as EventMetadata,
  };
}
