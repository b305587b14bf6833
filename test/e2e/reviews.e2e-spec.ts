import { CLOCK, type Clock } from '@app/event-store';
import { PSEUDONYM_PATTERN } from '@app/identity';
import { aiSystemBody, sha256Hex, startTestApp, type TestApp } from '../support/test-app';

/** The clinician's review journey over real HTTP, on the store this run targets. */
describe('Reviews of AI output (HTTP)', () => {
  let t: TestApp;
  let admin: string;
  let qm: string;
  let alice: string;
  let bob: string;
  let auditor: string;
  let systemId: string;

  const review = (overrides: Record<string, unknown> = {}) => ({
    aiSystemId: systemId,
    modelVersion: '2.3.1',
    outputReference: 'pacs://studies/1.2.3/ai-report',
    outputSha256: sha256Hex('AI: no pneumothorax'),
    patientId: 'NL-123 456 789',
    decision: 'rejected',
    reason: 'Pneumothorax visible at left apex; AI missed it',
    seenAt: '2026-11-20T09:00:00.000Z',
    decidedAt: '2026-11-20T09:00:40.000Z',
    ...overrides,
  });

  beforeAll(async () => {
    t = await startTestApp();
    [admin, qm, alice, bob, auditor] = await Promise.all([
      t.token('admin', 'admin-1'),
      t.token('quality-manager', 'qm-1'),
      t.token('clinician', 'alice'),
      t.token('clinician', 'bob'),
      t.token('auditor', 'audit-1'),
    ]);
    const res = await t.http.post('/api/v1/ai-systems').set('Authorization', `Bearer ${admin}`).send(aiSystemBody()).expect(201);
    systemId = res.body.aiSystemId;
  });
  afterAll(async () => t?.close());

  describe('AI systems', () => {
    it('registers a system and reads it back from its events', async () => {
      const res = await t.http.get(`/api/v1/ai-systems/${systemId}`).set('Authorization', `Bearer ${alice}`).expect(200);
      expect(res.body).toMatchObject({ exists: true, name: 'ChestXR Triage', status: 'active', currentVersion: '2.3.1', revision: 0 });
      expect(res.headers.etag).toBe('"0"');
      await t.catchUp();
      const list = await t.http.get('/api/v1/ai-systems').set('Authorization', `Bearer ${alice}`).expect(200);
      expect(list.body.items.map((s: { aiSystemId: string }) => s.aiSystemId)).toContain(systemId);
    });

    it('lets only admins and quality managers register systems', async () => {
      const before = await t.eventCount();
      await t.http.post('/api/v1/ai-systems').set('Authorization', `Bearer ${alice}`).send(aiSystemBody()).expect(403);
      await t.http.post('/api/v1/ai-systems').send(aiSystemBody()).expect(401);
      await t.http.post('/api/v1/ai-systems').set('Authorization', 'Bearer not.a.token').send(aiSystemBody()).expect(401);
      expect(await t.eventCount()).toBe(before);
    });
  });

  describe('recording a review', () => {
    let reviewId: string;

    it('records the review as an event and reads it back with the reason decrypted', async () => {
      const before = await t.eventCount();
      const res = await t.http.post('/api/v1/reviews').set('Authorization', `Bearer ${alice}`).send(review()).expect(201);
      reviewId = res.body.reviewId;
      expect(res.headers.location).toBe(`/api/v1/reviews/${reviewId}`);
      expect(await t.eventCount()).toBe(before + 1);

      const got = await t.http.get(`/api/v1/reviews/${reviewId}`).set('Authorization', `Bearer ${alice}`).expect(200);
      expect(got.body).toMatchObject({
        reviewId,
        aiSystemId: systemId,
        decision: 'rejected',
        reviewer: { subject: 'alice', role: 'clinician' },
        reason: { text: 'Pneumothorax visible at left apex; AI missed it', erased: false },
        decidedAt: '2026-11-20T09:00:40.000Z',
      });
      expect(got.body.patientPseudonym).toMatch(PSEUDONYM_PATTERN);
    });

    it('stamps a review given no decidedAt with business time, the clock its rules are judged by', async () => {
      const clock = t.app.get<Clock>(CLOCK);
      clock.freeze('2026-03-02T10:00:00.000Z');
      try {
        // A system, a patient and a reviewer of its own: the other cases count this file's reviews.
        const other = await t.http
          .post('/api/v1/ai-systems')
          .set('Authorization', `Bearer ${admin}`)
          .send(aiSystemBody({ name: 'Clock XR' }))
          .expect(201);
        const body = review({ aiSystemId: other.body.aiSystemId, patientId: 'NL-CLOCK-1', seenAt: undefined, decidedAt: undefined });
        const carol = await t.token('clinician', 'carol');
        const res = await t.http.post('/api/v1/reviews').set('Authorization', `Bearer ${carol}`).send(body).expect(201);
        const got = await t.http.get(`/api/v1/reviews/${res.body.reviewId}`).set('Authorization', `Bearer ${carol}`).expect(200);
        expect(got.body).toMatchObject({ decidedAt: '2026-03-02T10:00:00.000Z', seenAt: '2026-03-02T10:00:00.000Z' });
      } finally {
        clock.reset();
      }
    });

    it('stores neither the raw patient id nor the reason in clear', async () => {
      const events = await t.store.readAll(0, 10_000);
      const stored = JSON.stringify(events);
      expect(stored).not.toContain('123 456 789');
      expect(stored).not.toContain('123456789');
      expect(stored).not.toContain('left apex');
      const reviewed = events.find((e) => e.type === 'oversight.AiOutputReviewed')!;
      expect(reviewed.data.reason).toMatchObject({ enc: 'aes-256-gcm' });
      expect(reviewed.metadata.actor).toEqual({ subject: 'alice', role: 'clinician' });
    });

    it('shows the patient timeline by raw id (POST body) and by pseudonym, as of a moment', async () => {
      await t.catchUp();
      const byId = await t.http.post('/api/v1/patients/timeline').set('Authorization', `Bearer ${qm}`).send({ patientId: 'nl-123456789' }).expect(200);
      expect(byId.body.items).toHaveLength(1);
      expect(byId.body.items[0]).toMatchObject({ reviewId, event: 'oversight.AiOutputReviewed', decision: 'rejected', late: true });
      expect(byId.body.items[0].text.text).toContain('left apex');
      const pseudonym = byId.body.patientPseudonym;
      const byPseudonym = await t.http.get(`/api/v1/patients/${pseudonym}/timeline`).set('Authorization', `Bearer ${qm}`).expect(200);
      expect(byPseudonym.body.items).toEqual(byId.body.items);
      const before = await t.http.get(`/api/v1/patients/${pseudonym}/timeline?asOf=2020-01-01T00:00:00Z`).set('Authorization', `Bearer ${qm}`).expect(200);
      expect(before.body.items).toEqual([]);
    });

    it('keeps clinicians to their own reviews', async () => {
      await t.http.get(`/api/v1/reviews/${reviewId}`).set('Authorization', `Bearer ${bob}`).expect(404);
      const bobsTimeline = await t.http.post('/api/v1/patients/timeline').set('Authorization', `Bearer ${bob}`).send({ patientId: 'NL-123456789' }).expect(200);
      expect(bobsTimeline.body.items).toEqual([]);
      const alicesTimeline = await t.http
        .post('/api/v1/patients/timeline')
        .set('Authorization', `Bearer ${alice}`)
        .send({ patientId: 'NL-123456789' })
        .expect(200);
      expect(alicesTimeline.body.items).toHaveLength(1);
      const before = await t.eventCount();
      const link = await t.http
        .post(`/api/v1/reviews/${reviewId}/incident-links`)
        .set('Authorization', `Bearer ${bob}`)
        .send({ incidentId: '01936f0e-8a4b-7c3d-9e2f-0123456789ab' })
        .expect(403);
      expect(link.body.code).toBe('not-your-review');
      const unknown = await t.http
        .post(`/api/v1/reviews/${reviewId}/incident-links`)
        .set('Authorization', `Bearer ${alice}`)
        .send({ incidentId: '01936f0e-8a4b-7c3d-9e2f-0123456789ab' })
        .expect(404);
      expect(unknown.body).toMatchObject({ code: 'incident-not-found', errors: [{ field: 'incidentId' }] });
      expect(await t.eventCount()).toBe(before);
      await t.catchUp();
      const mine = await t.http.get('/api/v1/reviews').set('Authorization', `Bearer ${bob}`).expect(200);
      expect(mine.body.items).toEqual([]);
      const hers = await t.http.get('/api/v1/reviews').set('Authorization', `Bearer ${alice}`).expect(200);
      expect(hers.body.items.map((r: { reviewId: string }) => r.reviewId)).toEqual([reviewId]);
    });

    it('corrects a review with a new event and keeps the original', async () => {
      const res = await t.http
        .post(`/api/v1/reviews/${reviewId}/corrections`)
        .set('Authorization', `Bearer ${alice}`)
        .set('If-Match', '"0"')
        .send({ decision: 'modified', reason: 'Small pneumothorax; AI flagged the wrong side', correctionNote: 'typo' })
        .expect(200);
      expect(res.body.revision).toBe(1);
      const got = await t.http.get(`/api/v1/reviews/${reviewId}`).set('Authorization', `Bearer ${alice}`).expect(200);
      expect(got.body).toMatchObject({ originalDecision: 'rejected', decision: 'modified', corrections: 1 });
      expect(got.body.history.map((h: { type: string }) => h.type)).toEqual(['oversight.AiOutputReviewed', 'oversight.ReviewCorrected']);
    });

    it('answers a stale If-Match with 409 and writes nothing', async () => {
      const before = await t.eventCount();
      const res = await t.http
        .post(`/api/v1/reviews/${reviewId}/corrections`)
        .set('Authorization', `Bearer ${alice}`)
        .set('If-Match', '"0"')
        .send({ decision: 'accepted' })
        .expect(409);
      expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
      expect(res.body).toMatchObject({ status: 409, code: 'revision-conflict', currentRevision: 1 });
      expect(await t.eventCount()).toBe(before);
    });

    it('lets exactly one of several concurrent corrections with the same If-Match win', async () => {
      const results = await Promise.all(
        ['accepted', 'escalated', 'rejected', 'modified'].map((decision) =>
          t.http
            .post(`/api/v1/reviews/${reviewId}/corrections`)
            .set('Authorization', `Bearer ${alice}`)
            .set('If-Match', '"1"')
            .send({ decision, reason: 'second look' }),
        ),
      );
      expect(results.map((r) => r.status).sort()).toEqual([200, 409, 409, 409]);
      const got = await t.http.get(`/api/v1/reviews/${reviewId}`).set('Authorization', `Bearer ${alice}`).expect(200);
      expect(got.body.revision).toBe(2);
    });

    it('counts decisions per month for the override rate, following corrections', async () => {
      await t.catchUp();
      const res = await t.http.get(`/api/v1/ai-systems/${systemId}/override-rates`).set('Authorization', `Bearer ${qm}`).expect(200);
      const current = (await t.http.get(`/api/v1/reviews/${reviewId}`).set('Authorization', `Bearer ${alice}`)).body.decision;
      expect(res.body.months).toHaveLength(1);
      expect(res.body.months[0]).toMatchObject({ month: '2026-11', total: 1, [current]: 1 });
      const overridden = current === 'modified' || current === 'rejected' ? 1 : 0;
      expect(res.body.months[0].overrideRate).toBe(overridden);
    });
  });

  describe('idempotency', () => {
    it('returns the first result for a retried Idempotency-Key and writes once', async () => {
      const body = review({ patientId: 'NL-777' });
      const first = await t.http
        .post('/api/v1/reviews')
        .set('Authorization', `Bearer ${alice}`)
        .set('Idempotency-Key', 'retry-key-0001')
        .send(body)
        .expect(201);
      const count = await t.eventCount();
      const again = await t.http
        .post('/api/v1/reviews')
        .set('Authorization', `Bearer ${alice}`)
        .set('Idempotency-Key', 'retry-key-0001')
        .send(body)
        .expect(201);
      expect(again.body.reviewId).toBe(first.body.reviewId);
      expect(again.body.replayed).toBe(true);
      expect(await t.eventCount()).toBe(count);
    });

    it('refuses the same key with another body (422) and writes nothing', async () => {
      const count = await t.eventCount();
      const res = await t.http
        .post('/api/v1/reviews')
        .set('Authorization', `Bearer ${alice}`)
        .set('Idempotency-Key', 'retry-key-0001')
        .send(review({ patientId: 'NL-778' }))
        .expect(422);
      expect(res.body).toMatchObject({ code: 'idempotency-key-reused', errors: [{ field: 'Idempotency-Key' }] });
      expect(await t.eventCount()).toBe(count);
    });

    it('answers a retried suspension with the first result, not a conflict', async () => {
      const sys = (
        await t.http
          .post('/api/v1/ai-systems')
          .set('Authorization', `Bearer ${admin}`)
          .send(aiSystemBody({ name: 'Sepsis alert' }))
          .expect(201)
      ).body.aiSystemId;
      const send = () =>
        t.http
          .post(`/api/v1/ai-systems/${sys}/suspension`)
          .set('Authorization', `Bearer ${qm}`)
          .set('Idempotency-Key', 'suspend-0001')
          .send({ reason: 'vendor recall' });
      const a = await send().expect(200);
      const b = await send().expect(200);
      expect(b.body).toEqual({ ...a.body, replayed: true });
    });
  });

  describe('bad input: a clear 4xx problem, nothing written', () => {
    const cases: Array<[string, () => Record<string, unknown>, number, string]> = [
      ['wrong types', () => review({ decision: 42, modelVersion: ['x'] }), 400, 'decision'],
      ['a missing field', () => ({ ...review(), outputSha256: undefined }), 400, 'outputSha256'],
      ['an unknown field', () => review({ sneaky: true }), 400, 'sneaky'],
      ['both a patient id and a pseudonym', () => review({ patientPseudonym: `p-${'A'.repeat(32)}` }), 400, 'patientPseudonym'],
      ['an invalid UUID', () => review({ aiSystemId: 'not-a-uuid' }), 400, 'aiSystemId'],
      ['a reason over 4000 characters', () => review({ reason: 'x'.repeat(4001) }), 400, 'reason'],
      ['a missing reason on rejection', () => review({ reason: undefined }), 400, 'reason'],
      ['a decision before the output was seen', () => review({ decidedAt: '2026-11-20T08:00:00.000Z' }), 400, 'decidedAt'],
      ['a timestamp that is not ISO 8601', () => review({ decidedAt: 'yesterday' }), 400, 'decidedAt'],
      ['an unknown AI system', () => review({ aiSystemId: '01936f0e-8a4b-7c3d-9e2f-0123456789ab' }), 404, 'aiSystemId'],
      ['a model version never deployed', () => review({ modelVersion: '9.9.9' }), 422, 'modelVersion'],
    ];
    it.each(cases)('%s', async (_name, body, status, field) => {
      const before = await t.eventCount();
      const res = await t.http.post('/api/v1/reviews').set('Authorization', `Bearer ${alice}`).send(body()).expect(status);
      expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
      expect(res.body.status).toBe(status);
      expect(res.body.errors.map((e: { field: string }) => e.field)).toContain(field);
      expect(await t.eventCount()).toBe(before);
    });

    it('answers a 1 MB reason with 413 problem+json', async () => {
      const before = await t.eventCount();
      const res = await t.http
        .post('/api/v1/reviews')
        .set('Authorization', `Bearer ${alice}`)
        .send(review({ reason: 'x'.repeat(1024 * 1024) }))
        .expect(413);
      expect(res.body).toMatchObject({ status: 413, code: 'body-too-large' });
      expect(await t.eventCount()).toBe(before);
    });

    it('answers malformed JSON with 400 problem+json', async () => {
      const res = await t.http
        .post('/api/v1/reviews')
        .set('Authorization', `Bearer ${alice}`)
        .set('Content-Type', 'application/json')
        .send('{"aiSystemId": ')
        .expect(400);
      expect(res.body).toMatchObject({ code: 'malformed-json', errors: [{ field: 'body' }] });
    });

    it('answers an invalid id in the path with 400 naming it', async () => {
      const res = await t.http.get('/api/v1/reviews/123').set('Authorization', `Bearer ${alice}`).expect(400);
      expect(res.body).toMatchObject({ code: 'invalid-id', errors: [{ field: 'id' }] });
    });

    it('refuses a review of a suspended system with 409 and writes nothing', async () => {
      await t.http.post(`/api/v1/ai-systems/${systemId}/suspension`).set('Authorization', `Bearer ${qm}`).send({ reason: 'Under investigation' }).expect(200);
      const before = await t.eventCount();
      const res = await t.http.post('/api/v1/reviews').set('Authorization', `Bearer ${alice}`).send(review()).expect(409);
      expect(res.body).toMatchObject({ code: 'ai-system-suspended', status: 409 });
      expect(res.body.detail).toMatch(/suspended/);
      expect(await t.eventCount()).toBe(before);
      await t.http.post(`/api/v1/ai-systems/${systemId}/resumption`).set('Authorization', `Bearer ${qm}`).send({ reason: 'Cleared' }).expect(200);
      await t.http.post('/api/v1/reviews').set('Authorization', `Bearer ${alice}`).send(review()).expect(201);
    });
  });

  describe('audit and operations', () => {
    it('gives auditors the global log in order, and nobody else', async () => {
      const res = await t.http.get('/api/v1/events?from=0&limit=3').set('Authorization', `Bearer ${auditor}`).expect(200);
      expect(res.body.events.map((e: { globalPosition: number }) => e.globalPosition)).toEqual([1, 2, 3]);
      expect(res.body.next).toBe(3);
      await t.http.get('/api/v1/events').set('Authorization', `Bearer ${alice}`).expect(403);
      await t.http.get('/api/v1/events?limit=5000').set('Authorization', `Bearer ${auditor}`).expect(400);
    });

    it('serves health, metrics and the OpenAPI document', async () => {
      await t.http.get('/health').expect(200);
      const metrics = await t.http.get('/metrics').expect(200);
      expect(metrics.text).toContain('oversight_event_log_head_position');
      const doc = await t.http.get('/docs-json').expect(200);
      expect(Object.keys(doc.body.paths)).toEqual(expect.arrayContaining(['/api/v1/reviews', '/api/v1/ai-systems', '/api/v1/patients/timeline']));
    });
  });
});
