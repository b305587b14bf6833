import type { Server } from 'node:http';
import type { INestApplication } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import request from 'supertest';
import { createApp } from '@app/api';
import { CLOCK, type Clock, ConcurrencyError, EVENT_STORE, type EventStore } from '@app/event-store';
import { ExecuteMonitoringCommand, MONITORING_ACTOR, MonitoringEvaluator } from '@app/monitoring';
import { aiSystemBody, sha256Hex, startTestApp, type TestApp } from '../support/test-app';

const DAY = 86_400_000;
const MINUTE = 60_000;
const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * ADR 0052 amendment (issue 23 item 6): thresholds are watched over a window that slides with
 * time, so the worker `monitoring-thresholds` also evaluates them on a timer. Here nothing new
 * arrives: the business clock moves a day, the good old cases leave the window, and the timer
 * raises the alert by itself, once, however often it runs, after a restart, and when two
 * evaluations race on the system's stream (as two instances on one PostgreSQL would). AI Act
 * Art. 26(5) first subparagraph is quoted in docs/compliance.md.
 */
describe('Monitoring thresholds evaluated as time passes (HTTP, timer)', () => {
  let t: TestApp;
  let system: string;
  let restarted: INestApplication | undefined;
  const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });
  const ref = (n: string) => `pacs://studies/${n}/ai-report`;
  const breaches = async (store: EventStore) => (await store.readStream(`monitoring-${system}`)).filter((e) => e.type === 'monitoring.ThresholdBreached');

  beforeAll(async () => {
    // A round every 0.3 s instead of every hour, so the test need not wait.
    process.env.MONITORING_EVALUATE_INTERVAL_MINUTES = '0.005';
    t = await startTestApp();
    const [admin, qm, alice] = await Promise.all([t.token('admin', 'admin-1'), t.token('quality-manager', 'qm-1'), t.token('clinician', 'alice')]);
    system = (
      await t.http
        .post('/api/v1/ai-systems')
        .set(bearer(admin))
        .send(aiSystemBody({ name: 'Sepsis Early Warning', oversightPersons: ['alice'] }))
        .expect(201)
    ).body.aiSystemId;
    const bridge = await t.token('ai-system', 'bridge-sepsis', system);
    const feed = (n: string, producedAt: string) => ({
      aiSystemId: system,
      modelVersion: '2.3.1',
      outputReference: ref(n),
      outputSha256: sha256Hex(n),
      patientId: `NL-${n}`,
      producedAt,
      ward: 'ICU-1',
      aiFinding: 'positive',
    });
    // Two outputs from 29 days ago (inside a 30-day window for one more day), two from today.
    const old = new Date(Date.now() - 29 * DAY - 12 * 60 * MINUTE).toISOString();
    const recent = new Date(Date.now() - 10 * MINUTE).toISOString();
    await t.http
      .post('/api/v1/ai-outputs')
      .set(bearer(bridge))
      .send({ outputs: [feed('old-1', old), feed('old-2', old), feed('new-1', recent), feed('new-2', recent)] })
      .expect(200);
    const outcome = (n: string, confirmedFinding: string) =>
      t.http
        .post('/api/v1/outcomes')
        .set(bearer(alice))
        .send({ aiSystemId: system, outputReference: ref(n), source: 'pathology', confirmedFinding })
        .expect(201);
    // Agreement 3 of 4 = 0.75 now; 1 of 2 = 0.5 once the old two leave the window.
    await outcome('old-1', 'positive');
    await outcome('old-2', 'positive');
    await outcome('new-1', 'positive');
    await outcome('new-2', 'negative');
    await t.http
      .post(`/api/v1/ai-systems/${system}/monitoring-thresholds`)
      .set(bearer(qm))
      .send({ limits: { agreement: 0.7 }, windowDays: 30, minSample: 2, reason: 'IFU 2.3 §7: agreement at least 70%' })
      .expect(200);
  });
  afterAll(async () => {
    delete process.env.MONITORING_EVALUATE_INTERVAL_MINUTES;
    // `t.close` closes the app it started; after the restart, close the one running now.
    if (restarted) {
      await restarted.close();
      await t.storage.cleanup();
    } else await t?.close();
  });

  it('raises the alert by itself when old cases leave the window, with nothing new arriving', async () => {
    // Several timer rounds within the threshold: nothing.
    await pause(1000);
    expect(await breaches(t.store)).toHaveLength(0);
    const before = await t.eventCount();
    t.app.get<Clock>(CLOCK).advance(DAY);
    let raised: Awaited<ReturnType<typeof breaches>> = [];
    for (let i = 0; i < 100 && raised.length === 0; i++) {
      await pause(100);
      raised = await breaches(t.store);
    }
    expect(raised).toHaveLength(1);
    expect(raised[0].data).toMatchObject({ alertNo: 1, metric: 'agreement', value: 0.5, threshold: 0.7, sample: 2 });
    // The timer's own event: nothing but its evaluation was written since the clock moved.
    expect(await t.eventCount()).toBe(before + 1);
    expect(raised[0].metadata).toMatchObject({ actor: MONITORING_ACTOR });
  });

  it('raises it once: the timer running again, twice at a time, and after a restart', async () => {
    const evaluator = t.app.get(MonitoringEvaluator);
    expect(await evaluator.evaluateAll()).toBe(0);
    expect(await Promise.all([evaluator.evaluateAll(), evaluator.evaluateAll()])).toEqual([0, 0]);
    await pause(700); // the timer's own rounds
    expect(await breaches(t.store)).toHaveLength(1);

    // A restart on the same store, at the same business time: the breach is in the stream, not in memory.
    await t.app.close();
    t.app = restarted = await createApp(t.storage.config);
    // The clock moves before init: from init on, the worker's first round and its catch-up on the
    // log evaluate at the clock's now, and at the real now the old cases are back in the window.
    t.app.get<Clock>(CLOCK).advance(DAY);
    await t.app.init();
    const store = t.app.get<EventStore>(EVENT_STORE);
    t.store = store;
    t.http = request(t.app.getHttpServer() as Server);
    expect(await t.app.get(MonitoringEvaluator).evaluateAll()).toBe(0);
    expect(await breaches(store)).toHaveLength(1);
  });

  it('two evaluations racing on the stream (two instances) append one alert: the stream revision fences the second', async () => {
    // A system with thresholds and no cases of its own: the worker gives no verdict on it, so the
    // race below is between these two evaluations alone, both deciding from the same revision.
    const [admin, qm] = await Promise.all([t.token('admin', 'admin-1'), t.token('quality-manager', 'qm-1')]);
    const racing = (
      await t.http
        .post('/api/v1/ai-systems')
        .set(bearer(admin))
        .send(aiSystemBody({ name: 'Race Detect' }))
        .expect(201)
    ).body.aiSystemId as string;
    await t.http
      .post(`/api/v1/ai-systems/${racing}/monitoring-thresholds`)
      .set(bearer(qm))
      .send({ limits: { specificity: 0.9 }, minSample: 1, reason: 'IFU: specificity at least 90%' })
      .expect(200);
    const commands = t.app.get(CommandBus);
    const none = { value: null, sample: 0 };
    const evaluate = () =>
      commands.execute(
        new ExecuteMonitoringCommand(
          {
            type: 'EvaluateThresholds',
            aiSystemId: racing,
            figures: { agreement: none, sensitivity: none, specificity: { value: 0.5, sample: 4 }, overrideRate: none, fastAcceptanceRate: none },
            windowFrom: new Date(Date.now() - 30 * DAY).toISOString(),
            windowTo: new Date().toISOString(),
          },
          MONITORING_ACTOR,
        ),
      );
    const results = await Promise.allSettled([evaluate(), evaluate()]);
    // One appended the alert; the other lost the race on the revision (or, coming second, decided nothing).
    for (const r of results) if (r.status === 'rejected') expect(r.reason).toBeInstanceOf(ConcurrencyError);
    const raised = (await t.store.readStream(`monitoring-${racing}`)).filter((e) => e.type === 'monitoring.ThresholdBreached');
    expect(raised).toHaveLength(1);
  });
});
