import type { Clock } from './clock';
import type { Decider } from './decider';
import { runDecider } from './decider-handler';
import type { Actor, AppendResult } from './envelope';
import type { EventStore } from './event-store.port';
import { type Encrypt, type Seal, sealing } from './sealing';
import type { StreamIdentity } from './stream-identity';

/** What an HTTP (or CLI) write brings besides the command: who, and the request's write headers. */
export interface WriteContext {
  actor: Actor;
  /** Revision the client last saw (If-Match). */
  ifMatch?: number;
  /** The client's Idempotency-Key, as sent; scoped to the actor here. */
  idempotencyKey?: string;
  requestHash?: string;
  correlationId?: string;
}

export interface Written<State> {
  /** The entity's id, read from the stream the store wrote (on a retried create: the first attempt's). */
  id: string;
  revision: number;
  replayed: boolean;
  state: State;
  result: AppendResult;
}

/**
 * A ready command, or one built from the current state and the business time of this write; free
 * text goes in through `seal`, encrypted only once the decider accepted (given `encrypt`).
 */
export type CommandFrom<State, Command> = Command | ((state: State, now: string, seal: Seal) => Command | Promise<Command>);

type DomainEvent = { type: string; data: object };

/** A client's Idempotency-Key as the store keeps it: scoped to the actor, so two users' keys never collide. */
export function scopedIdempotencyKey(actor: Pick<Actor, 'subject'>, idempotencyKey: string): string {
  return `${actor.subject}:${idempotencyKey}`;
}

/**
 * The one way a context writes (Emmett's command handler): the decider, how its stream is named,
 * and the business clock are given once; each write then passes the entity id, the command and
 * the request's write context. Business time is read once per write from the injected clock;
 * idempotency keys are scoped to the actor, so two users' keys never collide; the actor (and the
 * correlation id) go into every event's metadata.
 */
export function commandHandler<State, Command, Event extends DomainEvent>(
  deps: { store: EventStore; clock: Pick<Clock, 'now'>; encrypt?: Encrypt },
  decider: Decider<State, Command, Event>,
  stream: StreamIdentity,
) {
  return async (id: string, command: CommandFrom<State, Command>, write: WriteContext): Promise<Written<State>> => {
    const now = deps.clock.now().toISOString();
    const sealed = sealing(deps.encrypt ?? noEncryption);
    const build =
      typeof command === 'function'
        ? (state: State) => (command as (s: State, now: string, seal: Seal) => Command | Promise<Command>)(state, now, sealed.seal)
        : command;
    const { result, state } = await runDecider(deps.store, decider, stream.streamOf(id), build, {
      ifMatch: write.ifMatch,
      idempotencyKey: write.idempotencyKey ? scopedIdempotencyKey(write.actor, write.idempotencyKey) : undefined,
      requestHash: write.requestHash,
      metadata: { actor: write.actor, ...(write.correlationId ? { correlationId: write.correlationId } : {}) },
      beforeAppend: sealed.resolve,
    });
    return { id: stream.idOf(result.streamId), revision: result.nextExpectedRevision, replayed: result.replayed, state, result };
  };
}

const noEncryption: Encrypt = () => Promise.reject(new Error('This command handler was given no encrypt: it cannot seal free text.'));
