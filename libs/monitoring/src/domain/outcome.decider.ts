import { type Decider, DomainError } from '@app/event-store/core';
import type { ConfirmOutcome, CorrectOutcome, OutcomeCommand, OutcomeJudgement, ReviewOfOutput } from './outcome.commands';
import {
  FINDINGS,
  type Finding,
  OUTCOME_SOURCES,
  type OutcomeConfirmedData,
  type OutcomeEvent,
  type OutcomeSource,
  type OutputFacts,
  WARD_CODE,
} from './outcome.events';

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
  const o = outputOf(c);
  if (state.exists) {
    throw new DomainError('outcome-already-confirmed', 'The outcome of this output is recorded; correct it instead.', 409, 'outputReference');
  }
  const judged = judge(c, o.aiFinding);
  const knownAt = c.knownAt ?? c.now;
  if (Number.isNaN(Date.parse(knownAt))) throw new DomainError('invalid-timestamp', 'knownAt is not an ISO 8601 date-time.', 400, 'knownAt');
  if (Date.parse(knownAt) > Date.parse(c.now)) throw new DomainError('known-in-future', 'knownAt is in the future.', 400, 'knownAt');
  if (Date.parse(knownAt) < Date.parse(o.producedAt)) {
    const before = o.arrivedBy === 'review' ? 'before the output was first seen by its reviewer' : 'before the AI produced the output';
    throw new DomainError('known-before-output', `knownAt is ${before}.`, 400, 'knownAt');
  }
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
        arrivedBy: o.arrivedBy,
        ...(o.reviewId ? { reviewId: o.reviewId } : {}),
        ...judged,
        knownAt: new Date(knownAt).toISOString(),
        confirmedBy: { subject: c.by.subject, role: c.by.role },
      },
    },
  ];
}

/** The live review that saw the output first: the one a hand-entered output's facts come from. */
export function earliestLiveReview(reviews: readonly ReviewOfOutput[]): ReviewOfOutput | null {
  return reviews.filter((r) => !r.withdrawn).sort((a, b) => Date.parse(a.seenAt) - Date.parse(b.seenAt) || a.reviewId.localeCompare(b.reviewId))[0] ?? null;
}

/**
 * The output the outcome is of, however it arrived (ADR 0052 amendment). Fed: the feed's record,
 * which the request may repeat but not contradict. Hand-entered: known only from its reviews, so
 * at least one must be live; its version, patient and first sight come from the earliest live
 * review, its ward and the AI's finding from the request.
 */
function outputOf(c: ConfirmOutcome): OutputFacts & { arrivedBy: 'feed' | 'review' } {
  if (c.aiFinding !== null && !(FINDINGS as readonly string[]).includes(c.aiFinding)) {
    throw new DomainError('invalid-finding', 'aiFinding is positive or negative.', 400, 'aiFinding');
  }
  if (c.ward !== null && !WARD_CODE.test(c.ward)) {
    throw new DomainError('invalid-ward', 'ward is a short code: letters, digits, dot, dash or underscore, at most 32.', 400, 'ward');
  }
  if (c.output) {
    const fed = c.output;
    if (c.aiFinding !== null && c.aiFinding !== fed.aiFinding) {
      throw new DomainError(
        'conflicts-with-feed',
        `The feed recorded the AI's finding as ${fed.aiFinding ?? 'none'}; it cannot be restated.`,
        422,
        'aiFinding',
      );
    }
    if (c.ward !== null && c.ward !== fed.ward) {
      throw new DomainError('conflicts-with-feed', `The feed recorded the ward as ${fed.ward ?? 'none'}; it cannot be restated.`, 422, 'ward');
    }
    return { ...fed, arrivedBy: 'feed' };
  }
  if (c.reviews.length === 0) {
    throw new DomainError('output-not-found', 'No AI output with this system and reference came by feed or was reviewed.', 404, 'outputReference');
  }
  const first = earliestLiveReview(c.reviews);
  if (!first) {
    throw new DomainError(
      'output-not-reviewed',
      'Every review of this output was withdrawn: it has no review to confirm an outcome for.',
      409,
      'outputReference',
    );
  }
  return {
    outputId: c.outputId,
    aiSystemId: c.aiSystemId,
    modelVersion: first.modelVersion,
    outputReference: c.outputReference,
    patientPseudonym: first.patientPseudonym,
    ward: c.ward,
    producedAt: first.seenAt,
    aiFinding: c.aiFinding,
    arrivedBy: 'review',
    reviewId: first.reviewId,
  };
}

function correct(c: CorrectOutcome, state: OutcomeState): OutcomeEvent[] {
  if (!state.exists) throw new DomainError('outcome-not-found', 'No outcome of this output is recorded.', 404, 'outputId');
  if (!c.hasReason || !c.reason) throw new DomainError('reason-required', 'A correction needs a reason.', 400, 'reason');
  const output = restated(c, state);
  const judged = judge(c, output.aiFinding);
  const same = output.aiFinding === state.aiFinding && output.ward === state.ward;
  if (same && judged.confirmedFinding === state.confirmedFinding && judged.agreesWithAi === state.agreesWithAi && judged.source === state.source && !c.note) {
    throw new DomainError('outcome-unchanged', 'The correction restates the recorded outcome.', 409, 'confirmedFinding');
  }
  return [
    {
      type: 'monitoring.OutcomeCorrected',
      data: {
        outputId: state.outputId,
        aiSystemId: state.aiSystemId,
        ...(same ? {} : { aiFinding: output.aiFinding, ward: output.ward }),
        ...judged,
        reason: c.reason,
        correctedBy: { subject: c.by.subject, role: c.by.role },
        correctedAt: c.now,
      },
    },
  ];
}

/**
 * The AI's finding and ward after a correction: a hand-entered output's may be restated (the
 * person gave them), a fed output's are the feed's (422 naming the field when another is given).
 */
function restated(c: CorrectOutcome, state: Extract<OutcomeState, { exists: true }>): { aiFinding: Finding | null; ward: string | null } {
  const aiFinding = c.aiFinding === undefined ? state.aiFinding : c.aiFinding;
  const ward = c.ward === undefined ? state.ward : c.ward;
  if (aiFinding !== null && !(FINDINGS as readonly string[]).includes(aiFinding)) {
    throw new DomainError('invalid-finding', 'aiFinding is positive or negative.', 400, 'aiFinding');
  }
  if (ward !== null && !WARD_CODE.test(ward)) {
    throw new DomainError('invalid-ward', 'ward is a short code: letters, digits, dot, dash or underscore, at most 32.', 400, 'ward');
  }
  if (state.arrivedBy !== 'review') {
    if (aiFinding !== state.aiFinding) {
      throw new DomainError('conflicts-with-feed', "A fed output's AI finding is the feed's; it cannot be corrected here.", 422, 'aiFinding');
    }
    if (ward !== state.ward) throw new DomainError('conflicts-with-feed', "A fed output's ward is the feed's; it cannot be corrected here.", 422, 'ward');
  }
  return { aiFinding, ward };
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
      const { confirmedFinding, agreesWithAi, source, note, aiFinding, ward } = event.data;
      return {
        ...state,
        ...(aiFinding === undefined ? {} : { aiFinding }),
        ...(ward === undefined ? {} : { ward }),
        confirmedFinding,
        agreesWithAi,
        source,
        note,
      };
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
