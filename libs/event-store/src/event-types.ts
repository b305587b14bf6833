/**
 * A context declares its events once, as a map from event type to data shape; the union of its
 * events, each event, and the runtime list of its types (which a projection subscribes to) are
 * derived from that map, so a new event cannot be added to one and forgotten in another.
 */
export type EventsOf<M> = { [T in keyof M & string]: { type: T; data: M[T] } }[keyof M & string];

/** One event of a context's map: `EventOf<ReviewEventData, 'oversight.ReviewWithdrawn'>`. */
export type EventOf<M, T extends keyof M & string> = { type: T; data: M[T] };

/**
 * The runtime list of a context's event types. The argument names every type of the map once
 * (the compiler refuses a missing or unknown one), in the order the list keeps.
 */
export function eventTypes<M>(types: { [T in keyof M & string]: true }): ReadonlyArray<keyof M & string> {
  return Object.keys(types) as Array<keyof M & string>;
}
