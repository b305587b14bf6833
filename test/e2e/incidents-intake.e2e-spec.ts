import { aiSystemBody, startTestApp, type TestApp } from '../support/test-app';

/**
 * Intake for all staff (issue 21, VIM): any signed-in employee reports an incident or a near miss
 * and follows their own reports; quality managers triage; nobody else's report is visible to a
 * reporter, not even whether it exists.
 */
describe('Incident intake for all staff (HTTP)', () => {
  let t: TestApp;
  let systemId: string;
  const auth = (token: string) => ({ Authorization: `Bearer ${token}` });

  beforeAll(async () => {
    t = await startTestApp();
    systemId = (
      await t.http
        .post('/api/v1/ai-systems')
        .set(auth(await t.token('admin')))
        .send(aiSystemBody({ aiActRiskClass: 'minimal' }))
        .expect(201)
    ).body.aiSystemId;
  });

  afterAll(async () => {
    await t?.close();
  });

  it('every role reports with three fields; each sees only their own reports and their status; the triage queue has them, oldest first', async () => {
    const roles = ['clinician', 'legal', 'auditor', 'admin'] as const;
    const ids: Record<string, string> = {};
    for (const role of roles) {
      const token = await t.token(role, `${role}-reporter`);
      const res = await t.http
        .post('/api/v1/incidents')
        .set(auth(token))
        .send({ aiSystemId: systemId, narrative: `Seen by the ${role}: the score did not update for an hour`, nearMiss: role === 'admin' })
        .expect(201);
      ids[role] = res.body.incidentId;
    }
    const admin = await t.token('admin', 'admin-reporter');
    await t.catchUp(); // "my reports" is a read model
    const mine = (await t.http.get('/api/v1/incidents/mine').set(auth(admin)).expect(200)).body.items;
    expect(mine).toEqual([
      {
        incidentId: ids.admin,
        aiSystemName: 'ChestXR Triage',
        detectedAt: expect.any(String),
        nearMiss: true,
        triage: 'awaiting-triage',
        status: 'open',
        closedAt: null,
      },
    ]);
    // Reading someone else's report answers as for an id that does not exist.
    const other = await t.http.get(`/api/v1/incidents/${ids.clinician}`).set(auth(admin)).expect(404);
    const none = await t.http.get('/api/v1/incidents/01936f0e-8a4b-7c3d-9e2f-0000000000ff').set(auth(admin)).expect(404);
    const { instance: _a, ...otherBody } = other.body;
    const { instance: _b, ...noneBody } = none.body;
    expect(otherBody).toEqual(noneBody);
    expect((await t.http.get(`/api/v1/incidents/${ids.admin}`).set(auth(admin)).expect(200)).body).toMatchObject({ nearMiss: true, status: 'open' });
    // Only readers see the board and the queue.
    await t.http.get('/api/v1/incidents/triage').set(auth(admin)).expect(403);
    const qm = await t.token('quality-manager', 'qm-1');
    await t.catchUp();
    const queue = (await t.http.get('/api/v1/incidents/triage').set(auth(qm)).expect(200)).body.items;
    expect(queue.map((i: { incidentId: string }) => i.incidentId)).toEqual(roles.map((r) => ids[r]));

    // Triage: classified → off the queue, and the reporter sees it is being handled.
    await t.http
      .post(`/api/v1/incidents/${ids.admin}/classification`)
      .set(auth(qm))
      .send({
        serious: false,
        criteria: {
          death: false,
          seriousHarmToHealth: false,
          criticalInfrastructureDisruption: false,
          fundamentalRightsInfringement: false,
          widespreadInfringement: false,
          propertyOrEnvironmentHarm: false,
          seriousPublicHealthThreat: false,
        },
        wkkgzCalamity: false,
      })
      .expect(200);
    await t.catchUp();
    expect((await t.http.get('/api/v1/incidents/triage').set(auth(qm)).expect(200)).body.items.map((i: { incidentId: string }) => i.incidentId)).not.toContain(
      ids.admin,
    );
    expect((await t.http.get('/api/v1/incidents/mine').set(auth(admin)).expect(200)).body.items[0]).toMatchObject({ triage: 'triaged' });
  });

  it('bad input from any reporter is a 400 naming the field and writes nothing', async () => {
    const legal = await t.token('legal', 'lawyer-1');
    const before = await t.eventCount();
    const bad = await t.http.post('/api/v1/incidents').set(auth(legal)).send({ aiSystemId: systemId, narrative: 'x', nearMiss: 'yes' }).expect(400);
    expect(JSON.stringify(bad.body)).toContain('nearMiss');
    expect(await t.eventCount()).toBe(before);
  });
});
