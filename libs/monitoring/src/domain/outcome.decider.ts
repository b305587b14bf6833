import { type Decider, DomainError } from '@app/event-store/core';
import type { ConfirmOutcome, CorrectOutcome, OutcomeCommand, OutcomeJudgement } from './outcome.commands';
import { FINDINGS, type Finding, OUTCOME_SOURCES, type OutcomeConfirmedData, type OutcomeEvent, type OutcomeSource } from './outcome.events';

export type OutcomeState = { exists: false } | ({ exists: true } & Omit<OutcomeConfirmedData, 'confirmedBy'>);

/**
 * The ground truth of one AI output, once: a second confirmation is a 409 (a correction restates
 * it with a reason). Agreement follows from the findings when both are known (ADR 0052): the
 * person cannot record "agrees" for a positive AI finding that was confirmed negative.
 */
function decide(command: OutcomeCommand, state: OutcomeState): OutcomeEvent[] {
  return command.type === 'ConfirmOutcome' ? confirm(command, state) : correct(command, state);
}

function confirm(c: ConfirmOutcome, state: OutcomeState): OutcomeEvent[] {
  if (!c.output) throw new DomainError('output-not-found', 'No AI output with this system and reference came by feed.', 404, 'outputReference');
  if (state.exists) {
    throw new DomainError('outcome-already-confirmed', 'The outcome of this output is recorded; correct it instead.', 409, 'outputReference');
  }
  const judged = judge(c, c.output.aiFinding);
  const knownAt = c.knownAt ?? c.now;
  if (Number.isNaN(Date.parse(knownAt))) throw new DomainError('invalid-timestamp', 'knownAt is not an ISO 8601 date-time.', 400, 'knownAt');
  if (Date.parse(knownAt) > Date.parse(c.now)) throw new DomainError('known-in-future', 'knownAt is in the future.', 400, 'knownAt');
  if (Date.parse(knownAt) < Date.parse(c.output.producedAt)) {
    throw new DomainError('known-before-output', 'knownAt is before the AI produced the output.', 400, 'knownAt');
  }
  const o = c.output;
  return [
    {
      type: 'monitoring.OutcomeConfirmed',
      data: {
        outputId: o.outputId,
        aiSystemId: o.aiSystemId,
        modelVersion: o.modelVersion,
        outputReference: o.outputReference,
        patientPseudonym: o.patientPseudonym,
        ward: o.ward,
        producedAt: o.producedAt,
        aiFinding: o.aiFinding,
        ...judged,
        knownAt: new Date(knownAt).toISOString(),
        confirmedBy: { subject: c.by.subject, role: c.by.role },
      },
    },
  ];
}

function correct(c: CorrectOutcome, state: OutcomeState): OutcomeEvent[] {
  if (!state.exists) throw new DomainError('outcome-not-found', 'No outcome of this output is recorded.', 404, 'outputId');
  if (!c.hasReason || !c.reason) throw new DomainError('reason-required', 'A correction needs a reason.', 400, 'reason');
  const judged = judge(c, state.aiFinding);
  if (judged.confirmedFinding === state.confirmedFinding && judged.agreesWithAi === state.agreesWithAi && judged.source === state.source && !c.note) {
    throw new DomainError('outcome-unchanged', 'The correction restates the recorded outcome.', 409, 'confirmedFinding');
  }
  return [
    {
      type: 'monitoring.OutcomeCorrected',
      data: {
        outputId: state.outputId,
        aiSystemId: state.aiSystemId,
        ...judged,
        reason: c.reason,
        correctedBy: { subject: c.by.subject, role: c.by.role },
        correctedAt: c.now,
      },
    },
  ];
}

/** Agreement: from the two findings when both are known, else the person's judgement (required). */
function judge(j: OutcomeJudgement, aiFinding: Finding | null) {
  if (!(OUTCOME_SOURCES as readonly string[]).includes(j.source)) {
    throw new DomainError('invalid-source', `source is one of ${OUTCOME_SOURCES.join(', ')}.`, 400, 'source');
  }
  if (j.confirmedFinding !== null && !(FINDINGS as readonly string[]).includes(j.confirmedFinding)) {
    throw new DomainError('invalid-finding', 'confirmedFinding is positive or negative.', 400, 'confirmedFinding');
  }
  let agreesWithAi = j.agreesWithAi;
  if (aiFinding !== null && j.confirmedFinding !== null) {
    const derived = aiFinding === j.confirmedFinding;
    if (agreesWithAi !== null && agreesWithAi !== derived) {
      throw new DomainError(
        'agreement-contradicts-findings',
        `The AI found ${aiFinding} and the outcome is ${j.confirmedFinding}: agreesWithAi would be ${derived}.`,
        422,
        'agreesWithAi',
      );
    }
    agreesWithAi = derived;
  }
  if (agreesWithAi === null) {
    throw new DomainError('agreement-required', 'Say whether the AI agreed with the outcome (or give both findings).', 400, 'agreesWithAi');
  }
  return { confirmedFinding: j.confirmedFinding, agreesWithAi, source: j.source as OutcomeSource, note: j.note };
}

function evolve(state: OutcomeState, event: OutcomeEvent): OutcomeState {
  switch (event.type) {
    case 'monitoring.OutcomeConfirmed': {
      const { confirmedBy: _by, ...d } = event.data;
      return { exists: true, ...d };
    }
    case 'monitoring.OutcomeCorrected': {
      if (!state.exists) return state;
      const { confirmedFinding, agreesWithAi, source, note } = event.data;
      return { ...state, confirmedFinding, agreesWithAi, source, note };
    }
    default:
      return state;
  }
}

export const outcomeDecider: Decider<OutcomeState, OutcomeCommand, OutcomeEvent> = {
  initialState: () => ({ exists: false }),
  decide,
  evolve,
};
