/**
 * Entry of the ledger's leaf worker thread (docs/adr/0026): reads committed events from the
 * embedded SQLite file with a read-only connection of its own and hashes them into RFC 9162
 * leaves, so reading, canonical JSON and SHA-256 run off the event loop that serves appends.
 * It loads only better-sqlite3 and the leaf code (no Nest, no TypeORM), by relative paths, so it
 * starts the same from dist/ and from the TypeScript sources.
 */
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { EVENT_COLUMNS, type EventRow, storedEnvelope } from '../../../event-store/src/sql/event-row';
import { CompactRange, type RangeEdge } from './compact-range';
import { eventLeafHash } from './leaf';

export interface LeafRequest {
  id: number;
  /** Leaves for the events after this position… */
  after: number;
  /** …up to this one, which the main thread knows to be on disk (ADR 0024). */
  upTo: number;
  limit: number;
  /** The tree so far, which the worker extends by the new leaves (so the node hashes move too). */
  edge: RangeEdge;
}

export type LeafReply = { id: number; positions: Float64Array; hashes: Uint8Array; edge: RangeEdge } | { id: number; error: string } | { ready: true };

const HASH_BYTES = 32;

if (parentPort) {
  const port = parentPort;
  const db = new Database((workerData as { file: string }).file, { readonly: true, fileMustExist: true });
  const select = db.prepare<[number, number, number], EventRow>(
    `SELECT ${EVENT_COLUMNS} FROM events WHERE global_position > ? AND global_position <= ? ORDER BY global_position LIMIT ?`,
  );
  port.on('message', ({ id, after, upTo, limit, edge }: LeafRequest) => {
    let reply: LeafReply;
    const transfer: ArrayBuffer[] = [];
    try {
      const rows = select.all(after, upTo, limit);
      const positions = new Float64Array(rows.length);
      const hashes = new Uint8Array(rows.length * HASH_BYTES);
      const range = CompactRange.from(edge);
      rows.forEach((row, i) => {
        const envelope = storedEnvelope(row);
        const hash = eventLeafHash(envelope);
        positions[i] = envelope.globalPosition;
        hashes.set(hash, i * HASH_BYTES);
        range.append(hash);
      });
      reply = { id, positions, hashes, edge: range.edge };
      transfer.push(positions.buffer, hashes.buffer);
    } catch (err) {
      reply = { id, error: (err as Error).message };
    }
    port.postMessage(reply, transfer);
  });
  port.postMessage({ ready: true } satisfies LeafReply);
}
