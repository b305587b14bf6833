import { DeciderSpecification } from '@app/event-store/testing';
import { type EvaluateThresholds, type EvaluatedFigure, type MonitoredMetric, monitoringDecider, type MonitoringEvent, type SetThresholds } from './index';

/**
 * Issue 23 item 6, ADR 0052: thresholds per AI system, set by quality management, raise an alert
 * when a monitored figure leaves them (AI Act Art. 26(5): a deployer who has reason to consider
 * that use may present a risk informs the provider and suspends use; Art. 72 for in-house providers).
 */
const aiSystemId = '0193a1b2-0000-7000-8000-000000000001';
const now = '2026-12-07T10:00:00.000Z';
const qm = { subject: 'qm-1', role: 'quality-manager' };
const limits = { agreement: 0.8, sensitivity: null, specificity: null, overrideRate: 0.3, fastAcceptanceRate: null };
const set = (more: Partial<SetThresholds> = {}): SetThresholds => ({
  type: 'SetThresholds',
  aiSystemId,
  systemExists: true,
  limits,
  fastAcceptanceSeconds: 5,
  windowDays: 30,
  minSample: 10,
  autoOpenIncident: false,
  reason: 'IFU section 7: expected agreement 85%',
  by: qm,
  now,
  ...more,
});
const thresholdsSet: MonitoringEvent = {
  type: 'monitoring.ThresholdsSet',
  data: {
    aiSystemId,
    limits,
    fastAcceptanceSeconds: 5,
    windowDays: 30,
    minSample: 10,
    autoOpenIncident: false,
    reason: 'IFU section 7: expected agreement 85%',
    setBy: qm,
    setAt: now,
  },
};
const none: EvaluatedFigure = { value: null, sample: 0 };
const evaluate = (figures: Partial<Record<MonitoredMetric, EvaluatedFigure>>): EvaluateThresholds => ({
  type: 'EvaluateThresholds',
  aiSystemId,
  figures: { agreement: none, sensitivity: none, specificity: none, overrideRate: none, fastAcceptanceRate: none, ...figures },
  windowFrom: '2026-11-07T10:00:00.000Z',
  windowTo: now,
  now,
});
const breached = (alertNo: number, metric: MonitoredMetric, value: number, threshold: number, sample: number): MonitoringEvent => ({
  type: 'monitoring.ThresholdBreached',
  data: { aiSystemId, alertNo, metric, value, threshold, sample, windowFrom: '2026-11-07T10:00:00.000Z', windowTo: now, breachedAt: now },
});

const given = DeciderSpecification.for(monitoringDecider);

describe('Monitoring decider (thresholds and alerts per AI system)', () => {
  it('sets thresholds field by field', () => {
    given([])
      .when({ ...set(), extra: 1 } as SetThresholds)
      .then([thresholdsSet]);
  });

  it('refuses an unknown system (404), a threshold outside 0–1, bad window, sample or fast-acceptance seconds, no reason (400 naming the field)', () => {
    given([])
      .when(set({ systemExists: false }))
      .thenThrows({ code: 'ai-system-not-found', status: 404, field: 'aiSystemId' });
    given([])
      .when(set({ limits: { ...limits, overrideRate: 1.5 } }))
      .thenThrows({ code: 'invalid-threshold', status: 400, field: 'limits.overrideRate' });
    given([])
      .when(set({ windowDays: 0 }))
      .thenThrows({ code: 'invalid-threshold', status: 400, field: 'windowDays' });
    given([])
      .when(set({ minSample: 0 }))
      .thenThrows({ code: 'invalid-threshold', status: 400, field: 'minSample' });
    given([])
      .when(set({ fastAcceptanceSeconds: 0.5 }))
      .thenThrows({ code: 'invalid-threshold', status: 400, field: 'fastAcceptanceSeconds' });
    given([])
      .when(set({ reason: ' ' }))
      .thenThrows({ code: 'reason-required', status: 400, field: 'reason' });
  });

  it('raises nothing without thresholds, within them, or on fewer cases than minSample', () => {
    given([])
      .when(evaluate({ agreement: { value: 0.1, sample: 50 } }))
      .then([]);
    given([thresholdsSet])
      .when(evaluate({ agreement: { value: 0.8, sample: 50 }, overrideRate: { value: 0.3, sample: 50 } }))
      .then([]);
    given([thresholdsSet])
      .when(evaluate({ agreement: { value: 0.5, sample: 9 } }))
      .then([]);
  });

  it('raises one alert per figure leaving its threshold (below a lower bound, above an upper one), numbered per system', () => {
    given([thresholdsSet])
      .when(evaluate({ agreement: { value: 0.7, sample: 10 }, overrideRate: { value: 0.31, sample: 20 } }))
      .then([breached(1, 'agreement', 0.7, 0.8, 10), breached(2, 'overrideRate', 0.31, 0.3, 20)]);
  });

  it('does not raise again while the figure stays outside; records the recovery; raises anew after it', () => {
    given([thresholdsSet, breached(1, 'agreement', 0.7, 0.8, 10)])
      .when(evaluate({ agreement: { value: 0.6, sample: 12 } }))
      .then([]);
    given([thresholdsSet, breached(1, 'agreement', 0.7, 0.8, 10)])
      .when(evaluate({ agreement: { value: 0.9, sample: 12 } }))
      .then([{ type: 'monitoring.ThresholdRecovered', data: { aiSystemId, metric: 'agreement', value: 0.9, recoveredAt: now } }]);
    given([
      thresholdsSet,
      breached(1, 'agreement', 0.7, 0.8, 10),
      { type: 'monitoring.ThresholdRecovered', data: { aiSystemId, metric: 'agreement', value: 0.9, recoveredAt: now } },
    ])
      .when(evaluate({ agreement: { value: 0.5, sample: 14 } }))
      .then([breached(2, 'agreement', 0.5, 0.8, 14)]);
  });

  it('gives no verdict on too few cases: a breach whose cases left the window is not recovered (ADR 0052 amendment, the timed evaluation)', () => {
    const history = [thresholdsSet, breached(1, 'agreement', 0.7, 0.8, 10)];
    given(history)
      .when(evaluate({ agreement: { value: 0.9, sample: 3 } }))
      .then([]);
    given(history)
      .when(evaluate({ agreement: { value: null, sample: 0 } }))
      .then([]);
    // Enough cases again, still outside: the same breach, no second alert.
    given(history)
      .when(evaluate({ agreement: { value: 0.6, sample: 10 } }))
      .then([]);
  });

  it('records a recovery when the threshold is no longer watched', () => {
    given([
      thresholdsSet,
      breached(1, 'agreement', 0.7, 0.8, 10),
      { ...thresholdsSet, data: { ...thresholdsSet.data, limits: { ...limits, agreement: null } } },
    ])
      .when(evaluate({ agreement: { value: 0.7, sample: 10 } }))
      .then([{ type: 'monitoring.ThresholdRecovered', data: { aiSystemId, metric: 'agreement', value: 0.7, recoveredAt: now } }]);
  });

  it('records the incident opened for an alert once; the same incident again is nothing; another is a 409; an unknown alert a 404', () => {
    const history = [thresholdsSet, breached(1, 'agreement', 0.7, 0.8, 10)];
    const opened: MonitoringEvent = {
      type: 'monitoring.AlertIncidentOpened',
      data: { aiSystemId, alertNo: 1, incidentId: 'inc-1', openedBy: qm, openedAt: now },
    };
    const record = (alertNo: number, incidentId: string) => ({ type: 'RecordAlertIncident' as const, aiSystemId, alertNo, incidentId, by: qm, now });
    given(history).when(record(1, 'inc-1')).then([opened]);
    given([...history, opened])
      .when(record(1, 'inc-1'))
      .then([]);
    given([...history, opened])
      .when(record(1, 'inc-2'))
      .thenThrows({ code: 'incident-already-opened', status: 409, field: 'alertNo' });
    given(history).when(record(2, 'inc-1')).thenThrows({ code: 'alert-not-found', status: 404, field: 'alertNo' });
  });

  it('dismisses an open alert with a reason; a dismissed alert opens no incident', () => {
    const history = [thresholdsSet, breached(1, 'agreement', 0.7, 0.8, 10)];
    const dismissed: MonitoringEvent = {
      type: 'monitoring.AlertDismissed',
      data: { aiSystemId, alertNo: 1, reason: 'Case mix changed: paediatric week', dismissedBy: qm, dismissedAt: now },
    };
    given(history).when({ type: 'DismissAlert', aiSystemId, alertNo: 1, reason: 'Case mix changed: paediatric week', by: qm, now }).then([dismissed]);
    given(history)
      .when({ type: 'DismissAlert', aiSystemId, alertNo: 1, reason: '', by: qm, now })
      .thenThrows({ code: 'reason-required', status: 400, field: 'reason' });
    given([...history, dismissed])
      .when({ type: 'RecordAlertIncident', aiSystemId, alertNo: 1, incidentId: 'inc-1', by: qm, now })
      .thenThrows({ code: 'alert-dismissed', status: 409, field: 'alertNo' });
  });
});
