import { randomBytes } from 'node:crypto';
import type { Response } from 'supertest';
import { aiSystemBody, sha256Hex, startTestApp, type TestApp } from '../support/test-app';

/** Every 429 is problem+json and says, in whole seconds, when to come back. */
function expectTooMany(res: Response, code: string): void {
  expect({ status: res.status, type: res.headers['content-type'], code: res.body.code }).toEqual({
    status: 429,
    type: expect.stringMatching(/^application\/problem\+json/),
    code,
  });
  expect(res.headers['retry-after']).toMatch(/^[1-9]\d*$/);
  expect(res.body.retryAfterSeconds).toBe(Number(res.headers['retry-after']));
}

/** Rate limits punish the client that misbehaves, never the ward behind the same address (issue 20, finding 4). */
describe('Rate limits (HTTP)', () => {
  let t: TestApp;
  let systemId: string;
  const env = { ...process.env };
  const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });
  const review = (patientId: string) => ({
    aiSystemId: systemId,
    modelVersion: '2.3.1',
    outputReference: 'pacs://studies/1.2.3/ai-report',
    outputSha256: sha256Hex('AI: no pneumothorax'),
    patientId,
    decision: 'accepted',
  });

  beforeAll(async () => {
    Object.assign(process.env, { AUTH_FAILURES_PER_MINUTE: '30', AUTH_FAILURE_BLOCK_SECONDS: '300', WRITES_PER_MINUTE: '5', ERASURE_REQUESTS_PER_MINUTE: '2' });
    t = await startTestApp();
    const admin = await t.token('admin', 'admin-1');
    systemId = (await t.http.post('/api/v1/ai-systems').set(bearer(admin)).send(aiSystemBody()).expect(201)).body.aiSystemId;
  });
  afterAll(async () => {
    await t?.close();
    process.env = env;
  });

  it('refuses 40 garbage tokens from one address with 429 and Retry-After, yet serves every valid token from that address', async () => {
    const statuses: number[] = [];
    let last!: Response;
    for (let i = 0; i < 40; i++) {
      last = await t.http.get('/api/v1/reviews').set(bearer('garbage'));
      statuses.push(last.status);
    }
    // A valid token from that address is served, for reads and writes, whoever holds it …
    for (const role of ['clinician', 'quality-manager', 'legal', 'auditor'] as const) {
      await t.http
        .get('/api/v1/reviews')
        .set(bearer(await t.token(role, `ward-${role}`)))
        .expect(200);
    }
    await t.http
      .post('/api/v1/reviews')
      .set(bearer(await t.token('clinician', 'ward-nurse')))
      .send(review('NL-WARD-1'))
      .expect(201);

    // … while the failures past the limit got 429, and so does other garbage from that address.
    expect(statuses.slice(0, 30).every((s) => s === 401)).toBe(true);
    expectTooMany(last, 'too-many-failed-authentications');
    expectTooMany(await t.http.get('/api/v1/reviews').set(bearer(randomBytes(24).toString('base64url'))), 'too-many-failed-authentications');
  });

  it('answers a write beyond WRITES_PER_MINUTE with 429 and Retry-After, writing nothing; other users and reads go on', async () => {
    const alice = await t.token('clinician', 'alice');
    for (let i = 0; i < 5; i++)
      await t.http
        .post('/api/v1/reviews')
        .set(bearer(alice))
        .send(review(`NL-ALICE-${i}`))
        .expect(201);
    const before = await t.eventCount();
    expectTooMany(await t.http.post('/api/v1/reviews').set(bearer(alice)).send(review('NL-ALICE-6')), 'too-many-writes');
    expect(await t.eventCount()).toBe(before);

    // Keyed by the token's subject: a fresh token of the same user is limited too, another user is not.
    expectTooMany(
      await t.http
        .post('/api/v1/reviews')
        .set(bearer(await t.token('clinician', 'alice')))
        .send(review('NL-ALICE-7')),
      'too-many-writes',
    );
    await t.http
      .post('/api/v1/reviews')
      .set(bearer(await t.token('clinician', 'bob')))
      .send(review('NL-BOB-1'))
      .expect(201);
    // Reads are never limited, nor a POST that only reads (the patient id stays out of the URL).
    for (let i = 0; i < 10; i++) {
      await t.http.get('/api/v1/reviews').set(bearer(alice)).expect(200);
      await t.http.post('/api/v1/patients/timeline').set(bearer(alice)).send({ patientId: 'NL-ALICE-1' }).expect(200);
    }
  });

  it('answers the erasure throttle with 429 and Retry-After like every other limit', async () => {
    const legal = await t.token('legal', 'lawyer-1');
    const statuses: number[] = [];
    let last!: Response;
    for (let i = 0; i < 3; i++) {
      last = await t.http.post('/api/v1/data-subjects/erasure').set(bearer(legal)).send({});
      statuses.push(last.status);
    }
    expect(statuses.slice(0, 2)).toEqual([400, 400]);
    expectTooMany(last, 'too-many-requests');
  });
});
