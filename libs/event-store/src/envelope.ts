/**
 * The event envelope of docs/design.md §3. Every adapter stores and returns exactly this shape.
 * `recordedAt` is system time (when the registry learned it); business time lives in `data`.
 */
export interface Actor {
  subject: string;
  role: string;
}

export interface EventMetadata {
  actor?: Actor;
  correlationId?: string;
  causationId?: string;
  idempotencyKey?: string;
  [key: string]: unknown;
}

export interface EventEnvelope<T = Record<string, unknown>, K extends string = string> {
  eventId: string;
  type: K;
  schemaVersion: number;
  streamId: string;
  streamRevision: number;
  globalPosition: number;
  recordedAt: string;
  data: T;
  metadata: EventMetadata;
}

/** What a caller hands to `append`; the store fills in ids, revisions, positions and time. */
export interface NewEvent<T = Record<string, unknown>, K extends string = string> {
  type: K;
  data: T;
  schemaVersion?: number;
  metadata?: EventMetadata;
  /** Optional caller-chosen id (UUID); a UUID v7 is generated otherwise. */
  eventId?: string;
}

/**
 * `no_stream`: the stream must not exist yet. `stream_exists`: it must exist.
 * `any`: no check. A number: the revision of the stream's last event (0-based).
 */
export type ExpectedRevision = 'no_stream' | 'stream_exists' | 'any' | number;

export interface AppendOptions {
  expectedRevision?: ExpectedRevision;
  /**
   * A retry with the same key returns the first append's result and writes nothing.
   * Keys are global: callers scope them (e.g. by actor) before passing them in.
   */
  idempotencyKey?: string;
  /** Fingerprint of the request behind the key; a replay with another fingerprint is refused. */
  requestHash?: string;
  /** Merged into every event's metadata (actor, correlation, causation). */
  metadata?: EventMetadata;
}

export interface AppendResult {
  streamId: string;
  /** Revision of the stream's last event after this append. */
  nextExpectedRevision: number;
  firstPosition: number;
  lastPosition: number;
  events: EventEnvelope[];
  /** True when the idempotency key had been seen: nothing was written. */
  replayed: boolean;
}

export interface ReadStreamOptions {
  fromRevision?: number;
  /** Only events recorded at or before this global position (state "as of"). */
  toPosition?: number;
}
