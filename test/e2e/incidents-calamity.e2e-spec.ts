import { timelineEntry } from '@app/evidence';
import { SubjectKeyStore } from '@app/identity';
import { NO_CRITERIA } from '@app/incidents';
import { CLOCK, type Clock } from '@app/event-store';
import { incidentsOverdue, OVERDUE_EXIT_CODE } from '../../apps/cli/src/commands/incidents';
import { aiSystemBody, startTestApp, type TestApp } from '../support/test-app';

/**
 * A Wkkgz calamity through the API (IGJ guidance, REGULATOR POLICY; docs/legal/sources.md § 11):
 * intake → possible calamity → established on day 20 → IGJ report due 3 Dutch working days after
 * establishment → report recorded → nothing overdue; and an undecided one overdue after 6 weeks on
 * the board, the gauge and `registry incidents overdue`.
 */
describe('Wkkgz calamity: triage window and IGJ report from establishment (HTTP)', () => {
  let t: TestApp;
  let clock: Clock;
  let qm: string;
  let alice: string;
  let legal: string;
  let systemId: string;
  let incidentId: string;
  const auth = (token: string) => ({ Authorization: `Bearer ${token}` });
  // Awareness Wednesday 14 April 2027, 09:00 in Amsterdam; established on day 20, Tuesday 4 May.
  const aware = '2027-04-14T07:00:00.000Z';
  const day20 = '2027-05-04T08:00:00.000Z';
  const SUSPECTED = { serious: false, criteria: NO_CRITERIA, wkkgzCalamity: true, rationale: 'Possible calamity: patient died after delayed care' };
  const get = (id = incidentId) => t.http.get(`/api/v1/incidents/${id}`).set(auth(qm)).expect(200);
  const party = (view: { deadlines: Array<{ recipient: string }> }, p: string) =>
    view.deadlines.find((d) => d.recipient === p) as Record<string, unknown> | undefined;

  beforeAll(async () => {
    t = await startTestApp();
    clock = t.app.get<Clock>(CLOCK);
    const admin = await t.token('admin', 'admin-1');
    [qm, alice, legal] = await Promise.all([t.token('quality-manager', 'qm-1'), t.token('clinician', 'alice'), t.token('legal', 'lawyer-1')]);
    systemId = (
      await t.http
        .post('/api/v1/ai-systems')
        .set(auth(admin))
        .send(aiSystemBody({ mdrClass: 'none' }))
        .expect(201)
    ).body.aiSystemId;
  });

  afterAll(async () => {
    clock?.reset();
    await t?.app.close().catch(() => undefined); // the last case closes it for the CLI
    await t?.storage.cleanup();
  });

  it('intake, then a possible calamity: the 6-week triage window runs from awareness and no IGJ report is due yet', async () => {
    clock.freeze(aware);
    const res = await t.http
      .post('/api/v1/incidents')
      .set(auth(alice))
      .send({ aiSystemId: systemId, narrative: 'Sepsis missed by the early-warning score; patient died', patientIds: ['NL-123 456 789'] })
      .expect(201);
    incidentId = res.body.incidentId;
    clock.advance(3_600_000);
    await t.http.post(`/api/v1/incidents/${incidentId}/classification`).set(auth(qm)).send(SUSPECTED).expect(200);
    const view = (await get()).body;
    expect(view.calamityTriage).toBe('open');
    // IGJ: "… dan heeft u vanaf de constatering van de gebeurtenis 6 weken de tijd om dat te onderzoeken."
    expect(party(view, 'calamity-decision')).toMatchObject({ dueAt: '2027-05-26T21:59:59.999Z', metAt: null, overdue: false });
    expect(party(view, 'calamity-decision')!.basis).toMatch(
      /^REGULATOR POLICY\. IGJ guidance: calamity triage: "… dan heeft u vanaf de constatering van de gebeurtenis 6 weken/,
    );
    expect(party(view, 'igj')).toBeUndefined();
  });

  it('refuses bad decisions with problem+json naming the field, and writes nothing', async () => {
    const url = `/api/v1/incidents/${incidentId}/calamity-establishment`;
    const before = await t.eventCount();
    const missing = await t.http.post(url).set(auth(qm)).send({}).expect(400);
    expect(missing.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(JSON.stringify(missing.body)).toContain('reasons');
    const early = await t.http.post(url).set(auth(qm)).send({ establishedAt: '2027-04-13T00:00:00Z', reasons: 'Committee decision' }).expect(422);
    expect(early.body).toMatchObject({ code: 'decided-before-awareness' });
    expect(JSON.stringify(early.body)).toContain('establishedAt');
    await t.http.post(url).set(auth(alice)).send({ reasons: 'Committee decision' }).expect(403);
    await t.http.post(`/api/v1/incidents/${incidentId}/calamity-ruling-out`).set(auth(qm)).send({ reasons: '' }).expect(400);
    await t.http.post(url).set(auth(qm)).set('If-Match', '"0"').send({ reasons: 'Committee decision' }).expect(409);
    expect(await t.eventCount()).toBe(before);
  });

  it('established on day 20: the IGJ report is due 3 Dutch working days later, past Liberation Day and Ascension Day 2027; triage met', async () => {
    clock.freeze(day20);
    const reasons = 'Calamity committee: unexpected death related to the quality of care (Wkkgz art. 1)';
    const { revision } = (await get()).body;
    const res = await t.http
      .post(`/api/v1/incidents/${incidentId}/calamity-establishment`)
      .set(auth(qm))
      .set('If-Match', `"${revision}"`)
      .set('Idempotency-Key', 'establish-1')
      .send({ reasons })
      .expect(200);
    // Repeated with the same key: the same answer, nothing written twice.
    const again = await t.http
      .post(`/api/v1/incidents/${incidentId}/calamity-establishment`)
      .set(auth(qm))
      .set('Idempotency-Key', 'establish-1')
      .send({ reasons })
      .expect(200);
    expect(again.body).toMatchObject({ revision: res.body.revision, replayed: true });
    const view = (await get()).body;
    expect(view.calamityTriage).toBe('established');
    expect(view.calamityDecidedAt).toBe(day20);
    // IGJ: "Binnen 3 werkdagen nadat u heeft vastgesteld dat het om een calamiteit gaat." 5 and 6 May 2027 are no working days (Atw art. 3(1)).
    expect(party(view, 'igj')).toMatchObject({ rule: 'Wkkgz art. 11(1)(a)', dueAt: '2027-05-11T21:59:59.999Z', metAt: null, overdue: false });
    expect(party(view, 'calamity-decision')).toMatchObject({ metAt: day20, overdue: false });
    const events = await t.store.readStream(`incident-${incidentId}`);
    const established = events.find((e) => e.type === 'incidents.CalamityEstablished')!;
    expect(established.data).toMatchObject({ establishedAt: day20, previousRuledOutAt: null, establishedBy: { subject: 'qm-1', role: 'quality-manager' } });
    // The reasons are personal free text: encrypted in the log, readable in the history.
    expect(JSON.stringify(events)).not.toContain('unexpected death');
    expect(events.at(-1)).toMatchObject({ type: 'incidents.DeadlinesComputed', data: { cause: 'establishment', calamityEstablishedAt: day20 } });
    // An evidence bundle's timeline names the decision and shows its reasons (decrypted with the patient's key).
    const keys = t.app.get(SubjectKeyStore);
    expect(await timelineEntry(established, (v) => keys.decrypt(v))).toMatchObject({ label: 'Calamity established (Wkkgz)', occurredAt: day20, text: reasons });
    const history = (await t.http.get(`/api/v1/incidents/${incidentId}/history`).set(auth(legal)).expect(200)).body.items;
    expect(history.find((h: { type: string }) => h.type === 'incidents.CalamityEstablished')).toMatchObject({
      occurredAt: day20,
      data: { reasons: { text: reasons } },
    });
    // An established calamity is not ruled out afterwards.
    const refused = await t.http.post(`/api/v1/incidents/${incidentId}/calamity-ruling-out`).set(auth(qm)).send({ reasons: 'Second opinion' }).expect(409);
    expect(refused.body.code).toBe('calamity-established');
  });

  it('the IGJ report recorded on time meets the clock: nothing overdue on the board, in the gauge or in the view', async () => {
    clock.freeze('2027-05-10T09:00:00.000Z');
    await t.http.post(`/api/v1/incidents/${incidentId}/notifications`).set(auth(qm)).send({ recipient: 'igj', reference: 'IGJ-2027-88' }).expect(201);
    clock.freeze('2027-07-01T00:00:00.000Z');
    const view = (await get()).body;
    expect(view).toMatchObject({ overdue: false, nextDeadline: null });
    expect(party(view, 'igj')).toMatchObject({ metAt: '2027-05-10T09:00:00.000Z', overdue: false });
    await t.catchUp();
    const board = (await t.http.get('/api/v1/incidents').set(auth(legal)).expect(200)).body.items;
    expect(board.find((i: { incidentId: string }) => i.incidentId === incidentId)).toMatchObject({ overdue: false, calamityTriage: 'established' });
    expect((await t.http.get('/api/v1/incidents?overdue=true').set(auth(legal)).expect(200)).body.items).toEqual([]);
    expect((await t.http.get('/metrics').expect(200)).text).toMatch(/^oversight_incidents_overdue 0$/m);
  });

  it('ruled out: no IGJ clock, the triage window met', async () => {
    clock.freeze(aware);
    const id = (await t.http.post('/api/v1/incidents').set(auth(qm)).send({ aiSystemId: systemId, narrative: 'Fall on the ward' }).expect(201)).body.incidentId;
    await t.http.post(`/api/v1/incidents/${id}/classification`).set(auth(qm)).send(SUSPECTED).expect(200);
    clock.freeze('2027-04-20T10:00:00.000Z');
    await t.http.post(`/api/v1/incidents/${id}/calamity-ruling-out`).set(auth(qm)).send({ reasons: 'No serious harm: bruise only' }).expect(200);
    clock.freeze('2027-07-01T00:00:00.000Z');
    const view = (await get(id)).body;
    expect(view).toMatchObject({ calamityTriage: 'ruled-out', overdue: false });
    expect(party(view, 'igj')).toBeUndefined();
    expect(party(view, 'calamity-decision')).toMatchObject({ metAt: '2027-04-20T10:00:00.000Z' });
  });

  it('not decided within 6 weeks: overdue on the board, in the gauge and in `registry incidents overdue`', async () => {
    clock.reset();
    // Awareness 50 days ago (real time: the CLI reads the real clock).
    const awareAt = new Date(Date.now() - 50 * 86_400_000).toISOString();
    const id = (
      await t.http
        .post('/api/v1/incidents')
        .set(auth(qm))
        .send({ aiSystemId: systemId, narrative: 'Wrong dose advice', awareAt, awarenessReason: 'Ward report' })
        .expect(201)
    ).body.incidentId;
    await t.http.post(`/api/v1/incidents/${id}/classification`).set(auth(qm)).send(SUSPECTED).expect(200);
    const view = (await get(id)).body;
    expect(view).toMatchObject({ overdue: true, calamityTriage: 'open', nextDeadline: { recipient: 'calamity-decision', overdue: true } });
    await t.catchUp();
    const overdue = (await t.http.get('/api/v1/incidents?overdue=true').set(auth(legal)).expect(200)).body.items;
    expect(overdue.map((i: { incidentId: string }) => i.incidentId)).toEqual([id]);
    expect((await t.http.get('/metrics').expect(200)).text).toMatch(/^oversight_incidents_overdue 1$/m);
    await t.app.close();
    let out = '';
    expect(await incidentsOverdue({}, t.storage.config, (s) => (out += s))).toBe(OVERDUE_EXIT_CODE);
    expect(out).toContain(`${id}  ChestXR Triage: calamity-decision due`);
    expect(out).toContain('(IGJ guidance: calamity triage)');
  });
});
