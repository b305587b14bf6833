import { aiSystemBody, sha256Hex, startTestApp, type TestApp } from '../support/test-app';

const MINUTE = 60_000;
const ago = (ms: number) => new Date(Date.now() - ms).toISOString();
const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Issue 25 items 2–4 over real HTTP on the store this run targets: the worklist for the patient in
 * context, a review limit per AI system with the overdue alert, coverage per ward.
 */
describe('Worklist per patient, review limit per AI system, coverage per ward (HTTP)', () => {
  let t: TestApp;
  let admin: string;
  let qm: string;
  let alice: string;
  let stroke: string;
  let chest: string;
  let strokeFeed: string;
  let chestFeed: string;
  const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });
  const output = (system: string, ref: string, more: Record<string, unknown> = {}) => ({
    aiSystemId: system,
    modelVersion: '2.3.1',
    outputReference: `pacs://studies/${ref}/ai-report`,
    outputSha256: sha256Hex(ref),
    patientId: 'NL-111',
    producedAt: ago(10 * MINUTE),
    ...more,
  });
  const post = (token: string, outputs: unknown[]) => t.http.post('/api/v1/ai-outputs').set(bearer(token)).send({ outputs });
  const setLimit = (system: string, body: unknown, token = admin) =>
    t.http
      .post(`/api/v1/ai-systems/${system}/output-review-limit`)
      .set(bearer(token))
      .send(body as object);
  const coverage = (system: string, query = '') => t.http.get(`/api/v1/ai-systems/${system}/coverage${query}`).set(bearer(qm));

  beforeAll(async () => {
    process.env.OUTPUT_REVIEW_LIMIT_MINUTES = '60';
    t = await startTestApp();
    [admin, qm, alice] = await Promise.all([t.token('admin', 'admin-1'), t.token('quality-manager', 'qm-1'), t.token('clinician', 'alice')]);
    const register = async (name: string) =>
      (
        await t.http
          .post('/api/v1/ai-systems')
          .set(bearer(admin))
          .send(aiSystemBody({ name, oversightPersons: ['alice'] }))
          .expect(201)
      ).body.aiSystemId as string;
    stroke = await register('Stroke LVO Detect');
    chest = await register('ChestXR Triage');
    strokeFeed = await t.token('ai-system', 'stroke-bridge', stroke);
    chestFeed = await t.token('ai-system', 'chest-bridge', chest);
  });
  afterAll(async () => {
    delete process.env.OUTPUT_REVIEW_LIMIT_MINUTES;
    await t?.close();
  });

  let beforeLimit: string;

  describe('review limit per AI system', () => {
    it('refuses a limit that is not a whole number of minutes from 1 to a week, naming the field, and writes nothing', async () => {
      const before = await t.eventCount();
      for (const body of [{ limitMinutes: 0 }, { limitMinutes: 'soon' }, { limitMinutes: 2.5 }, {}, { limitMinutes: 7 * 24 * 60 + 1 }]) {
        const res = await setLimit(stroke, body).expect(400);
        expect(res.headers['content-type']).toContain('application/problem+json');
        expect(res.body.errors.map((e: { field: string }) => e.field)).toContain('limitMinutes');
      }
      expect(await t.eventCount()).toBe(before);
    });

    it('is set only by those who manage AI systems', async () => {
      await setLimit(stroke, { limitMinutes: 5 }, alice).expect(403);
      await setLimit(stroke, { limitMinutes: 5 }, await t.token('legal', 'lawyer-1')).expect(403);
      await setLimit(stroke, { limitMinutes: 5 }, strokeFeed).expect(403);
    });

    it('is an event on the system; the same limit again is a 409; a stale If-Match is a 409', async () => {
      await post(strokeFeed, [output(stroke, 'stroke-1', { urgency: 'critical' })]).expect(200);
      await post(chestFeed, [output(chest, 'chest-1')]).expect(200);
      await t.catchUp();
      beforeLimit = new Date().toISOString();
      await pause(5);
      const res = await setLimit(stroke, { limitMinutes: 5, reason: 'Stroke: minutes matter' }).expect(200);
      expect(res.headers.etag).toBe('"1"');
      await setLimit(stroke, { limitMinutes: 5 }).expect(409);
      await setLimit(stroke, { limitMinutes: 6 }).set('If-Match', '"0"').expect(409);
      const system = await t.http.get(`/api/v1/ai-systems/${stroke}`).set(bearer(qm)).expect(200);
      expect(system.body.outputReviewLimitMinutes).toBe(5);
      await t.catchUp();
      const listed = (await t.http.get('/api/v1/ai-systems').set(bearer(qm)).expect(200)).body.items;
      expect(listed.find((s: { aiSystemId: string }) => s.aiSystemId === stroke).outputReviewLimitMinutes).toBe(5);
      expect(listed.find((s: { aiSystemId: string }) => s.aiSystemId === chest).outputReviewLimitMinutes).toBeNull();
    });

    it("makes an output overdue past its own system's limit: worklist, alert, coverage and gauge agree", async () => {
      await t.catchUp();
      // Both outputs are 10 minutes old: past the stroke system's 5, within the default 60.
      const items = (await t.http.get('/api/v1/worklist').set(bearer(alice)).expect(200)).body.items;
      expect(items.map((i: { aiSystemId: string; overdue: boolean }) => [i.aiSystemId, i.overdue])).toEqual([
        [stroke, true],
        [chest, false],
      ]);
      const alert = (await t.http.get('/api/v1/ai-outputs/overdue').set(bearer(qm)).expect(200)).body.items;
      expect(alert).toEqual([
        expect.objectContaining({
          aiSystemId: stroke,
          aiSystemName: 'Stroke LVO Detect',
          limitMinutes: 5,
          overdue: 1,
          outputs: [expect.objectContaining({ outputReference: 'pacs://studies/stroke-1/ai-report', urgency: 'critical' })],
        }),
      ]);
      expect(JSON.stringify(alert)).not.toContain('p-');
      expect((await coverage(stroke).expect(200)).body).toMatchObject({ limitMinutes: 5, produced: 1, overdue: 1 });
      expect((await coverage(chest).expect(200)).body).toMatchObject({ limitMinutes: 60, produced: 1, overdue: 0 });
      const metrics = (await t.http.get('/metrics').expect(200)).text;
      expect(metrics).toMatch(new RegExp(`^oversight_ai_outputs_overdue\\{ai_system="${stroke}"\\} 1$`, 'm'));
      expect(metrics).not.toMatch(new RegExp(`oversight_ai_outputs_overdue\\{ai_system="${chest}"\\}`));
    });

    it('reconstructs coverage with the limit the system had then', async () => {
      expect((await coverage(stroke, `?asOf=${encodeURIComponent(beforeLimit)}`).expect(200)).body).toMatchObject({ limitMinutes: 60, overdue: 0 });
    });

    it('goes back to the registry default with null, and the alert clears', async () => {
      await setLimit(stroke, { limitMinutes: null }).expect(200);
      await t.catchUp();
      expect((await t.http.get('/api/v1/ai-outputs/overdue').set(bearer(qm)).expect(200)).body.items).toEqual([]);
      expect((await coverage(stroke).expect(200)).body).toMatchObject({ limitMinutes: 60, overdue: 0 });
      await setLimit(stroke, { limitMinutes: 5 }).expect(200);
    });

    it('shows the alert only to quality, legal and audit', async () => {
      await t.http.get('/api/v1/ai-outputs/overdue').set(bearer(alice)).expect(403);
      await t.http.get('/api/v1/ai-outputs/overdue').set(bearer(strokeFeed)).expect(403);
      await t.http
        .get('/api/v1/ai-outputs/overdue')
        .set(bearer(await t.token('auditor', 'audit-1')))
        .expect(200);
    });
  });

  describe('worklist for the patient in context', () => {
    it('lists only that patient’s outputs, the raw id in the body only, and logs the access', async () => {
      await post(chestFeed, [output(chest, 'chest-2', { patientId: 'NL-222', summary: 'Nodule, right upper lobe' })]).expect(200);
      await t.catchUp();
      const res = await t.http.post('/api/v1/worklist/patient').set(bearer(alice)).send({ patientId: 'NL-222' }).expect(200);
      expect(res.body.patientPseudonym).toMatch(/^p-/);
      expect(res.body.items).toEqual([
        expect.objectContaining({
          outputReference: 'pacs://studies/chest-2/ai-report',
          patientPseudonym: res.body.patientPseudonym,
          summary: { text: 'Nodule, right upper lobe', erased: false },
        }),
      ]);
      expect(JSON.stringify(res.body)).not.toContain('NL-222');
      const other = await t.http.post('/api/v1/worklist/patient').set(bearer(alice)).send({ patientId: 'NL-111' }).expect(200);
      expect(other.body.items.map((i: { outputReference: string }) => i.outputReference).sort()).toEqual([
        'pacs://studies/chest-1/ai-report',
        'pacs://studies/stroke-1/ai-report',
      ]);
      // A patient with nothing waiting: an empty page, and still an access to that patient's record.
      const none = await t.http.post('/api/v1/worklist/patient').set(bearer(alice)).send({ patientId: 'NL-999' }).expect(200);
      expect(none.body.items).toEqual([]);
      const auditor = await t.token('auditor', 'audit-1');
      for (const pseudonym of [res.body.patientPseudonym, none.body.patientPseudonym]) {
        const log = (await t.http.get(`/api/v1/access-log?subject=${pseudonym}`).set(bearer(auditor)).expect(200)).body;
        expect(log.items.map((e: { action: string }) => e.action)).toContain('list-worklist-patient');
      }
    });

    it('refuses a missing or empty patient id (400 naming it); only clinicians', async () => {
      for (const body of [{}, { patientId: '' }, { patientId: 42 }]) {
        const res = await t.http.post('/api/v1/worklist/patient').set(bearer(alice)).send(body).expect(400);
        expect(res.body.errors.map((e: { field: string }) => e.field)).toContain('patientId');
      }
      await t.http.post('/api/v1/worklist/patient').set(bearer(qm)).send({ patientId: 'NL-222' }).expect(403);
    });

    // Found by the API property test: with a bad body and a bad query at once, the 400 named
    // whichever pipe settled first (Nest runs them concurrently). Now both, the body's first, every time;
    // an unknown key (class-validator, settles late) and `__proto__` (refused before any validator).
    it('names the body’s bad field and the query’s, the body first, even when both are bad', async () => {
      for (const body of ['{"patientId":"NL-222","unknownField":"x"}', '{"patientId":"NL-222","__proto__":null}']) {
        for (let i = 0; i < 3; i++) {
          const res = await t.http
            .post('/api/v1/worklist/patient?limit=50&cursor=%00')
            .set(bearer(alice))
            .set('content-type', 'application/json')
            .send(body)
            .expect(400);
          const fields = res.body.errors.map((e: { field: string }) => e.field);
          expect(fields[0]).toBe(body.includes('unknownField') ? 'unknownField' : '__proto__');
          expect(fields).toContain('cursor');
        }
      }
      // A bad query alone is still named; a good one still pages.
      const res = await t.http.post('/api/v1/worklist/patient?limit=0').set(bearer(alice)).send({ patientId: 'NL-222' }).expect(400);
      expect(res.body.errors.map((e: { field: string }) => e.field)).toEqual(['limit']);
      const page = await t.http.post('/api/v1/worklist/patient?limit=1').set(bearer(alice)).send({ patientId: 'NL-111' }).expect(200);
      expect(page.body.items).toHaveLength(1);
      expect(page.body.nextCursor).toEqual(expect.any(String));
    });
  });

  describe('coverage per ward', () => {
    it('refuses a ward that is not a short code, naming the item, and writes nothing', async () => {
      const before = await t.eventCount();
      const res = await post(chestFeed, [output(chest, 'chest-w0', { ward: 'ward 3, bed 12 (Mrs Jansen)' })]).expect(400);
      expect(res.body.errors.map((e: { field: string }) => e.field)).toEqual(['outputs.0.ward']);
      expect(await t.eventCount()).toBe(before);
      const bad = await coverage(chest, '?ward=bed%2012').expect(400);
      expect(bad.body.errors.map((e: { field: string }) => e.field)).toEqual(['ward']);
    });

    let fedAt: string;
    it('filters by ward and gives the figures per ward, as of any date', async () => {
      await post(chestFeed, [
        output(chest, 'chest-w1', { ward: 'ICU-2' }),
        output(chest, 'chest-w2', { ward: 'ICU-2' }),
        output(chest, 'chest-w3', { ward: 'ED' }),
      ]).expect(200);
      fedAt = new Date().toISOString();
      await pause(5);
      // A review of one ICU output.
      await t.http
        .post('/api/v1/reviews')
        .set(bearer(alice))
        .send({
          aiSystemId: chest,
          modelVersion: '2.3.1',
          outputReference: 'pacs://studies/chest-w1/ai-report',
          outputSha256: sha256Hex('chest-w1'),
          patientId: 'NL-111',
          decision: 'rejected',
          reason: 'Missed effusion',
        })
        .expect(201);
      await t.catchUp();
      expect((await coverage(chest, '?ward=ICU-2').expect(200)).body).toMatchObject({ ward: 'ICU-2', produced: 2, reviewed: 1, overridden: 1, unreviewed: 1 });
      expect((await coverage(chest, '?ward=ED').expect(200)).body).toMatchObject({ produced: 1, reviewed: 0 });
      const all = (await coverage(chest).expect(200)).body;
      expect(all.produced).toBe(5);
      expect(all.byWard.map((w: { ward: string | null; produced: number; reviewed: number }) => [w.ward, w.produced, w.reviewed])).toEqual([
        ['ED', 1, 0],
        ['ICU-2', 2, 1],
        [null, 2, 0],
      ]);
      // As of before the review: the ward's output was not yet reviewed.
      expect((await coverage(chest, `?ward=ICU-2&asOf=${encodeURIComponent(fedAt)}`).expect(200)).body).toMatchObject({ produced: 2, reviewed: 0 });
      // The worklist shows the ward.
      const items = (await t.http.get('/api/v1/worklist').set(bearer(alice)).expect(200)).body.items;
      expect(items.find((i: { outputReference: string }) => i.outputReference === 'pacs://studies/chest-w2/ai-report').ward).toBe('ICU-2');
    });
  });
});
