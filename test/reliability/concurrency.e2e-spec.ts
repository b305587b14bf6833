import { aiSystemBody, startTestApp, type TestApp } from '../support/test-app';
import { pick, reviewBody } from './support';

const CLIENTS = pick(8, 24);
const ROUNDS = pick(3, 15);

/**
 * Many HTTP clients on the same review and incident streams at once. With the same If-Match
 * exactly one wins and the others get 409; retrying any request with its Idempotency-Key
 * never writes twice; the stream holds exactly one event per winning request.
 */
describe('Concurrent clients on one stream (HTTP, If-Match + Idempotency-Key)', () => {
  let t: TestApp;
  let alice: string;
  let qm: string;
  let aiSystemId: string;
  const auth = (token: string) => ({ Authorization: `Bearer ${token}` });

  const env = { ...process.env };

  beforeAll(async () => {
    // The long profile sends ~700 writes a minute as one user: the per-user write limit is not what this tests.
    process.env.WRITES_PER_MINUTE = '0';
    t = await startTestApp();
    alice = await t.token('clinician', 'alice');
    qm = await t.token('quality-manager', 'qm-1');
    const admin = await t.token('admin');
    aiSystemId = (await t.http.post('/api/v1/ai-systems').set(auth(admin)).send(aiSystemBody()).expect(201)).body.aiSystemId;
  }, 120_000);
  afterAll(async () => {
    await t?.close();
    process.env = env;
  });

  it('creates once when many clients send the same Idempotency-Key at the same moment', async () => {
    const before = await t.eventCount();
    const body = reviewBody(aiSystemId, 1);
    const results = await Promise.all(
      Array.from({ length: CLIENTS }, () => t.http.post('/api/v1/reviews').set(auth(alice)).set('Idempotency-Key', 'same-create-0001').send(body)),
    );
    expect(results.map((r) => r.status)).toEqual(results.map(() => 201));
    expect(new Set(results.map((r) => r.body.reviewId)).size).toBe(1);
    expect(await t.eventCount()).toBe(before + 1);
  }, 120_000);

  /** Rounds of CLIENTS concurrent writes with the round's If-Match; each then retried. */
  async function race(stream: string, send: (ifMatch: string, key: string, n: number) => import('supertest').Test, okStatus: number, startRevision: number) {
    for (let round = 0; round < ROUNDS; round++) {
      const ifMatch = `"${startRevision + round}"`;
      const keys = Array.from({ length: CLIENTS }, (_, c) => `${stream}-r${round}-c${c}`);
      const first = await Promise.all(keys.map((key, c) => send(ifMatch, key, c)));
      const statuses = first.map((r) => r.status);
      expect(statuses.filter((s) => s === okStatus)).toHaveLength(1);
      expect(statuses.filter((s) => s === 409)).toHaveLength(CLIENTS - 1);
      for (const r of first.filter((x) => x.status === 409)) {
        expect(r.headers['content-type']).toMatch(/application\/problem\+json/);
        expect(r.body).toMatchObject({ code: 'revision-conflict', currentRevision: startRevision + round + 1 });
      }
      // Every client retries (lost response): the winner gets its answer again, the rest 409 again.
      const retried = await Promise.all(keys.map((key, c) => send(ifMatch, key, c)));
      expect(retried.map((r) => r.status)).toEqual(statuses);
      const winner = statuses.indexOf(okStatus);
      expect(retried[winner].body).toEqual({ ...first[winner].body, replayed: true });
    }
    const events = await t.store.readStream(stream);
    expect(events).toHaveLength(startRevision + 1 + ROUNDS);
    expect(events.map((e) => e.streamRevision)).toEqual(events.map((_, i) => i));
  }

  it('lets one correction per revision win on a review; retries are not duplicated', async () => {
    const reviewId = (await t.http.post('/api/v1/reviews').set(auth(alice)).send(reviewBody(aiSystemId, 2)).expect(201)).body.reviewId;
    const decisions = ['accepted', 'modified', 'rejected', 'escalated'];
    await race(
      `review-${reviewId}`,
      (ifMatch, key, c) =>
        t.http
          .post(`/api/v1/reviews/${reviewId}/corrections`)
          .set(auth(alice))
          .set('If-Match', ifMatch)
          .set('Idempotency-Key', key)
          .send({ decision: decisions[c % 4], reason: `client ${c}` }),
      200,
      0,
    );
  }, 300_000);

  it('lets one note per revision win on an incident; retries are not duplicated', async () => {
    const created = await t.http
      .post('/api/v1/incidents')
      .set(auth(alice))
      .send({ aiSystemId, narrative: 'Missed finding', occurredAt: '2026-01-01T08:00:00Z' })
      .expect(201);
    const incidentId = created.body.incidentId;
    const revision = Number(/"(\d+)"/.exec(created.headers.etag)![1]);
    await race(
      `incident-${incidentId}`,
      (ifMatch, key, c) =>
        t.http
          .post(`/api/v1/incidents/${incidentId}/notes`)
          .set(auth(qm))
          .set('If-Match', ifMatch)
          .set('Idempotency-Key', key)
          .send({ note: `note from client ${c}` }),
      200,
      revision,
    );
  }, 300_000);
});
