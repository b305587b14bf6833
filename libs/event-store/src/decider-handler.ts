import type { Decider } from './decider';
import { fold } from './decider';
import type { AppendResult, EventEnvelope, EventMetadata, NewEvent } from './envelope';
import { ConcurrencyError, IdempotencyConflictError } from './errors';
import type { EventStore } from './event-store.port';
import type { DomainEventShape, Envelope } from './projections/projection';

export interface DeciderRunOptions {
  /** Revision the client last saw (HTTP If-Match); a different current revision is a conflict. */
  ifMatch?: number;
  idempotencyKey?: string;
  requestHash?: string;
  metadata?: EventMetadata;
  /** Last step before the append, once the decider accepted (sealing free text: `sealing.ts`). */
  beforeAppend?: <E>(events: E[]) => Promise<E[]>;
}

export interface DeciderRunResult<State> {
  result: AppendResult;
  /** State after the new events (on an idempotent replay: the stream's state as stored). */
  state: State;
}

type DomainEvent = { type: string; data: object };

/**
 * The one way a command handler writes: answer a retried idempotency key from the store,
 * load the stream, fold, decide, append with the revision it decided on. Two writers on one
 * stream: one appends, the other gets a ConcurrencyError (409), never a silent overwrite.
 */
export async function runDecider<State, Command, Event extends DomainEvent>(
  store: EventStore,
  decider: Decider<State, Command, Event>,
  streamId: string,
  command: Command | ((state: State) => Command | Promise<Command>),
  options: DeciderRunOptions = {},
): Promise<DeciderRunResult<State>> {
  if (options.idempotencyKey) {
    const replay = await store.readIdempotent(options.idempotencyKey, options.requestHash);
    if (replay) return { result: replay, state: fold(decider, asEvents<Event>(await store.readStream(replay.streamId))) };
  }
  const history = await store.readStream(streamId);
  const revision = history.length ? history[history.length - 1].streamRevision : null;
  if (options.ifMatch !== undefined && options.ifMatch !== revision) {
    throw new ConcurrencyError(streamId, options.ifMatch, revision);
  }
  const state = fold(decider, asEvents<Event>(history));
  const cmd = typeof command === 'function' ? await (command as (s: State) => Command | Promise<Command>)(state) : command;
  const decided = decider.decide(cmd, state);
  const events = options.beforeAppend ? await options.beforeAppend(decided) : decided;
  const result = await store
    // A decider's events are NewEvents whose data is the event's own interface (no index signature).
    .append(streamId, events as unknown as NewEvent[], {
      expectedRevision: revision === null ? 'no_stream' : revision,
      idempotencyKey: options.idempotencyKey,
      requestHash: options.requestHash,
      metadata: options.metadata,
    })
    .catch(async (err: unknown) => {
      // The same request raced us with its key: a create mints a new id per attempt, so the
      // store saw another stream. Same request hash → the first attempt's answer; else 422.
      if (!(err instanceof IdempotencyConflictError) || !options.idempotencyKey) throw err;
      const first = await store.readIdempotent(options.idempotencyKey, options.requestHash);
      if (!first) throw err;
      return first;
    });
  if (result.replayed) {
    return { result, state: fold(decider, asEvents<Event>(await store.readStream(result.streamId))) };
  }
  return { result, state: events.reduce(decider.evolve, state) };
}

/** Loads one stream's current state (and revision) without deciding anything. */
export async function loadState<State, Event extends DomainEvent>(
  store: EventStore,
  decider: Pick<Decider<State, unknown, Event>, 'initialState' | 'evolve'>,
  streamId: string,
  toPosition?: number,
): Promise<{ state: State; revision: number | null; events: EventEnvelope[] }> {
  const events = await store.readStream(streamId, { toPosition });
  return {
    state: fold(decider, asEvents<Event>(events)),
    revision: events.length ? events[events.length - 1].streamRevision : null,
    events,
  };
}

/**
 * Where the log's JSON becomes a decider's event type: a stream holds only the events its decider
 * wrote (older schema versions are upcast on read), so its envelopes are that decider's events.
 */
function asEvents<Event>(envelopes: EventEnvelope[]): Event[] {
  return envelopes as unknown as Event[];
}

/**
 * The same, for code that reads a stream outside a decider (a query, a process, another
 * context's stream read by its event contract): the envelopes typed by the events the stream holds.
 */
export function asDomainEvents<E extends DomainEventShape>(envelopes: EventEnvelope[]): Envelope<E>[] {
  return envelopes as unknown as Envelope<E>[];
}
