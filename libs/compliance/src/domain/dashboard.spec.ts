import { fold } from '@app/event-store/core';
import { type ComplianceFileEvent, complianceFileDecider, complianceView, dashboardEntry, type RegisteredFacts } from './index';

const aiSystemId = '0193a1b2-0000-7000-8000-000000000001';
const qm = { subject: 'qm-1', role: 'quality-manager' };
const registered: RegisteredFacts = { aiActRiskClass: 'high', oversightPersons: ['dr-devries'], currentVersion: '2.4.0' };

const classified: ComplianceFileEvent = {
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
    dutiesApplyFromBasis: 'test',
    rationale: 'Emergency triage',
    decidedBy: qm,
    decidedOn: '2026-01-10',
    classifiedAt: '2026-01-10T09:00:00.000Z',
  },
};
const dpia = (nextReviewOn: string, nextReviewAt: string): ComplianceFileEvent => ({
  type: 'compliance.AssessmentRecorded',
  data: {
    aiSystemId,
    assessmentId: '0193a1b2-0000-7000-8000-0000000000d1',
    kind: 'dpia',
    status: 'approved',
    outcome: 'Acceptable',
    approver: 'DPO',
    assessedOn: '2026-01-15',
    nextReviewOn,
    nextReviewAt,
    documentReference: null,
    recordedBy: qm,
    recordedAt: '2026-01-15T09:00:00.000Z',
  },
});

const line = (events: ComplianceFileEvent[], asOf: string) =>
  dashboardEntry(complianceView(aiSystemId, fold(complianceFileDecider, events), registered, asOf), 'Triage model');

// Issue 23 item 2 and 7: "overdue reviews show on the dashboard"; GDPR Art. 35(11) asks for a review of the DPIA.
describe('compliance dashboard line (issue 23 item 7)', () => {
  it('given a DPIA whose review date has passed, when the dashboard is read, then it is overdue and not counted as missing', () => {
    const entry = line([classified, dpia('2026-06-01', '2026-06-01T21:59:59.999Z')], '2026-12-07T10:00:00.000Z');
    expect(entry.status).toBe('overdue');
    expect(entry.overdue).toEqual([{ kind: 'assessment', text: 'Data protection impact assessment (GDPR Art. 35): review was due on 2026-06-01' }]);
    expect(entry.missing.map((m) => m.text)).not.toContain(entry.overdue[0].text);
    expect(entry.counts.overdue).toBe(1);
  });

  it('given the same DPIA before its review date, when read as of then, then it counts as complete', () => {
    const entry = line([classified, dpia('2026-06-01', '2026-06-01T21:59:59.999Z')], '2026-03-01T10:00:00.000Z');
    expect(entry.counts.overdue).toBe(0);
    expect(entry.complete.map((c) => c.text)).toContain('Data protection impact assessment (GDPR Art. 35): approved on 2026-01-15, next review 2026-06-01');
    // The FRIA is still missing for a high-risk system (AI Act Art. 27), so the line is "missing".
    expect(entry.status).toBe('missing');
    expect(entry.missing.some((m) => m.text.startsWith('Fundamental rights impact assessment'))).toBe(true);
  });

  it('given nothing recorded, when read, then the classification is missing and nothing is complete', () => {
    const entry = line([], '2026-12-07T10:00:00.000Z');
    expect(entry.status).toBe('missing');
    expect(entry.riskClass).toBeNull();
    expect(entry.complete).toEqual([]);
    expect(entry.missing[0].text).toMatch(/^No classification recorded/);
  });
});
