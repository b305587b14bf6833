import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monthsAfter } from '@app/compliance';
import { verifyBundle } from '@app/evidence';
import { courtRequestFor, exportBundleTo } from '../support/bundles';
import { requirePythonVerifier, verifyWithPython } from '../support/python-verifier';
import { aiSystemBody, sha256Hex, startTestApp, type TestApp } from '../support/test-app';
import { readZip } from '../support/zip';

/**
 * Issue 23 item 5 over real HTTP on the store this run targets (ADR 0051): how workers, persons
 * affected and patients are informed, on the compliance file (AI Act Art. 26(7), 26(11); GDPR
 * Art. 13/14); explanation (AI Act Art. 86) and access (GDPR Art. 15) requests with the deadline of
 * GDPR Art. 12(3) ("within one month of receipt of the request", "may be extended by two further
 * months where necessary", the data subject told "within one month of receipt"), overdue in the
 * list and the gauge, texts encrypted per patient, reads in the NEN 7513 access log.
 */
describe('compliance: information duties and subject requests (HTTP)', () => {
  let t: TestApp;
  let admin: string;
  let qm: string;
  let legal: string;
  let auditor: string;
  let clinician: string;
  let systemId: string;
  const auth = (token: string) => ({ Authorization: `Bearer ${token}` });
  const daysAgo = (n: number) => new Date(Date.now() - n * 86_400_000).toISOString();
  const requests = '/api/v1/compliance/subject-requests';

  beforeAll(async () => {
    requirePythonVerifier();
    t = await startTestApp();
    [admin, qm, legal, auditor, clinician] = await Promise.all([
      t.token('admin', 'admin-1'),
      t.token('quality-manager', 'qm-1'),
      t.token('legal', 'lawyer-1'),
      t.token('auditor', 'auditor-1'),
      t.token('clinician', 'alice'),
    ]);
    systemId = (await t.http.post('/api/v1/ai-systems').set(auth(admin)).send(aiSystemBody()).expect(201)).body.aiSystemId;
    await t.http
      .post(`/api/v1/ai-systems/${systemId}/classification`)
      .set(auth(qm))
      .send({
        role: 'deployer',
        aiActRiskClass: 'high',
        legalGround: 'annex-iii',
        legalGroundPoint: 'Annex III point 5(d)',
        mdrClass: 'none',
        inHouseDevice: false,
        rationale: 'Emergency triage',
      })
      .expect(200);
  });
  afterAll(async () => t?.close());

  describe('information duties on the compliance file', () => {
    const url = () => `/api/v1/ai-systems/${systemId}/information-duties`;
    const workers = {
      basis: 'aiact-26-7',
      channel: 'team briefing and intranet page',
      timing: 'before first use',
      textVersion: 'v1',
      textSha256: sha256Hex('text v1'),
      approvedBy: 'J. Smit, QM',
    };
    const missing = async () =>
      ((await t.http.get(`/api/v1/ai-systems/${systemId}/compliance`).set(auth(legal)).expect(200)).body.missing as string[]).filter((m) =>
        /not informed/.test(m),
      );

    it('lists the statements a high-risk Annex III system lacks, and drops one once recorded (AI Act Art. 26(7))', async () => {
      expect(await missing()).toEqual([
        'Workers not informed before use: no statement recorded (AI Act Art. 26(7))',
        'Persons subject to its decisions not informed: no statement recorded (AI Act Art. 26(11))',
        'Patients not informed of the processing: no statement recorded (GDPR Art. 13 or 14)',
      ]);
      const res = await t.http.post(url()).set(auth(qm)).send(workers).expect(200);
      expect(res.body.statementId).toMatch(/^[0-9a-f-]{36}$/);
      const file = (await t.http.get(`/api/v1/ai-systems/${systemId}/compliance`).set(auth(legal)).expect(200)).body;
      expect(file.informationDuties).toEqual([
        expect.objectContaining({
          basis: 'aiact-26-7',
          audience: 'workers',
          textVersion: 'v1',
          approvedBy: 'J. Smit, QM',
          recordedBy: { subject: 'qm-1', role: 'quality-manager' },
        }),
      ]);
      expect(await missing()).not.toContain('Workers not informed before use: no statement recorded (AI Act Art. 26(7))');
    });

    it('refuses a statement without its text (no document, no hash) naming the field, and writes nothing', async () => {
      const before = await t.eventCount();
      const res = await t.http
        .post(url())
        .set(auth(qm))
        .send({ ...workers, textSha256: undefined })
        .expect(400);
      expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
      expect(res.body).toMatchObject({ code: 'text-required', errors: [{ field: 'documentId' }] });
      await t.http
        .post(url())
        .set(auth(qm))
        .send({ ...workers, basis: 'aiact-99' })
        .expect(400);
      expect(await t.eventCount()).toBe(before);
    });

    it('lets legal counsel record and refuses clinicians and auditors', async () => {
      await t.http
        .post(url())
        .set(auth(legal))
        .send({ ...workers, basis: 'gdpr-13', channel: 'leaflet at admission', timing: 'at admission' })
        .expect(200);
      await t.http.post(url()).set(auth(clinician)).send(workers).expect(403);
      await t.http.post(url()).set(auth(auditor)).send(workers).expect(403);
    });
  });

  describe('access requests (GDPR Art. 15 with Art. 12(3))', () => {
    const receive = (body: Record<string, unknown>, token = legal) =>
      t.http
        .post(requests)
        .set(auth(token))
        .send({ kind: 'access', patientId: 'NL-555 000 111', channel: 'letter', ...body });

    it('records a request with its one-month deadline, encrypts the text, and logs the read of it', async () => {
      const receivedAt = '2026-01-31T09:00:00.000Z';
      const res = await receive({ receivedAt, details: 'Which AI read my scan?' }).expect(201);
      expect(res.headers.location).toBe(`${requests}/${res.body.requestId}`);
      // 31 January + one month = 28 February (the month has no 31st), a Saturday: Regulation 1182/71
      // Art. 3(4) carries the end past the weekend to the end of Monday 2 March (the default reading, J20).
      expect(res.body).toMatchObject({ status: 'open', dueAt: '2026-03-02T22:59:59.999Z' });
      const stored = (await t.store.readStream(`subject-request-${res.body.requestId}`))[0];
      expect(JSON.stringify(stored.data)).not.toContain('Which AI read my scan?');
      expect(JSON.stringify(stored.data)).not.toContain('NL-555');
      const view = (await t.http.get(`${requests}/${res.body.requestId}`).set(auth(auditor)).expect(200)).body;
      expect(view).toMatchObject({ kind: 'access', details: { text: 'Which AI read my scan?', erased: false }, overdue: true, deadline: { nature: 'law' } });
      expect(view.deadline.basis).toContain('GDPR Art. 12(3)');
      const logged = (await t.http.get(`/api/v1/access-log?subject=${view.patientPseudonym}&action=read-subject-request`).set(auth(auditor)).expect(200)).body
        .items;
      expect(logged).toEqual([expect.objectContaining({ actor: { subject: 'auditor-1', role: 'auditor' } })]);
    });

    it('answers the due date of Regulation 1182/71 Art. 3 with Dutch public holidays, and keeps what an older request recorded', async () => {
      const due = async (receivedAt: string) => (await receive({ receivedAt }).expect(201)).body.dueAt as string;
      // Friday 3 April 2026: one month ends on Sunday 3 May, so at the end of Monday 4 May (Art. 3(4)).
      expect(await due('2026-04-03T08:00:00.000Z')).toBe('2026-05-04T21:59:59.999Z');
      // Friday 27 March 2026: one month ends on Monday 27 April, King's Day, so at the end of Tuesday 28 April.
      expect(await due('2026-03-27T09:00:00.000Z')).toBe('2026-04-28T21:59:59.999Z');
      // Wednesday 25 November 2026: Christmas Day, then a weekend: the end of Monday 28 December.
      const christmas = (await receive({ receivedAt: '2026-11-25T09:00:00.000Z' }).expect(201)).body.requestId as string;
      const view = (await t.http.get(`${requests}/${christmas}`).set(auth(legal)).expect(200)).body;
      expect(view.deadline).toMatchObject({ dueAt: '2026-12-28T22:59:59.999Z', counting: 'reg-1182-71-nl', rulesVersion: '2026-12-07.1', adoptedBy: null });
      expect(view.deadline.basis).toContain('2026-12-25 Eerste Kerstdag, 2026-12-26 Saturday, 2026-12-27 Sunday');
      expect(view.deadline.basis).toContain('for legal counsel to confirm (J20)');

      // A request recorded before rules version 2026-12-07.1 (strict counting, no version) keeps its deadline on
      // read and in the list, and an extension counts it the way it was recorded.
      const receivedAt = daysAgo(3);
      const strictDue = monthsAfter(receivedAt, 1, 'strict');
      const legacyId = '0193a1b2-0000-7000-8000-00000000ee01';
      await t.store.append(
        `subject-request-${legacyId}`,
        [
          {
            type: 'compliance.SubjectRequestReceived',
            data: {
              requestId: legacyId,
              kind: 'access',
              patientPseudonym: view.patientPseudonym,
              aiSystemId: null,
              receivedAt,
              channel: 'letter',
              description: null,
              initialDeadline: { dueAt: strictDue, months: 1, counting: 'strict', nature: 'law', adoptedBy: null, basis: 'LAW. GDPR Art. 12(3) (strict, J16)' },
              recordedBy: { subject: 'lawyer-1', role: 'legal' },
              recordedAt: receivedAt,
            },
          },
        ],
        { expectedRevision: 'any' },
      );
      const legacy = (await t.http.get(`${requests}/${legacyId}`).set(auth(legal)).expect(200)).body;
      expect(legacy.deadline).toEqual({
        dueAt: strictDue,
        months: 1,
        counting: 'strict',
        nature: 'law',
        adoptedBy: null,
        basis: 'LAW. GDPR Art. 12(3) (strict, J16)',
      });
      await t.catchUp();
      const listed = (await t.http.get(requests).set(auth(legal)).expect(200)).body.items as Array<{ requestId: string; dueAt: string }>;
      expect(listed.find((r) => r.requestId === legacyId)?.dueAt).toBe(strictDue);
      const extended = await t.http.post(`${requests}/${legacyId}/extension`).set(auth(legal)).send({ months: 1, reasons: 'Archive in storage' }).expect(200);
      expect(extended.body.dueAt).toBe(monthsAfter(receivedAt, 2, 'strict'));
    });

    it('shows open requests past their deadline in ?overdue=true and the gauge; answering takes them off', async () => {
      const old = (await receive({ receivedAt: daysAgo(40) }).expect(201)).body.requestId as string;
      const fresh = (await receive({ receivedAt: daysAgo(2) }).expect(201)).body.requestId as string;
      await t.catchUp();
      const gauge = async () => Number(/^oversight_compliance_subject_requests_overdue (\d+)$/m.exec((await t.http.get('/metrics').expect(200)).text)?.[1]);
      const overdue = async () =>
        (await t.http.get(`${requests}?overdue=true`).set(auth(qm)).expect(200)).body.items as Array<{ requestId: string; overdue: boolean }>;
      expect((await overdue()).map((r) => r.requestId)).toContain(old);
      expect((await overdue()).map((r) => r.requestId)).not.toContain(fresh);
      expect((await overdue()).every((r) => r.overdue)).toBe(true);
      const before = await gauge();
      expect(before).toBeGreaterThanOrEqual(1);
      const all = (await t.http.get(requests).set(auth(qm)).expect(200)).body.items as Array<{ requestId: string; status: string }>;
      expect(all.findIndex((r) => r.requestId === old)).toBeLessThan(all.findIndex((r) => r.requestId === fresh)); // soonest due first

      const answered = await t.http
        .post(`${requests}/${old}/answer`)
        .set(auth(legal))
        .send({ answerSha256: sha256Hex('letter') })
        .expect(200);
      expect(answered.body.status).toBe('answered');
      await t.catchUp();
      expect((await overdue()).map((r) => r.requestId)).not.toContain(old);
      expect(await gauge()).toBe(before - 1);
      const view = (await t.http.get(`${requests}/${old}`).set(auth(legal)).expect(200)).body;
      expect(view.outcome).toMatchObject({ type: 'answered', late: true, answerSha256: sha256Hex('letter') });
      await t.http.post(`${requests}/${old}/withdrawal`).set(auth(legal)).send({}).expect(409);
    });

    it('extends within the first month by at most two months, and refuses a late or excessive extension writing nothing', async () => {
      const id = (await receive({ receivedAt: daysAgo(5) }).expect(201)).body.requestId as string;
      const extended = await t.http.post(`${requests}/${id}/extension`).set(auth(legal)).send({ months: 2, reasons: 'Records in three archives' }).expect(200);
      const view = (await t.http.get(`${requests}/${id}`).set(auth(legal)).expect(200)).body;
      expect(extended.body.dueAt).toBe(view.deadline.dueAt);
      expect(view.deadline.months).toBe(3);
      expect(view.extensions).toEqual([expect.objectContaining({ months: 2, reasons: { text: 'Records in three archives', erased: false } })]);
      const before = await t.eventCount();
      const more = await t.http.post(`${requests}/${id}/extension`).set(auth(legal)).send({ months: 1, reasons: 'More' }).expect(422);
      expect(more.body).toMatchObject({ code: 'extension-beyond-limit', errors: [{ field: 'months' }] });

      const late = (await receive({ receivedAt: daysAgo(40) }).expect(201)).body.requestId as string;
      const n = await t.eventCount();
      const tooLate = await t.http.post(`${requests}/${late}/extension`).set(auth(legal)).send({ months: 1, reasons: 'Busy' }).expect(422);
      expect(tooLate.body).toMatchObject({ code: 'extension-too-late', errors: [{ field: 'informedAt' }] });
      await t.http.post(`${requests}/${id}/extension`).set(auth(legal)).send({ months: 3, reasons: 'x' }).expect(400);
      expect(await t.eventCount()).toBe(n);
      expect(n).toBe(before + 1);
    });

    it('answers a retried Idempotency-Key with the first request and writes once; a stale If-Match is 409', async () => {
      const first = await receive({}).set('Idempotency-Key', 'dsar-0001').expect(201);
      const n = await t.eventCount();
      const retried = await receive({}).set('Idempotency-Key', 'dsar-0001').expect(201);
      expect(retried.body.requestId).toBe(first.body.requestId);
      expect(await t.eventCount()).toBe(n);
      await t.http.post(`${requests}/${first.body.requestId}/withdrawal`).set(auth(legal)).set('If-Match', '"5"').send({}).expect(409);
      await t.http.post(`${requests}/${first.body.requestId}/withdrawal`).set(auth(legal)).set('If-Match', '"0"').send({}).expect(200);
    });

    it('refuses bad input naming the field, and unauthorised roles', async () => {
      const before = await t.eventCount();
      expect((await receive({ kind: 'other' }).expect(400)).body.errors).toEqual(expect.arrayContaining([expect.objectContaining({ field: 'kind' })]));
      expect((await receive({ receivedAt: '2999-01-01T00:00:00Z' }).expect(422)).body).toMatchObject({ code: 'in-future', errors: [{ field: 'receivedAt' }] });
      await receive({}, clinician).expect(403);
      await receive({}, auditor).expect(403);
      await t.http.get(requests).set(auth(clinician)).expect(403);
      expect(await t.eventCount()).toBe(before);
    });
  });

  describe('explanation requests (AI Act Art. 86)', () => {
    it("names the AI system, runs on the hospital's policy period, and can be refused with a ground", async () => {
      const base = { kind: 'explanation', patientId: 'NL-555 000 222', channel: 'patient portal' };
      const before = await t.eventCount();
      const noSystem = await t.http.post(requests).set(auth(qm)).send(base).expect(400);
      expect(noSystem.body).toMatchObject({ code: 'aiSystemId-required', errors: [{ field: 'aiSystemId' }] });
      await t.http
        .post(requests)
        .set(auth(qm))
        .send({ ...base, aiSystemId: '0193a1b2-0000-7000-8000-0000000000ff' })
        .expect(404);
      expect(await t.eventCount()).toBe(before);
      const id = (
        await t.http
          .post(requests)
          .set(auth(qm))
          .send({ ...base, aiSystemId: systemId, details: 'Why was I triaged yellow?' })
          .expect(201)
      ).body.requestId;
      const view = (await t.http.get(`${requests}/${id}`).set(auth(qm)).expect(200)).body;
      expect(view.deadline).toMatchObject({ nature: 'hospital-policy', months: 1 });
      expect(view.deadline.basis).toContain('AI Act Art. 86 sets no period');
      await t.http
        .post(`${requests}/${id}/refusal`)
        .set(auth(legal))
        .send({ ground: 'right-does-not-apply', explanation: 'The decision was not based on the output' })
        .expect(200);
      const refused = (await t.http.get(`${requests}/${id}`).set(auth(legal)).expect(200)).body;
      expect(refused.outcome).toMatchObject({ type: 'refused', ground: 'right-does-not-apply', text: { text: 'The decision was not based on the output' } });
      await t.catchUp();
      const listed = (await t.http.get(`${requests}?kind=explanation&aiSystemId=${systemId}`).set(auth(auditor)).expect(200)).body.items;
      expect(listed).toEqual([expect.objectContaining({ requestId: id, status: 'refused', aiSystemId: systemId, nature: 'hospital-policy' })]);
    });
  });

  describe("the patient's bundle (completeness rule, VERIFY.md B.9)", () => {
    it('carries every request stream naming the patient, with its texts, proven by both verifiers', async () => {
      const received = await t.http
        .post(requests)
        .set(auth(legal))
        .send({ kind: 'explanation', patientId: 'NL-777 000 333', aiSystemId: systemId, channel: 'letter', details: 'Explain the triage colour' })
        .expect(201);
      const id = received.body.requestId as string;
      await t.http.post(`${requests}/${id}/extension`).set(auth(legal)).send({ months: 1, reasons: 'Supplier consulted' }).expect(200);
      await t.http.post(`${requests}/${id}/answer`).set(auth(legal)).send({ answer: 'The model weighed the vital signs most' }).expect(200);
      const pseudonym = (await t.http.get(`${requests}/${id}`).set(auth(legal)).expect(200)).body.patientPseudonym as string;
      const path = join(mkdtempSync(join(tmpdir(), 'subject-request-bundle-')), 'patient.zip');
      await exportBundleTo(t, legal, await courtRequestFor(t, legal, 'C/13/1 / HA ZA 27-1', [pseudonym]), path);
      const files = await readZip(path);
      const listed = (
        JSON.parse(files.get('data/completeness.json')!.toString()).streams as Array<{ streamId: string; included: boolean; matchedBy: string[] }>
      ).find((s) => s.streamId === `subject-request-${id}`);
      expect(listed).toMatchObject({ included: true, matchedBy: [`patient:${pseudonym}`] });
      const lines = files
        .get('data/events.jsonl')!
        .toString()
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as { streamId: string; type: string });
      expect(lines.filter((l) => l.streamId === `subject-request-${id}`).map((l) => l.type)).toEqual([
        'compliance.SubjectRequestReceived',
        'compliance.SubjectRequestExtended',
        'compliance.SubjectRequestAnswered',
      ]);
      const timeline = files.get('timeline.csv')?.toString() ?? files.get('data/timeline.csv')!.toString();
      expect(timeline).toContain('Explain the triage colour');
      expect(timeline).toContain('Request deadline extended (GDPR Art. 12(3))');
      expect((await verifyBundle(path)).problems).toEqual([]);
      expect((await verifyWithPython(path)).problems).toEqual([]);
    });
  });
});
