import { expect } from '@jest/globals';
import { type Decider, DomainError, fold } from '../core';

/** The rule a refused command broke, as the HTTP edge will answer it. */
export interface ExpectedDomainError {
  code: string;
  status: number;
  field?: string;
}

/**
 * Runs `run` and asserts it throws a DomainError with the properties given (a `field: undefined`
 * given says it names no field); returns the error for further checks.
 */
export function expectDomainError(run: () => unknown, expected: Partial<ExpectedDomainError>): DomainError {
  let error: unknown;
  try {
    run();
  } catch (e) {
    error = e;
  }
  expect(error).toBeInstanceOf(DomainError);
  const thrown = error as DomainError;
  const keys = Object.keys(expected) as (keyof typeof expected)[];
  expect(Object.fromEntries(keys.map((k) => [k, thrown[k]]))).toEqual(expected);
  return thrown;
}

/**
 * given (history) – when (command) – then (the new events, or the rule that refused it), in the
 * shape of Emmett's DeciderSpecification but on Jest's matchers, so a failing case shows a diff,
 * and with our DomainError's code, status and field as the refusal.
 */
export const DeciderSpecification = {
  for<State, Command, Event>(decider: Decider<State, Command, Event>) {
    return (history: Event[]) => ({
      when(command: Command) {
        const decide = () => decider.decide(command, fold(decider, history));
        return {
          /** Exactly these events, or a check of the events decided. */
          then(expected: Event[] | ((events: Event[]) => void)): void {
            if (typeof expected === 'function') expected(decide());
            else expect(decide()).toEqual(expected);
          },
          /** Events that hold at least these fields, in this order. */
          thenMatches(expected: object[]): void {
            expect(decide()).toMatchObject(expected);
          },
          /** Refused with this code and status, naming this field (left out: naming none). */
          thenThrows: (expected: ExpectedDomainError): DomainError => expectDomainError(decide, { field: undefined, ...expected }),
        };
      },
    });
  },
};
