import type { ExpectedRevision } from './envelope';

/** The expected revision did not match the stream: nothing was written. */
export class ConcurrencyError extends Error {
  override readonly name = 'ConcurrencyError';
  constructor(
    readonly streamId: string,
    readonly expected: ExpectedRevision,
    readonly actual: number | null,
  ) {
    super(`Stream ${streamId}: expected revision ${String(expected)}, actual ${actual === null ? 'no stream' : actual}`);
  }
}

/** An idempotency key was reused for a different request. */
export class IdempotencyConflictError extends Error {
  override readonly name = 'IdempotencyConflictError';
  constructor(readonly idempotencyKey: string) {
    super(`Idempotency key was already used for a different request`);
  }
}

/**
 * Why the store cannot take a write: it cannot be reached (database down, connection lost),
 * its disk is full, or its file or folder is read-only. Each answers its own problem type.
 */
export type StoreFault = 'unreachable' | 'disk-full' | 'read-only';

/** The store cannot take the request right now; nothing was written. */
export class StoreUnavailableError extends Error {
  override readonly name = 'StoreUnavailableError';
  constructor(
    message: string,
    cause?: unknown,
    readonly fault: StoreFault = 'unreachable',
  ) {
    super(message, { cause });
  }
}

/** An event id given by the caller exists already: event ids are unique across the log. */
export class DuplicateEventIdError extends Error {
  override readonly name = 'DuplicateEventIdError';
  constructor(readonly eventIds: string[]) {
    super(`Event id already in the log (one of ${eventIds.join(', ')})`);
  }
}

/**
 * An event holds text that not every store and read model can keep (a NUL, another C0 control
 * but tab/LF/CR, or a lone surrogate): refused before anything is written. `field` names where
 * in the event (`data.reason`), never the text.
 */
export class UnstorableTextError extends TypeError {
  override readonly name = 'UnstorableTextError';
  constructor(
    readonly eventType: string,
    readonly field: string,
  ) {
    super(`Event ${eventType}: ${field} holds a control character or a lone surrogate that the stores cannot keep alike`);
  }
}

/**
 * Read models a decision depends on are below the position it must see (being rebuilt, or a
 * projection stalled on an event): nothing was decided. 503 over HTTP; retry later.
 */
export class ReadModelsBehindError extends Error {
  override readonly name = 'ReadModelsBehindError';
  constructor(
    readonly projections: string[],
    readonly position: number,
  ) {
    super(`Read models ${projections.join(', ')} are behind the event log (position ${position})`);
  }
}
