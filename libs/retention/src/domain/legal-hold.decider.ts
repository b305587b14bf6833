import { type Actor, type Decider, DomainError, streamIdentity, eventTypes, type EventsOf } from '@app/event-store/core';
import { type HoldScope, scopeIsEmpty } from './hold-scope';
import { isIsoInstant } from './retention-rule';

export const legalHoldStream = streamIdentity('hold-');
export const legalHoldStreamId = legalHoldStream.streamOf;

export interface LegalHoldPlacedData {
  holdId: string;
  scope: HoldScope;
  /** Claim or request reference and why; no patient identifiers (pseudonyms go in the scope). */
  reason: string;
  placedBy: Actor;
  placedAt: string;
}

export interface LegalHoldReviewedData {
  holdId: string;
  note: string;
  reviewedBy: Actor;
  reviewedAt: string;
}

export interface LegalHoldReleasedData {
  holdId: string;
  reason: string;
  releasedBy: Actor;
  releasedAt: string;
}

/** The events, declared once: type → data; the union and the list of types derive from it. */
export interface LegalHoldEventData {
  'retention.LegalHoldPlaced': LegalHoldPlacedData;
  'retention.LegalHoldReviewed': LegalHoldReviewedData;
  'retention.LegalHoldReleased': LegalHoldReleasedData;
}

export type LegalHoldEvent = EventsOf<LegalHoldEventData>;

export const LEGAL_HOLD_EVENT_TYPES = eventTypes<LegalHoldEventData>({
  'retention.LegalHoldPlaced': true,
  'retention.LegalHoldReviewed': true,
  'retention.LegalHoldReleased': true,
});

export type LegalHoldCommand =
  | { type: 'PlaceLegalHold'; holdId: string; scope: HoldScope; reason: string; placedBy: Actor; now: string }
  | { type: 'ReviewLegalHold'; holdId: string; note: string; reviewedBy: Actor; now: string }
  | { type: 'ReleaseLegalHold'; holdId: string; reason: string; releasedBy: Actor; now: string };

export interface LegalHoldState {
  exists: boolean;
  active: boolean;
  scope: HoldScope | null;
}

/** Holds are placed by legal or quality managers; only legal reviews and releases them. */
const PLACERS = ['legal', 'quality-manager'];

function decide(command: LegalHoldCommand, state: LegalHoldState): LegalHoldEvent[] {
  if (command.type === 'PlaceLegalHold') {
    if (state.exists) throw new DomainError('hold-exists', 'This hold is placed already', 409);
    if (!PLACERS.includes(command.placedBy.role)) throw new DomainError('hold-needs-legal', 'Only legal or a quality manager places a hold', 403);
    if (scopeIsEmpty(command.scope)) {
      throw new DomainError('hold-without-scope', 'A hold needs a scope: AI systems, patients, incidents, disclosure requests or a time range', 400, 'scope');
    }
    for (const field of ['from', 'to'] as const) {
      const at = command.scope[field];
      if (at !== null && !isIsoInstant(at)) throw new DomainError('invalid-timestamp', `scope.${field} must be a date-time`, 400, `scope.${field}`);
    }
    if (command.scope.from !== null && command.scope.to !== null && command.scope.from > command.scope.to) {
      throw new DomainError('period-reversed', 'scope.from must not be after scope.to', 400, 'scope.from');
    }
    if (!command.reason.trim()) throw new DomainError('reason-required', 'Say why the hold is placed (claim, incident, request)', 400, 'reason');
    return [
      {
        type: 'retention.LegalHoldPlaced',
        data: { holdId: command.holdId, scope: command.scope, reason: command.reason, placedBy: command.placedBy, placedAt: command.now },
      },
    ];
  }
  if (!state.exists) throw new DomainError('hold-not-found', 'No such legal hold', 404);
  if (!state.active) throw new DomainError('hold-released', 'The hold is released already', 409);
  if (command.type === 'ReviewLegalHold') {
    if (command.reviewedBy.role !== 'legal') throw new DomainError('hold-needs-legal', 'Only legal reviews a hold', 403);
    return [
      { type: 'retention.LegalHoldReviewed', data: { holdId: command.holdId, note: command.note, reviewedBy: command.reviewedBy, reviewedAt: command.now } },
    ];
  }
  if (command.releasedBy.role !== 'legal') throw new DomainError('hold-needs-legal', 'Only legal releases a hold', 403);
  if (!command.reason.trim()) throw new DomainError('reason-required', 'Say why the hold is released', 400, 'reason');
  return [
    { type: 'retention.LegalHoldReleased', data: { holdId: command.holdId, reason: command.reason, releasedBy: command.releasedBy, releasedAt: command.now } },
  ];
}

function evolve(state: LegalHoldState, event: LegalHoldEvent): LegalHoldState {
  switch (event.type) {
    case 'retention.LegalHoldPlaced':
      return { exists: true, active: true, scope: event.data.scope };
    case 'retention.LegalHoldReviewed':
      return state;
    case 'retention.LegalHoldReleased':
      return { ...state, active: false };
  }
}

export const legalHoldDecider: Decider<LegalHoldState, LegalHoldCommand, LegalHoldEvent> = {
  initialState: () => ({ exists: false, active: false, scope: null }),
  decide,
  evolve,
};
