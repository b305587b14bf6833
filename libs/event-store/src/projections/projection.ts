import type { EventEnvelope } from '../envelope';

// eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
export type EntityClass = Function;

/** A domain event's type and data, as a context's event union declares them. */
export interface DomainEventShape {
  type: string;
  data: object;
}

/** An event as the store hands it to a projection: the envelope, typed by the domain event it holds. */
export type Envelope<E extends DomainEventShape> = E extends unknown ? EventEnvelope<E['data'], E['type']> : never;

/**
 * A read model fed from the global log. `handle` gets a batch in global order and writes
 * through `ctx`, inside the transaction that also moves the checkpoint: exactly once.
 * Bump `version` when the read model changes shape or meaning: it is then rebuilt.
 *
 * Typed by the events it reads (Emmett's `ProjectionDefinition<EventType>`): a projection of
 * `ReviewEvent` declares `eventTypes` from that union, the runner hands it only those (upcast to
 * their current schema), and `handle` narrows each by its `type` with no cast.
 */
export interface Projection<E extends DomainEventShape = DomainEventShape> {
  readonly name: string;
  readonly version: number;
  /** TypeORM entities of the read model; their tables are created and rebuilt by the runner. */
  readonly entities: EntityClass[];
  /** Event types the projection reads; others are skipped without calling `handle`. */
  readonly eventTypes?: readonly E['type'][];
  handle(events: Envelope<E>[], ctx: ProjectionContext): Promise<void>;
}

export type RowValues = Record<string, unknown>;

/** Writes to the read model's tables; rows are keyed by entity property names. */
export interface ProjectionContext {
  /** The physical table an entity lives in during this run (differs while rebuilding). */
  table(entity: EntityClass): string;
  column(entity: EntityClass, property: string): string;
  /** New rows: one that exists already (in the batch or the table) fails the batch. */
  insert(entity: EntityClass, rows: RowValues | RowValues[]): Promise<void>;
  /** Insert or, on conflict of `keys`, update the other given columns. */
  upsert(entity: EntityClass, row: RowValues, keys: string[]): Promise<void>;
  update(entity: EntityClass, set: RowValues, where: RowValues): Promise<void>;
  /** Adds `by` to numeric columns of the row with `key`, creating it with `insertDefaults` first. */
  increment(entity: EntityClass, key: RowValues, by: Record<string, number>, insertDefaults?: RowValues): Promise<void>;
  find<T = RowValues>(entity: EntityClass, where: RowValues): Promise<T | undefined>;
}
