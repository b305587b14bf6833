import {
  ANY,
  NO_STREAM,
  STREAM_EXISTS,
  UnavailableError,
  DeadlineExceededError,
  WrongExpectedVersionError,
  jsonEvent,
  type AllStreamResolvedEvent,
  type AppendExpectedRevision,
  type CurrentRevision,
  type JSONEventType,
  type EventData,
  type Position,
  type ResolvedEvent,
} from '@eventstore/db-client';
import { v5 as uuidv5 } from 'uuid';
import { storableJson, validateAppend as validateAppendInput } from '../append-rules';
import { newEventId } from '../event-id';
import { withCommitmentSeed } from '../commitment-seed';
import type { EventEnvelope, EventMetadata, ExpectedRevision, NewEvent } from '../envelope';
import { ConcurrencyError, DuplicateEventIdError, StoreUnavailableError } from '../errors';

/**
 * Pure mapping between the registry's envelope (docs/design.md §3) and KurrentDB / EventStoreDB
 * records. No I/O here: every function is unit-tested without a server
 * (kurrentdb-mapping.spec.ts). Decisions and limits: docs/adr/0013-kurrentdb.md.
 */

/** What we keep in a KurrentDB event's metadata (JSON). Our envelope metadata is nested, untouched. */
export interface KurrentMetadata {
  schemaVersion: number;
  recordedAt: string;
  metadata: EventMetadata;
  /** Request fingerprint behind an idempotency key (never part of the envelope). */
  idempotencyRequestHash?: string | null;
  /** KurrentDB's own correlation fields, so its system projections ($by_correlation_id) work. */
  $correlationId?: string;
  $causationId?: string;
}

export interface ToEventDataOptions {
  recordedAt: string;
  /** Merged under each event's own metadata (actor, correlation, causation). */
  metadata?: EventMetadata;
  idempotencyKey?: string;
  requestHash?: string;
  /** Index of the event in its append: part of the derived id when an idempotency key is given. */
  index?: number;
  /** Leaf format of the events written (ADR 0039): 2 gives each a commitment seed. */
  leafFormat?: 1 | 2;
}

/** UUID v5 namespace of event ids derived from idempotency keys (a fixed, random v4). */
export const IDEMPOTENCY_NAMESPACE = '6f0c1d8e-3b5a-4c57-9a0e-8d2b7f41c9a3';

/**
 * The id of the i-th event of an append made under an idempotency key: the same on every
 * retry, so the server's own idempotent-write check (same ids at the same expected revision)
 * drops a repeated write instead of storing it twice.
 */
export function deriveEventId(idempotencyKey: string, index: number): string {
  return uuidv5(`${idempotencyKey}\u0000${index}`, IDEMPOTENCY_NAMESPACE);
}

/** Stream name of the claim record of an idempotency key. Callers cannot name it (leading `_`). */
export const IDEMPOTENCY_STREAM_PREFIX = '_idempotency-';
export const IDEMPOTENCY_CLAIM_TYPE = '$oversight.IdempotencyClaim';

export function idempotencyStream(idempotencyKey: string): string {
  return `${IDEMPOTENCY_STREAM_PREFIX}${uuidv5(idempotencyKey, IDEMPOTENCY_NAMESPACE)}`;
}

export function mergeMetadata(base: EventMetadata | undefined, own: EventMetadata | undefined, idempotencyKey?: string): EventMetadata {
  const merged: EventMetadata = { ...(base ?? {}), ...(own ?? {}) };
  if (idempotencyKey && merged.idempotencyKey === undefined) merged.idempotencyKey = idempotencyKey;
  return merged;
}

/** One NewEvent as a KurrentDB JSON event: type and data as they are, our fields in its metadata. */
export function toEventData(event: NewEvent, options: ToEventDataOptions): EventData<JSONEventType> {
  const metadata = withCommitmentSeed(mergeMetadata(options.metadata, event.metadata, options.idempotencyKey), options.leafFormat ?? 1);
  const id = event.eventId ?? (options.idempotencyKey !== undefined ? deriveEventId(options.idempotencyKey, options.index ?? 0) : newEventId());
  const kurrentMetadata: KurrentMetadata = {
    schemaVersion: event.schemaVersion ?? 1,
    recordedAt: options.recordedAt,
    metadata,
  };
  if (options.idempotencyKey !== undefined) kurrentMetadata.idempotencyRequestHash = options.requestHash ?? null;
  if (typeof metadata.correlationId === 'string') kurrentMetadata.$correlationId = metadata.correlationId;
  if (typeof metadata.causationId === 'string') kurrentMetadata.$causationId = metadata.causationId;
  // The client types metadata as a plain JSON record; ours is one, with KurrentDB's `$` members.
  return jsonEvent({ id, type: event.type, data: event.data, metadata: kurrentMetadata as unknown as Record<string, unknown> });
}

/** Our expected revision as the client's. */
export function toExpectedRevision(expected: ExpectedRevision): AppendExpectedRevision {
  switch (expected) {
    case 'no_stream':
      return NO_STREAM;
    case 'stream_exists':
      return STREAM_EXISTS;
    case 'any':
      return ANY;
    default:
      if (!Number.isSafeInteger(expected) || expected < 0) throw new TypeError(`Invalid expected revision ${String(expected)}`);
      return BigInt(expected);
  }
}

/** The client's current revision (bigint or `no_stream`) as ours (number or null). */
export function fromCurrentRevision(current: CurrentRevision | AppendExpectedRevision): number | null {
  return typeof current === 'bigint' ? toSafeNumber(current, 'stream revision') : null;
}

/**
 * A log position as our `globalPosition`. KurrentDB writes every event of a gRPC append as its
 * own committed record, so commit = prepare = the record's byte offset in the transaction log:
 * unique, increasing in `$all` order, never contiguous. A position whose commit and prepare differ
 * (legacy explicit transactions) or that passes 2^53 cannot be one number: refused, not guessed.
 */
export function toGlobalPosition(position: Position | undefined): number {
  if (!position) throw new Error('KurrentDB returned an event without a log position (server older than 22.6?)');
  if (position.commit !== position.prepare) {
    throw new Error(`KurrentDB position commit ${position.commit} ≠ prepare ${position.prepare} (legacy transaction): not supported`);
  }
  return toSafeNumber(position.commit, 'log position');
}

/** Where to resume reading `$all` after `globalPosition` (inclusive: the event at `after` itself is dropped). */
export function fromGlobalPosition(after: number): Position {
  if (!Number.isSafeInteger(after) || after < 0) throw new TypeError(`Invalid global position ${after}`);
  return { commit: BigInt(after), prepare: BigInt(after) };
}

function toSafeNumber(value: bigint, what: string): number {
  if (value < 0n || value > BigInt(Number.MAX_SAFE_INTEGER)) throw new RangeError(`KurrentDB ${what} ${value} is beyond 2^53`);
  return Number(value);
}

/** True for records no projection should see: KurrentDB system events/streams and our claims. */
export function isInternal(streamId: string, type: string): boolean {
  return type.startsWith('$') || streamId.startsWith('$') || streamId.startsWith(IDEMPOTENCY_STREAM_PREFIX);
}

/** A KurrentDB record (from a stream or `$all`) as the stored envelope (before upcasting). */
export function toEnvelope(resolved: ResolvedEvent | AllStreamResolvedEvent): EventEnvelope {
  const e = resolved.event;
  if (!e) throw new Error('KurrentDB returned a link to a deleted event');
  if (!e.isJson) throw new Error(`Event ${e.id} in ${e.streamId} is not JSON`);
  const meta = e.metadata as Partial<KurrentMetadata> | undefined;
  if (!meta || typeof meta !== 'object' || Array.isArray(meta) || typeof meta.recordedAt !== 'string') {
    throw new Error(`Event ${e.id} in ${e.streamId} was not written by oversight-registry (no envelope metadata)`);
  }
  return {
    eventId: e.id,
    type: e.type,
    schemaVersion: Number(meta.schemaVersion ?? 1),
    streamId: e.streamId,
    streamRevision: toSafeNumber(e.revision, 'stream revision'),
    globalPosition: toGlobalPosition(e.position),
    recordedAt: meta.recordedAt,
    data: e.data as Record<string, unknown>,
    metadata: meta.metadata ?? {},
  };
}

/** The request hash stored with an event written under an idempotency key (undefined: none stored). */
export function storedRequestHash(resolved: ResolvedEvent | AllStreamResolvedEvent): string | null | undefined {
  const meta = resolved.event?.metadata as Partial<KurrentMetadata> | undefined;
  return meta && typeof meta === 'object' && 'idempotencyRequestHash' in meta ? (meta.idempotencyRequestHash ?? null) : undefined;
}

/** gRPC status 14: the server cannot be reached. */
const GRPC_UNAVAILABLE = 14;
const GRPC_DEADLINE_EXCEEDED = 4;

/** True when the error means "no server" (the client throws plain Errors for some of these). */
export function isUnavailable(err: unknown): boolean {
  if (err instanceof UnavailableError || err instanceof DeadlineExceededError) return true;
  if (!(err instanceof Error)) return false;
  const code = (err as { code?: unknown }).code;
  if (code === GRPC_UNAVAILABLE || code === GRPC_DEADLINE_EXCEEDED) return true;
  if (code === 'ECONNREFUSED' || code === 'ECONNRESET' || code === 'ENOTFOUND' || code === 'ETIMEDOUT') return true;
  return /^14 UNAVAILABLE|ECONNREFUSED|Failed to discover|No connection established/i.test(err.message);
}

/**
 * A client error as the port's error: WrongExpectedVersionError → ConcurrencyError (with the
 * server's actual revision), unreachable server → StoreUnavailableError; anything else unchanged.
 */
export function mapClientError(err: unknown, streamId: string, expected: ExpectedRevision): unknown {
  if (err instanceof WrongExpectedVersionError) {
    return new ConcurrencyError(streamId, expected, fromCurrentRevision(err.actualVersion));
  }
  if (isUnavailable(err)) {
    return new StoreUnavailableError(`Event store unavailable (KurrentDB: ${(err as Error).message})`, err);
  }
  return err;
}

/**
 * The SQL adapter's input rules (append-rules.ts), then what only this adapter must check
 * itself: text the stores cannot keep alike (the SQL adapter checks its own JSON text) and
 * repeated ids within one append.
 */
export function validateAppend(streamId: string, events: NewEvent[], metadata?: EventMetadata): void {
  validateAppendInput(streamId, events);
  const ids = new Set<string>();
  const duplicates: string[] = [];
  for (const e of events) {
    storableJson(JSON.stringify(e.data), e.type, 'data', e.data);
    const meta = { ...metadata, ...e.metadata };
    storableJson(JSON.stringify(meta), e.type, 'metadata', meta);
    if (e.eventId !== undefined) {
      if (ids.has(e.eventId)) duplicates.push(e.eventId);
      ids.add(e.eventId);
    }
  }
  // KurrentDB does not refuse repeated ids within one append; we do, before writing.
  if (duplicates.length) throw new DuplicateEventIdError(duplicates);
}

/** `kurrentdb://` / `kurrentdb+discover://` as the `esdb…://` form this client parses. */
export function toClientConnectionString(url: string): string {
  return url.replace(/^kurrentdb(\+discover)?:\/\//i, (_m, discover: string | undefined) => `esdb${discover ?? ''}://`);
}

/** Order of two log positions in `$all` (commit first, then prepare). */
export function comparePositions(a: Position, b: Position): number {
  if (a.commit !== b.commit) return a.commit < b.commit ? -1 : 1;
  if (a.prepare !== b.prepare) return a.prepare < b.prepare ? -1 : 1;
  return 0;
}
