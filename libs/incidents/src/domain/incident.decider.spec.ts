import { DomainError, fold } from '@app/event-store/core';
import { DeciderSpecification } from '@app/event-store/testing';
import {
  type Classification,
  type ClassifyIncident,
  type DetectIncident,
  DEFAULT_DEADLINE_POLICY,
  type EstablishCalamity,
  type RuleOutCalamity,
  type EncryptedText,
  type IncidentCommand,
  type IncidentEvent,
  type NotifyRecipient,
  NO_CRITERIA,
  type SeriousnessCriteria,
  type SuspendSystemUse,
  type SystemScope,
  incidentDecider,
  metAt,
  RULEBOOK_VERSION,
  incidentStreamId,
} from './index';

const incidentId = '0193a1b2-0000-7000-8000-0000000000c1';
const aiSystemId = '0193a1b2-0000-7000-8000-000000000001';
const reviewId = '0193a1b2-0000-7000-8000-0000000000a1';
const detectedAt = '2026-11-23T10:00:00.000Z';
const later = '2026-11-24T09:00:00.000Z';
const qm = { subject: 'qm-1', role: 'quality-manager' };
const clinician = { subject: 'alice', role: 'clinician' };
const policy = DEFAULT_DEADLINE_POLICY;
/** A high-risk system (AI Act) in an MDR class IIa device: in 2026 its AI Act clocks are hospital policy (J9). */
const scope: SystemScope = { aiActRiskClass: 'high', mdrClass: 'IIa', inHouseDevice: false };
const minimal: SystemScope = { ...scope, aiActRiskClass: 'minimal' };
const text = (ct: string): EncryptedText => ({ enc: 'aes-256-gcm', kid: 'k1', iv: 'aXY=', ct });
const none = NO_CRITERIA;
const harm = (criteria: Partial<SeriousnessCriteria> = { seriousHarmToHealth: true }, more: Partial<Classification> = {}): Classification => ({
  serious: true,
  criteria: { ...none, ...criteria },
  medicalDevice: false,
  wkkgzCalamity: false,
  ...more,
});

const detectCommand = (more: Partial<DetectIncident> = {}): DetectIncident => ({
  type: 'DetectIncident',
  incidentId,
  aiSystemId,
  system: { exists: true, name: 'ChestXR Triage', supplierName: 'Acme', version: '2.3.1', udiDi: null, ...scope },
  narrative: text('bmFycmF0aXZl'),
  hasNarrative: true,
  narrativeSubject: 'p-1',
  patientPseudonyms: ['p-1'],
  linkedReviews: [{ reviewId, exists: true, aiSystemId, reviewerSubject: 'alice', patientPseudonym: 'p-2' }],
  occurredAt: '2026-11-20T09:00:00.000Z',
  awareAt: null,
  awarenessReason: null,
  nearMiss: false,
  policy,
  reporter: clinician,
  now: detectedAt,
  ...more,
});

const classifyCommand = (classification: Classification, more: Partial<ClassifyIncident> = {}): ClassifyIncident => ({
  type: 'ClassifyIncident',
  incidentId,
  classification,
  rationale: text('cmF0aW9uYWxl'),
  hasRationale: true,
  policy,
  scope,
  by: qm,
  now: later,
  ...more,
});

const notifyCommand = (more: Partial<NotifyRecipient> = {}): NotifyRecipient => ({
  type: 'NotifyRecipient',
  incidentId,
  notificationId: 'n-1',
  recipient: 'provider',
  channel: 'webhook',
  destination: 'https://supplier.example/hook',
  format: 'ai-act-art73',
  complete: false,
  report: text('cmVwb3J0'),
  reportSha256: 'a'.repeat(64),
  reference: null,
  notifiedAt: later,
  policy,
  scope,
  by: qm,
  now: later,
  ...more,
});

/** The events a command produced on a history; thrown DomainErrors are returned for inspection. */
const decide = (history: IncidentEvent[], command: IncidentCommand) => incidentDecider.decide(command, fold(incidentDecider, history));
const detected = () => decide([], detectCommand());
const classified = (c: Classification = harm()) => {
  const h = detected();
  return [...h, ...decide(h, classifyCommand(c))];
};

/** The code of the DomainError a call throws; null when it does not throw. */
function codeOf(run: () => unknown): string | null {
  try {
    run();
  } catch (e) {
    return e instanceof DomainError ? e.code : `not a DomainError: ${String(e)}`;
  }
  return null;
}

const given = DeciderSpecification.for(incidentDecider);

describe('incident decider', () => {
  it('names the stream incident-<id>', () => {
    expect(incidentStreamId(incidentId)).toBe(`incident-${incidentId}`);
  });

  describe('DetectIncident', () => {
    it('records the incident with linked reviews, their patients, and awareness at the moment of recording', () => {
      given([])
        .when(detectCommand())
        .then(([detectedEvent, awareness, computed]) => {
          expect(detectedEvent).toMatchObject({
            type: 'incidents.IncidentDetected',
            data: { incidentId, linkedReviewIds: [reviewId], patientPseudonyms: ['p-1', 'p-2'], detectedBy: clinician, detectedAt },
          });
          expect(awareness).toEqual({
            type: 'incidents.AwarenessEstablished',
            data: { incidentId, awareAt: detectedAt, reason: null, previousAwareAt: null, establishedBy: clinician, establishedAt: detectedAt },
          });
          // A high-risk system: the provider clock runs from awareness before anyone classifies (hospital policy, J12).
          expect(computed).toMatchObject({
            type: 'incidents.DeadlinesComputed',
            data: {
              cause: 'detection',
              rulebookVersion: RULEBOOK_VERSION,
              scope,
              deadlines: [{ ruleId: 'aiact.26-5.provider.on-awareness', recipient: 'provider', dueAt: '2026-11-24T10:00:00.000Z', nature: 'hospital-policy' }],
            },
          });
        });
    });

    it('a system that is not high-risk starts no clock at detection', () => {
      given([])
        .when(detectCommand({ system: { ...detectCommand().system, ...minimal } }))
        .then((events) => expect(events.map((e) => e.type)).toEqual(['incidents.IncidentDetected', 'incidents.AwarenessEstablished']));
    });

    it("a system the compliance file classified high-risk (registered minimal) starts the provider clock, and the computation records the file's classification", () => {
      const classification = {
        decidedOn: '2026-11-01',
        decidedBy: 'qm-1',
        legalGround: 'annex-iii',
        legalGroundPoint: 'Annex III point 5(d)',
        role: 'deployer' as const,
        dutiesApplyFrom: '2027-12-02',
        dutiesApplyFromBasis: 'Digital Omnibus on AI (unverified)',
      };
      given([])
        .when(detectCommand({ system: { ...detectCommand().system, ...minimal, aiActRiskClass: 'high', classification } }))
        .then(([, , computed]) =>
          expect(computed).toMatchObject({
            type: 'incidents.DeadlinesComputed',
            data: {
              scope: { aiActRiskClass: 'high', classification },
              deadlines: [{ ruleId: 'aiact.26-5.provider.on-awareness', dutiesApplyFrom: { source: 'compliance-file', at: '2027-12-01T23:00:00.000Z' } }],
            },
          }),
        );
    });

    it('accepts an awareness earlier than the record, with its reason', () => {
      given([])
        .when(detectCommand({ awareAt: '2026-11-21T08:00:00Z', awarenessReason: text('d2h5') }))
        .then(([, awareness]) => expect(awareness.data).toMatchObject({ awareAt: '2026-11-21T08:00:00.000Z', reason: text('d2h5') }));
    });

    it('refuses an unknown system, a missing narrative, a review by someone else, and awareness before the incident', () => {
      given([])
        .when(detectCommand({ system: { ...detectCommand().system, exists: false } }))
        .thenThrows({ code: 'ai-system-not-found', status: 404, field: 'aiSystemId' });
      given([])
        .when(detectCommand({ narrative: null, hasNarrative: false }))
        .thenThrows({ code: 'narrative-required', status: 400, field: 'narrative' });
      given([])
        .when(detectCommand({ reporter: { subject: 'bob', role: 'clinician' } }))
        .thenThrows({ code: 'not-your-review', status: 403, field: 'linkedReviewIds' });
      given([])
        .when(detectCommand({ awareAt: '2026-11-19T00:00:00.000Z' }))
        .thenThrows({ code: 'aware-before-occurred', status: 422, field: 'awareAt' });
      given([])
        .when(detectCommand({ linkedReviews: [{ reviewId, exists: false, aiSystemId: null, reviewerSubject: null, patientPseudonym: null }] }))
        .thenThrows({ code: 'review-not-found', status: 404, field: 'linkedReviewIds' });
      given(detected()).when(detectCommand()).thenThrows({ code: 'incident-exists', status: 409 });
    });

    it("lets a quality manager link anyone's review", () => {
      given([])
        .when(detectCommand({ reporter: qm }))
        .then((events) => expect(events[0].type).toBe('incidents.IncidentDetected'));
    });
  });

  describe('ClassifyIncident', () => {
    it("classifies (the moment of identification, Art. 26(5)) and computes the deadlines with the system's scope", () => {
      // Art. 26(5): "Where deployers have identified a serious incident, they shall also immediately inform first the provider,
      // and then … the relevant market surveillance authorities"; before 2 August 2028 (Annex I route) as hospital policy (J9).
      given(detected())
        .when(classifyCommand(harm()))
        .then(([classifiedEvent, computed]) => {
          expect(classifiedEvent).toMatchObject({ type: 'incidents.IncidentClassified', data: { serious: true, previous: null, classifiedBy: qm } });
          expect(computed).toMatchObject({
            type: 'incidents.DeadlinesComputed',
            data: {
              awareAt: detectedAt,
              cause: 'classification',
              policy,
              scope,
              rulebookVersion: RULEBOOK_VERSION,
              deadlines: [
                { ruleId: 'aiact.26-5.provider.on-awareness', recipient: 'provider', dueAt: '2026-11-24T10:00:00.000Z', nature: 'hospital-policy' },
                {
                  ruleId: 'aiact.26-5.msa',
                  recipient: 'market-surveillance-authority',
                  dueAt: '2026-11-25T09:00:00.000Z',
                  from: { trigger: 'identification', at: later },
                },
                { ruleId: 'aiact.26-5.provider', recipient: 'provider', dueAt: '2026-11-25T09:00:00.000Z', nature: 'hospital-policy' },
              ],
            },
          });
          expect(fold(incidentDecider, [...detected(), classifiedEvent, computed]).identifiedAt).toBe(later);
        });
    });

    it('provider unreachable: Art. 73 applies to the hospital; death discovered later shortens the authority deadline from 15 to 10 days', () => {
      // Art. 26(5): "If the deployer is not able to reach the provider, Article 73 shall apply mutatis mutandis." Art. 73(2): 15 days; 73(4): 10 days.
      const unreachable: IncidentCommand = {
        type: 'RecordProviderUnreachable',
        incidentId,
        unreachableAt: later,
        reasons: text('dHJpZWQ='),
        hasReasons: true,
        policy,
        scope,
        by: qm,
        now: later,
      };
      const history = [...classified(harm()), ...decide(classified(harm()), unreachable)];
      expect(history.at(-2)).toMatchObject({ type: 'incidents.ProviderUnreachable', data: { unreachableAt: later, recordedBy: qm } });
      const art73 = (events: IncidentEvent[]) => fold(incidentDecider, events).deadlines.find((d) => d.ruleId?.startsWith('aiact.73'));
      expect(art73(history)).toMatchObject({ ruleId: 'aiact.73-2', dueAt: '2026-12-08T10:00:00.000Z' });
      const death = decide(history, classifyCommand(harm({ seriousHarmToHealth: true, death: true })));
      expect(death[0].data).toMatchObject({ previous: harm(), criteria: { death: true } });
      expect(art73([...history, ...death])).toMatchObject({ ruleId: 'aiact.73-4', dueAt: '2026-12-03T10:00:00.000Z' });
      given(history).when(unreachable).thenThrows({ code: 'provider-unreachable-recorded', status: 409 });
      given(classified())
        .when({ ...unreachable, reasons: null, hasReasons: false })
        .thenThrows({ code: 'reasons-required', status: 400, field: 'reasons' });
      const informed = [...classified(), ...decide(classified(), notifyCommand({ channel: 'recorded', destination: null, report: null, reportSha256: null }))];
      given(informed).when(unreachable).thenThrows({ code: 'provider-informed', status: 409 });
    });

    it('a rulebook correction recomputes an open incident once, with its reason, keeping the earlier computation', () => {
      const old = classified().map((e) =>
        e.type === 'incidents.DeadlinesComputed' ? { ...e, data: { ...e.data, rulebookVersion: undefined, deadlines: [] } } : e,
      ) as IncidentEvent[];
      const recompute: IncidentCommand = { type: 'RecomputeDeadlines', incidentId, reason: 'Rulebook 2026-12-06.1: AI Act scope', policy, scope, now: later };
      given(old)
        .when(recompute)
        .then(([recomputed]) => {
          expect(recomputed).toMatchObject({
            type: 'incidents.DeadlinesRecomputed',
            data: {
              cause: 'rulebook-correction',
              rulebookVersion: RULEBOOK_VERSION,
              previousRulebookVersion: null,
              reason: 'Rulebook 2026-12-06.1: AI Act scope',
            },
          });
          expect(fold(incidentDecider, [...old, recomputed]).deadlines.map((d) => d.ruleId)).toContain('aiact.26-5.provider');
        });
      given(classified()).when(recompute).thenThrows({ code: 'deadlines-current', status: 409 });
      given(old)
        .when({ ...recompute, reason: ' ' })
        .thenThrows({ code: 'reason-required', status: 400, field: 'reason' });
    });

    it('re-classification as not serious clears the duties', () => {
      given(classified())
        .when(classifyCommand({ serious: false, criteria: none, medicalDevice: false, wkkgzCalamity: false }))
        .then(([, computed]) => expect(computed.data).toMatchObject({ deadlines: [] }));
    });

    it('refuses a serious classification without any criterion', () => {
      given(detected())
        .when(classifyCommand(harm({})))
        .thenThrows({ code: 'criteria-required', status: 400, field: 'criteria' });
    });

    it('accepts a serious incident under the MDR alone (a public health threat, a near miss) and a widespread infringement alone', () => {
      // MDR Art. 2(65) "led, might have led or might lead to"; Art. 2(66); AI Act Art. 3(61) (no fundamental-rights criterion needed).
      for (const c of [{ seriousPublicHealthThreat: true }, { couldHaveLedToSeriousHarm: true }, { widespreadInfringement: true }]) {
        given(detected())
          .when(classifyCommand(harm(c)))
          .then(([classifiedEvent]) => expect(classifiedEvent.data).toMatchObject({ serious: true, criteria: c }));
      }
    });

    it('a breach judged unlikely to result in a risk needs its reasons (GDPR Art. 33(1), 33(5)); other breach levels are recorded as given', () => {
      const unlikely = { serious: false, criteria: none, medicalDevice: false, wkkgzCalamity: false, personalDataBreach: 'unlikely-risk' as const };
      given(detected())
        .when(classifyCommand(unlikely, { rationale: null, hasRationale: false }))
        .thenThrows({ code: 'rationale-required', status: 400, field: 'rationale' });
      given(detected())
        .when(classifyCommand({ ...unlikely, personalDataBreach: 'high-risk', patientConsequences: true }, { rationale: null, hasRationale: false }))
        .then(([classifiedEvent, computed]) => {
          expect(classifiedEvent.data).toMatchObject({ personalDataBreach: 'high-risk', patientConsequences: true });
          expect(computed.type === 'incidents.DeadlinesComputed' && computed.data.deadlines.map((d) => d.ruleId).sort()).toEqual([
            'gdpr.33-1',
            'gdpr.34-1',
            'wkkgz.10-3',
          ]);
        });
    });

    it('NIS2: the incident notification to the CSIRT starts the final-report clock (recorded with the report); a kind for another recipient is refused', () => {
      const cyber = { serious: false, criteria: none, medicalDevice: false, wkkgzCalamity: false, significantCyberIncident: true };
      const history = [...detected(), ...decide(detected(), classifyCommand(cyber))];
      const recorded = { channel: 'recorded' as const, destination: null, report: null, reportSha256: null };
      const early = decide(history, notifyCommand({ ...recorded, recipient: 'csirt', notificationId: 'n-ew' }));
      expect(early.map((e) => e.type)).toEqual(['incidents.AuthorityNotified']);
      const h2 = [...history, ...early];
      const notification = decide(
        h2,
        notifyCommand({ ...recorded, recipient: 'csirt', notificationId: 'n-nt', reportKind: 'incident-notification', notifiedAt: later }),
      );
      expect(notification.map((e) => e.type)).toEqual(['incidents.FollowUpReported', 'incidents.DeadlinesComputed']);
      const state = fold(incidentDecider, [...h2, ...notification]);
      expect(state.deadlines.find((d) => d.ruleId === 'nis2.23-4-d')).toMatchObject({ dueAt: '2026-12-24T09:00:00.000Z', reportKind: 'final-report' });
      expect(state.informedAt).toMatchObject({ csirt: later, 'csirt#incident-notification': later });
      given(h2)
        .when(notifyCommand({ ...recorded, recipient: 'igj', reportKind: 'final-report' }))
        .thenThrows({ code: 'report-kind-not-for-recipient', status: 422, field: 'reportKind' });
    });

    it('refuses "not serious" when a criterion is met', () => {
      given(detected())
        .when(classifyCommand({ ...harm({ death: true }), serious: false }))
        .thenThrows({ code: 'criteria-contradict-classification', status: 422, field: 'serious' });
    });

    it('refuses an unchanged classification, and a re-classification without rationale', () => {
      given(classified()).when(classifyCommand(harm())).thenThrows({ code: 'classification-unchanged', status: 409 });
      given(classified())
        .when(classifyCommand(harm({ death: true }), { rationale: null, hasRationale: false }))
        .thenThrows({ code: 'rationale-required', status: 400, field: 'rationale' });
    });
  });

  describe('EstablishAwareness', () => {
    const establish = (awareAt: string, more = {}): IncidentCommand => ({
      type: 'EstablishAwareness',
      incidentId,
      awareAt,
      reason: text('cmVhc29u'),
      hasReason: true,
      policy,
      scope,
      by: qm,
      now: later,
      ...more,
    });

    it('awareness moved earlier moves the clocks that run from awareness, not those from identification', () => {
      given(classified())
        .when(establish('2026-11-21T10:00:00.000Z'))
        .then(([awareness, computed]) => {
          expect(awareness.data).toMatchObject({ awareAt: '2026-11-21T10:00:00.000Z', previousAwareAt: detectedAt });
          expect(computed.data).toMatchObject({
            cause: 'awareness',
            deadlines: [
              { ruleId: 'aiact.26-5.provider.on-awareness', dueAt: '2026-11-22T10:00:00.000Z' },
              { ruleId: 'aiact.26-5.msa', dueAt: '2026-11-25T09:00:00.000Z' },
              { ruleId: 'aiact.26-5.provider', dueAt: '2026-11-25T09:00:00.000Z' },
            ],
          });
        });
    });

    it('before classification, on a system without clocks, only records awareness', () => {
      const h = decide([], detectCommand({ system: { ...detectCommand().system, ...minimal } }));
      given(h)
        .when(establish('2026-11-21T10:00:00.000Z', { scope: minimal }))
        .then((events) => expect(events.map((e) => e.type)).toEqual(['incidents.AwarenessEstablished']));
    });

    it('refuses no reason, the same moment, the future, and a time before the incident', () => {
      given(classified())
        .when(establish('2026-11-21T10:00:00.000Z', { reason: null, hasReason: false }))
        .thenThrows({ code: 'reason-required', status: 400, field: 'reason' });
      given(classified()).when(establish(detectedAt)).thenThrows({ code: 'awareness-unchanged', status: 409, field: 'awareAt' });
      given(classified()).when(establish('2026-11-25T00:00:00.000Z')).thenThrows({ code: 'time-in-future', status: 400, field: 'awareAt' });
      given(classified()).when(establish('2026-11-19T00:00:00.000Z')).thenThrows({ code: 'aware-before-occurred', status: 422, field: 'awareAt' });
      given(classified()).when(establish('not a time')).thenThrows({ code: 'invalid-timestamp', status: 400, field: 'awareAt' });
    });
  });

  describe('notifications and delivery', () => {
    it('queues the first supplier report as SupplierNotified; later ones are follow-ups', () => {
      const history = classified();
      const first = decide(history, notifyCommand());
      expect(first).toMatchObject([{ type: 'incidents.SupplierNotified', data: { recipient: 'provider', channel: 'webhook', complete: false } }]);
      const followUp = decide([...history, ...first], notifyCommand({ notificationId: 'n-2', complete: true }));
      expect(followUp[0].type).toBe('incidents.FollowUpReported');
    });

    it('records an authority report made through its portal; it meets the duty at its business time', () => {
      const history = classified();
      const events = decide(
        history,
        notifyCommand({
          recipient: 'market-surveillance-authority',
          channel: 'recorded',
          destination: null,
          report: null,
          reportSha256: null,
          reference: 'MSA-2026-17',
        }),
      );
      expect(events).toMatchObject([{ type: 'incidents.AuthorityNotified', data: { reference: 'MSA-2026-17' } }]);
      expect(fold(incidentDecider, [...history, ...events]).informedAt).toEqual({ 'market-surveillance-authority': later });
    });

    it('refuses a notification before detection, a webhook to an authority, a supplier without endpoint, and an unknown incident', () => {
      given(classified())
        .when(notifyCommand({ notifiedAt: '2026-11-22T00:00:00.000Z' }))
        .thenThrows({ code: 'notified-before-detection', status: 422, field: 'notifiedAt' });
      given(classified())
        .when(notifyCommand({ recipient: 'igj' }))
        .thenThrows({ code: 'channel-not-supported', status: 422, field: 'channel' });
      given(classified())
        .when(notifyCommand({ destination: null }))
        .thenThrows({ code: 'no-supplier-endpoint', status: 422, field: 'recipient' });
      given([]).when(notifyCommand()).thenThrows({ code: 'incident-not-found', status: 404 });
    });

    it('records failed attempts, then the delivery, which meets the provider duty', () => {
      let history = [...classified(), ...decide(classified(), notifyCommand())];
      const attempt = (n: number, delivered: boolean, now: string): IncidentCommand => ({
        type: 'RecordDeliveryAttempt',
        incidentId,
        notificationId: 'n-1',
        attempt: n,
        outcome: delivered
          ? { delivered: true, httpStatus: 204, reportSha256: 'a'.repeat(64) }
          : { delivered: false, httpStatus: 503, error: 'HTTP 503', nextAttemptAt: now },
        now,
      });
      history = [...history, ...decide(history, attempt(1, false, '2026-11-24T09:00:01.000Z'))];
      expect(codeOf(() => decide(history, attempt(1, false, later)))).toBe('stale-attempt');
      history = [...history, ...decide(history, attempt(2, true, '2026-11-24T09:00:03.000Z'))];
      const state = fold(incidentDecider, history);
      expect(state.notifications[0]).toMatchObject({ status: 'delivered', attempts: 2 });
      expect(state.informedAt.provider).toBe('2026-11-24T09:00:03.000Z');
      expect(codeOf(() => decide(history, attempt(3, true, later)))).toBe('already-delivered');
      const ack = decide(history, { type: 'AcknowledgeReport', incidentId, notificationId: 'n-1', supplierReference: 'ACME-1', now: later });
      expect(ack).toMatchObject([{ type: 'incidents.SupplierAcknowledged', data: { supplierReference: 'ACME-1' } }]);
      given([...history, ...ack])
        .when({ type: 'AcknowledgeReport', incidentId, notificationId: 'n-1', supplierReference: null, now: later })
        .thenThrows({ code: 'already-acknowledged', status: 409 });
    });
  });

  describe('email delivery', () => {
    const emailed = (more: Partial<NotifyRecipient> = {}) => notifyCommand({ channel: 'email', destination: 'mailto:vigilance@acme.example', ...more });
    const attempt = (n: number, delivered: boolean, now: string): IncidentCommand => ({
      type: 'RecordDeliveryAttempt',
      incidentId,
      notificationId: 'n-1',
      attempt: n,
      outcome: delivered
        ? { delivered: true, httpStatus: null, smtpResponse: '250 2.0.0 Ok: queued as 4F2A', reportSha256: 'a'.repeat(64) }
        : { delivered: false, httpStatus: null, error: 'SMTP 451: 451 Try again later', nextAttemptAt: now },
      now,
    });

    it('queues a supplier report by email with its mailto: destination', () => {
      given(classified())
        .when(emailed())
        .then((events) =>
          expect(events).toMatchObject([
            { type: 'incidents.SupplierNotified', data: { channel: 'email', destination: 'mailto:vigilance@acme.example', reportSha256: 'a'.repeat(64) } },
          ]),
        );
    });

    it('records the failed attempt and the delivery with the channel and the SMTP reply; the delivery meets the duty', () => {
      let history = [...classified(), ...decide(classified(), emailed())];
      const failed = decide(history, attempt(1, false, '2026-11-24T09:00:01.000Z'));
      expect(failed).toEqual([
        {
          type: 'incidents.ReportDeliveryFailed',
          data: {
            incidentId,
            notificationId: 'n-1',
            attempt: 1,
            channel: 'email',
            destination: 'mailto:vigilance@acme.example',
            httpStatus: null,
            error: 'SMTP 451: 451 Try again later',
            failedAt: '2026-11-24T09:00:01.000Z',
            nextAttemptAt: '2026-11-24T09:00:01.000Z',
          },
        },
      ]);
      history = [...history, ...failed];
      const delivered = decide(history, attempt(2, true, '2026-11-24T09:00:03.000Z'));
      expect(delivered).toMatchObject([
        { type: 'incidents.ReportDelivered', data: { channel: 'email', attempt: 2, httpStatus: null, smtpResponse: '250 2.0.0 Ok: queued as 4F2A' } },
      ]);
      const state = fold(incidentDecider, [...history, ...delivered]);
      expect(state.notifications[0]).toMatchObject({ channel: 'email', status: 'delivered', attempts: 2 });
      expect(state.informedAt.provider).toBe('2026-11-24T09:00:03.000Z');
    });

    it('takes an acknowledgement of an emailed report', () => {
      const history = [...classified(), ...decide(classified(), emailed())];
      given(history)
        .when({ type: 'AcknowledgeReport', incidentId, notificationId: 'n-1', supplierReference: 'ACME-7', now: later })
        .then((events) => expect(events[0].type).toBe('incidents.SupplierAcknowledged'));
    });

    it('refuses email without an address (or SMTP), and email to an authority', () => {
      given(classified())
        .when(emailed({ destination: null }))
        .thenThrows({ code: 'no-supplier-email', status: 422, field: 'channel' });
      given(classified())
        .when(emailed({ destination: 'https://supplier.example/hook' }))
        .thenThrows({ code: 'no-supplier-email', status: 422, field: 'channel' });
      given(classified())
        .when(emailed({ recipient: 'igj' }))
        .thenThrows({ code: 'channel-not-supported', status: 422, field: 'channel' });
    });

    it('tags webhook outcomes with their channel too', () => {
      const history = [...classified(), ...decide(classified(), notifyCommand())];
      given(history)
        .when({ ...attempt(1, false, later), outcome: { delivered: false, httpStatus: 503, error: 'HTTP 503', nextAttemptAt: later } } as IncidentCommand)
        .then((events) => expect(events[0].data).toMatchObject({ channel: 'webhook', httpStatus: 503 }));
    });
  });

  describe('SuspendSystemUse', () => {
    const suspendedAt = '2026-11-24T09:00:00.500Z';
    const suspend = (more: Partial<SuspendSystemUse> = {}): SuspendSystemUse => ({
      type: 'SuspendSystemUse',
      incidentId,
      reason: '  Missed pneumothorax; suspended pending analysis ',
      system: { suspendedAt, byThisRequest: true },
      by: qm,
      now: later,
      ...more,
    });

    it('links the suspension this request made to the incident', () => {
      given(classified())
        .when(suspend())
        .then((events) =>
          expect(events).toEqual([
            {
              type: 'incidents.SystemUseSuspended',
              data: {
                incidentId,
                aiSystemId,
                reason: 'Missed pneumothorax; suspended pending analysis',
                alreadySuspended: false,
                systemSuspendedAt: suspendedAt,
                suspendedBy: qm,
                suspendedAt: later,
              },
            },
          ]),
        );
    });

    it('links an existing suspension (made by someone else) with alreadySuspended', () => {
      const existing = '2026-11-21T08:00:00.000Z';
      given(detected())
        .when(suspend({ system: { suspendedAt: existing, byThisRequest: false } }))
        .then(([e]) => expect(e.data).toMatchObject({ alreadySuspended: true, systemSuspendedAt: existing }));
    });

    it('keeps the links in the state', () => {
      const history = [...classified(), ...decide(classified(), suspend())];
      expect(fold(incidentDecider, history).suspensions).toEqual([
        { systemSuspendedAt: suspendedAt, alreadySuspended: false, suspendedAt: later, suspendedBy: qm },
      ]);
    });

    it('refuses to link the same suspension twice (409), but links a later one after use was resumed', () => {
      const history = [...classified(), ...decide(classified(), suspend())];
      given(history)
        .when(suspend({ system: { suspendedAt, byThisRequest: false } }))
        .thenThrows({ code: 'suspension-already-linked', status: 409 });
      given(history)
        .when(suspend({ system: { suspendedAt: '2026-11-24T10:00:00.000Z', byThisRequest: true } }))
        .then((events) => expect(events[0].type).toBe('incidents.SystemUseSuspended'));
    });

    it('refuses an unknown incident (404), a closed one (409), and no reason (400)', () => {
      given([]).when(suspend()).thenThrows({ code: 'incident-not-found', status: 404 });
      const notSerious = classified({ serious: false, criteria: none, medicalDevice: false, wkkgzCalamity: false });
      const closed = [
        ...notSerious,
        ...decide(notSerious, { type: 'CloseIncident', incidentId, conclusion: text('Y29uYw=='), hasConclusion: true, by: qm, now: later }),
      ];
      given(closed).when(suspend()).thenThrows({ code: 'incident-closed', status: 409 });
      given(classified())
        .when(suspend({ reason: '   ' }))
        .thenThrows({ code: 'reason-required', status: 400, field: 'reason' });
    });
  });

  describe('Wkkgz calamity: established or ruled out (IGJ guidance, REGULATOR POLICY; docs/legal/sources.md § 11)', () => {
    // Awareness Wednesday 14 April 2027, 09:00 in Amsterdam; a possible calamity (classification flag).
    const aware = '2027-04-14T07:00:00.000Z';
    const suspectedAt = '2027-04-15T08:00:00.000Z';
    const day20 = '2027-05-04T08:00:00.000Z';
    const suspected = () => {
      const h = decide([], detectCommand({ occurredAt: null, now: aware }));
      return [...h, ...decide(h, classifyCommand(harm({ death: true }, { wkkgzCalamity: true }), { now: suspectedAt }))];
    };
    const establish = (more: Partial<EstablishCalamity> = {}): EstablishCalamity => ({
      type: 'EstablishCalamity',
      incidentId,
      establishedAt: day20,
      reasons: text('cmVhc29ucw=='),
      hasReasons: true,
      policy,
      scope,
      by: qm,
      now: day20,
      ...more,
    });
    const ruleOut = (more: Partial<RuleOutCalamity> = {}): RuleOutCalamity => ({
      type: 'RuleOutCalamity',
      incidentId,
      decidedAt: '2027-04-20T10:00:00.000Z',
      reasons: text('bm90IGEgY2FsYW1pdHk='),
      hasReasons: true,
      by: qm,
      now: '2027-04-20T10:00:00.000Z',
      ...more,
    });
    const party = (events: IncidentEvent[], p: string) => fold(incidentDecider, events).deadlines.find((d) => d.recipient === p);

    it('a possible calamity has the 6-week triage window from awareness and no IGJ report clock', () => {
      // IGJ: "… dan heeft u vanaf de constatering van de gebeurtenis 6 weken de tijd om dat te onderzoeken."
      const history = suspected();
      expect(party(history, 'calamity-decision')).toMatchObject({ dueAt: '2027-05-26T21:59:59.999Z' });
      expect(party(history, 'igj')).toBeUndefined();
    });

    it('established on day 20 → IGJ report due 3 Dutch working days after establishment, across Liberation and Ascension Day 2027; triage met', () => {
      // IGJ: "Binnen 3 werkdagen nadat u heeft vastgesteld dat het om een calamiteit gaat."
      given(suspected())
        .when(establish())
        .then((events) => {
          expect(events[0]).toEqual({
            type: 'incidents.CalamityEstablished',
            data: { incidentId, establishedAt: day20, reasons: text('cmVhc29ucw=='), previousRuledOutAt: null, establishedBy: qm },
          });
          expect(events[1]).toMatchObject({
            type: 'incidents.DeadlinesComputed',
            data: { cause: 'establishment', awareAt: aware, calamityEstablishedAt: day20 },
          });
          const state = fold(incidentDecider, [...suspected(), ...events]);
          expect(state.calamity).toEqual({ status: 'established', at: day20 });
          expect(state.informedAt['calamity-decision']).toBe(day20);
          expect(state.deadlines.find((d) => d.recipient === 'igj')).toMatchObject({ rule: 'Wkkgz art. 11(1)(a)', dueAt: '2027-05-11T21:59:59.999Z' });
        });
    });

    it('ruled out → no IGJ clock, and the triage window is met by the decision', () => {
      const history = [...suspected(), ...decide(suspected(), ruleOut())];
      const state = fold(incidentDecider, history);
      expect(history.at(-1)).toMatchObject({ type: 'incidents.CalamityRuledOut', data: { decidedAt: '2027-04-20T10:00:00.000Z', decidedBy: qm } });
      expect(state.deadlines.find((d) => d.recipient === 'igj')).toBeUndefined();
      expect(state.informedAt['calamity-decision']).toBe('2027-04-20T10:00:00.000Z');
    });

    it('a ruled-out calamity can be established later with new reasons; both decisions stay on record', () => {
      const ruledOut = [...suspected(), ...decide(suspected(), ruleOut())];
      given(ruledOut)
        .when(establish())
        .then(([established]) => expect(established.data).toMatchObject({ previousRuledOutAt: '2027-04-20T10:00:00.000Z', establishedAt: day20 }));
      given(ruledOut)
        .when(establish({ establishedAt: '2027-04-19T10:00:00.000Z' }))
        .thenThrows({ code: 'established-before-ruling-out', status: 422, field: 'establishedAt' });
    });

    it('an established calamity is never silently un-established, nor established twice', () => {
      const established = [...suspected(), ...decide(suspected(), establish())];
      given(established)
        .when(ruleOut({ now: day20, decidedAt: day20 }))
        .thenThrows({ code: 'calamity-established', status: 409 });
      given(established).when(establish()).thenThrows({ code: 'calamity-already-established', status: 409 });
      const ruledOut = [...suspected(), ...decide(suspected(), ruleOut())];
      given(ruledOut).when(ruleOut()).thenThrows({ code: 'calamity-already-ruled-out', status: 409 });
    });

    it('requires reasons, and a decision between awareness and now', () => {
      given(suspected())
        .when(establish({ reasons: null, hasReasons: false }))
        .thenThrows({ code: 'reasons-required', status: 400, field: 'reasons' });
      given(suspected())
        .when(ruleOut({ reasons: null, hasReasons: false }))
        .thenThrows({ code: 'reasons-required', status: 400, field: 'reasons' });
      given(suspected())
        .when(establish({ establishedAt: '2027-04-14T06:59:59.000Z' }))
        .thenThrows({ code: 'decided-before-awareness', status: 422, field: 'establishedAt' });
      given(suspected())
        .when(establish({ establishedAt: '2027-05-05T08:00:00.000Z' }))
        .thenThrows({ code: 'time-in-future', status: 400, field: 'establishedAt' });
      given(suspected())
        .when(ruleOut({ decidedAt: '2027-04-13T00:00:00.000Z' }))
        .thenThrows({ code: 'decided-before-awareness', status: 422, field: 'decidedAt' });
    });

    it('moving awareness moves the triage window, not the IGJ report clock (which runs from establishment)', () => {
      const established = [...suspected(), ...decide(suspected(), establish())];
      given(established)
        .when({
          type: 'EstablishAwareness',
          incidentId,
          awareAt: '2027-04-13T07:00:00.000Z',
          reason: text('ZWFybGllcg=='),
          hasReason: true,
          policy,
          scope,
          by: qm,
          now: day20,
        })
        .then((events) => {
          const state = fold(incidentDecider, [...established, ...events]);
          expect(state.deadlines.find((d) => d.recipient === 'calamity-decision')!.dueAt).toBe('2027-05-25T21:59:59.999Z');
          expect(state.deadlines.find((d) => d.recipient === 'igj')!.dueAt).toBe('2027-05-11T21:59:59.999Z');
        });
    });

    it("the IGJ's investigation-report term: only after a report to the IGJ, extendable on record, met by an investigation report (J8)", () => {
      const established = [...suspected(), ...decide(suspected(), establish())];
      const term = (dueAt: string, now = '2027-05-07T08:00:00.000Z'): IncidentCommand => ({
        type: 'SetInvestigationReportTerm',
        incidentId,
        dueAt,
        igjReference: 'IGJ-2027-0042',
        policy,
        scope,
        by: qm,
        now,
      });
      given(established).when(term('2027-07-02T22:00:00.000Z')).thenThrows({ code: 'igj-not-informed', status: 409 });
      const igjReport = notifyCommand({
        recipient: 'igj',
        channel: 'recorded',
        destination: null,
        report: null,
        reportSha256: null,
        notificationId: 'n-igj',
        notifiedAt: '2027-05-06T08:00:00.000Z',
        now: '2027-05-06T08:00:00.000Z',
      });
      const reported = [...established, ...decide(established, igjReport)];
      given(reported).when(term('2027-05-05T00:00:00.000Z')).thenThrows({ code: 'term-before-report', status: 422, field: 'dueAt' });
      const set = decide(reported, term('2027-07-02T22:00:00.000Z'));
      expect(set[0]).toMatchObject({
        type: 'incidents.InvestigationReportTermSet',
        data: { dueAt: '2027-07-02T22:00:00.000Z', previousDueAt: null, igjReference: 'IGJ-2027-0042' },
      });
      const withTerm = [...reported, ...set];
      expect(party(withTerm, 'igj')).toMatchObject({ ruleId: 'igj.calamity.report' }); // the calamity report stays listed, met
      const investigation = () => fold(incidentDecider, withTerm).deadlines.find((d) => d.ruleId === 'igj.investigation-report');
      expect(investigation()).toMatchObject({ dueAt: '2027-07-02T22:00:00.000Z', reportKind: 'investigation-report' });
      given(withTerm).when(term('2027-07-02T22:00:00.000Z')).thenThrows({ code: 'term-unchanged', status: 409, field: 'dueAt' });
      const extended = decide(withTerm, term('2027-07-30T22:00:00.000Z', '2027-06-20T08:00:00.000Z'));
      expect(extended[0].data).toMatchObject({ previousDueAt: '2027-07-02T22:00:00.000Z', dueAt: '2027-07-30T22:00:00.000Z' });
      // The first report to the IGJ met the calamity report; only an investigation report meets this one.
      const state = fold(incidentDecider, [...withTerm, ...extended]);
      const igjOpen = state.deadlines.filter((d) => d.recipient === 'igj' && !metAt(d, state.informedAt)).map((d) => d.ruleId);
      expect(igjOpen).toEqual(['igj.investigation-report']);
    });

    it('refuses a decision on an unknown incident', () => {
      given([]).when(establish()).thenThrows({ code: 'incident-not-found', status: 404 });
    });

    it('old-style events (before 2026-12: wkkgzCalamity meant "reported to the IGJ from awareness") replay with their recorded deadlines', () => {
      // As recorded by the earlier code: the IGJ clock ran 3 working days from awareness; the evidence is not rewritten.
      const recorded = [
        {
          obligation: 'Inform the provider of the serious incident',
          recipient: 'provider' as const,
          dueAt: '2026-11-24T10:00:00.000Z',
          rule: 'AI Act Art. 26(5)',
          basis: 'policy',
        },
        {
          obligation: 'Report the calamity to the Inspectie Gezondheidszorg en Jeugd',
          recipient: 'igj' as const,
          dueAt: '2026-11-26T10:00:00.000Z',
          rule: 'Wkkgz art. 11(1)(a)',
          basis: 'policy: within 3 working days (Mon–Fri) of awareness',
        },
      ];
      const history: IncidentEvent[] = [
        ...detected(),
        {
          type: 'incidents.IncidentClassified',
          data: { incidentId, ...harm({ death: true }, { wkkgzCalamity: true }), rationale: null, previous: null, classifiedBy: qm, classifiedAt: later },
        },
        {
          type: 'incidents.DeadlinesComputed',
          data: {
            incidentId,
            awareAt: detectedAt,
            deadlines: recorded,
            policy: { providerInformHours: 24, igjWorkingDays: 3 } as typeof policy,
            cause: 'classification',
            computedAt: later,
          },
        },
      ];
      const state = fold(incidentDecider, history);
      expect(state.deadlines).toEqual(recorded);
      expect(state.calamity).toBeNull();
    });
  });

  describe('closing and reopening', () => {
    const closeCommand: IncidentCommand = { type: 'CloseIncident', incidentId, conclusion: text('Y29uYw=='), hasConclusion: true, by: qm, now: later };

    it('refuses to close while a report is due, or before classification', () => {
      given(classified()).when(closeCommand).thenThrows({ code: 'obligations-open', status: 409 });
      given(detected()).when(closeCommand).thenThrows({ code: 'not-classified', status: 409 });
    });

    it('closes an incident that is not serious, refuses changes while closed, and reopens it', () => {
      const history = classified({ serious: false, criteria: none, medicalDevice: false, wkkgzCalamity: false });
      const closedEvents = decide(history, closeCommand);
      expect(closedEvents[0].type).toBe('incidents.IncidentClosed');
      const after = [...history, ...closedEvents];
      given(after)
        .when({ type: 'AddInvestigationNote', incidentId, note: text('bm90ZQ=='), hasNote: true, by: qm, now: later })
        .thenThrows({ code: 'incident-closed', status: 409 });
      given(after)
        .when({ type: 'ReopenIncident', incidentId, reason: text('bmV3'), hasReason: true, by: qm, now: later })
        .then((events) => expect(events[0].type).toBe('incidents.IncidentReopened'));
      given(history)
        .when({ type: 'ReopenIncident', incidentId, reason: text('bmV3'), hasReason: true, by: qm, now: later })
        .thenThrows({ code: 'incident-open', status: 409 });
    });
  });
});
