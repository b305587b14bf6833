import { type Actor, type Decider, DomainError } from '@app/event-store/core';

/**
 * Why a data subject's erasure is restricted: GDPR Art. 17(3)(b) (a legal obligation, e.g. an
 * incident report or a retention duty) or (e) (establishing, exercising or defending legal claims,
 * e.g. a legal hold or a disclosure request). Contributed by the context that holds the reason.
 */
export interface ErasureGround {
  /** e.g. `legal-hold`, `open-incident`, `disclosure-request`. */
  ground: string;
  /** e.g. `GDPR Art. 17(3)(e)`. */
  article: string;
  /** The context that raised it, e.g. `retention`. */
  context: string;
  /** What it is about, e.g. `hold-0193…`: an id, never personal data. */
  reference: string;
}

export const dataSubjectStreamId = (pseudonym: string) => `data-subject-${pseudonym}`;

export type ErasureEvent =
  | {
      /**
       * The decision point (docs/adr/0020): every hold or other ground committed before it in the
       * global order is checked after it, before the key is shredded.
       */
      type: 'identity.ErasureDecided';
      data: { pseudonym: string; checkedContexts: string[]; at: string; by: Actor };
    }
  | {
      type: 'identity.ErasureRestricted';
      data: { pseudonym: string; grounds: ErasureGround[]; checkedContexts: string[]; at: string; by: Actor };
    }
  | {
      type: 'identity.DataSubjectKeyShredded';
      data: { pseudonym: string; kid: string | null; checkedContexts: string[]; at: string; by: Actor };
    };

export type ErasureCommand =
  | { type: 'DecideErasure'; pseudonym: string; checkedContexts: string[]; at: string; by: Actor }
  | { type: 'RestrictErasure'; pseudonym: string; grounds: ErasureGround[]; checkedContexts: string[]; at: string; by: Actor }
  | { type: 'RecordKeyShredded'; pseudonym: string; kid: string | null; checkedContexts: string[]; at: string; by: Actor };

export interface DataSubjectState {
  /** Decided and not yet shredded or restricted (a crash, or the check after the decision is running). */
  pending: boolean;
  erased: boolean;
  erasedAt: string | null;
  kid: string | null;
  restrictions: number;
}

/** A data subject's erasure history: restricted any number of times, erased at most once. */
export const erasureDecider: Decider<DataSubjectState, ErasureCommand, ErasureEvent> = {
  initialState: () => ({ pending: false, erased: false, erasedAt: null, kid: null, restrictions: 0 }),
  decide(command, state) {
    if (state.erased) throw new DomainError('already-erased', `Data subject ${command.pseudonym} was erased at ${state.erasedAt}`, 409);
    switch (command.type) {
      case 'DecideErasure':
        return [
          { type: 'identity.ErasureDecided', data: { pseudonym: command.pseudonym, checkedContexts: command.checkedContexts, at: command.at, by: command.by } },
        ];
      case 'RestrictErasure':
        if (command.grounds.length === 0) throw new DomainError('no-erasure-ground', 'A restriction needs at least one legal ground', 422);
        return [
          {
            type: 'identity.ErasureRestricted',
            data: { pseudonym: command.pseudonym, grounds: command.grounds, checkedContexts: command.checkedContexts, at: command.at, by: command.by },
          },
        ];
      case 'RecordKeyShredded':
        return [
          {
            type: 'identity.DataSubjectKeyShredded',
            data: { pseudonym: command.pseudonym, kid: command.kid, checkedContexts: command.checkedContexts, at: command.at, by: command.by },
          },
        ];
    }
  },
  evolve(state, event) {
    switch (event.type) {
      case 'identity.ErasureDecided':
        return { ...state, pending: true };
      case 'identity.ErasureRestricted':
        return { ...state, pending: false, restrictions: state.restrictions + 1 };
      case 'identity.DataSubjectKeyShredded':
        return { ...state, pending: false, erased: true, erasedAt: event.data.at, kid: event.data.kid };
      default:
        return state;
    }
  },
};
