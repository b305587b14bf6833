/**
 * Emmett-style decider: pure functions only, so domain logic is tested given–when–then
 * without a database. Handlers load (fold `evolve` over the stream), `decide`, then append.
 */
export interface Decider<State, Command, Event> {
  initialState: () => State;
  decide: (command: Command, state: State) => Event[];
  evolve: (state: State, event: Event) => State;
}

/** A domain rule was broken by a command; maps to a 4xx problem at the HTTP edge. */
export class DomainError extends Error {
  override readonly name = 'DomainError';
  constructor(
    /** Stable machine-readable code, e.g. `ai-system-suspended`. */
    readonly code: string,
    message: string,
    /** HTTP status the edge should answer with. */
    readonly status: 400 | 403 | 404 | 409 | 422 = 409,
    /** Request field the problem is about, when there is one. */
    readonly field?: string,
  ) {
    super(message);
  }
}

export function fold<State, Event>(decider: Pick<Decider<State, unknown, Event>, 'initialState' | 'evolve'>, events: Iterable<Event>): State {
  let state = decider.initialState();
  for (const e of events) state = decider.evolve(state, e);
  return state;
}
