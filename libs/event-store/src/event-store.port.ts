import type { AppendOptions, AppendResult, EventEnvelope, NewEvent, ReadStreamOptions } from './envelope';

export const EVENT_STORE = Symbol('EVENT_STORE');

export interface Subscription {
  /** Resolves once the subscription has stopped and its handler is no longer running. */
  stop(): Promise<void>;
}

export interface ReadAllOptions {
  /** Skip upcasters: the envelopes exactly as stored (the ledger hashes these). */
  raw?: boolean;
}

export interface SubscribeOptions {
  batchSize?: number;
  /** Poll interval when no in-process notification arrives (other processes may append). */
  pollIntervalMs?: number;
}

/**
 * The one port every adapter implements and the contract suite (test/contract) checks.
 * Positions are positive integers in one total order; `readAll(after)` never skips an event
 * that commits later with a smaller position.
 */
export interface EventStore {
  /**
   * False when positions are increasing but not contiguous (KurrentDB: log byte offsets).
   * Absent or true: positions are 1, 2, 3… with no gaps (the SQL log), so a missing number is
   * a missing event and `head − position` counts events.
   */
  readonly gapFreePositions?: boolean;
  append(streamId: string, events: NewEvent[], options?: AppendOptions): Promise<AppendResult>;
  /**
   * The result an idempotency key produced, if any; throws IdempotencyConflictError when the
   * key was used for another request. Lets a handler answer a retry before deciding again.
   */
  readIdempotent(idempotencyKey: string, requestHash?: string): Promise<AppendResult | undefined>;
  /** Events of one stream in revision order; empty when the stream does not exist. */
  readStream(streamId: string, options?: ReadStreamOptions): Promise<EventEnvelope[]>;
  /**
   * Events of many streams, each as `readStream` gives it, in the order of the ids asked: what
   * one command deciding over many small streams needs (a feed batch of 1,000 outputs) without
   * 1,000 round trips. The SQL store reads them in a few queries.
   */
  readStreams(streamIds: readonly string[]): Promise<EventEnvelope[][]>;
  /** Events with globalPosition > after, in global order, at most `limit`. */
  readAll(after?: number, limit?: number, options?: ReadAllOptions): Promise<EventEnvelope[]>;
  /** Position of the last committed event (0 when empty). */
  headPosition(): Promise<number>;
  /**
   * Called after each append committed by this process (an adapter may also report appends by
   * other processes: KurrentDB does); returns an unsubscribe function.
   */
  onAppended(listener: (lastPosition: number) => void): () => void;
  /** Catch-up subscription: replays from `after`, then follows new events. */
  subscribe(after: number, handler: (events: EventEnvelope[]) => Promise<void>, options?: SubscribeOptions): Subscription;
}
