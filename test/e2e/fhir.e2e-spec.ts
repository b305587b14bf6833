import type { AdverseEvent, AuditEvent, Bundle, CapabilityStatement, Device, OperationOutcome, Provenance, Resource } from '@medplum/fhirtypes';
import { AccessLog, routeRoles } from '@app/identity';
import { fhirIssues } from '../support/fhir-validator';
import { aiSystemBody, sha256Hex, startTestApp, type TestApp } from '../support/test-app';

const FHIR_JSON = /^application\/fhir\+json/;
const PSEUDONYM_SYSTEM = 'urn:oversight-registry:patient-pseudonym';

/**
 * The read-only FHIR R4 facade over real HTTP on the store this run targets: every answer is
 * validated against the R4 StructureDefinitions by @medplum/core, roles and the access log apply
 * as on the API, patients appear only by pseudonym.
 */
describe('FHIR R4 facade (HTTP)', () => {
  let t: TestApp;
  const tok: Record<string, string> = {};
  let systemId: string;
  let otherSystemId: string;
  const reviews: Record<string, { id: string; pseudonym: string }> = {};
  let incidentId: string;
  let nearMissId: string;
  const bearer = (who: string) => ({ Authorization: `Bearer ${tok[who]}` });
  const fhir = (who: string | null, path: string) => {
    const req = t.http.get(path);
    return who ? req.set(bearer(who)) : req;
  };
  /** A 2xx FHIR answer: its content type, and no R4 validation issue. */
  const valid = <R extends Resource>(res: { status: number; headers: Record<string, string>; body: unknown }): R => {
    expect(res.headers['content-type']).toMatch(FHIR_JSON);
    expect(fhirIssues(res.body as Resource)).toEqual([]);
    return res.body as R;
  };
  const outcome = (res: { headers: Record<string, string>; body: unknown }): OperationOutcome => {
    expect(res.headers['content-type']).toMatch(FHIR_JSON);
    expect(fhirIssues(res.body as Resource)).toEqual([]);
    expect((res.body as Resource).resourceType).toBe('OperationOutcome');
    return res.body as OperationOutcome;
  };
  const ids = (b: Bundle) => (b.entry ?? []).map((e) => e.resource!.id);

  beforeAll(async () => {
    t = await startTestApp();
    for (const [name, role] of [
      ['admin', 'admin'],
      ['alice', 'clinician'],
      ['bob', 'clinician'],
      ['qm', 'quality-manager'],
      ['legal', 'legal'],
      ['auditor', 'auditor'],
    ] as const) {
      tok[name] = await t.token(role, name);
    }
    systemId = (await t.http.post('/api/v1/ai-systems').set(bearer('admin')).send(aiSystemBody()).expect(201)).body.aiSystemId;
    otherSystemId = (
      await t.http
        .post('/api/v1/ai-systems')
        .set(bearer('admin'))
        .send(aiSystemBody({ name: 'Sepsis Watch', version: '1.0' }))
        .expect(201)
    ).body.aiSystemId;
    await t.http.post(`/api/v1/ai-systems/${otherSystemId}/suspension`).set(bearer('admin')).send({ reason: 'Field safety notice FSN-7' }).expect(200);
    const review = async (key: string, who: string, system: string, patientId: string, decision: string, decidedAt: string) => {
      const res = await t.http
        .post('/api/v1/reviews')
        .set(bearer(who))
        .send({
          aiSystemId: system,
          modelVersion: system === systemId ? '2.3.1' : '1.0',
          outputReference: `pacs://studies/${key}/ai-report`,
          outputSha256: sha256Hex(`AI report ${key}`),
          patientId,
          decision,
          ...(decision === 'accepted' ? {} : { reason: 'Missed a finding' }),
          decidedAt,
        })
        .expect(201);
      const view = await t.http.get(`/api/v1/reviews/${res.body.reviewId}`).set(bearer(who)).expect(200);
      reviews[key] = { id: res.body.reviewId, pseudonym: view.body.patientPseudonym };
    };
    const minutesAgo = (m: number) => new Date(Date.now() - m * 60_000).toISOString();
    await review('a', 'alice', systemId, 'NL-FHIR-1', 'accepted', minutesAgo(30));
    await review('b', 'alice', systemId, 'NL-FHIR-2', 'rejected', minutesAgo(20));
    await review('c', 'bob', systemId, 'NL-FHIR-1', 'modified', minutesAgo(10));
    // The feed's path as well: an output posted by the AI system, reviewed from the worklist's form.
    const feed = await t.token('ai-system', 'pacs-bridge', systemId);
    await t.http
      .post('/api/v1/ai-outputs')
      .set({ Authorization: `Bearer ${feed}` })
      .send({
        outputs: [
          {
            aiSystemId: systemId,
            modelVersion: '2.3.1',
            outputReference: 'pacs://studies/d/ai-report',
            outputSha256: sha256Hex('AI report d'),
            patientId: 'NL-FHIR-3',
            producedAt: minutesAgo(5),
          },
        ],
      })
      .expect(200);
    await review('d', 'bob', systemId, 'NL-FHIR-3', 'accepted', minutesAgo(1));
    incidentId = (
      await t.http
        .post('/api/v1/incidents')
        .set(bearer('alice'))
        .send({ aiSystemId: systemId, narrative: 'Missed pneumothorax on NL-FHIR-1', patientIds: ['NL-FHIR-1'], occurredAt: minutesAgo(40) })
        .expect(201)
    ).body.incidentId;
    nearMissId = (
      await t.http
        .post('/api/v1/incidents')
        .set(bearer('qm'))
        .send({ aiSystemId: otherSystemId, narrative: 'Caught before use', patientIds: ['NL-FHIR-2', 'NL-FHIR-3'], nearMiss: true })
        .expect(201)
    ).body.incidentId;
    await t.catchUp();
  }, 120_000);
  afterAll(async () => t?.close());

  it('serves a CapabilityStatement without a token: R4 4.0.1, json, the four resource types and their searches', async () => {
    const cs = valid<CapabilityStatement>(await fhir(null, '/fhir/metadata').expect(200));
    expect(cs).toMatchObject({ resourceType: 'CapabilityStatement', fhirVersion: '4.0.1', format: ['json'], kind: 'instance' });
    const served = Object.fromEntries(cs.rest![0].resource!.map((r) => [r.type, (r.searchParam ?? []).map((p) => p.name)]));
    expect(served).toEqual({
      Device: [],
      Provenance: ['patient', 'recorded', 'device'],
      AuditEvent: ['patient', 'date'],
      AdverseEvent: ['subject', 'patient', 'date', 'device'],
    });
  });

  it('serves AI systems as Devices: versions, supplier, active or inactive (suspended)', async () => {
    const device = valid<Device>(await fhir('alice', `/fhir/Device/${systemId}`).expect(200));
    expect(device).toMatchObject({ id: systemId, status: 'active', manufacturer: 'Acme Imaging B.V.', deviceName: [{ name: 'ChestXR Triage' }] });
    expect(device.version?.[0]).toMatchObject({ value: '2.3.1' });
    const suspended = valid<Device>(await fhir('qm', `/fhir/Device/${otherSystemId}`).expect(200));
    expect(suspended).toMatchObject({ status: 'inactive', statusReason: [{ text: 'Use suspended: Field safety notice FSN-7' }] });
    const all = valid<Bundle<Device>>(await fhir('legal', '/fhir/Device').expect(200));
    expect(all).toMatchObject({ type: 'searchset', total: 2 });
    expect(ids(all).sort()).toEqual([systemId, otherSystemId].sort());
  });

  it('serves a review as Provenance: the clinician verified the AI output (SHA-256) of the Device, the patient by pseudonym', async () => {
    const p = valid<Provenance>(await fhir('alice', `/fhir/Provenance/${reviews.b.id}`).expect(200));
    expect(p.target).toEqual([
      {
        identifier: { system: 'urn:oversight-registry:ai-output-reference', value: 'pacs://studies/b/ai-report' },
        display: 'AI output pacs://studies/b/ai-report',
      },
      { type: 'Patient', identifier: { system: PSEUDONYM_SYSTEM, value: reviews.b.pseudonym } },
    ]);
    expect(p.activity!.coding).toEqual([
      expect.objectContaining({ code: 'VRF' }),
      { system: 'urn:oversight-registry:review-decision', code: 'rejected', display: 'Overridden: the AI output was rejected' },
    ]);
    expect(p.agent[0]).toMatchObject({ type: { coding: [{ code: 'verifier' }] }, who: { identifier: { value: 'alice' } } });
    const digest = Buffer.from(sha256Hex('AI report b'), 'hex').toString('base64url');
    expect(p.entity![0]).toMatchObject({
      role: 'source',
      what: { identifier: { value: `ni:///sha-256;${digest}` } },
      agent: [{ who: { reference: `Device/${systemId}` } }],
    });
    expect(JSON.stringify(p)).not.toContain('NL-FHIR');
  });

  it('searches Provenance by patient, device and recorded date (eq, ge, gt, le, lt), with total, _count and next links', async () => {
    const search = async (who: string, query: string) => valid<Bundle<Provenance>>(await fhir(who, `/fhir/Provenance?${query}`).expect(200));
    const byPatient = await search('qm', `patient=${reviews.a.pseudonym}`);
    expect(byPatient.total).toBe(2);
    expect(ids(byPatient).sort()).toEqual([reviews.a.id, reviews.c.id].sort());
    expect((await search('qm', `patient=Patient/${reviews.a.pseudonym}&device=Device/${systemId}`)).total).toBe(2);
    expect((await search('qm', `device=${otherSystemId}`)).total).toBe(0);
    // Against the recorded instants themselves, so the test holds at any hour (midnight included).
    const all = await search('qm', '');
    const recorded = (all.entry ?? []).map((e) => e.resource!.recorded).sort();
    const first = recorded[0];
    const second = (iso: string) => iso.slice(0, 19) + 'Z';
    const day = first.slice(0, 10);
    expect((await search('qm', `recorded=${day}`)).total).toBe(recorded.filter((r) => r.startsWith(day)).length);
    expect((await search('qm', `recorded=eq${day}`)).total).toBe(recorded.filter((r) => r.startsWith(day)).length);
    expect((await search('qm', `recorded=ge${second(first)}`)).total).toBe(4);
    expect((await search('qm', `recorded=lt${second(first)}`)).total).toBe(0);
    expect((await search('qm', `recorded=le${second(first)}`)).total).toBe(recorded.filter((r) => second(r) === second(first)).length);
    expect((await search('qm', `recorded=gt${second(first)}`)).total).toBe(recorded.filter((r) => second(r) !== second(first)).length);
    expect((await search('qm', `recorded=ge${second(first)}&recorded=lt${second(recorded[3])}`)).total).toBe(
      recorded.filter((r) => second(r) < second(recorded[3])).length,
    );
    expect((await search('qm', `recorded=ge${day}&recorded=lt${day}`)).total).toBe(0);
    // Paging: one per page, newest first, following `next` until it is gone.
    const seen: string[] = [];
    let page = await search('auditor', '_count=1');
    expect(page.link?.find((l) => l.relation === 'self')?.url).toMatch(/\/fhir\/Provenance\?_count=1$/);
    for (;;) {
      expect(page.total).toBe(4);
      seen.push(...(ids(page) as string[]));
      const next = page.link?.find((l) => l.relation === 'next')?.url;
      if (!next) break;
      const url = new URL(next);
      page = await search('auditor', url.search.slice(1));
    }
    expect(seen).toEqual([reviews.d.id, reviews.c.id, reviews.b.id, reviews.a.id]);
  });

  it('shows a clinician only their own reviews, as the API does (404 for another one)', async () => {
    const mine = valid<Bundle<Provenance>>(await fhir('alice', '/fhir/Provenance').expect(200));
    expect(mine.total).toBe(2);
    expect(ids(mine).sort()).toEqual([reviews.a.id, reviews.b.id].sort());
    await fhir('alice', `/fhir/Provenance/${reviews.c.id}`).expect(404);
    await t.http.get(`/api/v1/reviews/${reviews.c.id}`).set(bearer('alice')).expect(404);
  });

  it('serves incidents as AdverseEvents: actual or potential (near miss), the patient(s) by pseudonym, the Device as suspect', async () => {
    const e = valid<AdverseEvent>(await fhir('qm', `/fhir/AdverseEvent/${incidentId}`).expect(200));
    expect(e).toMatchObject({ actuality: 'actual', subject: { type: 'Patient', identifier: { system: PSEUDONYM_SYSTEM, value: reviews.a.pseudonym } } });
    expect(e.suspectEntity).toEqual([{ instance: { reference: `Device/${systemId}`, display: 'ChestXR Triage' } }]);
    expect(JSON.stringify(e)).not.toContain('NL-FHIR');
    expect(JSON.stringify(e)).not.toContain('pneumothorax');
    const near = valid<AdverseEvent>(await fhir('legal', `/fhir/AdverseEvent/${nearMissId}`).expect(200));
    expect(near).toMatchObject({ actuality: 'potential', subject: { reference: '#patients' } });
    expect(near.contained?.[0]).toMatchObject({ resourceType: 'Group', quantity: 2 });
    // The reporter sees their own report, another clinician does not (as GET /api/v1/incidents/{id}).
    valid<AdverseEvent>(await fhir('alice', `/fhir/AdverseEvent/${incidentId}`).expect(200));
    outcome(await fhir('bob', `/fhir/AdverseEvent/${incidentId}`).expect(404));
  });

  it('searches AdverseEvents by subject/patient, device and date', async () => {
    const search = async (query: string) => valid<Bundle<AdverseEvent>>(await fhir('auditor', `/fhir/AdverseEvent?${query}`).expect(200));
    expect(ids(await search(`subject=${reviews.a.pseudonym}`))).toEqual([incidentId]);
    expect(ids(await search(`patient=Patient/${reviews.d.pseudonym}`))).toEqual([nearMissId]);
    expect(ids(await search(`device=${otherSystemId}`))).toEqual([nearMissId]);
    // The incident's date is when it occurred (40 minutes before it was reported); the near miss gave none, so its detection.
    const occurred = (await search(`subject=${reviews.a.pseudonym}`)).entry![0].resource!.date!;
    expect(ids(await search(`date=${occurred.slice(0, 19)}Z`))).toEqual([incidentId]);
    expect(ids(await search(`date=gt${occurred.slice(0, 19)}Z`))).toEqual([nearMissId]);
    expect((await search(`date=lt${occurred.slice(0, 19)}Z`)).total).toBe(0);
    const first = await search('_count=1');
    expect(first.total).toBe(2);
    const next = new URL(first.link!.find((l) => l.relation === 'next')!.url);
    const second = await search(next.search.slice(1));
    expect([...ids(first), ...ids(second)].sort()).toEqual([incidentId, nearMissId].sort());
    expect(second.link?.find((l) => l.relation === 'next')).toBeUndefined();
  });

  it('logs every FHIR read of patient data in the access log, as the API does, and serves the log as BALP AuditEvents', async () => {
    const log = t.app.get(AccessLog);
    const before = (await log.find({ limit: 100_000 })).at(-1)?.seq ?? 0;
    await fhir('alice', `/fhir/Provenance/${reviews.a.id}`).expect(200);
    await fhir('qm', `/fhir/Provenance?patient=${reviews.a.pseudonym}`).expect(200);
    await fhir('qm', `/fhir/AdverseEvent?subject=${reviews.a.pseudonym}`).expect(200);
    const entries = await log.find({ afterSeq: before, limit: 100 });
    expect(entries.map((e) => [e.actor.subject, e.action, e.dataSubject, e.resource])).toEqual([
      ['alice', 'read-review', reviews.a.pseudonym, `GET /fhir/Provenance/${reviews.a.id}`],
      ['qm', 'list-reviews', reviews.a.pseudonym, 'GET /fhir/Provenance'],
      ['qm', 'list-incidents', reviews.a.pseudonym, 'GET /fhir/AdverseEvent'],
    ]);

    const bundle = valid<Bundle<AuditEvent>>(await fhir('auditor', `/fhir/AuditEvent?patient=${reviews.a.pseudonym}&date=ge2020-01-01`).expect(200));
    const events = (bundle.entry ?? []).map((e) => e.resource!);
    expect(bundle.total).toBe(events.length);
    const read = events.find((e) => e.id === entries[0].entryId)!;
    expect(read).toMatchObject({
      type: { system: 'http://terminology.hl7.org/CodeSystem/audit-event-type', code: 'rest' },
      subtype: [{ code: 'read' }, { code: 'read-review' }],
      action: 'R',
      outcome: '0',
      recorded: entries[0].at,
    });
    expect(read.agent.find((a) => a.requestor)).toMatchObject({ who: { identifier: { value: 'alice' } } });
    expect(read.agent.map((a) => a.type?.coding?.[0].code)).toEqual(['IRCP', '110153', '110152']);
    expect(read.source.observer.display).toBe('oversight-registry');
    expect(read.entity?.[0]).toMatchObject({ what: { identifier: { value: reviews.a.pseudonym } }, type: { code: '1' }, role: { code: '1' } });
    expect(read.entity?.[1]).toMatchObject({ type: { code: '2' }, role: { code: '4' }, description: `GET /fhir/Provenance/${reviews.a.id}` });
    const query = events.find((e) => e.id === entries[1].entryId)!;
    expect(query).toMatchObject({ subtype: [{ code: 'search-type' }, { code: 'list-reviews' }], action: 'E', entity: [{}, { role: { code: '24' } }] });
    valid<AuditEvent>(await fhir('auditor', `/fhir/AuditEvent/${entries[0].entryId}`).expect(200));
    // Reading the access log audits it and is not logged itself (as GET /api/v1/access-log).
    expect((await log.find({ afterSeq: entries.at(-1)!.seq, limit: 10 })).filter((e) => e.resource.startsWith('GET /fhir/AuditEvent'))).toEqual([]);
    // A day with nothing logged.
    expect(valid<Bundle>(await fhir('auditor', '/fhir/AuditEvent?date=2020-01-01').expect(200)).total).toBe(0);
  });

  it('admits on each resource type exactly the roles of the API route it mirrors', async () => {
    const roles = Object.fromEntries(routeRoles(t.app).map((r) => [`${r.method} ${r.path}`, [...r.roles].sort()]));
    const mirrors: Array<[string, string]> = [
      ['GET /fhir/Device', 'GET /api/v1/ai-systems'],
      ['GET /fhir/Device/{id}', 'GET /api/v1/ai-systems/{id}'],
      ['GET /fhir/Provenance', 'GET /api/v1/reviews'],
      ['GET /fhir/Provenance/{id}', 'GET /api/v1/reviews/{id}'],
      ['GET /fhir/AuditEvent', 'GET /api/v1/access-log'],
      ['GET /fhir/AuditEvent/{id}', 'GET /api/v1/access-log'],
      ['GET /fhir/AdverseEvent', 'GET /api/v1/incidents'],
      ['GET /fhir/AdverseEvent/{id}', 'GET /api/v1/incidents/{id}'],
    ];
    for (const [fhirRoute, apiRoute] of mirrors) expect([fhirRoute, roles[fhirRoute]]).toEqual([fhirRoute, roles[apiRoute]]);
    // And over HTTP: refused on the API, refused here.
    await t.http.get('/api/v1/access-log').set(bearer('qm')).expect(403);
    outcome(await fhir('qm', '/fhir/AuditEvent').expect(403));
    await t.http.get('/api/v1/incidents').set(bearer('alice')).expect(403);
    outcome(await fhir('alice', '/fhir/AdverseEvent').expect(403));
    await t.http.get('/api/v1/reviews').set(bearer('admin')).expect(403);
    outcome(await fhir('admin', '/fhir/Provenance').expect(403));
    const feed = await t.token('ai-system', 'pacs-bridge', systemId);
    outcome(
      await t.http
        .get('/fhir/Device')
        .set({ Authorization: `Bearer ${feed}` })
        .expect(403),
    );
    outcome(await fhir(null, '/fhir/Device').expect(401));
  });

  it('answers errors as OperationOutcome: 404 unknown resource or type, 400 naming the bad search parameter', async () => {
    outcome(await fhir('qm', '/fhir/Provenance/0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b').expect(404));
    outcome(await fhir('qm', '/fhir/Device/not-an-id').expect(404));
    expect(outcome(await fhir('qm', '/fhir/Patient/p-anything').expect(404)).issue[0].code).toBe('not-found');
    outcome(await fhir('qm', '/fhir/Observation').expect(404));
    const unknown = outcome(await fhir('qm', '/fhir/Provenance?status=final').expect(400));
    expect(unknown.issue[0]).toMatchObject({
      code: 'invalid',
      expression: ['status'],
      details: { coding: [{ system: 'https://oversight-registry.eu/problems/', code: 'invalid-search-parameter' }] },
    });
    expect(outcome(await fhir('qm', '/fhir/Provenance?recorded=ne2026-01-01').expect(400)).issue[0].expression).toEqual(['recorded']);
    expect(outcome(await fhir('qm', '/fhir/Provenance?recorded=yesterday').expect(400)).issue[0].expression).toEqual(['recorded']);
    expect(outcome(await fhir('qm', '/fhir/Provenance?_count=0').expect(400)).issue[0].expression).toEqual(['_count']);
    expect(outcome(await fhir('qm', '/fhir/Device?_cursor=not-ours').expect(400)).issue[0].expression).toEqual(['_cursor']);
    expect(outcome(await fhir('qm', '/fhir/Device?_format=xml').expect(400)).issue[0].expression).toEqual(['_format']);
    valid<Bundle>(await fhir('qm', '/fhir/Device?_format=json').expect(200));
    // A raw patient id is not a search key: refused without echoing it.
    const raw = outcome(await fhir('qm', '/fhir/Provenance?patient=NL-FHIR-1').expect(400));
    expect(raw.issue[0].expression).toEqual(['patient']);
    expect(JSON.stringify(raw)).not.toContain('NL-FHIR-1');
    expect(outcome(await fhir('auditor', '/fhir/AuditEvent?device=x').expect(400)).issue[0].expression).toEqual(['device']);
  });

  it('the validator is not vacuous: a Provenance without `recorded`, a Device with an unknown element or status fails', async () => {
    const p = (await fhir('qm', `/fhir/Provenance/${reviews.a.id}`).expect(200)).body as Provenance;
    const { recorded: _recorded, ...withoutRecorded } = p;
    expect(fhirIssues(withoutRecorded as Resource).join('\n')).toMatch(/recorded/);
    const d = (await fhir('qm', `/fhir/Device/${systemId}`).expect(200)).body as Device;
    expect(fhirIssues({ ...d, suspended: true } as Resource).join('\n')).toMatch(/suspended/);
    // Codes of required bindings too (R4 Device.status has no "suspended").
    expect(fhirIssues({ ...d, status: 'suspended' } as unknown as Resource).join('\n')).toMatch(
      /"suspended" is not in the required value set http:\/\/hl7.org\/fhir\/ValueSet\/device-status/,
    );
  });
});
