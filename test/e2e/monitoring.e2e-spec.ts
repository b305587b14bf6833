import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { verifyBundle } from '@app/evidence';
import { Pseudonymizer } from '@app/identity';
import { courtRequestFor, exportBundleTo } from '../support/bundles';
import { requirePythonVerifier, verifyWithPython } from '../support/python-verifier';
import { aiSystemBody, sha256Hex, startTestApp, type TestApp } from '../support/test-app';
import { readZip } from '../support/zip';

const MINUTE = 60_000;
const ago = (ms: number) => new Date(Date.now() - ms).toISOString();
const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Issue 23 item 6 over real HTTP on the store this run targets (ADR 0052): an outcome recorded and
 * the monitoring figures changing; a threshold breach raising an alert, and the alert opening an
 * incident through the incident context (by a person, or by the system's setting). AI Act
 * Art. 26(5) first subparagraph (deployers monitor the operation) and Art. 72 (post-market
 * monitoring) are quoted in docs/compliance.md.
 */
describe('Monitoring against confirmed outcomes (HTTP)', () => {
  let t: TestApp;
  let admin: string;
  let qm: string;
  let alice: string;
  let chest: string;
  let stroke: string;
  let c1: string;
  const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });
  const ref = (n: string) => `pacs://studies/${n}/ai-report`;
  const feed = async (system: string, names: string[], more: Record<string, unknown> = {}) => {
    const token = await t.token('ai-system', `bridge-${system}`, system);
    await t.http
      .post('/api/v1/ai-outputs')
      .set(bearer(token))
      .send({
        outputs: names.map((n) => ({
          aiSystemId: system,
          modelVersion: '2.3.1',
          outputReference: ref(n),
          outputSha256: sha256Hex(n),
          patientId: `NL-${n}`,
          producedAt: ago(10 * MINUTE),
          ward: 'ICU-2',
          aiFinding: 'positive',
          ...more,
        })),
      })
      .expect(200);
  };
  const outcome = (system: string, n: string, body: Record<string, unknown>, token = alice) =>
    t.http
      .post('/api/v1/outcomes')
      .set(bearer(token))
      .send({ aiSystemId: system, outputReference: ref(n), source: 'pathology', ...body });
  const figures = async (system: string) => {
    await t.catchUp();
    return (await t.http.get(`/api/v1/ai-systems/${system}/monitoring`).set(bearer(qm)).expect(200)).body;
  };
  const setThresholds = (system: string, body: Record<string, unknown>, token = qm) =>
    t.http.post(`/api/v1/ai-systems/${system}/monitoring-thresholds`).set(bearer(token)).send(body);
  /** The evaluator follows the log in the background: wait for what it writes. */
  const openAlerts = async (system: string, count: number) => {
    for (let i = 0; i < 200; i++) {
      await t.catchUp();
      const items = (await t.http.get(`/api/v1/monitoring/alerts?aiSystemId=${system}`).set(bearer(qm)).expect(200)).body.items;
      if (items.length >= count) return items;
      await pause(50);
    }
    throw new Error(`no ${count} alerts for ${system}`);
  };

  beforeAll(async () => {
    t = await startTestApp();
    [admin, qm, alice] = await Promise.all([t.token('admin', 'admin-1'), t.token('quality-manager', 'qm-1'), t.token('clinician', 'alice')]);
    const register = async (name: string) =>
      (
        await t.http
          .post('/api/v1/ai-systems')
          .set(bearer(admin))
          .send(aiSystemBody({ name, oversightPersons: ['alice'] }))
          .expect(201)
      ).body.aiSystemId as string;
    chest = await register('ChestXR Triage');
    stroke = await register('Stroke LVO Detect');
    await feed(chest, ['c1', 'c2', 'c3']);
    await feed(stroke, ['s1', 's2']);
  });
  afterAll(async () => {
    await t?.close();
  });

  it('refuses bad thresholds and outcomes with a problem naming the field, and writes nothing', async () => {
    const before = await t.eventCount();
    const cases: Array<[() => ReturnType<typeof setThresholds>, string]> = [
      [() => setThresholds(chest, { limits: { agreement: 1.5 }, reason: 'x' }), 'limits.agreement'],
      [() => setThresholds(chest, { limits: {}, minSample: 0, reason: 'x' }), 'minSample'],
      [() => setThresholds(chest, { limits: {} }), 'reason'],
      [() => outcome(chest, 'c1', { source: 'gut feeling', confirmedFinding: 'positive' }), 'source'],
      [() => outcome(chest, 'c1', { confirmedFinding: 'maybe' }), 'confirmedFinding'],
    ];
    for (const [send, field] of cases) {
      const res = await send().expect(400);
      expect(res.headers['content-type']).toContain('application/problem+json');
      expect(res.body.errors.map((e: { field: string }) => e.field)).toContain(field);
    }
    // Decided, not validated: contradicting findings, no output by that reference.
    const contradicts = await outcome(chest, 'c1', { confirmedFinding: 'negative', agreesWithAi: true }).expect(422);
    expect(contradicts.body.errors[0].field).toBe('agreesWithAi');
    await outcome(chest, 'never-fed', { confirmedFinding: 'positive' }).expect(404);
    expect(await t.eventCount()).toBe(before);
  });

  it('lets only quality management set thresholds', async () => {
    await setThresholds(chest, { limits: { agreement: 0.8 }, reason: 'IFU' }, alice).expect(403);
    await setThresholds(chest, { limits: { agreement: 0.8 }, reason: 'IFU' }, await t.token('auditor', 'audit-1')).expect(403);
  });

  it('records an outcome and the figures change: agreement, sensitivity, per month and ward', async () => {
    expect((await figures(chest)).overall).toMatchObject({ outcomes: 0, agreement: null });
    const res = await outcome(chest, 'c1', { confirmedFinding: 'positive', note: 'Biopsy: adenocarcinoma' }).expect(201);
    c1 = res.body.outputId;
    expect(res.headers.location).toBe(`/api/v1/outcomes/${res.body.outputId}`);
    const one = await figures(chest);
    expect(one.overall).toMatchObject({ outcomes: 1, agreed: 1, agreement: 1, sensitivity: 1 });
    expect(one.byWard).toEqual([expect.objectContaining({ key: 'ICU-2', figures: expect.objectContaining({ outcomes: 1 }) })]);
    expect(one.byMonth.map((m: { key: string }) => m.key)).toEqual([new Date(Date.now() - 10 * MINUTE).toISOString().slice(0, 7)]);
    // The note is encrypted in the log and shown to those who may read the outcome.
    const shown = await t.http.get(`/api/v1/outcomes/${res.body.outputId}`).set(bearer(alice)).expect(200);
    expect(shown.body).toMatchObject({ confirmedFinding: 'positive', agreesWithAi: true, note: { text: 'Biopsy: adenocarcinoma', erased: false } });
    const events = await t.store.readStream(`outcome-${res.body.outputId}`);
    expect(JSON.stringify(events)).not.toContain('adenocarcinoma');
    // The same outcome again is refused; a correction is the way.
    await outcome(chest, 'c1', { confirmedFinding: 'positive' }).expect(409);
  });

  it('counts reviews: override rate and very fast acceptances (time to decision) per reviewer', async () => {
    const review = (n: string, decision: string, seconds: number) => {
      const decidedAt = ago(5 * MINUTE);
      return t.http
        .post('/api/v1/reviews')
        .set(bearer(alice))
        .send({
          aiSystemId: chest,
          modelVersion: '2.3.1',
          outputReference: ref(n),
          outputSha256: sha256Hex(n),
          patientId: `NL-${n}`,
          decision,
          ...(decision === 'accepted' ? {} : { reason: 'Not what I see' }),
          seenAt: new Date(Date.parse(decidedAt) - seconds * 1000).toISOString(),
          decidedAt,
        })
        .expect(201);
    };
    await review('c1', 'accepted', 2);
    await review('c2', 'rejected', 90);
    const f = await figures(chest);
    expect(f.overall).toMatchObject({ reviews: 2, overridden: 1, overrideRate: 0.5, accepted: 1, fastAcceptances: 1, fastAcceptanceRate: 1 });
    expect(f.byReviewer).toEqual([expect.objectContaining({ key: 'alice', figures: expect.objectContaining({ reviews: 2, fastAcceptances: 1 }) })]);
  });

  it('records an outcome for an output a clinician entered by hand and reviewed (never fed), and the figures change; refuses an unknown, withdrawn or second one', async () => {
    // A hand-entered output: no feed, only a review. Its system is kept apart so the figures are its own.
    const manual = (
      await t.http
        .post('/api/v1/ai-systems')
        .set(bearer(admin))
        .send(aiSystemBody({ name: 'Fracture Detect', oversightPersons: ['alice'] }))
        .expect(201)
    ).body.aiSystemId as string;
    const review = async (n: string, decision: string) => {
      const decidedAt = ago(20 * MINUTE);
      return (
        await t.http
          .post('/api/v1/reviews')
          .set(bearer(alice))
          .send({
            aiSystemId: manual,
            modelVersion: '2.3.1',
            outputReference: ref(n),
            outputSha256: sha256Hex(n),
            patientId: `NL-${n}`,
            decision,
            ...(decision === 'accepted' ? {} : { reason: 'Not what I see' }),
            seenAt: new Date(Date.parse(decidedAt) - 60_000).toISOString(),
            decidedAt,
          })
          .expect(201)
      ).body.reviewId as string;
    };
    await review('m1', 'accepted');
    await review('m2', 'rejected');
    const withdrawn = await review('m3', 'accepted');
    await t.http.post(`/api/v1/reviews/${withdrawn}/withdrawal`).set(bearer(alice)).send({ reason: 'Entered for the wrong patient' }).expect(200);
    expect((await figures(manual)).overall).toMatchObject({ outcomes: 0, reviews: 2, agreement: null });

    const before = await t.eventCount();
    // Unknown output (neither fed nor reviewed), an output whose only review was withdrawn, a bad ward.
    expect((await outcome(manual, 'never-seen', { confirmedFinding: 'positive', aiFinding: 'positive' }).expect(404)).body.errors[0].field).toBe(
      'outputReference',
    );
    expect((await outcome(manual, 'm3', { confirmedFinding: 'positive', aiFinding: 'positive' }).expect(409)).body.errors[0].field).toBe('outputReference');
    const badWard = await outcome(manual, 'm1', { confirmedFinding: 'positive', aiFinding: 'positive', ward: 'bed 4 Jansen' }).expect(400);
    expect(badWard.headers['content-type']).toContain('application/problem+json');
    expect(badWard.body.errors.map((e: { field: string }) => e.field)).toContain('ward');
    // Without the AI's finding, the person says whether the AI agreed.
    expect((await outcome(manual, 'm1', { confirmedFinding: 'positive' }).expect(400)).body.errors[0].field).toBe('agreesWithAi');
    // A fed output's AI finding comes from its feed: another one is refused.
    expect((await outcome(chest, 'c2', { confirmedFinding: 'negative', aiFinding: 'negative' }).expect(422)).body.errors[0].field).toBe('aiFinding');
    expect(await t.eventCount()).toBe(before);

    // The AI said positive (the clinician accepted it), pathology confirms: sensitivity from a hand-entered output.
    const m1 = await outcome(manual, 'm1', { confirmedFinding: 'positive', aiFinding: 'positive', ward: 'ED', note: 'Fracture confirmed on CT' }, qm).expect(
      201,
    );
    // The AI said positive, the clinician rejected it, follow-up says negative: the AI was wrong.
    await outcome(manual, 'm2', { confirmedFinding: 'negative', aiFinding: 'positive', ward: 'ED', source: 'follow-up' }).expect(201);
    const f = await figures(manual);
    expect(f.overall).toMatchObject({ outcomes: 2, agreed: 1, agreement: 0.5, sensitivity: 1, specificity: 0, reviews: 2, overridden: 1 });
    expect(f.byVersion).toEqual([expect.objectContaining({ key: '2.3.1', figures: expect.objectContaining({ outcomes: 2, reviews: 2 }) })]);
    // The ward said with the outcome is the ward of the output's reviews too.
    expect(f.byWard).toEqual([expect.objectContaining({ key: 'ED', figures: expect.objectContaining({ outcomes: 2, reviews: 2, overridden: 1 }) })]);
    expect(f.byReviewer).toEqual([expect.objectContaining({ key: 'alice', figures: expect.objectContaining({ reviews: 2 }) })]);
    const shown = await t.http.get(`/api/v1/outcomes/${m1.body.outputId}`).set(bearer(qm)).expect(200);
    expect(shown.body).toMatchObject({ arrivedBy: 'review', aiFinding: 'positive', ward: 'ED', note: { text: 'Fracture confirmed on CT' } });
    expect(JSON.stringify(await t.store.readStream(`outcome-${m1.body.outputId}`))).not.toContain('Fracture confirmed');
    // A second outcome is refused (409); the correction route restates it, with a reason.
    expect((await outcome(manual, 'm1', { confirmedFinding: 'negative', aiFinding: 'positive' }).expect(409)).body.errors[0].field).toBe('outputReference');
    await t.http
      .post(`/api/v1/outcomes/${m1.body.outputId}/correction`)
      .set(bearer(qm))
      .send({ confirmedFinding: 'negative', source: 'expert-panel', reason: 'Panel: no fracture' })
      .expect(200);
    expect((await figures(manual)).overall).toMatchObject({ outcomes: 2, agreed: 0, sensitivity: null, specificity: 0 });
    // The AI's finding typed in wrong: corrected with a reason (a hand-entered output's only), the figures follow.
    const shownAgain = await t.http.get(`/api/v1/outcomes/${m1.body.outputId}`).set(bearer(qm)).expect(200);
    await t.http
      .post(`/api/v1/outcomes/${m1.body.outputId}/correction`)
      .set(bearer(qm))
      .set('If-Match', shownAgain.headers.etag)
      .send({ aiFinding: 'negative', ward: 'ICU-2', confirmedFinding: 'negative', source: 'expert-panel', reason: 'The AI report said no fracture' })
      .expect(200);
    const corrected = await figures(manual);
    expect(corrected.overall).toMatchObject({ outcomes: 2, agreed: 1, specificity: 0.5 });
    expect(corrected.byWard.map((w: { key: string }) => w.key).sort()).toEqual(['ED', 'ICU-2']);
    const fed = await t.http.get(`/api/v1/outcomes/${c1}`).set(bearer(qm)).expect(200);
    const refused = await t.http
      .post(`/api/v1/outcomes/${c1}/correction`)
      .set(bearer(qm))
      .send({ aiFinding: 'negative', confirmedFinding: 'positive', source: 'pathology', reason: 'x' })
      .expect(422);
    expect(refused.body.errors[0].field).toBe('aiFinding');
    expect((await t.http.get(`/api/v1/outcomes/${c1}`).set(bearer(qm)).expect(200)).headers.etag).toBe(fed.headers.etag);
  });

  let etag: string;
  let c3: string;
  it('raises an alert when a figure crosses its threshold, once, and opens an incident through the incident context', async () => {
    const set = await setThresholds(chest, { limits: { agreement: 0.8 }, minSample: 2, reason: 'IFU 2.3 §7: agreement ≥ 85% expected' }).expect(200);
    expect(set.headers.etag).toBe('"0"');
    await setThresholds(chest, { limits: { agreement: 0.8 }, minSample: 2, reason: 'stale' })
      .set('If-Match', '"5"')
      .expect(409);
    // One outcome (agreement 1 of 1) is under minSample: nothing yet.
    await pause(200);
    expect((await t.http.get(`/api/v1/monitoring/alerts?aiSystemId=${chest}`).set(bearer(qm)).expect(200)).body.items).toEqual([]);
    // The AI said positive, pathology says negative: agreement 1 of 2 = 0.5 < 0.8 on 2 cases.
    await outcome(chest, 'c2', { confirmedFinding: 'negative' }).expect(201);
    const [alert] = await openAlerts(chest, 1);
    expect(alert).toMatchObject({
      aiSystemId: chest,
      aiSystemName: 'ChestXR Triage',
      alertNo: 1,
      metric: 'agreement',
      value: 0.5,
      threshold: 0.8,
      sample: 2,
      status: 'open',
    });
    const f = await figures(chest);
    expect(f.overall).toMatchObject({ outcomes: 2, agreement: 0.5, sensitivity: 1, specificity: 0 });
    expect(f.alerts).toHaveLength(1);
    // Still outside after another disagreeing outcome: no second alert.
    c3 = (await outcome(chest, 'c3', { confirmedFinding: 'negative' }).expect(201)).body.outputId;
    await pause(300);
    expect(await openAlerts(chest, 1)).toHaveLength(1);
    etag = (await t.http.get(`/api/v1/ai-systems/${chest}/monitoring`).set(bearer(qm)).expect(200)).headers.etag;

    await t.http.post(`/api/v1/ai-systems/${chest}/monitoring-alerts/1/incident`).set(bearer(alice)).expect(403);
    const opened = await t.http.post(`/api/v1/ai-systems/${chest}/monitoring-alerts/1/incident`).set(bearer(qm)).set('If-Match', etag).expect(200);
    const incident = await t.http.get(`/api/v1/incidents/${opened.body.incidentId}`).set(bearer(qm)).expect(200);
    expect(incident.body).toMatchObject({ aiSystemId: chest });
    expect(JSON.stringify(incident.body)).toContain('Monitoring alert 1');
    await t.http.post(`/api/v1/ai-systems/${chest}/monitoring-alerts/1/incident`).set(bearer(qm)).expect(409);
    await t.http.post(`/api/v1/ai-systems/${chest}/monitoring-alerts/9/incident`).set(bearer(qm)).expect(404);
    const [after] = await openAlerts(chest, 1);
    expect(after).toMatchObject({ status: 'incident-opened', incidentId: opened.body.incidentId });
    expect((await t.http.get('/api/v1/monitoring/alerts?status=open').set(bearer(qm)).expect(200)).body.items).toEqual([]);
  });

  it('corrects an outcome with a reason and If-Match, and the figures follow', async () => {
    const shown = await t.http.get(`/api/v1/outcomes/${c3}`).set(bearer(qm)).expect(200);
    const correction = { confirmedFinding: 'positive', source: 'expert-panel', reason: 'Panel review: the lesion was there' };
    await t.http.post(`/api/v1/outcomes/${c3}/correction`).set(bearer(qm)).set('If-Match', '"7"').send(correction).expect(409);
    await t.http
      .post(`/api/v1/outcomes/${c3}/correction`)
      .set(bearer(qm))
      .send({ ...correction, reason: undefined })
      .expect(400);
    await t.http.post(`/api/v1/outcomes/${c3}/correction`).set(bearer(qm)).set('If-Match', shown.headers.etag).send(correction).expect(200);
    const f = await figures(chest);
    expect(f.overall).toMatchObject({ outcomes: 3, agreed: 2, sensitivity: 1 });
    expect((await t.http.get(`/api/v1/outcomes/${c3}`).set(bearer(qm)).expect(200)).body).toMatchObject({
      confirmedFinding: 'positive',
      agreesWithAi: true,
      source: 'expert-panel',
    });
  });

  it("opens the incident by itself under the system's autoOpenIncident setting", async () => {
    await setThresholds(stroke, { limits: { agreement: 0.9 }, minSample: 1, autoOpenIncident: true, reason: 'Stroke: every miss matters' }).expect(200);
    await outcome(stroke, 's1', { confirmedFinding: 'negative' }, qm).expect(201);
    let alert: { status: string; incidentId: string | null } | undefined;
    for (let i = 0; i < 200 && alert?.status !== 'incident-opened'; i++) {
      [alert] = await openAlerts(stroke, 1);
      if (alert?.status !== 'incident-opened') await pause(50);
    }
    expect(alert).toMatchObject({ status: 'incident-opened' });
    const incident = await t.http.get(`/api/v1/incidents/${alert!.incidentId}`).set(bearer(qm)).expect(200);
    expect(incident.body).toMatchObject({ aiSystemId: stroke });
  });

  it('renders the monthly monitoring report as a PDF whose figures follow the recorded outcomes; refuses a bad or future month', async () => {
    const month = new Date(Date.now() - 10 * MINUTE).toLocaleDateString('sv-SE', { timeZone: 'Europe/Amsterdam' }).slice(0, 7);
    const report = async () => {
      await t.catchUp(); // the figures come from the read model, as GET …/monitoring's do
      const res = await t.http
        .get(`/api/v1/ai-systems/${chest}/monitoring/report`)
        .query({ month })
        .set(bearer(qm))
        .buffer(true)
        .parse((r, done) => {
          const chunks: Buffer[] = [];
          r.on('data', (c: Buffer) => chunks.push(c));
          r.on('end', () => done(null, Buffer.concat(chunks)));
        })
        .expect(200);
      expect(res.headers['content-type']).toMatch(/^application\/pdf/);
      const pdf = res.body as Buffer;
      expect(pdf.subarray(0, 5).toString('latin1')).toBe('%PDF-');
      // The text as pdfkit writes it: hex strings in TJ arrays, one array per run of text.
      return [...pdf.toString('latin1').matchAll(/\[([^\]]*)\]\s*TJ/g)]
        .map((m) => [...m[1].matchAll(/<([0-9a-fA-F]*)>/g)].map((h) => Buffer.from(h[1], 'hex').toString('latin1')).join(''))
        .join('\n');
    };
    const before = await report();
    const outcomesLine = (text: string) => /Confirmed outcomes: (\d+)/.exec(text)?.[1];
    const n = Number(outcomesLine(before));
    expect(before).toContain(`Monitoring report / Monitoringsrapport ${month}`);
    await feed(chest, ['r1']);
    await outcome(chest, 'r1', { confirmedFinding: 'negative' }).expect(201);
    expect(Number(outcomesLine(await report()))).toBe(n + 1);
    const bad = await t.http.get(`/api/v1/ai-systems/${chest}/monitoring/report`).query({ month: '2026-13' }).set(bearer(qm)).expect(400);
    expect(bad.body.errors).toEqual([expect.objectContaining({ field: 'month' })]);
    const future = await t.http.get(`/api/v1/ai-systems/${chest}/monitoring/report`).query({ month: '2999-01' }).set(bearer(qm)).expect(422);
    expect(future.body.code).toBe('month-in-future');
    await t.http.get(`/api/v1/ai-systems/${chest}/monitoring/report`).query({ month }).set(bearer(alice)).expect(403);
  });

  it("puts a hand-entered output's outcome in its patient's bundle, the note provable, and both verifiers accept it (VERIFY.md B.9)", async () => {
    requirePythonVerifier();
    // The earlier case recorded m1's outcome (never fed) with a note encrypted under NL-m1.
    const pseudonym = t.app.get(Pseudonymizer).pseudonymise('NL-m1');
    const legal = await t.token('legal', 'lawyer-1');
    const path = join(mkdtempSync(join(tmpdir(), 'outcome-bundle-')), 'patient.zip');
    await exportBundleTo(t, legal, await courtRequestFor(t, legal, 'C/13/2 / HA ZA 27-2', [pseudonym]), path);
    const files = await readZip(path);
    const streams = JSON.parse(files.get('data/completeness.json')!.toString()).streams as Array<{ streamId: string; included: boolean; matchedBy: string[] }>;
    const outcomeStreams = streams.filter((s) => s.streamId.startsWith('outcome-'));
    expect(outcomeStreams).toEqual([expect.objectContaining({ included: true, matchedBy: [`patient:${pseudonym}`] })]);
    const lines = files
      .get('data/events.jsonl')!
      .toString()
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { streamId: string; type: string });
    // The whole stream: the outcome and the corrections made of it by an earlier case.
    const types = lines.filter((l) => l.streamId === outcomeStreams[0].streamId).map((l) => l.type);
    expect(types[0]).toBe('monitoring.OutcomeConfirmed');
    expect(new Set(types.slice(1))).toEqual(new Set(types.length > 1 ? ['monitoring.OutcomeCorrected'] : []));
    expect(files.get('data/plaintexts.jsonl')!.toString()).toContain('Fracture confirmed on CT');
    expect((await verifyBundle(path)).problems).toEqual([]);
    expect((await verifyWithPython(path)).problems).toEqual([]);
  });
});
