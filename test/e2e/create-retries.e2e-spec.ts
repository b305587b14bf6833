import type { Role } from '@app/identity';
import { aiSystemBody, sha256Hex, startTestApp, type TestApp } from '../support/test-app';

/**
 * A create whose id the server makes: a client that retries after a timeout, with the same
 * Idempotency-Key, must get the id of the resource the first attempt made (and its Location),
 * never the id a second attempt minted and did not write.
 */
describe('Create retried with the same Idempotency-Key (HTTP)', () => {
  let t: TestApp;
  let system: string;
  const auth = async (role: Role, sub: string) => ({ Authorization: `Bearer ${await t.token(role, sub)}` });

  beforeAll(async () => {
    t = await startTestApp();
    system = (
      await t.http
        .post('/api/v1/ai-systems')
        .set(await auth('admin', 'boss'))
        .send(aiSystemBody())
        .expect(201)
    ).body.aiSystemId;
  });
  afterAll(async () => t?.close());

  const cases: Array<{ route: string; role: Role; sub: string; idField: string; read: (id: string) => string; body: () => object }> = [
    {
      route: '/api/v1/ai-systems',
      role: 'admin',
      sub: 'boss',
      idField: 'aiSystemId',
      read: (id) => `/api/v1/ai-systems/${id}`,
      body: () => aiSystemBody({ name: 'Retry XR' }),
    },
    {
      route: '/api/v1/reviews',
      role: 'clinician',
      sub: 'alice',
      idField: 'reviewId',
      read: (id) => `/api/v1/reviews/${id}`,
      body: () => ({
        aiSystemId: system,
        modelVersion: '2.3.1',
        outputReference: 'pacs://retry/1',
        outputSha256: sha256Hex('retry'),
        patientId: 'NL-RETRY-1',
        decision: 'accepted',
      }),
    },
    {
      route: '/api/v1/incidents',
      role: 'clinician',
      sub: 'alice',
      idField: 'incidentId',
      read: (id) => `/api/v1/incidents/${id}`,
      body: () => ({ aiSystemId: system, narrative: 'Retried report of a missed finding' }),
    },
    {
      route: '/api/v1/legal-holds',
      role: 'legal',
      sub: 'lena',
      idField: 'holdId',
      read: (id) => `/api/v1/legal-holds/${id}`,
      body: () => ({ scope: { aiSystemIds: [system] }, reason: 'Claim expected' }),
    },
    {
      route: '/api/v1/disclosure-requests',
      role: 'legal',
      sub: 'lena',
      idField: 'requestId',
      read: (id) => `/api/v1/disclosure-requests/${id}`,
      body: () => ({
        reference: 'C/13/1 / HA ZA 26-1',
        requester: { kind: 'court', name: 'Rechtbank Amsterdam' },
        legalBasis: 'Product Liability Directive (EU) 2024/2853 Art. 9',
        dueAt: '2027-06-01T00:00:00Z',
        scope: { aiSystemIds: [system] },
      }),
    },
  ];

  it.each(cases)('$route answers the first attempt’s id, Location and revision', async ({ route, role, sub, idField, read, body }) => {
    const headers = { ...(await auth(role, sub)), 'Idempotency-Key': `retry-${idField}-0001` };
    const first = await t.http.post(route).set(headers).send(body()).expect(201);
    const before = await t.eventCount();
    const again = await t.http.post(route).set(headers).send(body()).expect(201);
    expect(again.body).toMatchObject({ [idField]: first.body[idField], revision: first.body.revision, replayed: true });
    expect(again.headers.location).toBe(first.headers.location);
    expect(await t.eventCount()).toBe(before);
    await t.http
      .get(read(again.body[idField] as string))
      .set(await auth(role, sub))
      .expect(200);
  });
});
