import { aiSystemBody, sha256Hex, startTestApp, type TestApp } from '../support/test-app';

/**
 * The compliance file over real HTTP (issue 23, items 1 and 4), on the store this run targets:
 * a prohibited practice refused at registration, and a system classified as one refuses every
 * review; reviews by people without a current competence record refused under the `refuse`
 * policy, recorded with a flag the quality manager sees under `flag`, unchecked without a policy;
 * the file as of a past moment differs from today's.
 */
describe('compliance file: classification, prohibited practices, competence at review (HTTP)', () => {
  let t: TestApp;
  let admin: string;
  let qm: string;
  let alice: string;
  let bob: string;
  let legal: string;
  const auth = (token: string) => ({ Authorization: `Bearer ${token}` });
  const today = new Date().toISOString().slice(0, 10);
  const daysAgo = (n: number) => new Date(Date.now() - n * 86_400_000).toISOString().slice(0, 10);

  const register = async (overrides: Record<string, unknown> = {}) =>
    (
      await t.http
        .post('/api/v1/ai-systems')
        .set(auth(admin))
        .send(aiSystemBody({ oversightPersons: ['alice', 'bob'], ...overrides }))
        .expect(201)
    ).body.aiSystemId as string;
  const review = (systemId: string, token: string, overrides: Record<string, unknown> = {}) =>
    t.http
      .post('/api/v1/reviews')
      .set(auth(token))
      .send({
        aiSystemId: systemId,
        modelVersion: '2.3.1',
        outputReference: 'pacs://studies/1.2.3/ai-report',
        outputSha256: sha256Hex('AI: no pneumothorax'),
        patientId: 'NL-123 456 789',
        decision: 'accepted',
        seenAt: new Date(Date.now() - 60_000).toISOString(),
        decidedAt: new Date(Date.now() - 30_000).toISOString(),
        ...overrides,
      });
  const file = async (systemId: string, query = '') =>
    (await t.http.get(`/api/v1/ai-systems/${systemId}/compliance${query}`).set(auth(legal)).expect(200)).body;
  const highRisk = {
    role: 'deployer',
    aiActRiskClass: 'high',
    legalGround: 'art-6-1',
    legalGroundPoint: 'Annex I Section A point 11 (MDR), class IIa',
    mdrClass: 'IIa',
    inHouseDevice: false,
    rationale: 'Software medical device class IIa with a notified body',
  };

  beforeAll(async () => {
    t = await startTestApp();
    [admin, qm, alice, bob, legal] = await Promise.all([
      t.token('admin', 'admin-1'),
      t.token('quality-manager', 'qm-1'),
      t.token('clinician', 'alice'),
      t.token('clinician', 'bob'),
      t.token('legal', 'lawyer-1'),
    ]);
  });
  afterAll(async () => t?.close());

  describe('role, class and prohibited practices (AI Act Art. 5, 6, 25)', () => {
    it('refuses to register a prohibited practice with a problem naming the class, and writes nothing', async () => {
      const before = await t.eventCount();
      const res = await t.http
        .post('/api/v1/ai-systems')
        .set(auth(admin))
        .send(aiSystemBody({ aiActRiskClass: 'prohibited' }))
        .expect(422);
      expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
      expect(res.body).toMatchObject({ code: 'prohibited-ai-practice', status: 422, errors: [{ field: 'aiActRiskClass' }] });
      expect(res.body.detail).toMatch(/Art\. 5/);
      expect(await t.eventCount()).toBe(before);
    });

    it('records a classification with who decided and from when duties apply; a system classified prohibited refuses every review', async () => {
      const systemId = await register();
      await review(systemId, alice).expect(201);
      const classified = await t.http
        .post(`/api/v1/ai-systems/${systemId}/classification`)
        .set(auth(qm))
        .send({ ...highRisk, aiActRiskClass: 'prohibited', legalGround: 'art-5', legalGroundPoint: 'Art. 5(1)(f)', rationale: 'Infers the emotions of staff' })
        .expect(200);
      expect(classified.headers.etag).toBe('"0"');
      const [event] = await t.store.readStream(`compliance-file-${systemId}`);
      expect(event).toMatchObject({
        type: 'compliance.SystemClassified',
        data: {
          aiActRiskClass: 'prohibited',
          legalGround: 'art-5',
          fromVersion: '2.3.1',
          dutiesApplyFrom: '2025-02-02',
          decidedBy: { subject: 'qm-1', role: 'quality-manager' },
        },
      });
      const before = await t.eventCount();
      for (const who of [alice, bob]) {
        const res = await review(systemId, who).expect(409);
        expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
        expect(res.body).toMatchObject({ code: 'ai-system-prohibited', status: 409 });
        expect(res.body.detail).toMatch(/prohibited AI practice \(Art\. 5\(1\)\(f\)\).*qm-1/);
      }
      expect(await t.eventCount()).toBe(before);
      expect((await file(systemId)).prohibited).toMatch(/^classified as a prohibited AI practice/);
      // A corrected classification (recorded with its reasons) lifts the block.
      await t.http.post(`/api/v1/ai-systems/${systemId}/classification`).set(auth(qm)).set('If-Match', '"0"').send(highRisk).expect(200);
      await review(systemId, alice).expect(201);
    });

    it('refuses bad classifications with problem+json naming the field, and writes nothing; only managers classify', async () => {
      const systemId = await register();
      const url = `/api/v1/ai-systems/${systemId}/classification`;
      const before = await t.eventCount();
      const cases: Array<[Record<string, unknown>, number, string]> = [
        [{ ...highRisk, role: 'owner' }, 400, 'role'],
        [{ ...highRisk, aiActRiskClass: 'unacceptable' }, 400, 'aiActRiskClass'],
        [{ ...highRisk, legalGround: 'annex-iii', legalGroundPoint: undefined }, 400, 'legalGroundPoint'],
        [{ ...highRisk, legalGround: 'art-5' }, 422, 'legalGround'],
        [{ ...highRisk, inHouseDevice: true }, 422, 'role'],
        [{ ...highRisk, fromVersion: '9.9' }, 422, 'fromVersion'],
        [{ ...highRisk, rationale: '' }, 400, 'rationale'],
        [{ ...highRisk, decidedOn: '2999-01-01' }, 422, 'decidedOn'],
      ];
      for (const [body, status, field] of cases) {
        const res = await t.http.post(url).set(auth(qm)).send(body);
        expect({ field, status: res.status }).toEqual({ field, status });
        expect(res.body.errors).toEqual(expect.arrayContaining([expect.objectContaining({ field })]));
      }
      await t.http.post(url).set(auth(alice)).send(highRisk).expect(403);
      await t.http.post(url).set(auth(legal)).send(highRisk).expect(403);
      expect(await t.eventCount()).toBe(before);
    });

    it('records an Art. 25(1) assessment that makes the hospital the provider', async () => {
      const systemId = await register();
      await t.http.post(`/api/v1/ai-systems/${systemId}/classification`).set(auth(qm)).send(highRisk).expect(200);
      await t.http
        .post(`/api/v1/ai-systems/${systemId}/modification-assessments`)
        .set(auth(qm))
        .send({
          change: 'substantial-modification',
          description: 'Retrained on our own data',
          becomesProvider: true,
          rationale: 'Changes assessed performance',
        })
        .expect(200);
      const view = await file(systemId);
      expect(view).toMatchObject({
        role: 'provider',
        classification: { role: 'deployer' },
        modifications: [{ change: 'substantial-modification', becomesProvider: true }],
      });
    });
  });

  describe('assessments with review dates (AI Act Art. 27, GDPR Art. 35, risk analysis)', () => {
    const gauge = async () => Number(/^oversight_compliance_assessments_overdue (\d+)$/m.exec((await t.http.get('/metrics').expect(200)).text)?.[1]);

    it('shows an assessment past its review date in the overdue list, the gauge and the file; one not due or not required is not overdue', async () => {
      const systemId = await register();
      const before = await gauge();
      const url = `/api/v1/ai-systems/${systemId}/assessments`;
      const dpia = {
        kind: 'dpia',
        status: 'approved',
        outcome: 'Acceptable',
        approver: 'Data protection officer',
        assessedOn: daysAgo(400),
        nextReviewOn: daysAgo(1),
      };
      const recorded = await t.http.post(url).set(auth(qm)).set('Idempotency-Key', 'record-dpia-0001').send(dpia).expect(200);
      expect(recorded.body).toMatchObject({ aiSystemId: systemId, revision: 0, assessmentId: expect.any(String) });
      // A retry answers the first attempt, its id included, and writes nothing.
      const retried = await t.http.post(url).set(auth(qm)).set('Idempotency-Key', 'record-dpia-0001').send(dpia).expect(200);
      expect(retried.body).toEqual({ ...recorded.body, replayed: true });
      expect(await t.store.readStream(`compliance-file-${systemId}`)).toHaveLength(1);
      await t.http
        .post(url)
        .set(auth(qm))
        .send({ ...dpia, kind: 'risk-analysis', nextReviewOn: '2999-01-01' })
        .expect(200);
      await t.http
        .post(url)
        .set(auth(qm))
        .send({ kind: 'fria', status: 'not-required', outcome: 'Private hospital, no public service (Art. 27(1))' })
        .expect(200);
      await t.catchUp();
      const overdue = await t.http.get(`/api/v1/compliance/assessments?overdue=true&aiSystemId=${systemId}`).set(auth(legal)).expect(200);
      expect(overdue.body.items).toEqual([
        expect.objectContaining({ kind: 'dpia', overdue: true, nextReviewOn: daysAgo(1), approver: 'Data protection officer' }),
      ]);
      const all = await t.http.get(`/api/v1/compliance/assessments?aiSystemId=${systemId}`).set(auth(qm)).expect(200);
      expect(all.body.items.map((a: { kind: string; overdue: boolean }) => [a.kind, a.overdue])).toEqual([
        ['dpia', true],
        ['risk-analysis', false],
        ['fria', false],
      ]);
      expect(await gauge()).toBe(before + 1);
      expect((await file(systemId)).missing).toContain(`Data protection impact assessment (GDPR Art. 35): review was due on ${daysAgo(1)}`);
      // Reviewed again: the new record holds and nothing is overdue.
      await t.http
        .post(url)
        .set(auth(qm))
        .send({ ...dpia, assessedOn: today, nextReviewOn: '2999-01-01' })
        .expect(200);
      await t.catchUp();
      expect(await gauge()).toBe(before);
    });

    it('refuses bad assessments naming the field, and writes nothing', async () => {
      const systemId = await register();
      const url = `/api/v1/ai-systems/${systemId}/assessments`;
      const before = await t.eventCount();
      const body = { kind: 'dpia', status: 'approved', outcome: 'Acceptable', approver: 'DPO', nextReviewOn: '2999-01-01' };
      const cases: Array<[Record<string, unknown>, number, string]> = [
        [{ ...body, kind: 'pia' }, 400, 'kind'],
        [{ ...body, approver: undefined }, 400, 'approver'],
        [{ ...body, nextReviewOn: undefined }, 400, 'nextReviewOn'],
        [{ ...body, nextReviewOn: today }, 422, 'nextReviewOn'],
        [{ ...body, outcome: '' }, 400, 'outcome'],
      ];
      for (const [b, status, field] of cases) {
        const res = await t.http.post(url).set(auth(qm)).send(b);
        expect({ field, status: res.status }).toEqual({ field, status });
        expect(res.body.errors).toEqual(expect.arrayContaining([expect.objectContaining({ field })]));
      }
      await t.http.post(url).set(auth(alice)).send(body).expect(403);
      await t.http.get('/api/v1/compliance/assessments?overdue=maybe').set(auth(qm)).expect(400);
      expect(await t.eventCount()).toBe(before);
    });
  });

  describe('competence at review (AI Act Art. 4, Art. 26(2))', () => {
    let systemId: string;
    const record = (person: string, completedOn: string, expiresOn?: string) =>
      t.http
        .post(`/api/v1/ai-systems/${systemId}/competence-records`)
        .set(auth(qm))
        .send({ person, course: 'ChestXR Triage: limits and override', completedOn, expiresOn })
        .expect(200);

    beforeAll(async () => {
      systemId = await register();
    });

    it('checks nothing while the system has no policy, and says so in the file', async () => {
      await review(systemId, bob).expect(201);
      const view = await file(systemId);
      expect(view.competence).toMatchObject({ policy: 'not-checked', checked: false });
      expect(view.missing).toContain('Competence not checked: no competence policy set for reviews (AI Act Art. 26(2))');
    });

    it('under refuse: a reviewer without a record, or with a lapsed one, is refused (403, nothing written); a trained one is not', async () => {
      await record('alice', daysAgo(30));
      await record('bob', daysAgo(400), daysAgo(35));
      await t.http
        .post(`/api/v1/ai-systems/${systemId}/competence-policy`)
        .set(auth(qm))
        .send({ policy: 'refuse', reason: 'Radiologists trained' })
        .expect(200);
      const carol = await t.token('clinician', 'carol');
      const before = await t.eventCount();
      for (const [who, name] of [
        [bob, 'bob'],
        [carol, 'carol'],
      ] as const) {
        const res = await review(systemId, who).expect(403);
        expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
        expect(res.body).toMatchObject({ code: 'reviewer-not-authorised', status: 403 });
        expect(res.body.detail).toContain(`${name} held no current competence record`);
      }
      expect(await t.eventCount()).toBe(before);
      // Bob's record covered a decision made while it held.
      await review(systemId, bob, { seenAt: `${daysAgo(40)}T09:00:00.000Z`, decidedAt: `${daysAgo(40)}T09:01:00.000Z` }).expect(201);
      const ok = await review(systemId, alice).expect(201);
      const [event] = await t.store.readStream(`review-${ok.body.reviewId}`);
      expect(event.data).toMatchObject({ competence: 'authorised' });
    });

    it('a withdrawn authority is refused from then on', async () => {
      const dave = await t.token('clinician', 'dave');
      await record('dave', daysAgo(10));
      await review(systemId, dave).expect(201);
      await t.http
        .post(`/api/v1/ai-systems/${systemId}/competence-withdrawals`)
        .set(auth(qm))
        .send({ person: 'dave', reason: 'Left the department' })
        .expect(200);
      await review(systemId, dave, { seenAt: new Date().toISOString(), decidedAt: new Date().toISOString() }).expect(403);
    });

    it('under flag: the review is recorded, flagged, and the quality manager sees the flag in the review list', async () => {
      await t.http
        .post(`/api/v1/ai-systems/${systemId}/competence-policy`)
        .set(auth(qm))
        .send({ policy: 'flag', reason: 'Pilot: flag, do not block' })
        .expect(200);
      const flagged = await review(systemId, bob).expect(201);
      await t.catchUp();
      const list = await t.http.get(`/api/v1/ai-systems/${systemId}/reviews`).set(auth(qm)).expect(200);
      const byId = new Map<string, { competence: string; reviewerSubject: string }>(list.body.items.map((r: { reviewId: string }) => [r.reviewId, r]));
      expect(byId.get(flagged.body.reviewId)).toMatchObject({ reviewerSubject: 'bob', competence: 'not-authorised' });
      expect([...byId.values()].map((r) => r.competence).sort()).toEqual(expect.arrayContaining(['authorised', 'not-authorised', 'not-checked']));
    });

    // Issue 23 item 4: "recorded with a flag the quality manager sees" — listed per system, and counted for the dashboard.
    it('lists only the flagged reviews of the system, and counts them per system for the dashboard', async () => {
      const flagged = await t.http.get(`/api/v1/ai-systems/${systemId}/reviews?competence=not-authorised`).set(auth(qm)).expect(200);
      expect(flagged.body.items).toHaveLength(1);
      expect(flagged.body.items[0]).toMatchObject({ reviewerSubject: 'bob', competence: 'not-authorised', aiSystemId: systemId });
      const everyone = await t.http.get(`/api/v1/reviews?aiSystemId=${systemId}&competence=not-authorised`).set(auth(legal)).expect(200);
      expect(everyone.body.items.map((r: { reviewId: string }) => r.reviewId)).toEqual([flagged.body.items[0].reviewId]);
      const counts = await t.http.get('/api/v1/reviews/competence-flags').set(auth(admin)).expect(200);
      expect(counts.body.systems).toEqual([{ aiSystemId: systemId, flagged: 1, lastDecidedAt: flagged.body.items[0].decidedAt }]);
      const bad = await t.http.get(`/api/v1/ai-systems/${systemId}/reviews?competence=maybe`).set(auth(qm)).expect(400);
      expect(bad.headers['content-type']).toMatch(/application\/problem\+json/);
      expect(bad.body.errors).toEqual([expect.objectContaining({ field: 'competence' })]);
      await t.http.get('/api/v1/reviews/competence-flags').set(auth(alice)).expect(403);
    });

    it('shows the listed overseers checked, and the file as of an earlier moment as it stood then', async () => {
      const view = await file(systemId);
      expect(view.competence.overseers).toEqual(
        expect.arrayContaining([
          { person: 'alice', listedAtRegistration: true, authorised: true },
          { person: 'bob', listedAtRegistration: true, authorised: false },
        ]),
      );
      expect(view.missing).toContain('bob is listed for human oversight but holds no current competence record (AI Act Art. 4, Art. 26(2))');
      const events = await t.store.readStream(`compliance-file-${systemId}`);
      const firstRecorded = events[0].recordedAt;
      const past = await file(systemId, `?asOf=${encodeURIComponent(firstRecorded)}`);
      expect(past.competence).toMatchObject({ policy: 'not-checked', records: [{ person: 'alice', status: 'current' }] });
      expect(past.competence.records).toHaveLength(1);
      expect(view.competence.policy).toBe('flag');
      const bad = await t.http.get(`/api/v1/ai-systems/${systemId}/compliance?asOf=yesterday`).set(auth(legal)).expect(400);
      expect(bad.body.errors).toEqual([expect.objectContaining({ field: 'asOf' })]);
      await t.http.get(`/api/v1/ai-systems/${systemId}/compliance`).set(auth(alice)).expect(403);
    });

    it('refuses bad competence input naming the field, and writes nothing', async () => {
      const before = await t.eventCount();
      const url = `/api/v1/ai-systems/${systemId}/competence-records`;
      const body = { person: 'erin', course: 'Course', completedOn: today };
      const cases: Array<[Record<string, unknown>, number, string]> = [
        [{ ...body, person: '' }, 400, 'person'],
        [{ ...body, completedOn: 'last week' }, 400, 'completedOn'],
        [{ ...body, completedOn: '2999-01-01' }, 422, 'completedOn'],
        [{ ...body, expiresOn: daysAgo(400) }, 422, 'expiresOn'],
      ];
      for (const [b, status, field] of cases) {
        const res = await t.http.post(url).set(auth(qm)).send(b);
        expect({ field, status: res.status }).toEqual({ field, status });
        expect(res.body.errors).toEqual(expect.arrayContaining([expect.objectContaining({ field })]));
      }
      const policy = await t.http.post(`/api/v1/ai-systems/${systemId}/competence-policy`).set(auth(qm)).send({ policy: 'sometimes', reason: 'x' }).expect(400);
      expect(policy.body.errors).toEqual([expect.objectContaining({ field: 'policy' })]);
      expect(await t.eventCount()).toBe(before);
    });
  });
});
