import { CLOCK, type Clock, type EventEnvelope } from '@app/event-store';
import { streamsInScope, timelineEntry } from '@app/evidence';
import { aiSystemBody, startTestApp, type TestApp } from '../support/test-app';

/**
 * Supplier notices over real HTTP (issue 21, build 4): a field safety notice for version 2.3.1
 * received, shown overdue once the hospital's deadline has passed by the business clock (list,
 * view and gauge), an action that completes what it asks, the close; bad input refused naming the
 * field with nothing written; the stream in an evidence bundle scoped to the system.
 */
describe('supplier notices: intake, overdue by the business clock, actions, close (HTTP)', () => {
  let t: TestApp;
  let clock: Clock;
  let qm: string;
  let legal: string;
  let auditor: string;
  let clinician: string;
  let systemId: string;
  let fsnId: string;
  let advisoryId: string;
  const auth = (token: string) => ({ Authorization: `Bearer ${token}` });
  const received = '2027-02-01T09:00:00.000Z';
  const fsn = {
    kind: 'field-safety-notice',
    supplierReference: 'FSN-2027-004',
    title: 'Missed pneumothorax on portable chest X-rays',
    affectedVersions: ['2.3.1'],
    requestedAction: { description: 'Install 2.3.2 before further use on portable X-rays', dueBy: '2027-03-01' },
    actBy: '2027-02-15',
    documentReference: 'https://acme.example/fsn/2027-004.pdf',
  };
  const list = async (query = 'open=true') =>
    (await t.http.get(`/api/v1/supplier-notices?${query}`).set(auth(qm)).expect(200)).body.items as Array<Record<string, unknown>>;
  const view = async (id = fsnId) => (await t.http.get(`/api/v1/supplier-notices/${id}`).set(auth(qm)).expect(200)).body;
  const gauge = async () => Number(/^oversight_supplier_notices_overdue (\d+)$/m.exec((await t.http.get('/metrics').expect(200)).text)?.[1]);

  beforeAll(async () => {
    t = await startTestApp();
    clock = t.app.get<Clock>(CLOCK);
    clock.freeze(received);
    const admin = await t.token('admin', 'admin-1');
    [qm, legal, auditor, clinician] = await Promise.all([
      t.token('quality-manager', 'qm-1'),
      t.token('legal', 'lawyer-1'),
      t.token('auditor', 'auditor-1'),
      t.token('clinician', 'alice'),
    ]);
    systemId = (await t.http.post('/api/v1/ai-systems').set(auth(admin)).send(aiSystemBody()).expect(201)).body.aiSystemId;
  });

  afterAll(async () => {
    clock?.reset();
    await t?.close();
  });

  it('records a field safety notice for version 2.3.1; a retry with the same key answers the same', async () => {
    const res = await t.http
      .post(`/api/v1/ai-systems/${systemId}/supplier-notices`)
      .set(auth(qm))
      .set('Idempotency-Key', 'receive-fsn-2027-004')
      .send(fsn)
      .expect(201);
    fsnId = res.body.supplierNoticeId;
    expect(res.headers.location).toBe(`/api/v1/supplier-notices/${fsnId}`);
    expect(res.headers.etag).toBe('"0"');
    const again = await t.http
      .post(`/api/v1/ai-systems/${systemId}/supplier-notices`)
      .set(auth(qm))
      .set('Idempotency-Key', 'receive-fsn-2027-004')
      .send(fsn)
      .expect(201);
    expect(again.body).toMatchObject({ supplierNoticeId: fsnId, revision: 0, replayed: true });
    const [event] = await t.store.readStream(`supplier-notice-${fsnId}`);
    expect(event).toMatchObject({
      type: 'ai-systems.SupplierNoticeReceived',
      data: {
        aiSystemId: systemId,
        receivedAt: received,
        affectedVersions: ['2.3.1'],
        // Dates alone run to the end of that day in Amsterdam (CET).
        requestedAction: { dueBy: '2027-03-01T22:59:59.999Z' },
        actBy: '2027-02-15T22:59:59.999Z',
        receivedBy: { subject: 'qm-1', role: 'quality-manager' },
      },
    });
    // A security advisory with a later deadline of the hospital's own, and none at all from the supplier.
    advisoryId = (
      await t.http
        .post(`/api/v1/ai-systems/${systemId}/supplier-notices`)
        .set(auth(qm))
        .send({
          kind: 'security-advisory',
          supplierReference: 'ACME-SA-2027-01',
          title: 'TLS library update',
          affectedVersions: ['2.3.1'],
          actBy: '2027-04-01',
        })
        .expect(201)
    ).body.supplierNoticeId;
  });

  it('refuses bad input with problem+json naming the field, and writes nothing', async () => {
    const url = `/api/v1/ai-systems/${systemId}/supplier-notices`;
    const before = await t.eventCount();
    const cases: Array<[Record<string, unknown>, number, string]> = [
      [{ ...fsn, title: undefined }, 400, 'title'],
      [{ ...fsn, title: 'Bell\u0007' }, 400, 'title'],
      [{ ...fsn, kind: 'recall' }, 400, 'kind'],
      [{ ...fsn, affectedVersions: [] }, 400, 'affectedVersions'],
      [{ ...fsn, requestedAction: [] }, 400, 'requestedAction'],
      [{ ...fsn, requestedAction: null }, 400, 'requestedAction'],
      [{ ...fsn, requestedAction: { dueBy: '2027-03-01' } }, 400, 'requestedAction.description'],
      [{ ...fsn, actBy: '15 February' }, 400, 'actBy'],
      [{ ...fsn, actBy: '2027-01-31' }, 422, 'actBy'],
      [{ ...fsn, receivedAt: '2027-02-02T09:00:00Z' }, 422, 'receivedAt'],
      [{ ...fsn, affectedVersions: ['2.4.0'] }, 422, 'affectedVersions'],
      [{ ...fsn, severity: 'high' }, 400, 'severity'],
    ];
    for (const [body, status, field] of cases) {
      const res = await t.http.post(url).set(auth(qm)).send(body);
      expect({ field, status: res.status, type: res.headers['content-type'] }).toEqual({
        field,
        status,
        type: expect.stringMatching(/^application\/problem\+json/),
      });
      expect({ field, named: (res.body.errors ?? []).map((e: { field: string }) => e.field) }).toEqual({ field, named: expect.arrayContaining([field]) });
    }
    const unknown = await t.http.post('/api/v1/ai-systems/0193a1b2-0000-7000-8000-00000000dead/supplier-notices').set(auth(qm)).send(fsn).expect(404);
    expect(unknown.body.code).toBe('ai-system-not-found');
    await t.http.post(url).set(auth(clinician)).send(fsn).expect(403);
    await t.http.post(url).set(auth(legal)).send(fsn).expect(403);
    await t.http.post(`/api/v1/supplier-notices/${fsnId}/actions`).set(auth(qm)).send({ description: ' ' }).expect(400);
    await t.http.post(`/api/v1/supplier-notices/${fsnId}/actions`).set(auth(qm)).set('If-Match', '"7"').send({ description: 'Told radiologists' }).expect(409);
    await t.http.post(`/api/v1/supplier-notices/${fsnId}/close`).set(auth(qm)).send({}).expect(400);
    expect(await t.eventCount()).toBe(before);
  });

  it('a version the register does not know is accepted when the notice says why', async () => {
    const res = await t.http
      .post(`/api/v1/ai-systems/${systemId}/supplier-notices`)
      .set(auth(qm))
      .send({
        ...fsn,
        supplierReference: 'FSN-2027-005',
        affectedVersions: ['2.3.1', '2.4.0'],
        unknownVersionsReason: 'The supplier lists every 2.x release; we never ran 2.4.0',
        requestedAction: undefined,
        actBy: undefined,
      })
      .expect(201);
    expect((await view(res.body.supplierNoticeId)).unknownVersionsReason).toBe('The supplier lists every 2.x release; we never ran 2.4.0');
  });

  it('after the hospital’s deadline, by the test clock: overdue first in the list, in the view and in the gauge', async () => {
    await t.catchUp();
    clock.freeze('2027-02-15T22:59:59.999Z');
    expect((await list())[0]).toMatchObject({ supplierNoticeId: fsnId, overdue: false });
    expect(await gauge()).toBe(0);
    clock.freeze('2027-02-16T08:00:00.000Z');
    const items = await list();
    expect(items.map((i) => [i.supplierNoticeId, i.overdue, i.nextDueAt])).toEqual([
      [fsnId, true, '2027-02-15T22:59:59.999Z'],
      [advisoryId, false, '2027-04-01T21:59:59.999Z'],
      [expect.any(String), false, null],
    ]);
    expect(await gauge()).toBe(1);
    expect((await list('overdue=true')).map((i) => i.supplierNoticeId)).toEqual([fsnId]);
    const v = await view();
    expect(v).toMatchObject({ status: 'open', overdue: true, nextDueAt: '2027-02-15T22:59:59.999Z', revision: 0 });
    expect(v.deadlines).toEqual([
      { kind: 'requested-action', dueAt: '2027-03-01T22:59:59.999Z', metAt: null, overdue: false },
      { kind: 'act-by', dueAt: '2027-02-15T22:59:59.999Z', metAt: null, overdue: true },
    ]);
    // Legal and the auditor read; a clinician does not.
    await t.http.get('/api/v1/supplier-notices?open=true').set(auth(legal)).expect(200);
    await t.http.get(`/api/v1/supplier-notices/${fsnId}`).set(auth(auditor)).expect(200);
    await t.http.get('/api/v1/supplier-notices').set(auth(clinician)).expect(403);
    await t.http.get('/api/v1/supplier-notices?open=maybe').set(auth(qm)).expect(400);
  });

  it('records actions: one that does not do what the notice asks meets nothing; the one that does meets both deadlines', async () => {
    const url = `/api/v1/supplier-notices/${fsnId}/actions`;
    const first = await t.http
      .post(url)
      .set(auth(qm))
      .set('If-Match', '"0"')
      .send({ description: 'Radiologists told to double-read portable X-rays' })
      .expect(200);
    expect(first.headers.etag).toBe('"1"');
    expect((await view()).overdue).toBe(true);
    clock.freeze('2027-02-17T10:00:00.000Z');
    await t.http
      .post(url)
      .set(auth(qm))
      .set('If-Match', '"1"')
      .send({ description: 'Installed 2.3.2 on all reading stations', doneAt: '2027-02-17T09:30:00Z', completesRequestedAction: true })
      .expect(200);
    const v = await view();
    expect(v).toMatchObject({ overdue: false, nextDueAt: null, completedAt: '2027-02-17T09:30:00.000Z' });
    expect(v.actions.map((a: { description: string; doneBy: { subject: string } }) => [a.description, a.doneBy.subject])).toEqual([
      ['Radiologists told to double-read portable X-rays', 'qm-1'],
      ['Installed 2.3.2 on all reading stations', 'qm-1'],
    ]);
    expect(v.deadlines.map((d: { metAt: string }) => d.metAt)).toEqual(['2027-02-17T09:30:00.000Z', '2027-02-17T09:30:00.000Z']);
    await t.catchUp();
    expect((await list()).find((i) => i.supplierNoticeId === fsnId)).toMatchObject({ overdue: false, nextDueAt: null, actionCount: 2 });
    expect(await gauge()).toBe(0);
  });

  it('closes with a conclusion; a closed notice takes no more actions and leaves the open list', async () => {
    await t.http
      .post(`/api/v1/supplier-notices/${fsnId}/close`)
      .set(auth(qm))
      .set('Idempotency-Key', 'close-fsn-2027-004')
      .send({ conclusion: 'Patched; 20 test studies read correctly' })
      .expect(200);
    const again = await t.http
      .post(`/api/v1/supplier-notices/${fsnId}/close`)
      .set(auth(qm))
      .set('Idempotency-Key', 'close-fsn-2027-004')
      .send({ conclusion: 'Patched; 20 test studies read correctly' })
      .expect(200);
    expect(again.body.replayed).toBe(true);
    const refused = await t.http.post(`/api/v1/supplier-notices/${fsnId}/actions`).set(auth(qm)).send({ description: 'Late note' }).expect(409);
    expect(refused.body.code).toBe('supplier-notice-closed');
    expect(await view()).toMatchObject({
      status: 'closed',
      closure: { conclusion: 'Patched; 20 test studies read correctly', closedAt: '2027-02-17T10:00:00.000Z' },
    });
    await t.catchUp();
    expect((await list()).map((i) => i.supplierNoticeId)).not.toContain(fsnId);
    expect((await list('open=false')).map((i) => [i.supplierNoticeId, i.status])).toEqual([[fsnId, 'closed']]);
    await t.http.get('/api/v1/supplier-notices/0193a1b2-0000-7000-8000-00000000dead').set(auth(qm)).expect(404);
  });

  it('an evidence bundle scoped to the system holds the notices, with English and Dutch labels on the timeline', async () => {
    const streams = await streamsInScope(
      t.store,
      { aiSystemIds: [systemId], patientPseudonyms: [], incidentIds: [], from: null, to: null },
      await t.store.headPosition(),
    );
    expect(streams).toContain(`supplier-notice-${fsnId}`);
    expect(streams).toContain(`supplier-notice-${advisoryId}`);
    const events = await t.store.readStream(`supplier-notice-${fsnId}`);
    const entries = await Promise.all(events.map((e: EventEnvelope) => timelineEntry(e, () => Promise.resolve(null))));
    expect(entries.map((e) => [e.label, e.labelNl, e.aiSystem, e.occurredAt])).toEqual([
      [
        'Supplier notice received (field safety notice or security advisory)',
        'Bericht van leverancier ontvangen (veiligheidsmededeling of beveiligingsadvies)',
        systemId,
        received,
      ],
      ['Action on a supplier notice recorded', 'Actie op bericht van leverancier vastgelegd', systemId, '2027-02-16T08:00:00.000Z'],
      ['Action on a supplier notice recorded', 'Actie op bericht van leverancier vastgelegd', systemId, '2027-02-17T09:30:00.000Z'],
      ['Supplier notice closed', 'Bericht van leverancier afgesloten', systemId, '2027-02-17T10:00:00.000Z'],
    ]);
    expect(entries[0].text).toBe('Missed pneumothorax on portable chest X-rays');
  });
});
