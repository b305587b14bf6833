import { AccessLog, type AccessLogEntry, ROLES, type Role, routeRoles, type RouteRoles } from '@app/identity';
import { aiSystemBody, sha256Hex, startTestApp, type TestApp, rawBody } from '../support/test-app';

const ANY_ID = '0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b';
/** Reading the access log is auditing it, not an access to a patient's data (ADR 0010). */
const EXEMPT = ['GET /api/v1/access-log', 'GET /fhir/AuditEvent', 'GET /fhir/AuditEvent/{id}'];

/**
 * NEN 7513 coverage: every GET route of the running application (discovered at run time, so a
 * route added later is walked too) is called by every role it admits, with data about one patient
 * in every context. Whenever an answer names the patient's pseudonym, an access-log entry for that
 * patient and that path must have been written; every download must be logged.
 */
describe('access log covers every route that discloses patient data (HTTP)', () => {
  let t: TestApp;
  let pseudonym: string;
  const ids: Record<string, string> = {};
  const auth = (token: string) => ({ Authorization: `Bearer ${token}` });

  beforeAll(async () => {
    t = await startTestApp();
    const [admin, alice, qm, legal] = await Promise.all([
      t.token('admin'),
      t.token('clinician', 'alice'),
      t.token('quality-manager', 'qm-1'),
      t.token('legal', 'lena'),
    ]);
    const system = (await t.http.post('/api/v1/ai-systems').set(auth(admin)).send(aiSystemBody()).expect(201)).body.aiSystemId;
    const patientId = 'NL-WALK-1';
    const review = await t.http
      .post('/api/v1/reviews')
      .set(auth(alice))
      .send({
        aiSystemId: system,
        modelVersion: '2.3.1',
        outputReference: 'pacs://walk',
        outputSha256: sha256Hex(patientId),
        patientId,
        decision: 'rejected',
        reason: 'Missed finding',
      })
      .expect(201);
    pseudonym = (await t.http.get(`/api/v1/reviews/${review.body.reviewId}`).set(auth(alice)).expect(200)).body.patientPseudonym;
    const incident = await t.http
      .post('/api/v1/incidents')
      .set(auth(alice))
      .send({ aiSystemId: system, narrative: 'Walk incident', patientIds: [patientId] })
      .expect(201);
    const hold = await t.http
      .post('/api/v1/legal-holds')
      .set(auth(legal))
      .send({ scope: { aiSystemIds: [system], patientPseudonyms: [pseudonym] }, reason: 'Claim W-1' })
      .expect(201);
    const request = await t.http
      .post('/api/v1/disclosure-requests')
      .set(auth(legal))
      .send({
        reference: 'W-1',
        requester: { kind: 'court', name: 'Rechtbank' },
        legalBasis: 'PLD Art. 9',
        dueAt: new Date(Date.now() + 86_400_000).toISOString(),
        scope: { patientPseudonyms: [pseudonym] },
      })
      .expect(201);
    await t.catchUp();
    const job = (await t.http.post(`/api/v1/disclosure-requests/${request.body.requestId}/bundles`).set(auth(legal)).send({}).expect(202)).body;
    for (let i = 0; i < 300; i++) {
      const status = (await t.http.get(`/api/v1/disclosure-requests/${request.body.requestId}/bundles/${job.bundleId}`).set(auth(legal))).body.status;
      if (status === 'done') break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const artefact = await t.http
      .post(`/api/v1/log-artefacts?system=${system}&from=2027-01-01T00:00:00Z&to=2027-01-02T00:00:00Z`)
      .set({ ...auth(qm), 'Content-Type': 'application/x-ndjson' })
      .send(Buffer.from('{"ai":"output"}\n'))
      .expect(201);
    await t.catchUp();
    Object.assign(ids, {
      'ai-systems': system,
      reviews: review.body.reviewId,
      incidents: incident.body.incidentId,
      'legal-holds': hold.body.holdId,
      'disclosure-requests': request.body.requestId,
      bundles: job.bundleId,
      'log-artefacts': artefact.body.artefactId,
      patients: pseudonym,
      // The FHIR facade's reads (libs/fhir): the same things under their FHIR resource types.
      Device: system,
      Provenance: review.body.reviewId,
      AdverseEvent: incident.body.incidentId,
    });
  }, 120_000);
  afterAll(async () => t?.close());

  /** Each path parameter gets the id of the seeded thing named by the segment before it. */
  const concrete = (path: string) => {
    const parts = path.split('/');
    const filled = parts.map((p, i) => (p.startsWith('{') ? (ids[parts[i - 1]] ?? ANY_ID) : p)).join('/');
    const query: Record<string, string> = { '/api/v1/reconstruction': `?patient=${pseudonym}`, '/api/v1/events': '?limit=1000' };
    return filled + (query[path] ?? '');
  };

  it('logs every answer that names the patient, and every download', async () => {
    const log = t.app.get(AccessLog);
    const routes = routeRoles(t.app).filter((r: RouteRoles) => r.method === 'GET' && !r.public);
    const disclosing = new Set<string>();
    const missing: string[] = [];
    let seq = (await log.find({ limit: 100_000 })).at(-1)?.seq ?? 0;
    for (const route of routes) {
      for (const role of ROLES.filter((r: Role) => route.roles.includes(r))) {
        const url = concrete(route.path);
        const res = await t.http
          .get(url)
          .set(auth(await t.token(role, `walker-${role}`)))
          .buffer(true)
          .parse(rawBody as never);
        const entries: AccessLogEntry[] = await log.find({ afterSeq: seq, limit: 100_000 });
        seq = entries.at(-1)?.seq ?? seq;
        if (res.status < 200 || res.status > 299) continue;
        const name = `${route.method} ${route.path}`;
        const resource = `GET ${url.split('?')[0]}`;
        const mine = entries.filter((e) => e.resource === resource && e.actor.subject === `walker-${role}`);
        if ((res.body as Buffer).toString('latin1').includes(pseudonym)) {
          disclosing.add(name);
          if (EXEMPT.includes(name)) continue;
          if (!mine.some((e) => e.dataSubject === pseudonym)) missing.push(`${name} as ${role} named the patient without an access-log entry`);
        }
        if (route.path.endsWith('/content') && mine.length === 0) missing.push(`${name} as ${role}: a download without an access-log entry`);
      }
    }
    expect(missing).toEqual([]);
    // Not vacuous: the patient is named by the routes of every context.
    expect([...disclosing]).toEqual(
      expect.arrayContaining([
        'GET /api/v1/reviews',
        'GET /api/v1/reviews/{id}',
        'GET /api/v1/incidents/{id}',
        'GET /api/v1/legal-holds',
        'GET /api/v1/legal-holds/{id}',
        'GET /api/v1/disclosure-requests/{id}',
        'GET /api/v1/events',
        'GET /api/v1/patients/{pseudonym}/timeline',
        'GET /api/v1/reconstruction',
        'GET /api/v1/access-log',
        'GET /fhir/Provenance',
        'GET /fhir/Provenance/{id}',
        'GET /fhir/AdverseEvent',
        'GET /fhir/AdverseEvent/{id}',
        'GET /fhir/AuditEvent',
      ]),
    );
  }, 180_000);

  it('logs an AI-system log download under the any-patient subject, naming the artefact', async () => {
    const legal = await t.token('legal', 'lena');
    await t.http.get(`/api/v1/log-artefacts/${ids['log-artefacts']}/content`).set(auth(legal)).expect(200);
    const entries = await t.app.get(AccessLog).find({ actor: 'lena', action: 'download-log-artefact', limit: 10 });
    expect(entries.at(-1)).toMatchObject({ dataSubject: '*', resource: `GET /api/v1/log-artefacts/${ids['log-artefacts']}/content`, actor: { role: 'legal' } });
  });
});
