import { fold } from '@app/event-store/core';
import { DeciderSpecification } from '@app/event-store/testing';
import {
  classificationAt,
  type ClassifySystem,
  type ComplianceFileEvent,
  complianceFileDecider,
  complianceFileStreamId,
  complianceView,
  type ComplianceDocument,
  documentStatusOn,
  lastValidDay,
  type RecordCompetence,
  type RecordDocument,
  validBetween,
  type RegisteredFacts,
  reviewGate,
  type SystemClassifiedData,
} from './index';

const aiSystemId = '0193a1b2-0000-7000-8000-000000000001';
const now = '2026-12-07T10:00:00.000Z';
const qm = { subject: 'qm-1', role: 'quality-manager' };
const system = { exists: true, knownVersions: ['2.3.1', '2.4.0'], currentVersion: '2.4.0' };
const registered: RegisteredFacts = { aiActRiskClass: 'high', oversightPersons: ['dr-devries', 'dr-jansen'], currentVersion: '2.4.0' };
const given = DeciderSpecification.for(complianceFileDecider);

const classify = (more: Partial<ClassifySystem> = {}): ClassifySystem => ({
  type: 'ClassifySystem',
  aiSystemId,
  system,
  by: qm,
  now,
  fromVersion: null,
  role: 'deployer',
  aiActRiskClass: 'high',
  legalGround: 'art-6-1',
  legalGroundPoint: 'Annex I Section A point 11 (MDR), class IIa',
  mdrClass: 'IIa',
  inHouseDevice: false,
  dutiesApplyFrom: null,
  rationale: 'Software medical device class IIa with a notified body',
  decidedOn: null,
  ...more,
});

const classifiedData: SystemClassifiedData = {
  aiSystemId,
  fromVersion: '2.4.0',
  role: 'deployer',
  aiActRiskClass: 'high',
  legalGround: 'art-6-1',
  legalGroundPoint: 'Annex I Section A point 11 (MDR), class IIa',
  mdrClass: 'IIa',
  inHouseDevice: false,
  dutiesApplyFrom: '2028-08-02',
  dutiesApplyFromBasis: 'Digital Omnibus on AI (unverified): Annex I high-risk duties from 2 August 2028 (Art. 113(c) as published: 2 August 2027)',
  rationale: 'Software medical device class IIa with a notified body',
  decidedBy: qm,
  decidedOn: '2026-12-07',
  classifiedAt: now,
};
const classified = (more: Partial<SystemClassifiedData> = {}): ComplianceFileEvent => ({
  type: 'compliance.SystemClassified',
  data: { ...classifiedData, ...more },
});

const recordCompetence = (more: Partial<RecordCompetence> = {}): RecordCompetence => ({
  type: 'RecordCompetence',
  aiSystemId,
  system,
  by: qm,
  now,
  recordId: '0193a1b2-0000-7000-8000-0000000000c1',
  person: 'dr-devries',
  course: 'ChestXR Triage: limits and override',
  completedOn: '2026-01-10',
  expiresOn: '2026-12-31',
  ...more,
});

/** The record the command above leads to: the dates as instants of the Amsterdam day (CET in winter). */
const competence = (more: Partial<Extract<ComplianceFileEvent, { type: 'compliance.CompetenceRecorded' }>['data']> = {}): ComplianceFileEvent => ({
  type: 'compliance.CompetenceRecorded',
  data: {
    aiSystemId,
    recordId: '0193a1b2-0000-7000-8000-0000000000c1',
    person: 'dr-devries',
    course: 'ChestXR Triage: limits and override',
    completedOn: '2026-01-10',
    expiresOn: '2026-12-31',
    validFrom: '2026-01-09T23:00:00.000Z',
    validUntil: '2026-12-31T22:59:59.999Z',
    signedOffBy: qm,
    recordedAt: now,
    ...more,
  },
});

const policy = (p: 'refuse' | 'flag' | 'not-checked'): ComplianceFileEvent => ({
  type: 'compliance.CompetencePolicySet',
  data: { aiSystemId, policy: p, reason: 'All radiologists trained', setBy: qm, setAt: now },
});

describe('compliance file decider', () => {
  it('names the stream compliance-file-<AI system id>', () => {
    expect(complianceFileStreamId(aiSystemId)).toBe(`compliance-file-${aiSystemId}`);
  });

  it('refuses anything for a system that is not registered', () => {
    given([])
      .when(classify({ system: { exists: false, knownVersions: [], currentVersion: null } }))
      .thenThrows({ code: 'ai-system-not-found', status: 404 });
  });

  describe('ClassifySystem (AI Act Art. 5, 6, 25; MDR Art. 5(5))', () => {
    it('records role, class, ground, MDR class and who decided, from the version in use, with the Art. 113 date of its ground', () => {
      given([]).when(classify()).then([classified()]);
    });

    it('takes a date the person classifying sets, and a decision day in the past', () => {
      given([])
        .when(classify({ dutiesApplyFrom: '2027-08-02', decidedOn: '2026-11-30', fromVersion: '2.3.1' }))
        .then([
          classified({
            dutiesApplyFrom: '2027-08-02',
            dutiesApplyFromBasis: 'date set by the person classifying',
            decidedOn: '2026-11-30',
            fromVersion: '2.3.1',
          }),
        ]);
    });

    it('records a prohibited practice (it blocks reviews; the gate below), applying since 2 February 2025', () => {
      given([])
        .when(classify({ aiActRiskClass: 'prohibited', legalGround: 'art-5', legalGroundPoint: 'Art. 5(1)(f)' }))
        .thenMatches([{ data: { aiActRiskClass: 'prohibited', dutiesApplyFrom: '2025-02-02' } }]);
    });

    it.each([
      ['prohibited', 'annex-iii'],
      ['high', 'art-5'],
      ['minimal', 'annex-iii'],
      ['limited', 'none'],
    ] as const)('refuses a %s class resting on %s', (aiActRiskClass, legalGround) => {
      given([]).when(classify({ aiActRiskClass, legalGround })).thenThrows({ code: 'legal-ground-mismatch', status: 422, field: 'legalGround' });
    });

    it('refuses an Annex III ground without its point', () => {
      given([])
        .when(classify({ legalGround: 'annex-iii', legalGroundPoint: '  ' }))
        .thenThrows({ code: 'legal-ground-point-required', status: 400, field: 'legalGroundPoint' });
    });

    it('refuses an in-house device with the hospital as anything but its provider', () => {
      given([])
        .when(classify({ inHouseDevice: true }))
        .thenThrows({ code: 'in-house-means-provider', status: 422, field: 'role' });
      given([])
        .when(classify({ inHouseDevice: true, role: 'provider' }))
        .thenMatches([{ data: { inHouseDevice: true, role: 'provider' } }]);
    });

    it('refuses a version never deployed, a blank rationale, a decision after today, a date that is not one', () => {
      given([])
        .when(classify({ fromVersion: '9.9' }))
        .thenThrows({ code: 'unknown-version', status: 422, field: 'fromVersion' });
      given([])
        .when(classify({ rationale: ' ' }))
        .thenThrows({ code: 'rationale-required', status: 400, field: 'rationale' });
      given([])
        .when(classify({ decidedOn: '2026-12-08' }))
        .thenThrows({ code: 'decided-in-future', status: 422, field: 'decidedOn' });
      given([])
        .when(classify({ dutiesApplyFrom: '2027-02-30' }))
        .thenThrows({ code: 'invalid-date', status: 400, field: 'dutiesApplyFrom' });
    });
  });

  describe('AssessModification (AI Act Art. 25(1))', () => {
    const assess = { type: 'AssessModification' as const, aiSystemId, system, by: qm, now, version: null, change: 'substantial-modification' as const };

    it('records an assessment that makes the hospital the provider; the role follows', () => {
      const events = complianceFileDecider.decide(
        { ...assess, description: 'Retrained on our own CT data', becomesProvider: true, rationale: 'Changes the assessed performance', assessedOn: null },
        fold(complianceFileDecider, [classified()]),
      );
      expect(events).toEqual([
        {
          type: 'compliance.ModificationAssessed',
          data: {
            aiSystemId,
            version: '2.4.0',
            change: 'substantial-modification',
            description: 'Retrained on our own CT data',
            becomesProvider: true,
            rationale: 'Changes the assessed performance',
            assessedBy: qm,
            assessedOn: '2026-12-07',
            assessedAt: now,
          },
        },
      ]);
      expect(fold(complianceFileDecider, [classified(), ...events]).role).toBe('provider');
    });

    it('leaves the role as it was when the change is not substantial', () => {
      const events = complianceFileDecider.decide(
        { ...assess, description: 'Threshold setting within the IFU', becomesProvider: false, rationale: 'Within the intended purpose', assessedOn: null },
        fold(complianceFileDecider, [classified()]),
      );
      expect(fold(complianceFileDecider, [classified(), ...events]).role).toBe('deployer');
    });
  });

  describe('competence (AI Act Art. 4, Art. 26(2))', () => {
    it('records training and authority with the dates as the Amsterdam days they name', () => {
      given([]).when(recordCompetence()).then([competence()]);
    });

    it('records authority without expiry', () => {
      given([])
        .when(recordCompetence({ expiresOn: null }))
        .then([competence({ expiresOn: null, validUntil: null })]);
    });

    it('refuses a record twice, training not yet completed, an expiry before completion', () => {
      given([competence()]).when(recordCompetence()).thenThrows({ code: 'competence-record-exists', status: 409 });
      given([])
        .when(recordCompetence({ completedOn: '2026-12-08' }))
        .thenThrows({ code: 'completed-in-future', status: 422, field: 'completedOn' });
      given([])
        .when(recordCompetence({ expiresOn: '2026-01-09' }))
        .thenThrows({ code: 'expires-before-completed', status: 422, field: 'expiresOn' });
      given([])
        .when(recordCompetence({ course: '' }))
        .thenThrows({ code: 'course-required', status: 400, field: 'course' });
    });

    it('sets a policy, refusing the one already in force (none at first: not-checked)', () => {
      const set = { type: 'SetCompetencePolicy' as const, aiSystemId, system, by: qm, now, reason: 'All radiologists trained' };
      given([])
        .when({ ...set, policy: 'refuse' })
        .then([policy('refuse')]);
      given([])
        .when({ ...set, policy: 'not-checked' })
        .thenThrows({ code: 'policy-unchanged', status: 409, field: 'policy' });
      given([policy('flag')])
        .when({ ...set, policy: 'flag' })
        .thenThrows({ code: 'policy-unchanged', status: 409, field: 'policy' });
    });

    it('withdraws authority from a person who holds it, and only then', () => {
      const withdraw = { type: 'WithdrawCompetence' as const, aiSystemId, system, by: qm, now, person: 'dr-devries', reason: 'Left the department' };
      given([competence()])
        .when(withdraw)
        .then([
          {
            type: 'compliance.CompetenceWithdrawn',
            data: { aiSystemId, person: 'dr-devries', reason: 'Left the department', withdrawnBy: qm, withdrawnAt: now },
          },
        ]);
      given([]).when(withdraw).thenThrows({ code: 'no-competence-record', status: 404, field: 'person' });
    });
  });

  describe('RecordAssessment (AI Act Art. 27, GDPR Art. 35, risk analysis)', () => {
    const record = {
      type: 'RecordAssessment' as const,
      aiSystemId,
      system,
      by: qm,
      now,
      assessmentId: '0193a1b2-0000-7000-8000-0000000000d1',
      kind: 'dpia' as const,
      status: 'approved' as const,
      outcome: 'Acceptable with pseudonymised inputs',
      approver: 'Data protection officer',
      assessedOn: '2026-01-15',
      nextReviewOn: '2026-12-01',
      documentReference: null,
    };
    const dpia: ComplianceFileEvent = {
      type: 'compliance.AssessmentRecorded',
      data: {
        aiSystemId,
        assessmentId: record.assessmentId,
        kind: 'dpia',
        status: 'approved',
        outcome: 'Acceptable with pseudonymised inputs',
        approver: 'Data protection officer',
        assessedOn: '2026-01-15',
        nextReviewOn: '2026-12-01',
        nextReviewAt: '2026-12-01T22:59:59.999Z',
        documentReference: null,
        recordedBy: qm,
        recordedAt: now,
      },
    };

    it('records an approved assessment due for review at the end of its Amsterdam day', () => {
      given([]).when(record).then([dpia]);
    });

    it('refuses an approval without approver, a review date missing or not after the assessment, the same record twice', () => {
      given([])
        .when({ ...record, approver: ' ' })
        .thenThrows({ code: 'approver-required', status: 400, field: 'approver' });
      given([])
        .when({ ...record, nextReviewOn: null })
        .thenThrows({ code: 'next-review-required', status: 400, field: 'nextReviewOn' });
      given([])
        .when({ ...record, nextReviewOn: '2026-01-15' })
        .thenThrows({ code: 'next-review-not-after', status: 422, field: 'nextReviewOn' });
      given([dpia]).when(record).thenThrows({ code: 'assessment-exists', status: 409 });
    });

    it('accepts "not required" without a review date; the latest of a kind holds, overdue once its date has passed', () => {
      given([])
        .when({ ...record, status: 'not-required', approver: null, nextReviewOn: null })
        .thenMatches([{ data: { status: 'not-required', nextReviewAt: null } }]);
      const file = fold(complianceFileDecider, [classified(), dpia]);
      const view = complianceView(aiSystemId, file, registered, now);
      expect(view.assessments).toEqual([{ ...dpia.data, overdue: true }]);
      expect(view.missing).toEqual(
        expect.arrayContaining([
          'Data protection impact assessment (GDPR Art. 35): review was due on 2026-12-01',
          'Fundamental rights impact assessment (AI Act Art. 27, where it applies): not recorded for a high-risk system (record it, or that it is not required)',
        ]),
      );
      expect(complianceView(aiSystemId, file, registered, '2026-12-01T22:00:00.000Z').assessments[0].overdue).toBe(false);
    });
  });

  describe('the review gate and the file as of a moment', () => {
    const withdrawn: ComplianceFileEvent = {
      type: 'compliance.CompetenceWithdrawn',
      data: { aiSystemId, person: 'dr-devries', reason: 'Left', withdrawnBy: qm, withdrawnAt: '2026-06-01T08:00:00.000Z' },
    };

    it('blocks a system classified prohibited, and one registered so before any classification', () => {
      const prohibited = fold(complianceFileDecider, [classified({ aiActRiskClass: 'prohibited', legalGround: 'art-5', legalGroundPoint: 'Art. 5(1)(f)' })]);
      expect(reviewGate(prohibited, registered, 'dr-devries').prohibited).toBe('classified as a prohibited AI practice (Art. 5(1)(f)) on 2026-12-07 by qm-1');
      expect(reviewGate(fold(complianceFileDecider, []), { ...registered, aiActRiskClass: 'prohibited' }, 'x').prohibited).toMatch(
        /registered as a prohibited/,
      );
      // A later classification as high risk lifts the block of the registration.
      expect(reviewGate(fold(complianceFileDecider, [classified()]), { ...registered, aiActRiskClass: 'prohibited' }, 'x').prohibited).toBeNull();
    });

    it("gives the reviewer's intervals of authority, cut short by a withdrawal", () => {
      const file = fold(complianceFileDecider, [policy('refuse'), competence(), withdrawn]);
      expect(reviewGate(file, registered, 'dr-devries')).toEqual({
        prohibited: null,
        competencePolicy: 'refuse',
        reviewerAuthorisations: [{ from: '2026-01-09T23:00:00.000Z', until: '2026-06-01T08:00:00.000Z', endsAtWithdrawal: true }],
      });
      expect(reviewGate(file, registered, 'dr-jansen').reviewerAuthorisations).toEqual([]);
    });

    it('never shows an overseer authorised by a record it shows withdrawn: at the withdrawal instant both say no (VERIFY.md B.18)', () => {
      const file = fold(complianceFileDecider, [competence(), withdrawn]);
      const at = (asOf: string) => complianceView(aiSystemId, file, registered, asOf).competence;
      const justBefore = at('2026-06-01T07:59:59.999Z');
      expect(justBefore.records[0].status).toBe('current');
      expect(justBefore.overseers[0]).toEqual({ person: 'dr-devries', listedAtRegistration: true, authorised: true });
      const atWithdrawal = at('2026-06-01T08:00:00.000Z');
      expect(atWithdrawal.records[0].status).toBe('withdrawn');
      expect(atWithdrawal.overseers[0]).toEqual({ person: 'dr-devries', listedAtRegistration: true, authorised: false });
    });

    it('ends authority at the earlier end by time, whatever the text of the instants', () => {
      // A withdrawal written with an offset: by text "2026-06-01T10:00:00+02:00" sorts after "2026-06-01T09:…Z".
      const early = { ...withdrawn, data: { ...withdrawn.data, withdrawnAt: '2026-06-01T10:00:00+02:00' } } as ComplianceFileEvent;
      const file = fold(complianceFileDecider, [competence({ validUntil: '2026-06-01T09:00:00.000Z' }), early]);
      expect(reviewGate(file, registered, 'dr-devries').reviewerAuthorisations).toEqual([
        { from: '2026-01-09T23:00:00.000Z', until: '2026-06-01T10:00:00+02:00', endsAtWithdrawal: true },
      ]);
    });

    it('shows each listed overseer checked, record statuses and what is missing, as of the moment asked', () => {
      const file = fold(complianceFileDecider, [classified({ fromVersion: '2.3.1' }), competence()]);
      const view = complianceView(aiSystemId, file, registered, '2026-12-07T10:00:00.000Z');
      expect(view.competence).toMatchObject({
        policy: 'not-checked',
        checked: false,
        records: [{ person: 'dr-devries', status: 'current' }],
        overseers: [
          { person: 'dr-devries', listedAtRegistration: true, authorised: true },
          { person: 'dr-jansen', listedAtRegistration: true, authorised: false },
        ],
      });
      expect(view.missing).toEqual([
        'Version 2.4.0 is in use since the classification (of 2.3.1): assess it as a possible substantial modification (AI Act Art. 25(1)(b))',
        'Competence not checked: no competence policy set for reviews (AI Act Art. 26(2))',
        'dr-jansen is listed for human oversight but holds no current competence record (AI Act Art. 4, Art. 26(2))',
        'Fundamental rights impact assessment (AI Act Art. 27, where it applies): not recorded for a high-risk system (record it, or that it is not required)',
        'Data protection impact assessment (GDPR Art. 35): not recorded for a high-risk system (record it, or that it is not required)',
        'No instructions for use in force for version 2.4.0 (AI Act Art. 26(1))',
        'No EU declaration of conformity in force (AI Act Art. 47)',
        'Workers not informed before use: no statement recorded (AI Act Art. 26(7))',
        'Patients not informed of the processing: no statement recorded (GDPR Art. 13 or 14)',
      ]);
      const nextYear = complianceView(aiSystemId, file, registered, '2027-01-01T00:00:00.000Z');
      expect(nextYear.competence.records[0].status).toBe('lapsed');
      expect(nextYear.missing).toContain('Nobody holds a current competence record for this system (AI Act Art. 26(2))');
      expect(complianceView(aiSystemId, fold(complianceFileDecider, []), registered, now).missing[0]).toMatch(/No classification recorded/);
    });

    describe('the classification the incident rulebook reads, as of awareness (business time)', () => {
      const art25: ComplianceFileEvent = {
        type: 'compliance.ModificationAssessed',
        data: {
          aiSystemId,
          version: '2.4.0',
          change: 'substantial-modification',
          description: 'Retrained on our own data',
          becomesProvider: true,
          rationale: 'Art. 25(1)(b)',
          assessedBy: qm,
          assessedOn: '2026-12-10',
          assessedAt: '2026-12-10T09:00:00.000Z',
        },
      };

      it('given no classification, then none holds (the rulebook reads the registration)', () => {
        expect(classificationAt(fold(complianceFileDecider, []), now)).toBeNull();
      });

      it('given a classification decided on 7 December, then it holds from that Amsterdam day on, not the day before', () => {
        const file = fold(complianceFileDecider, [classified()]);
        expect(classificationAt(file, '2026-12-06T22:59:59.000Z')).toBeNull(); // 6 December, 23:59 in Amsterdam
        expect(classificationAt(file, '2026-12-06T23:00:00.000Z')).toMatchObject({ classification: { decidedOn: '2026-12-07' }, role: 'deployer' });
      });

      it('given a decision recorded later than an earlier one but taken earlier, then the latest decided by the moment holds', () => {
        const file = fold(complianceFileDecider, [
          classified({ decidedOn: '2026-12-07', aiActRiskClass: 'high' }),
          classified({ decidedOn: '2026-11-01', aiActRiskClass: 'minimal', legalGround: 'none', legalGroundPoint: null }),
        ]);
        expect(classificationAt(file, '2026-11-15T10:00:00.000Z')?.classification.aiActRiskClass).toBe('minimal');
        expect(classificationAt(file, '2026-12-08T10:00:00.000Z')?.classification.aiActRiskClass).toBe('high');
      });

      it('given an Art. 25(1) assessment that made the hospital the provider, then the role is provider from its day on', () => {
        const file = fold(complianceFileDecider, [classified(), art25]);
        expect(classificationAt(file, '2026-12-09T10:00:00.000Z')?.role).toBe('deployer');
        expect(classificationAt(file, '2026-12-10T10:00:00.000Z')?.role).toBe('provider');
      });
    });
  });

  describe('documents as evidence (issue 23 item 3)', () => {
    const sha = (c: string) => c.repeat(64);
    const upload = (more: Partial<RecordDocument> = {}): RecordDocument => ({
      type: 'RecordDocument',
      aiSystemId,
      system,
      by: qm,
      now,
      documentId: '0193a1b2-0000-7000-8000-0000000000d1',
      kind: 'instructions-for-use',
      title: ' IFU ChestXR Triage 2.3 ',
      modelVersion: '2.3.1',
      validFrom: '2026-01-01',
      validUntil: null,
      supersedes: null,
      sha256: sha('a'),
      sizeBytes: 1234,
      mediaType: 'application/pdf',
      filename: 'ifu-2.3.pdf',
      ...more,
    });
    const recorded = (more: Partial<Extract<ComplianceFileEvent, { type: 'compliance.DocumentRecorded' }>['data']> = {}): ComplianceFileEvent => ({
      type: 'compliance.DocumentRecorded',
      data: {
        aiSystemId,
        documentId: '0193a1b2-0000-7000-8000-0000000000d1',
        kind: 'instructions-for-use',
        title: 'IFU ChestXR Triage 2.3',
        modelVersion: '2.3.1',
        validFrom: '2026-01-01',
        validUntil: null,
        sha256: sha('a'),
        sizeBytes: 1234,
        mediaType: 'application/pdf',
        filename: 'ifu-2.3.pdf',
        uploadedBy: qm,
        uploadedAt: now,
        ...more,
      },
    });
    const d2 = '0193a1b2-0000-7000-8000-0000000000d2';

    it('records an upload with its hash, size, media type, validity and who uploaded it', () => {
      given([]).when(upload()).then([recorded()]);
      given([])
        .when(upload({ kind: 'contract', modelVersion: null, validFrom: null, title: 'Contract: liability, recourse, indemnity' }))
        .thenMatches([{ type: 'compliance.DocumentRecorded', data: { kind: 'contract', modelVersion: null, validFrom: '2026-12-07' } }]);
    });

    it('a newer document of the same kind supersedes the older from its first day', () => {
      given([recorded()])
        .when(upload({ documentId: d2, sha256: sha('b'), validFrom: '2026-06-01', supersedes: '0193a1b2-0000-7000-8000-0000000000d1' }))
        .thenMatches([
          { type: 'compliance.DocumentRecorded', data: { documentId: d2 } },
          {
            type: 'compliance.DocumentSuperseded',
            data: { documentId: '0193a1b2-0000-7000-8000-0000000000d1', supersededBy: d2, effectiveOn: '2026-06-01', supersededAt: now },
          },
        ]);
    });

    it('refuses bad uploads naming the field: no title, IFU without version, end before start, the same content twice, a bad supersession', () => {
      given([])
        .when(upload({ title: '  ' }))
        .thenThrows({ code: 'title-required', status: 400, field: 'title' });
      given([])
        .when(upload({ modelVersion: null }))
        .thenThrows({ code: 'modelVersion-required', status: 400, field: 'modelVersion' });
      given([])
        .when(upload({ validFrom: '2026-02-30' }))
        .thenThrows({ code: 'invalid-date', status: 400, field: 'validFrom' });
      given([])
        .when(upload({ validUntil: '2025-12-31' }))
        .thenThrows({ code: 'valid-until-before-from', status: 422, field: 'validUntil' });
      given([])
        .when(upload({ sha256: 'x' }))
        .thenThrows({ code: 'document-content-invalid', status: 400, field: 'body' });
      given([recorded()])
        .when(upload({ documentId: d2 }))
        .thenThrows({ code: 'document-already-recorded', status: 409, field: 'body' });
      given([recorded()])
        .when(upload({ sha256: sha('b') }))
        .thenThrows({ code: 'document-exists', status: 409 });
      given([recorded()])
        .when(upload({ documentId: d2, sha256: sha('b'), supersedes: d2 }))
        .thenThrows({ code: 'document-not-found', status: 404, field: 'supersedes' });
      given([recorded()])
        .when(upload({ documentId: d2, sha256: sha('b'), kind: 'contract', supersedes: '0193a1b2-0000-7000-8000-0000000000d1' }))
        .thenThrows({ code: 'supersedes-other-kind', status: 422, field: 'supersedes' });
      given([recorded()])
        .when(upload({ documentId: d2, sha256: sha('b'), validFrom: '2026-01-01', supersedes: '0193a1b2-0000-7000-8000-0000000000d1' }))
        .thenThrows({ code: 'supersedes-not-later', status: 422, field: 'validFrom' });
      given([])
        .when({ ...upload(), system: { ...system, exists: false } })
        .thenThrows({ code: 'ai-system-not-found', status: 404 });
    });

    it('withdraws a document with a reason from a day (default today), once', () => {
      const withdraw = {
        type: 'WithdrawDocument' as const,
        aiSystemId,
        system,
        by: qm,
        now,
        documentId: '0193a1b2-0000-7000-8000-0000000000d1',
        reason: 'Certificate suspended',
      };
      given([recorded()])
        .when({ ...withdraw, effectiveOn: null })
        .then([
          {
            type: 'compliance.DocumentWithdrawn',
            data: {
              aiSystemId,
              documentId: withdraw.documentId,
              reason: 'Certificate suspended',
              effectiveOn: '2026-12-07',
              withdrawnBy: qm,
              withdrawnAt: now,
            },
          },
        ]);
      given([])
        .when({ ...withdraw, effectiveOn: null })
        .thenThrows({ code: 'document-not-found', status: 404, field: 'documentId' });
      given([recorded()])
        .when({ ...withdraw, effectiveOn: '2026-12-08' })
        .thenThrows({ code: 'decided-in-future', status: 422, field: 'effectiveOn' });
      given([recorded()])
        .when({ ...withdraw, reason: ' ', effectiveOn: null })
        .thenThrows({ code: 'reason-required', status: 400, field: 'reason' });
      const withdrawn: ComplianceFileEvent = {
        type: 'compliance.DocumentWithdrawn',
        data: { aiSystemId, documentId: withdraw.documentId, reason: 'x', effectiveOn: '2026-03-01', withdrawnBy: qm, withdrawnAt: now },
      };
      given([recorded(), withdrawn])
        .when({ ...withdraw, effectiveOn: null })
        .thenThrows({ code: 'document-withdrawn', status: 409 });
    });

    it('says which document held on which day: superseded, withdrawn, expired, not yet valid', () => {
      const superseded: ComplianceFileEvent = {
        type: 'compliance.DocumentSuperseded',
        data: { aiSystemId, documentId: '0193a1b2-0000-7000-8000-0000000000d1', supersededBy: d2, effectiveOn: '2026-06-01', supersededAt: now },
      };
      const file = fold(complianceFileDecider, [
        recorded(),
        recorded({ documentId: d2, sha256: sha('b'), validFrom: '2026-06-01', validUntil: '2026-12-31' }),
        superseded,
      ]);
      const [old, newer] = file.documents as [ComplianceDocument, ComplianceDocument];
      expect(lastValidDay(old)).toBe('2026-05-31');
      expect([documentStatusOn(old, '2025-12-31'), documentStatusOn(old, '2026-05-31'), documentStatusOn(old, '2026-06-01')]).toEqual([
        'not-yet-valid',
        'valid',
        'superseded',
      ]);
      expect([documentStatusOn(newer, '2026-05-31'), documentStatusOn(newer, '2026-06-01'), documentStatusOn(newer, '2027-01-01')]).toEqual([
        'not-yet-valid',
        'valid',
        'expired',
      ]);
      expect(validBetween(old, '2026-05-31', '2026-07-01')).toBe(true);
      expect(validBetween(old, '2026-06-01', '2026-07-01')).toBe(false);
      expect(validBetween(newer, '2025-01-01', '2026-05-31')).toBe(false);
      // Withdrawn from its first day (an upload in error): it never held.
      const error = fold(complianceFileDecider, [
        recorded(),
        {
          type: 'compliance.DocumentWithdrawn',
          data: { aiSystemId, documentId: old.documentId, reason: 'Wrong file', effectiveOn: '2026-01-01', withdrawnBy: qm, withdrawnAt: now },
        },
      ]).documents[0];
      expect(documentStatusOn(error, '2026-01-01')).toBe('withdrawn');
      expect(validBetween(error, '2025-01-01', '2027-01-01')).toBe(false);
      // The file shows the documents as of the day asked, and a high-risk system without an IFU for the version in use lacks it.
      const view = complianceView(aiSystemId, fold(complianceFileDecider, [classified(), recorded()]), { ...registered, currentVersion: '2.3.1' }, now);
      expect(view.documents).toMatchObject([{ documentId: old.documentId, status: 'valid', lastValidDay: null }]);
      expect(view.missing).not.toContain('No instructions for use in force for version 2.3.1 (AI Act Art. 26(1))');
      expect(view.missing).toContain('No EU declaration of conformity in force (AI Act Art. 47)');
      expect(complianceView(aiSystemId, fold(complianceFileDecider, [classified(), recorded()]), registered, now).missing).toContain(
        'No instructions for use in force for version 2.4.0 (AI Act Art. 26(1))',
      );
    });
  });
});
