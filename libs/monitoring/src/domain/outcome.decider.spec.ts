import { DeciderSpecification } from '@app/event-store/testing';
import type { EncryptedText } from '@app/event-store/core';
import { type ConfirmOutcome, type CorrectOutcome, type OutcomeConfirmed, outcomeDecider, type OutputFacts } from './index';

/**
 * Issue 23 item 6, ADR 0052: the confirmed outcome (ground truth) of an AI output, the basis of
 * monitoring "on the basis of the instructions for use" (AI Act Art. 26(5)) and of post-market
 * monitoring for an in-house provider (Art. 72).
 */
const now = '2026-12-07T10:00:00.000Z';
const by = { subject: 'qm-1', role: 'quality-manager' };
const note = { ciphertext: 'x', iv: 'y', tag: 'z', keyId: 'k' } as unknown as EncryptedText;
const output: OutputFacts = {
  outputId: '5f0e6a53-0000-5000-8000-000000000001',
  aiSystemId: '0193a1b2-0000-7000-8000-000000000001',
  modelVersion: '2.2.0',
  outputReference: 'pacs://study/1/ai',
  patientPseudonym: 'p-9f86d081884c7d65',
  ward: 'ICU-2',
  producedAt: '2026-11-23T10:00:00.000Z',
  aiFinding: 'positive',
};
const confirm = (more: Partial<ConfirmOutcome> = {}): ConfirmOutcome => ({
  type: 'ConfirmOutcome',
  outputId: output.outputId,
  aiSystemId: output.aiSystemId,
  outputReference: output.outputReference,
  output,
  reviews: [],
  aiFinding: null,
  ward: null,
  confirmedFinding: 'positive',
  agreesWithAi: null,
  source: 'pathology',
  note: null,
  knownAt: '2026-11-30T09:00:00.000Z',
  by,
  now,
  ...more,
});
const confirmed: OutcomeConfirmed = {
  type: 'monitoring.OutcomeConfirmed',
  data: {
    ...output,
    arrivedBy: 'feed',
    confirmedFinding: 'positive',
    agreesWithAi: true,
    source: 'pathology',
    note: null,
    knownAt: '2026-11-30T09:00:00.000Z',
    confirmedBy: by,
  },
};
/** Reviews of an output a clinician entered by hand (it never came by feed). */
const review = (reviewId: string, seenAt: string, withdrawn = false) => ({
  reviewId,
  modelVersion: '2.2.0',
  patientPseudonym: 'p-9f86d081884c7d65',
  seenAt,
  withdrawn,
});
const handEntered = (more: Partial<ConfirmOutcome> = {}) =>
  confirm({
    output: null,
    reviews: [review('r-2', '2026-11-24T08:00:00.000Z'), review('r-1', '2026-11-23T12:00:00.000Z')],
    aiFinding: 'positive',
    ward: 'ICU-2',
    ...more,
  });
const correct = (more: Partial<CorrectOutcome> = {}): CorrectOutcome => ({
  type: 'CorrectOutcome',
  outputId: output.outputId,
  confirmedFinding: 'negative',
  agreesWithAi: null,
  source: 'pathology',
  note: null,
  reason: note,
  hasReason: true,
  by,
  now,
  ...more,
});

const given = DeciderSpecification.for(outcomeDecider);

describe('Outcome decider (confirmed outcome of an AI output)', () => {
  it('records the outcome with the output facts; agreement derived from the two findings', () => {
    given([]).when(confirm()).then([confirmed]);
    given([])
      .when(confirm({ confirmedFinding: 'negative' }))
      .then([{ ...confirmed, data: { ...confirmed.data, confirmedFinding: 'negative', agreesWithAi: false } }]);
  });

  it("refuses an agreement that contradicts the findings (422 naming agreesWithAi): a positive AI finding confirmed negative does not 'agree'", () => {
    given([])
      .when(confirm({ confirmedFinding: 'negative', agreesWithAi: true }))
      .thenThrows({ code: 'agreement-contradicts-findings', status: 422, field: 'agreesWithAi' });
  });

  it("takes the person's judgement when the output is no finding, and requires it then (400 naming agreesWithAi)", () => {
    const noFinding = { ...output, aiFinding: null };
    given([])
      .when(confirm({ output: noFinding, confirmedFinding: null, agreesWithAi: false, source: 'follow-up' }))
      .then([{ ...confirmed, data: { ...confirmed.data, aiFinding: null, confirmedFinding: null, agreesWithAi: false, source: 'follow-up' } }]);
    given([])
      .when(confirm({ output: noFinding, confirmedFinding: 'positive' }))
      .thenThrows({ code: 'agreement-required', status: 400, field: 'agreesWithAi' });
  });

  it('refuses an output that neither came by feed nor was reviewed (404), a second confirmation (409), a bad source, a future or too early knownAt (400)', () => {
    given([])
      .when(confirm({ output: null }))
      .thenThrows({ code: 'output-not-found', status: 404, field: 'outputReference' });
    given([confirmed]).when(confirm()).thenThrows({ code: 'outcome-already-confirmed', status: 409, field: 'outputReference' });
    given([])
      .when(confirm({ source: 'gut feeling' }))
      .thenThrows({ code: 'invalid-source', status: 400, field: 'source' });
    given([])
      .when(confirm({ knownAt: '2026-12-08T00:00:00.000Z' }))
      .thenThrows({ code: 'known-in-future', status: 400, field: 'knownAt' });
    given([])
      .when(confirm({ knownAt: '2026-11-01T00:00:00.000Z' }))
      .thenThrows({ code: 'known-before-output', status: 400, field: 'knownAt' });
  });

  it('takes knownAt as now when not given', () => {
    given([])
      .when(confirm({ knownAt: null }))
      .then([{ ...confirmed, data: { ...confirmed.data, knownAt: now } }]);
  });

  it('corrects a recorded outcome with a reason, restating it in full; agreement derived again', () => {
    given([confirmed])
      .when(correct())
      .then([
        {
          type: 'monitoring.OutcomeCorrected',
          data: {
            outputId: output.outputId,
            aiSystemId: output.aiSystemId,
            confirmedFinding: 'negative',
            agreesWithAi: false,
            source: 'pathology',
            note: null,
            reason: note,
            correctedBy: by,
            correctedAt: now,
          },
        },
      ]);
  });

  it('refuses a correction without an outcome (404), without a reason (400) or that changes nothing (409)', () => {
    given([]).when(correct()).thenThrows({ code: 'outcome-not-found', status: 404, field: 'outputId' });
    given([confirmed])
      .when(correct({ reason: null, hasReason: false }))
      .thenThrows({ code: 'reason-required', status: 400, field: 'reason' });
    given([confirmed])
      .when(correct({ confirmedFinding: 'positive' }))
      .thenThrows({ code: 'outcome-unchanged', status: 409, field: 'confirmedFinding' });
  });

  describe('an output a clinician entered by hand and reviewed (never fed; ADR 0052 amendment)', () => {
    it("takes version, patient and first sight from its earliest live review, ward and the AI's finding from the request", () => {
      given([])
        .when(handEntered())
        .then([
          {
            type: 'monitoring.OutcomeConfirmed',
            data: {
              outputId: output.outputId,
              aiSystemId: output.aiSystemId,
              modelVersion: '2.2.0',
              outputReference: output.outputReference,
              patientPseudonym: 'p-9f86d081884c7d65',
              ward: 'ICU-2',
              producedAt: '2026-11-23T12:00:00.000Z',
              aiFinding: 'positive',
              arrivedBy: 'review',
              reviewId: 'r-1',
              confirmedFinding: 'positive',
              agreesWithAi: true,
              source: 'pathology',
              note: null,
              knownAt: '2026-11-30T09:00:00.000Z',
              confirmedBy: by,
            },
          },
        ]);
    });

    it("skips a withdrawn review; without the AI's finding, the person's agreement is required", () => {
      const withdrawnFirst = [review('r-1', '2026-11-23T12:00:00.000Z', true), review('r-2', '2026-11-24T08:00:00.000Z')];
      given([])
        .when(handEntered({ reviews: withdrawnFirst, aiFinding: null, ward: null, agreesWithAi: false }))
        .thenMatches([{ data: { reviewId: 'r-2', producedAt: '2026-11-24T08:00:00.000Z', aiFinding: null, ward: null, agreesWithAi: false } }]);
      given([])
        .when(handEntered({ aiFinding: null }))
        .thenThrows({ code: 'agreement-required', status: 400, field: 'agreesWithAi' });
    });

    it('refuses an output whose every review was withdrawn (409), a second outcome (409), a bad ward or finding (400), knownAt before it was seen (400)', () => {
      given([])
        .when(handEntered({ reviews: [review('r-1', '2026-11-23T12:00:00.000Z', true)] }))
        .thenThrows({ code: 'output-not-reviewed', status: 409, field: 'outputReference' });
      given([confirmed]).when(handEntered()).thenThrows({ code: 'outcome-already-confirmed', status: 409, field: 'outputReference' });
      given([])
        .when(handEntered({ ward: 'ICU 2; bed 4 Jansen' }))
        .thenThrows({ code: 'invalid-ward', status: 400, field: 'ward' });
      given([])
        .when(handEntered({ aiFinding: 'maybe' as never }))
        .thenThrows({ code: 'invalid-finding', status: 400, field: 'aiFinding' });
      given([])
        .when(handEntered({ knownAt: '2026-11-23T11:00:00.000Z' }))
        .thenThrows({ code: 'known-before-output', status: 400, field: 'knownAt' });
    });
  });

  it("refuses a fed output's AI finding or ward restated differently (422 naming the field); the same is accepted", () => {
    given([])
      .when(confirm({ aiFinding: 'negative' }))
      .thenThrows({ code: 'conflicts-with-feed', status: 422, field: 'aiFinding' });
    given([])
      .when(confirm({ ward: 'ED' }))
      .thenThrows({ code: 'conflicts-with-feed', status: 422, field: 'ward' });
    given([])
      .when(confirm({ aiFinding: 'positive', ward: 'ICU-2' }))
      .then([confirmed]);
  });

  it("corrects a hand-entered output's AI finding and ward with the judgement (agreement derived again); a fed output's are the feed's (422 naming the field)", () => {
    const manual: OutcomeConfirmed = { ...confirmed, data: { ...confirmed.data, arrivedBy: 'review', reviewId: 'r-1' } };
    given([manual])
      .when(correct({ aiFinding: 'negative', confirmedFinding: 'positive' }))
      .thenMatches([
        { type: 'monitoring.OutcomeCorrected', data: { aiFinding: 'negative', ward: 'ICU-2', confirmedFinding: 'positive', agreesWithAi: false } },
      ]);
    given([manual])
      .when(correct({ ward: 'bed 4 Jansen' }))
      .thenThrows({ code: 'invalid-ward', status: 400, field: 'ward' });
    given([confirmed])
      .when(correct({ aiFinding: 'negative' }))
      .thenThrows({ code: 'conflicts-with-feed', status: 422, field: 'aiFinding' });
    given([confirmed])
      .when(correct({ ward: 'ED' }))
      .thenThrows({ code: 'conflicts-with-feed', status: 422, field: 'ward' });
    // Restating only the AI's finding is a change (nothing else differs).
    given([manual])
      .when(correct({ aiFinding: 'negative', confirmedFinding: 'positive', agreesWithAi: null }))
      .thenMatches([{ data: { aiFinding: 'negative' } }]);
  });
});
