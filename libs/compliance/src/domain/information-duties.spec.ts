import { fold } from '@app/event-store/core';
import { DeciderSpecification } from '@app/event-store/testing';
import {
  type ComplianceFileEvent,
  complianceFileDecider,
  complianceView,
  type RecordInformationDuty,
  type RegisteredFacts,
  type SystemClassifiedData,
} from './index';

/**
 * How and when workers (AI Act Art. 26(7)), persons affected (Art. 26(11), Art. 50) and patients
 * (GDPR Art. 13/14) are informed about a system, with the text's version (issue 23 item 5, ADR 0051).
 * Art. 26(11): "deployers of high-risk AI systems referred to in Annex III that make decisions or
 * assist in making decisions related to natural persons shall inform the natural persons that they
 * are subject to the use of the high-risk AI system" (source in docs/compliance.md); Art. 26(7):
 * "Before putting into service or using a high-risk AI system at the workplace, deployers who are
 * employers shall inform workers' representatives and the affected workers".
 */
const aiSystemId = '0193a1b2-0000-7000-8000-000000000001';
const now = '2026-12-07T10:00:00.000Z';
const qm = { subject: 'qm-1', role: 'quality-manager' };
const system = { exists: true, knownVersions: ['2.4.0'], currentVersion: '2.4.0' };
const registered: RegisteredFacts = { aiActRiskClass: 'high', oversightPersons: [], currentVersion: '2.4.0' };
const given = DeciderSpecification.for(complianceFileDecider);
const sha = 'b'.repeat(64);

const classified = (more: Partial<SystemClassifiedData> = {}): ComplianceFileEvent => ({
  type: 'compliance.SystemClassified',
  data: {
    aiSystemId,
    fromVersion: '2.4.0',
    role: 'deployer',
    aiActRiskClass: 'high',
    legalGround: 'annex-iii',
    legalGroundPoint: 'Annex III point 5(d)',
    mdrClass: 'none',
    inHouseDevice: false,
    dutiesApplyFrom: '2027-12-02',
    dutiesApplyFromBasis: 'x',
    rationale: 'Triage in the emergency department',
    decidedBy: qm,
    decidedOn: '2026-12-07',
    classifiedAt: now,
    ...more,
  },
});

const duty = (more: Partial<RecordInformationDuty> = {}): RecordInformationDuty => ({
  type: 'RecordInformationDuty',
  aiSystemId,
  system,
  by: qm,
  now,
  statementId: '0193a1b2-0000-7000-8000-0000000000d1',
  basis: 'aiact-26-7',
  channel: 'team briefing and intranet page',
  timing: 'before first use',
  textVersion: 'v1.2',
  documentId: null,
  textSha256: sha,
  approvedBy: 'J. Smit, quality manager',
  effectiveFrom: null,
  ...more,
});

describe('information duties (AI Act Art. 26(7), 26(11), 50; GDPR Art. 13, 14)', () => {
  it('Given a file, When how workers are informed is recorded, Then the statement names its audience, text version and hash', () => {
    given([])
      .when(duty())
      .then([
        {
          type: 'compliance.InformationDutyRecorded',
          data: {
            aiSystemId,
            statementId: '0193a1b2-0000-7000-8000-0000000000d1',
            basis: 'aiact-26-7',
            audience: 'workers',
            channel: 'team briefing and intranet page',
            timing: 'before first use',
            textVersion: 'v1.2',
            documentId: null,
            textSha256: sha,
            approvedBy: 'J. Smit, quality manager',
            effectiveFrom: '2026-12-07',
            recordedBy: qm,
            recordedAt: now,
          },
        },
      ]);
  });

  it('Given a file, When the statement names neither a document nor a text hash, Then 400 naming documentId', () => {
    given([])
      .when(duty({ textSha256: null }))
      .thenThrows({ code: 'text-required', status: 400, field: 'documentId' });
  });

  it('Given a file without that document, When the statement names it, Then 404 naming documentId', () => {
    given([])
      .when(duty({ documentId: '0193a1b2-0000-7000-8000-0000000000f1' }))
      .thenThrows({ code: 'document-not-found', status: 404, field: 'documentId' });
  });

  it('Given a file, When the approver is blank, Then 400 naming approvedBy', () => {
    given([])
      .when(duty({ approvedBy: '  ' }))
      .thenThrows({ code: 'approvedBy-required', status: 400, field: 'approvedBy' });
  });

  it('lists as missing, for a high-risk Annex III system, workers, persons subject to decisions and patients until each is recorded', () => {
    const missingOf = (events: ComplianceFileEvent[]) =>
      complianceView(aiSystemId, fold(complianceFileDecider, events), registered, now).missing.filter((m) => /not informed/.test(m));
    expect(missingOf([classified()])).toEqual([
      'Workers not informed before use: no statement recorded (AI Act Art. 26(7))',
      'Persons subject to its decisions not informed: no statement recorded (AI Act Art. 26(11))',
      'Patients not informed of the processing: no statement recorded (GDPR Art. 13 or 14)',
    ]);
    const recorded = (basis: RecordInformationDuty['basis'], n: number): ComplianceFileEvent => {
      const [event] = complianceFileDecider.decide(
        duty({ basis, statementId: `0193a1b2-0000-7000-8000-00000000000${n}` }),
        complianceFileDecider.initialState(),
      );
      return event;
    };
    expect(missingOf([classified(), recorded('aiact-26-7', 1), recorded('aiact-26-11', 2), recorded('gdpr-14', 3)])).toEqual([]);
    // Art. 6(1) (MDR route): Art. 26(11) names Annex III systems only.
    expect(missingOf([classified({ legalGround: 'art-6-1', legalGroundPoint: 'Annex I' }), recorded('aiact-26-7', 1), recorded('gdpr-13', 3)])).toEqual([]);
    expect(missingOf([classified({ aiActRiskClass: 'limited', legalGround: 'art-50', legalGroundPoint: null })])).toEqual([
      'Persons concerned not informed: no statement recorded (AI Act Art. 50)',
    ]);
  });

  it('keeps the latest statement of each basis: a new text version replaces the old one in the file', () => {
    const v1 = complianceFileDecider.decide(duty(), complianceFileDecider.initialState());
    const state = fold(complianceFileDecider, v1);
    const v2 = complianceFileDecider.decide(duty({ statementId: '0193a1b2-0000-7000-8000-0000000000d2', textVersion: 'v2.0' }), state);
    const view = complianceView(aiSystemId, fold(complianceFileDecider, [...v1, ...v2]), registered, now);
    expect(view.informationDuties.map((d) => d.textVersion)).toEqual(['v2.0']);
    given(v1).when(duty()).thenThrows({ code: 'statement-exists', status: 409 });
  });
});
