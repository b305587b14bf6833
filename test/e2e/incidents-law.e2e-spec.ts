import { CLOCK, type Clock } from '@app/event-store';
import { NO_CRITERIA } from '@app/incidents';
import { incidentsOverdue, OVERDUE_EXIT_CODE } from '../../apps/cli/src/commands/incidents';
import { aiSystemBody, startTestApp, type TestApp } from '../support/test-app';

/**
 * The rulebook through the API, on the store this run targets (docs/incidents.md, ADR 0035):
 * a Wkkgz calamity walked from a clinician's report through triage, telling the patient,
 * establishment and the IGJ report; a personal data breach through its 72-hour notification, with
 * the board, the gauge and `registry incidents overdue` agreeing on what is overdue.
 */
describe('Incident clocks in law (HTTP): a calamity walked through, and a data breach', () => {
  let t: TestApp;
  let clock: Clock;
  let qm: string;
  let alice: string;
  let legal: string;
  let minimalSystem: string;
  const auth = (token: string) => ({ Authorization: `Bearer ${token}` });
  const view = async (id: string) => (await t.http.get(`/api/v1/incidents/${id}`).set(auth(qm)).expect(200)).body;
  const byRule = (v: { deadlines: Array<{ ruleId: string }> }, id: string) => v.deadlines.find((d) => d.ruleId === id) as Record<string, unknown> | undefined;
  const record = (id: string, recipient: string, reference: string, reportKind?: string) =>
    t.http.post(`/api/v1/incidents/${id}/notifications`).set(auth(qm)).send({ recipient, channel: 'recorded', reference, reportKind }).expect(201);

  beforeAll(async () => {
    t = await startTestApp();
    clock = t.app.get<Clock>(CLOCK);
    const admin = await t.token('admin', 'admin-1');
    [qm, alice, legal] = await Promise.all([t.token('quality-manager', 'qm-1'), t.token('clinician', 'alice'), t.token('legal', 'lawyer-1')]);
    // A sepsis early-warning score the register holds as minimal-risk under the AI Act: no AI Act clock, the Wkkgz ones only.
    minimalSystem = (
      await t.http
        .post('/api/v1/ai-systems')
        .set(auth(admin))
        .send(aiSystemBody({ name: 'Sepsis EWS', aiActRiskClass: 'minimal', mdrClass: 'none' }))
        .expect(201)
    ).body.aiSystemId;
  });

  afterAll(async () => {
    clock?.reset();
    await t?.app.close().catch(() => undefined); // the last case closes it for the CLI
    await t?.storage.cleanup();
  });

  it("a calamity: intake → possible calamity with consequences for the patient → patient told → established on day 20 → IGJ report → investigation report on the IGJ's term → nothing overdue", async () => {
    // Awareness Wednesday 14 April 2027, 09:00 in Amsterdam.
    clock.freeze('2027-04-14T07:00:00.000Z');
    const id = (
      await t.http
        .post('/api/v1/incidents')
        .set(auth(alice))
        .send({ aiSystemId: minimalSystem, narrative: 'Sepsis missed by the early-warning score; patient in intensive care', patientIds: ['NL-123 456 780'] })
        .expect(201)
    ).body.incidentId;
    expect((await view(id)).deadlines).toEqual([]); // minimal-risk: no AI Act clock at detection
    clock.advance(3_600_000);
    await t.http
      .post(`/api/v1/incidents/${id}/classification`)
      .set(auth(qm))
      .send({
        serious: true,
        criteria: { ...NO_CRITERIA, seriousHarmToHealth: true },
        wkkgzCalamity: true,
        patientConsequences: true,
        rationale: 'Possible calamity',
      })
      .expect(200);
    let v = await view(id);
    // Wkkgz art. 10(3): "onverwijld mededeling … van incidenten … die voor de cliënt merkbare gevolgen hebben of kunnen hebben" — 72 h (J2).
    expect(byRule(v, 'wkkgz.10-3')).toMatchObject({ recipient: 'patient', nature: 'law', dueAt: '2027-04-17T07:00:00.000Z', metAt: null });
    // IGJ: "… vanaf de constatering van de gebeurtenis 6 weken" — regulator policy.
    expect(byRule(v, 'igj.calamity.triage')).toMatchObject({ nature: 'regulator-policy', dueAt: '2027-05-26T21:59:59.999Z' });
    expect(v.deadlines.map((d: { ruleId: string }) => d.ruleId)).not.toContain('aiact.26-5.provider');

    clock.advance(24 * 3_600_000);
    await record(id, 'patient', 'EHR note 2027-04-15: conversation with the patient and her husband');
    clock.freeze('2027-05-04T08:00:00.000Z'); // day 20
    await t.http.post(`/api/v1/incidents/${id}/calamity-establishment`).set(auth(qm)).send({ reasons: 'Calamity committee: serious harm' }).expect(200);
    v = await view(id);
    expect(byRule(v, 'wkkgz.10-3')).toMatchObject({ metAt: '2027-04-15T08:00:00.000Z', overdue: false });
    // IGJ: "Binnen 3 werkdagen nadat u heeft vastgesteld dat het om een calamiteit gaat": past 5 May and Ascension Day.
    expect(byRule(v, 'igj.calamity.report')).toMatchObject({
      dueAt: '2027-05-11T21:59:59.999Z',
      metAt: null,
      from: { trigger: 'establishment', at: '2027-05-04T08:00:00.000Z' },
    });
    clock.advance(2 * 86_400_000);
    const termUrl = `/api/v1/incidents/${id}/investigation-report-term`;
    // The IGJ asks for the investigation report after the calamity report, not before.
    expect((await t.http.post(termUrl).set(auth(qm)).send({ dueAt: '2027-07-02T22:00:00Z' }).expect(409)).body.code).toBe('igj-not-informed');
    await record(id, 'igj', 'IGJ-2027-0042');
    v = await view(id);
    expect(v).toMatchObject({ overdue: false, nextDeadline: null, calamityTriage: 'established' });
    // The IGJ's acknowledgement names the term (J8: set per incident, no 8-week default); an extension is a new term on record.
    await t.http.post(termUrl).set(auth(alice)).send({ dueAt: '2027-07-02T22:00:00Z' }).expect(403);
    await t.http.post(termUrl).set(auth(qm)).send({ dueAt: '2027-07-02T22:00:00Z', igjReference: 'IGJ-2027-0042' }).expect(200);
    await t.http.post(termUrl).set(auth(qm)).send({ dueAt: '2027-07-30T22:00:00Z', igjReference: 'IGJ-2027-0042, extension' }).expect(200);
    v = await view(id);
    expect(byRule(v, 'igj.investigation-report')).toMatchObject({ dueAt: '2027-07-30T22:00:00.000Z', metAt: null, reportKind: 'investigation-report' });
    expect(byRule(v, 'igj.calamity.report')).toMatchObject({ metAt: '2027-05-06T08:00:00.000Z' });
    clock.freeze('2027-07-20T08:00:00.000Z');
    await record(id, 'igj', 'IGJ-2027-0042 report', 'investigation-report');
    v = await view(id);
    expect(byRule(v, 'igj.investigation-report')).toMatchObject({ metAt: '2027-07-20T08:00:00.000Z', overdue: false });
    expect(v).toMatchObject({ overdue: false, nextDeadline: null });
    await t.catchUp();
    expect((await t.http.get('/api/v1/incidents?overdue=true').set(auth(legal)).expect(200)).body.items).toEqual([]);
    expect((await t.http.get('/metrics').expect(200)).text).toMatch(/^oversight_incidents_overdue 0$/m);
    await t.http.post(`/api/v1/incidents/${id}/close`).set(auth(qm)).send({ conclusion: 'Threshold of the score lowered; staff briefed' }).expect(200);
  });

  it('a significant cybersecurity incident (NIS2 via the Cyberbeveiligingswet): early warning, notification, then a final report a month after the notification', async () => {
    clock.freeze('2027-03-01T09:00:00.000Z');
    const id = (
      await t.http.post('/api/v1/incidents').set(auth(qm)).send({ aiSystemId: minimalSystem, narrative: 'Ransomware on the scoring server' }).expect(201)
    ).body.incidentId;
    await t.http
      .post(`/api/v1/incidents/${id}/classification`)
      .set(auth(qm))
      .send({ serious: false, criteria: NO_CRITERIA, wkkgzCalamity: false, significantCyberIncident: true, rationale: 'Scoring down for all wards' })
      .expect(200);
    let v = await view(id);
    // Art. 23(4)(a) 24 h, (b) 72 h; hospital policy while the Cbw's entry into force is not recorded (J15).
    expect(v.deadlines.map((d: { ruleId: string; dueAt: string; nature: string }) => [d.ruleId, d.dueAt, d.nature])).toEqual([
      ['nis2.23-4-a', '2027-03-02T09:00:00.000Z', 'hospital-policy'],
      ['nis2.23-4-b', '2027-03-04T09:00:00.000Z', 'hospital-policy'],
    ]);
    clock.advance(20 * 3_600_000);
    await record(id, 'csirt', 'Z-CERT early warning');
    clock.advance(30 * 3_600_000);
    const wrongKind = await t.http
      .post(`/api/v1/incidents/${id}/notifications`)
      .set(auth(qm))
      .send({ recipient: 'igj', channel: 'recorded', reportKind: 'final-report' })
      .expect(422);
    expect(wrongKind.body.code).toBe('report-kind-not-for-recipient');
    await record(id, 'csirt', 'Z-CERT notification', 'incident-notification');
    v = await view(id);
    // Art. 23(4)(d): "a final report not later than one month after the submission of the incident notification".
    expect(byRule(v, 'nis2.23-4-d')).toMatchObject({
      dueAt: '2027-04-03T11:00:00.000Z',
      metAt: null,
      from: { trigger: 'incident-notification', at: '2027-03-03T11:00:00.000Z' },
    });
    expect(v.deadlines.filter((d: { metAt: string | null }) => d.metAt === null).map((d: { ruleId: string }) => d.ruleId)).toEqual(['nis2.23-4-d']);
    clock.advance(20 * 86_400_000);
    await record(id, 'csirt', 'Z-CERT final report', 'final-report');
    expect(await view(id)).toMatchObject({ overdue: false, nextDeadline: null });
  });

  it('a breach judged unlikely to result in a risk needs the reasons: 400 naming rationale, nothing written', async () => {
    clock.reset();
    const id = (
      await t.http
        .post('/api/v1/incidents')
        .set(auth(qm))
        .send({ aiSystemId: minimalSystem, narrative: 'Export of a worklist e-mailed to the wrong ward' })
        .expect(201)
    ).body.incidentId;
    const before = await t.eventCount();
    const res = await t.http
      .post(`/api/v1/incidents/${id}/classification`)
      .set(auth(qm))
      .send({ serious: false, criteria: NO_CRITERIA, wkkgzCalamity: false, personalDataBreach: 'unlikely-risk' })
      .expect(400);
    expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(JSON.stringify(res.body)).toContain('rationale');
    expect(await t.eventCount()).toBe(before);
    const bad = await t.http
      .post(`/api/v1/incidents/${id}/classification`)
      .set(auth(qm))
      .send({ serious: false, criteria: NO_CRITERIA, wkkgzCalamity: false, personalDataBreach: 'maybe' })
      .expect(400);
    expect(JSON.stringify(bad.body)).toContain('personalDataBreach');
    expect(await t.eventCount()).toBe(before);
  });

  it('a high-risk personal data breach: the Autoriteit Persoonsgegevens within 72 h and the data subjects; overdue on the board, the gauge and the CLI alike, then met', async () => {
    // Real time: the CLI reads the real clock. Awareness four days ago.
    clock.reset();
    const awareAt = new Date(Date.now() - 4 * 86_400_000).toISOString();
    const id = (
      await t.http
        .post('/api/v1/incidents')
        .set(auth(qm))
        .send({
          aiSystemId: minimalSystem,
          narrative: 'Model inputs with patient data left on a public bucket by the supplier',
          awareAt,
          awarenessReason: 'Supplier e-mail',
        })
        .expect(201)
    ).body.incidentId;
    await t.http
      .post(`/api/v1/incidents/${id}/classification`)
      .set(auth(qm))
      .send({ serious: false, criteria: NO_CRITERIA, wkkgzCalamity: false, personalDataBreach: 'high-risk', rationale: 'Diagnoses of 1,200 patients readable' })
      .expect(200);
    let v = await view(id);
    // GDPR Art. 33(1): "… not later than 72 hours after having become aware of it, notify … to the supervisory authority".
    expect(byRule(v, 'gdpr.33-1')).toMatchObject({ recipient: 'supervisory-authority', nature: 'law', overdue: true });
    expect(Date.parse(byRule(v, 'gdpr.33-1')!.dueAt as string) - Date.parse(awareAt)).toBe(72 * 3_600_000);
    // GDPR Art. 34(1): "… communicate the personal data breach to the data subject without undue delay" (72 h, J14).
    expect(byRule(v, 'gdpr.34-1')).toMatchObject({ recipient: 'data-subjects', overdue: true });
    await t.catchUp();
    const board = (await t.http.get('/api/v1/incidents?overdue=true').set(auth(legal)).expect(200)).body.items;
    expect(board.map((i: { incidentId: string }) => i.incidentId)).toEqual([id]);
    expect((await t.http.get('/metrics').expect(200)).text).toMatch(/^oversight_incidents_overdue 1$/m);

    await record(id, 'supervisory-authority', 'AP-meldnummer 2026-88213');
    await record(id, 'data-subjects', 'Letter to 1,200 patients, batch 1');
    v = await view(id);
    expect(v).toMatchObject({ overdue: false, nextDeadline: null });
    // Met late: the view keeps when, so the reasons for the delay (Art. 33(1)) can be asked for.
    expect(Date.parse(byRule(v, 'gdpr.33-1')!.metAt as string)).toBeGreaterThan(Date.parse(byRule(v, 'gdpr.33-1')!.dueAt as string));
    await t.catchUp();
    expect((await t.http.get('/metrics').expect(200)).text).toMatch(/^oversight_incidents_overdue 0$/m);

    // A second breach left open: the CLI sees exactly what the board and the gauge see.
    const open = (
      await t.http
        .post('/api/v1/incidents')
        .set(auth(qm))
        .send({ aiSystemId: minimalSystem, narrative: 'Dictation audio sent to an unapproved transcription service', awareAt, awarenessReason: 'Audit' })
        .expect(201)
    ).body.incidentId;
    await t.http
      .post(`/api/v1/incidents/${open}/classification`)
      .set(auth(qm))
      .send({ serious: false, criteria: NO_CRITERIA, wkkgzCalamity: false, personalDataBreach: 'risk' })
      .expect(200);
    await t.catchUp();
    const overdue = (await t.http.get('/api/v1/incidents?overdue=true').set(auth(legal)).expect(200)).body.items;
    expect(overdue.map((i: { incidentId: string }) => i.incidentId)).toEqual([open]);
    expect((await t.http.get('/metrics').expect(200)).text).toMatch(/^oversight_incidents_overdue 1$/m);
    await t.app.close();
    let out = '';
    expect(await incidentsOverdue({}, t.storage.config, (s) => (out += s))).toBe(OVERDUE_EXIT_CODE);
    expect(out).toContain('1 overdue incident(s)');
    expect(out).toContain(`${open}  Sepsis EWS: supervisory-authority due`);
    expect(out).toContain('(GDPR Art. 33(1))');
  });
});
