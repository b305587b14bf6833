import { randomUUID } from 'node:crypto';
import type { Test } from 'supertest';
import { routeRoles } from '@app/identity';
import { aiSystemBody, sha256Hex, startTestApp, type TestApp } from '../support/test-app';

interface Schema {
  $ref?: string;
  properties?: Record<string, unknown>;
}
interface Operation {
  parameters?: Array<{ name: string; in: string }>;
  requestBody?: { content?: Record<string, { schema?: Schema }> };
}

/**
 * A clinician sees only the incidents they reported. On every route a clinician may call that
 * takes an incident id, an existing incident they may not see gets the very answer a random
 * unknown id gets: nothing to learn about which incident ids exist (issue 20, finding 5).
 */
describe('Incidents a clinician may not see (HTTP)', () => {
  let t: TestApp;
  let alice: string;
  let systemId: string;
  let bobsIncident: string;
  let alicesReview: string;
  const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });
  const review = (incidentId?: string) => ({
    aiSystemId: systemId,
    modelVersion: '2.3.1',
    outputReference: 'pacs://studies/1.2.3/ai-report',
    outputSha256: sha256Hex('AI: no pneumothorax'),
    patientId: 'NL-VISIBILITY-1',
    decision: 'accepted',
    ...(incidentId ? { incidentId } : {}),
  });

  /** Each clinician route that takes an incident id, as `METHOD path` in the OpenAPI document, and how to call it. */
  const cases: Record<string, (incidentId: string) => Test> = {
    'GET /api/v1/incidents/{id}': (id) => t.http.get(`/api/v1/incidents/${id}`).set(bearer(alice)),
    'POST /api/v1/reviews': (id) => t.http.post('/api/v1/reviews').set(bearer(alice)).send(review(id)),
    'POST /api/v1/reviews/{id}/incident-links': (id) =>
      t.http.post(`/api/v1/reviews/${alicesReview}/incident-links`).set(bearer(alice)).send({ incidentId: id }),
  };

  beforeAll(async () => {
    t = await startTestApp();
    alice = await t.token('clinician', 'alice');
    const bob = await t.token('clinician', 'bob');
    systemId = (
      await t.http
        .post('/api/v1/ai-systems')
        .set(bearer(await t.token('admin')))
        .send(aiSystemBody())
        .expect(201)
    ).body.aiSystemId;
    bobsIncident = (
      await t.http
        .post('/api/v1/incidents')
        .set(bearer(bob))
        .send({ aiSystemId: systemId, narrative: 'Missed pneumothorax', occurredAt: '2026-11-01T08:00:00Z' })
        .expect(201)
    ).body.incidentId;
    alicesReview = (await t.http.post('/api/v1/reviews').set(bearer(alice)).send(review()).expect(201)).body.reviewId;
  });
  afterAll(async () => t?.close());

  it('has a case for every route a clinician may call with an incident id (path, query or body)', async () => {
    const doc = (await t.http.get('/docs-json').expect(200)).body as {
      paths: Record<string, Record<string, Operation>>;
      components: { schemas: Record<string, Schema> };
    };
    const takesIncident = (path: string, op: Operation) => {
      if (path.startsWith('/api/v1/incidents/{id}')) return true;
      if (op.parameters?.some((p) => p.in === 'query' && /^incident/i.test(p.name))) return true;
      const ref = op.requestBody?.content?.['application/json']?.schema?.$ref;
      const body = ref ? doc.components.schemas[ref.split('/').pop()!] : undefined;
      return Object.keys(body?.properties ?? {}).some((name) => /^incidentIds?$/.test(name));
    };
    const found = routeRoles(t.app)
      .filter((r) => !r.public && r.roles.includes('clinician'))
      .filter((r) => takesIncident(r.path, doc.paths[r.path][r.method.toLowerCase()]))
      .map((r) => `${r.method} ${r.path}`);
    expect(found.sort()).toEqual(Object.keys(cases).sort());
  });

  it.each(Object.keys(cases))('%s: an incident reported by another clinician gets the same 404 as an unknown id, and nothing is written', async (route) => {
    const answer = async (id: string) => {
      const before = await t.eventCount();
      const res = await cases[route](id);
      expect(await t.eventCount()).toBe(before);
      const { status, type, title, detail, code, errors } = res.body;
      return { httpStatus: res.status, contentType: res.headers['content-type'], status, type, title, detail, code, errors };
    };
    const unknown = await answer(randomUUID());
    expect(unknown).toMatchObject({ httpStatus: 404, code: 'incident-not-found' });
    expect(await answer(bobsIncident)).toEqual(unknown);
    expect(JSON.stringify(unknown)).not.toContain(bobsIncident);
  });

  it('still lets a quality manager see and link the incident', async () => {
    const qm = await t.token('quality-manager', 'qm-1');
    await t.http.get(`/api/v1/incidents/${bobsIncident}`).set(bearer(qm)).expect(200);
    await t.http.post(`/api/v1/reviews/${alicesReview}/incident-links`).set(bearer(qm)).send({ incidentId: bobsIncident }).expect(200);
  });
});
