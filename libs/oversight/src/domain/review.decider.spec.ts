import { type EncryptedText, type EventEnvelope, fold } from '@app/event-store/core';
import { DeciderSpecification } from '@app/event-store/testing';
import { aiSystemDecider, reviewableSnapshot } from '../../../ai-systems/src/domain';
import {
  type AiOutputReviewed,
  type AiOutputReviewedData,
  type CorrectReview,
  type LinkReviewToIncident,
  type RecordReview,
  type ReviewEvent,
  type WithdrawReview,
  reviewDecider,
  reviewStreamId,
} from './index';

const reviewId = '0193a1b2-0000-7000-8000-0000000000a1';
const aiSystemId = '0193a1b2-0000-7000-8000-000000000001';
const seenAt = '2026-11-23T10:00:00.000Z';
const decidedAt = '2026-11-23T10:02:30.000Z';
const now = '2026-11-23T10:03:00.000Z';
const later = '2026-11-24T08:00:00.000Z';
const sha = 'a'.repeat(64);

const clinician = { subject: 'u-radiologist-1', role: 'clinician' };
const colleague = { subject: 'u-radiologist-2', role: 'clinician' };
const qualityManager = { subject: 'u-qm-1', role: 'quality-manager' };

const encrypted = (ct: string): EncryptedText => ({
  enc: 'aes-256-gcm',
  kid: 'subject-key-7',
  iv: 'bm9uY2U=',
  ct,
});
const rationale = encrypted('cmF0aW9uYWxl');
const note = encrypted('bm90ZQ==');

const activeSystem = {
  exists: true,
  status: 'active' as const,
  knownVersions: ['2.1.0', '2.2.0'],
  name: 'LungNodule Detect',
};

/** A system without a compliance policy and not prohibited: reviews as before issue 23. */
const notChecked = { prohibited: null, competencePolicy: 'not-checked' as const, reviewerAuthorisations: [] };

const recordCommand = (more: Partial<RecordReview> = {}): RecordReview => ({
  type: 'RecordReview',
  reviewId,
  aiSystemId,
  modelVersion: '2.2.0',
  outputReference: 'pacs://study/1.2.840.1/series/4',
  outputSha256: sha,
  patientPseudonym: 'p-9f86d081884c7d65',
  reviewer: clinician,
  decision: 'rejected',
  reason: rationale,
  hasReason: true,
  seenAt,
  decidedAt,
  incidentId: null,
  incident: null,
  system: activeSystem,
  compliance: notChecked,
  now,
  ...more,
});

const reviewedData: AiOutputReviewedData = {
  reviewId,
  aiSystemId,
  modelVersion: '2.2.0',
  outputReference: 'pacs://study/1.2.840.1/series/4',
  outputSha256: sha,
  patientPseudonym: 'p-9f86d081884c7d65',
  reviewer: clinician,
  decision: 'rejected',
  reason: rationale,
  seenAt,
  decidedAt,
  incidentId: null,
};

const reviewed = (more: Partial<AiOutputReviewedData> = {}): AiOutputReviewed => ({
  type: 'oversight.AiOutputReviewed',
  data: { ...reviewedData, ...more },
});

const corrected: ReviewEvent = {
  type: 'oversight.ReviewCorrected',
  data: {
    reviewId,
    decision: 'modified',
    reason: encrypted('Y29ycmVjdGVk'),
    correctionNote: note,
    correctedBy: clinician,
    correctedAt: later,
  },
};

const withdrawn: ReviewEvent = {
  type: 'oversight.ReviewWithdrawn',
  data: { reviewId, reason: rationale, withdrawnBy: clinician, withdrawnAt: later },
};

const linked = (incidentId: string): ReviewEvent => ({
  type: 'oversight.ReviewLinkedToIncident',
  data: { reviewId, incidentId, linkedBy: qualityManager, linkedAt: later },
});

const correctCommand = (more: Partial<CorrectReview> = {}): CorrectReview => ({
  type: 'CorrectReview',
  reviewId,
  decision: 'modified',
  reason: rationale,
  hasReason: true,
  correctionNote: note,
  correctedBy: clinician,
  now: later,
  ...more,
});

const withdrawCommand = (more: Partial<WithdrawReview> = {}): WithdrawReview => ({
  type: 'WithdrawReview',
  reviewId,
  reason: rationale,
  hasReason: true,
  withdrawnBy: clinician,
  now: later,
  ...more,
});

const linkCommand = (incidentId = 'inc-1', more: Partial<LinkReviewToIncident> = {}): LinkReviewToIncident => ({
  type: 'LinkReviewToIncident',
  reviewId,
  incidentId,
  incident: { reportedBy: clinician },
  linkedBy: qualityManager,
  now: later,
  ...more,
});

const stateAfter = (events: ReviewEvent[]) => fold(reviewDecider, events);

const given = DeciderSpecification.for(reviewDecider);

describe('review decider', () => {
  it('names the stream review-<id>', () => {
    expect(reviewStreamId(reviewId)).toBe(`review-${reviewId}`);
  });

  describe('RecordReview', () => {
    it('records the review with its encrypted reason', () => {
      given([]).when(recordCommand()).then([reviewed()]);
    });

    it('records an acceptance without a reason', () => {
      given([])
        .when(recordCommand({ decision: 'accepted', reason: null, hasReason: false }))
        .then([reviewed({ decision: 'accepted', reason: null })]);
    });

    it('keeps a reason given with an acceptance', () => {
      given([])
        .when(recordCommand({ decision: 'accepted' }))
        .then([reviewed({ decision: 'accepted', reason: rationale })]);
    });

    it('drops an encrypted reason the edge marked blank', () => {
      given([])
        .when(recordCommand({ decision: 'accepted', hasReason: false }))
        .then([reviewed({ decision: 'accepted', reason: null })]);
    });

    it('records a review of output from an earlier deployed version, linked to an incident', () => {
      given([])
        .when(recordCommand({ modelVersion: '2.1.0', incidentId: 'inc-1', incident: { reportedBy: clinician } }))
        .then([reviewed({ modelVersion: '2.1.0', incidentId: 'inc-1' })]);
      given([])
        .when(recordCommand({ incidentId: 'inc-unknown', incident: null }))
        .thenThrows({ code: 'incident-not-found', status: 404, field: 'incidentId' });
      // Another clinician's incident is answered exactly like an unknown one.
      const unknown = given([])
        .when(recordCommand({ incidentId: 'inc-unknown', incident: null }))
        .thenThrows({ code: 'incident-not-found', status: 404, field: 'incidentId' });
      const unseen = given([])
        .when(recordCommand({ incidentId: 'inc-1', incident: { reportedBy: colleague } }))
        .thenThrows({ code: 'incident-not-found', status: 404, field: 'incidentId' });
      expect(unseen.message).toBe(unknown.message);
    });

    it('puts only the event fields in the ledger (no snapshot, flag or command time)', () => {
      const [event] = reviewDecider.decide(recordCommand({ reviewer: { ...clinician, email: 'x@example.org' } as never }), reviewDecider.initialState());
      expect(Object.keys(event.data).sort()).toEqual(Object.keys(reviewedData).sort());
      expect((event as AiOutputReviewed).data.reviewer).toEqual(clinician);
    });

    it('accepts the snapshot the ai-systems context produces', () => {
      const system = reviewableSnapshot(
        fold(aiSystemDecider, [
          {
            type: 'ai-systems.AiSystemRegistered',
            data: {
              aiSystemId,
              name: 'LungNodule Detect',
              supplier: { name: 'Acme Imaging B.V.', incidentContactEmail: null },
              version: '2.2.0',
              intendedPurpose: 'Flags pulmonary nodules on chest CT.',
              aiActRiskClass: 'high',
              mdrClass: 'IIa',
              inHouseDevice: false,
              ifuVersion: null,
              oversightPersons: [],
              ceMarking: null,
              udiDi: null,
              registeredAt: seenAt,
            },
          },
        ]),
      );
      given([]).when(recordCommand({ system })).then([reviewed()]);
    });

    it('refuses a review that is already recorded', () => {
      given([reviewed()]).when(recordCommand()).thenThrows({ code: 'review-exists', status: 409 });
    });

    it('refuses a review of a system that is not registered', () => {
      given([])
        .when(recordCommand({ system: { exists: false, status: 'active', knownVersions: [], name: null } }))
        .thenThrows({ code: 'ai-system-not-found', status: 404, field: 'aiSystemId' });
    });

    it('refuses a review while use of the system is suspended', () => {
      const error = given([])
        .when(recordCommand({ system: { ...activeSystem, status: 'suspended' } }))
        .thenThrows({ code: 'ai-system-suspended', status: 409 });
      expect(error.message).toMatch(/LungNodule Detect.*suspended.*reviews cannot be recorded/);
    });

    describe('the compliance file (issue 23)', () => {
      const trained = [{ from: '2026-01-09T23:00:00.000Z', until: '2026-12-31T22:59:59.999Z', endsAtWithdrawal: false }];
      const lapsed = [{ from: '2025-01-09T23:00:00.000Z', until: '2026-06-30T21:59:59.999Z', endsAtWithdrawal: false }];

      it('refuses every review of a system classified as a prohibited practice, like a suspended one', () => {
        const error = given([])
          .when(recordCommand({ compliance: { ...notChecked, prohibited: 'classified as a prohibited AI practice (Art. 5(1)(f))' } }))
          .thenThrows({ code: 'ai-system-prohibited', status: 409 });
        expect(error.message).toMatch(/LungNodule Detect.*prohibited AI practice.*Art\. 5/);
      });

      it('refuses a review by someone without a competence record under the refuse policy', () => {
        const error = given([])
          .when(recordCommand({ compliance: { ...notChecked, competencePolicy: 'refuse' } }))
          .thenThrows({ code: 'reviewer-not-authorised', status: 403 });
        expect(error.message).toMatch(/u-radiologist-1.*Art\. 26\(2\)/);
      });

      it('refuses a review whose decision falls after the record lapsed', () => {
        given([])
          .when(recordCommand({ compliance: { ...notChecked, competencePolicy: 'refuse', reviewerAuthorisations: lapsed } }))
          .thenThrows({ code: 'reviewer-not-authorised', status: 403 });
      });

      it('records a review by a currently authorised overseer, marked authorised', () => {
        given([])
          .when(recordCommand({ compliance: { ...notChecked, competencePolicy: 'refuse', reviewerAuthorisations: [...lapsed, ...trained] } }))
          .then([reviewed({ competence: 'authorised' })]);
      });

      it('counts an expiry instant as still authorised, a withdrawal instant as no longer (the file shows the record withdrawn then)', () => {
        const at = (until: string, endsAtWithdrawal: boolean) => [{ from: '2026-01-09T23:00:00.000Z', until, endsAtWithdrawal }];
        const decidedAt = recordCommand().decidedAt;
        given([])
          .when(recordCommand({ compliance: { ...notChecked, competencePolicy: 'flag', reviewerAuthorisations: at(decidedAt, false) } }))
          .then([reviewed({ competence: 'authorised' })]);
        given([])
          .when(recordCommand({ compliance: { ...notChecked, competencePolicy: 'flag', reviewerAuthorisations: at(decidedAt, true) } }))
          .then([reviewed({ competence: 'not-authorised' })]);
      });

      it('records a review by someone not authorised under the flag policy, flagged for the quality manager', () => {
        given([])
          .when(recordCommand({ compliance: { ...notChecked, competencePolicy: 'flag', reviewerAuthorisations: lapsed } }))
          .then([reviewed({ competence: 'not-authorised' })]);
      });

      it('checks nothing while the system has no competence policy', () => {
        given([])
          .when(recordCommand({ compliance: { ...notChecked, reviewerAuthorisations: lapsed } }))
          .then([reviewed()]);
      });
    });

    it('refuses a model version that was never deployed', () => {
      given([])
        .when(recordCommand({ modelVersion: '3.0.0' }))
        .thenThrows({ code: 'unknown-model-version', status: 422, field: 'modelVersion' });
    });

    it.each(['modified', 'rejected', 'escalated'] as const)('refuses "%s" without a reason', (decision) => {
      given([])
        .when(recordCommand({ decision, reason: null, hasReason: false }))
        .thenThrows({ code: 'reason-required', status: 400, field: 'reason' });
    });

    it('refuses a reason flagged present but missing', () => {
      given([])
        .when(recordCommand({ reason: null, hasReason: true }))
        .thenThrows({ code: 'reason-required', status: 400, field: 'reason' });
    });

    it('refuses a decision before the output was seen', () => {
      given([])
        .when(recordCommand({ decidedAt: '2026-11-23T09:59:59.999Z' }))
        .thenThrows({ code: 'decided-before-seen', status: 400, field: 'decidedAt' });
    });

    it('accepts a decision at the moment the output was seen', () => {
      given([])
        .when(recordCommand({ decidedAt: seenAt }))
        .then([reviewed({ decidedAt: seenAt })]);
    });

    it('tolerates five minutes of clock skew', () => {
      const skewed = '2026-11-23T10:08:00.000Z';
      given([])
        .when(recordCommand({ decidedAt: skewed }))
        .then([reviewed({ decidedAt: skewed })]);
    });

    it('refuses a decision more than five minutes in the future', () => {
      given([])
        .when(recordCommand({ decidedAt: '2026-11-23T10:08:00.001Z' }))
        .thenThrows({ code: 'decided-in-future', status: 400, field: 'decidedAt' });
    });

    it('refuses a time that is not a date-time', () => {
      given([])
        .when(recordCommand({ seenAt: 'yesterday' }))
        .thenThrows({ code: 'invalid-timestamp', status: 400, field: 'seenAt' });
    });

    it.each([
      ['upper case', 'A'.repeat(64)],
      ['too short', 'a'.repeat(63)],
      ['not hex', 'g'.repeat(64)],
      ['prefixed', `sha256:${'a'.repeat(64)}`],
    ])('refuses an output digest that is %s', (_, outputSha256) => {
      given([]).when(recordCommand({ outputSha256 })).thenThrows({ code: 'invalid-output-sha256', status: 400, field: 'outputSha256' });
    });
  });

  describe('on a review that does not exist', () => {
    it.each([correctCommand(), withdrawCommand(), linkCommand()])('refuses $type with 404', (command) => {
      given([]).when(command).thenThrows({ code: 'review-not-found', status: 404 });
    });
  });

  describe('CorrectReview', () => {
    it('lets the reviewer restate decision and reason', () => {
      given([reviewed()])
        .when(correctCommand())
        .then([
          {
            type: 'oversight.ReviewCorrected',
            data: {
              reviewId,
              decision: 'modified',
              reason: rationale,
              correctionNote: note,
              correctedBy: clinician,
              correctedAt: later,
            },
          },
        ]);
    });

    it('lets a quality manager correct, to an acceptance without reason or note', () => {
      given([reviewed(), corrected])
        .when(
          correctCommand({
            decision: 'accepted',
            reason: null,
            hasReason: false,
            correctionNote: null,
            correctedBy: qualityManager,
          }),
        )
        .then([
          {
            type: 'oversight.ReviewCorrected',
            data: {
              reviewId,
              decision: 'accepted',
              reason: null,
              correctionNote: null,
              correctedBy: qualityManager,
              correctedAt: later,
            },
          },
        ]);
    });

    it('refuses an incident that is not recorded', () => {
      given([reviewed()])
        .when(linkCommand('inc-9', { incident: null }))
        .thenThrows({ code: 'incident-not-found', status: 404, field: 'incidentId' });
    });

    it('refuses another clinician', () => {
      given([reviewed()])
        .when(correctCommand({ correctedBy: colleague }))
        .thenThrows({ code: 'not-your-review', status: 403 });
    });

    it('refuses a withdrawn review', () => {
      given([reviewed(), withdrawn]).when(correctCommand()).thenThrows({ code: 'review-withdrawn', status: 409 });
    });

    it.each(['modified', 'rejected', 'escalated'] as const)('refuses a correction to "%s" without a reason', (decision) => {
      given([reviewed({ decision: 'accepted', reason: null })])
        .when(correctCommand({ decision, reason: null, hasReason: false }))
        .thenThrows({ code: 'reason-required', status: 400, field: 'reason' });
    });
  });

  describe('WithdrawReview', () => {
    it('lets the reviewer withdraw with a reason', () => {
      given([reviewed()]).when(withdrawCommand()).then([withdrawn]);
    });

    it('lets a quality manager withdraw', () => {
      given([reviewed()])
        .when(withdrawCommand({ withdrawnBy: qualityManager }))
        .then([
          {
            type: 'oversight.ReviewWithdrawn',
            data: { reviewId, reason: rationale, withdrawnBy: qualityManager, withdrawnAt: later },
          },
        ]);
    });

    it('refuses an incident that is not recorded', () => {
      given([reviewed()])
        .when(linkCommand('inc-9', { incident: null }))
        .thenThrows({ code: 'incident-not-found', status: 404, field: 'incidentId' });
    });

    it('refuses another clinician', () => {
      given([reviewed()])
        .when(withdrawCommand({ withdrawnBy: colleague }))
        .thenThrows({ code: 'not-your-review', status: 403 });
    });

    it('refuses a review already withdrawn', () => {
      given([reviewed(), withdrawn]).when(withdrawCommand()).thenThrows({ code: 'review-withdrawn', status: 409 });
    });

    it('refuses a withdrawal without a reason', () => {
      given([reviewed()])
        .when(withdrawCommand({ reason: null, hasReason: false }))
        .thenThrows({ code: 'reason-required', status: 400, field: 'reason' });
      given([reviewed()])
        .when(withdrawCommand({ hasReason: false }))
        .thenThrows({ code: 'reason-required', status: 400, field: 'reason' });
    });
  });

  describe('LinkReviewToIncident', () => {
    it('links the review to an incident', () => {
      given([reviewed()])
        .when(linkCommand('inc-1'))
        .then([linked('inc-1')]);
    });

    it('links one review to several incidents', () => {
      given([reviewed({ incidentId: 'inc-1' })])
        .when(linkCommand('inc-2'))
        .then([linked('inc-2')]);
    });

    it('refuses an incident linked before', () => {
      given([reviewed(), linked('inc-1')])
        .when(linkCommand('inc-1'))
        .thenThrows({ code: 'already-linked', status: 409 });
    });

    it('refuses the incident the review was recorded with', () => {
      given([reviewed({ incidentId: 'inc-1' })])
        .when(linkCommand('inc-1'))
        .thenThrows({ code: 'already-linked', status: 409 });
    });

    it('refuses a withdrawn review', () => {
      given([reviewed(), withdrawn]).when(linkCommand()).thenThrows({ code: 'review-withdrawn', status: 409 });
    });

    it('lets the reviewer link their own review', () => {
      given([reviewed()])
        .when(linkCommand('inc-9', { linkedBy: clinician }))
        .then([{ type: 'oversight.ReviewLinkedToIncident', data: { reviewId, incidentId: 'inc-9', linkedBy: clinician, linkedAt: later } }]);
    });

    it('refuses an incident that is not recorded', () => {
      given([reviewed()])
        .when(linkCommand('inc-9', { incident: null }))
        .thenThrows({ code: 'incident-not-found', status: 404, field: 'incidentId' });
    });

    it('refuses another clinician', () => {
      given([reviewed()])
        .when(linkCommand('inc-9', { linkedBy: { subject: 'u-someone-else', role: 'clinician' } }))
        .thenThrows({ code: 'not-your-review', status: 403 });
    });

    it('answers a clinician linking an incident they did not report like an unknown one; a quality manager may', () => {
      given([reviewed()])
        .when(linkCommand('inc-9', { linkedBy: clinician, incident: { reportedBy: colleague } }))
        .thenThrows({ code: 'incident-not-found', status: 404, field: 'incidentId' });
      given([reviewed()])
        .when(linkCommand('inc-9', { linkedBy: qualityManager, incident: { reportedBy: colleague } }))
        .then([{ type: 'oversight.ReviewLinkedToIncident', data: { reviewId, incidentId: 'inc-9', linkedBy: qualityManager, linkedAt: later } }]);
    });
  });

  describe('evolve', () => {
    it('starts as a review that does not exist', () => {
      expect(reviewDecider.initialState()).toMatchObject({
        exists: false,
        withdrawn: false,
        incidentIds: [],
        corrections: 0,
      });
    });

    it('AiOutputReviewed: the review exists with its decision', () => {
      expect(stateAfter([reviewed({ incidentId: 'inc-1' })])).toEqual({
        exists: true,
        reviewId,
        aiSystemId,
        modelVersion: '2.2.0',
        outputReference: 'pacs://study/1.2.840.1/series/4',
        outputSha256: 'a'.repeat(64),
        patientPseudonym: 'p-9f86d081884c7d65',
        reviewer: clinician,
        originalDecision: 'rejected',
        decision: 'rejected',
        reason: rationale,
        seenAt,
        decidedAt,
        withdrawn: false,
        incidentIds: ['inc-1'],
        corrections: 0,
      });
    });

    it('ReviewCorrected: the latest correction is the current decision and reason', () => {
      const state = stateAfter([reviewed(), corrected]);
      expect(state).toMatchObject({
        decision: 'modified',
        reason: encrypted('Y29ycmVjdGVk'),
        corrections: 1,
        // The original decision time stays: a correction does not rewrite when the review happened.
        decidedAt,
      });
      expect(stateAfter([reviewed(), corrected, corrected]).corrections).toBe(2);
    });

    it('ReviewWithdrawn: withdrawn', () => {
      expect(stateAfter([reviewed(), withdrawn]).withdrawn).toBe(true);
    });

    it('ReviewLinkedToIncident: adds the incident once', () => {
      const state = stateAfter([reviewed({ incidentId: 'inc-1' }), linked('inc-2'), linked('inc-2')]);
      expect(state.incidentIds).toEqual(['inc-1', 'inc-2']);
    });

    it('folds stored envelopes as they come from the event store', () => {
      const envelope: EventEnvelope<AiOutputReviewedData, 'oversight.AiOutputReviewed'> = {
        eventId: '0193a1b2-0000-7000-8000-0000000000e2',
        type: 'oversight.AiOutputReviewed',
        schemaVersion: 1,
        streamId: reviewStreamId(reviewId),
        streamRevision: 0,
        globalPosition: 41,
        recordedAt: now,
        data: reviewedData,
        metadata: { actor: clinician },
      };
      expect(stateAfter([envelope]).decision).toBe('rejected');
    });

    it('ignores event types it does not know', () => {
      const future = { type: 'oversight.ReviewAnnotated', data: {} } as unknown as ReviewEvent;
      expect(stateAfter([reviewed(), future])).toEqual(stateAfter([reviewed()]));
    });
  });
});
