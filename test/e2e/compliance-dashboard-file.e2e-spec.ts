import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { canonicalJson, verifyBundle } from '@app/evidence';
import { KEY_MATERIAL, type KeyMaterial } from '@app/identity';
import { CLI } from '../support/child-api';
import { requirePythonVerifier, verifyWithPython } from '../support/python-verifier';
import { aiSystemBody, rawBody, startTestApp, type TestApp } from '../support/test-app';
import { readZip, rebag, writeZip } from '../support/zip';

/**
 * Issue 23 item 7 on the store under test (SQLite, or PostgreSQL with STORAGE=postgres): the
 * compliance dashboard shows an assessment overdue (GDPR Art. 35(11) asks for the DPIA's review),
 * and the compliance file as of a past moment differs from today's, and both verify against the
 * ledger; a file edited and re-signed by the hospital itself fails (VERIFY.md B.18, ADR 0053).
 */
describe('compliance dashboard and the file as of a date (issue 23 item 7)', () => {
  let t: TestApp;
  let admin: string;
  let qm: string;
  let auditor: string;
  let legal: string;
  let clinician: string;
  let systemId: string;
  let emptyId: string;
  let before: string;
  const dir = mkdtempSync(join(tmpdir(), 'compliance-file-'));
  const auth = (token: string) => ({ Authorization: `Bearer ${token}` });
  const daysAgo = (n: number) => new Date(Date.now() - n * 86_400_000).toLocaleDateString('en-CA', { timeZone: 'Europe/Amsterdam' });
  const highRisk = {
    role: 'deployer',
    aiActRiskClass: 'high',
    legalGround: 'art-6-1',
    legalGroundPoint: 'Annex I Section A point 11 (MDR), class IIa',
    mdrClass: 'IIa',
    inHouseDevice: false,
    rationale: 'Software medical device class IIa with a notified body',
  };
  const dpia = {
    kind: 'dpia',
    status: 'approved',
    outcome: 'Acceptable with pseudonymised inputs',
    approver: 'Data protection officer',
    assessedOn: daysAgo(400),
    nextReviewOn: daysAgo(2),
  };

  /** The export over HTTP, as the web app's download does. */
  const download = async (query: Record<string, string>, token = qm) =>
    t.http
      .get(`/api/v1/ai-systems/${systemId}/compliance-file`)
      .query(query)
      .set(auth(token))
      .buffer(true)
      .parse(rawBody as never);
  const saved = async (name: string, query: Record<string, string>) => {
    const res = await download(query);
    expect(res.status).toBe(200);
    const path = join(dir, name);
    writeFileSync(path, res.body as Buffer);
    return { path, res, files: await readZip(path) };
  };
  const fileOf = (files: Map<string, Buffer>) => JSON.parse(files.get('data/compliance-file.json')!.toString('utf8'));

  beforeAll(async () => {
    requirePythonVerifier();
    t = await startTestApp();
    [admin, qm, auditor, legal, clinician] = await Promise.all([
      t.token('admin', 'admin-1'),
      t.token('quality-manager', 'qm-1'),
      t.token('auditor', 'auditor-1'),
      t.token('legal', 'lawyer-1'),
      t.token('clinician', 'alice'),
    ]);
    systemId = (await t.http.post('/api/v1/ai-systems').set(auth(admin)).send(aiSystemBody()).expect(201)).body.aiSystemId as string;
    emptyId = (
      await t.http
        .post('/api/v1/ai-systems')
        .set(auth(admin))
        .send(aiSystemBody({ name: 'Sepsis Alert' }))
        .expect(201)
    ).body.aiSystemId as string;
    await t.http.post(`/api/v1/ai-systems/${systemId}/classification`).set(auth(qm)).send(highRisk).expect(200);
    await t.http.post(`/api/v1/ai-systems/${systemId}/assessments`).set(auth(qm)).send(dpia).expect(200);
    await t.catchUp();
    // The moment of the past file: the FRIA's record comes after it.
    await new Promise((r) => setTimeout(r, 20));
    before = new Date().toISOString();
    await new Promise((r) => setTimeout(r, 20));
    await t.http
      .post(`/api/v1/ai-systems/${systemId}/assessments`)
      .set(auth(qm))
      .send({ kind: 'fria', status: 'not-required', outcome: 'Private hospital, no public service (AI Act Art. 27(1))' })
      .expect(200);
  });
  afterAll(async () => t?.close());

  describe('GET /compliance/dashboard', () => {
    it('shows the DPIA past its review date as overdue, the empty file as missing, for the readers of the file', async () => {
      const res = await t.http.get('/api/v1/compliance/dashboard').set(auth(auditor)).expect(200);
      const mine = res.body.systems.find((s: { aiSystemId: string }) => s.aiSystemId === systemId);
      const empty = res.body.systems.find((s: { aiSystemId: string }) => s.aiSystemId === emptyId);
      expect(mine).toMatchObject({
        name: 'ChestXR Triage',
        status: 'overdue',
        riskClass: 'high',
        role: 'deployer',
        overdue: [{ kind: 'assessment', text: `Data protection impact assessment (GDPR Art. 35): review was due on ${daysAgo(2)}` }],
      });
      expect(mine.counts.overdue).toBe(1);
      // Overdue is not counted again as missing; the FRIA recorded as not required is complete.
      expect(mine.missing.map((m: { text: string }) => m.text)).not.toContain(mine.overdue[0].text);
      expect(mine.complete.map((c: { text: string }) => c.text)).toContainEqual(
        expect.stringMatching(/^Fundamental rights impact assessment .*: not-required on /),
      );
      expect(empty).toMatchObject({ status: 'missing', riskClass: null, counts: { complete: 0, overdue: 0 } });
      expect(empty.missing[0].text).toMatch(/^No classification recorded/);
      // Overdue first: the dashboard is read at a glance.
      expect(res.body.systems[0].status).toBe('overdue');
      for (const token of [qm, legal, admin]) await t.http.get('/api/v1/compliance/dashboard').set(auth(token)).expect(200);
      await t.http.get('/api/v1/compliance/dashboard').set(auth(clinician)).expect(403);
    });

    it('as of a moment before the system was registered, it is not on the dashboard; a bad asOf is a 400', async () => {
      const res = await t.http
        .get('/api/v1/compliance/dashboard')
        .query({ asOf: new Date(Date.now() - 5 * 86_400_000).toISOString() })
        .set(auth(qm))
        .expect(200);
      // The system did not exist five days ago (registered now): not on that day's dashboard.
      expect(res.body.systems.find((s: { aiSystemId: string }) => s.aiSystemId === systemId)).toBeUndefined();
      await t.http.get('/api/v1/compliance/dashboard').query({ asOf: 'yesterday' }).set(auth(qm)).expect(400);
    });
  });

  describe('GET /ai-systems/{id}/compliance-file: the file as of a date, provable', () => {
    it('as of a past moment differs from now, and both verify with both verifiers', async () => {
      const past = await saved('past.zip', { asOf: before });
      const now = await saved('now.zip', {});
      const then = fileOf(past.files);
      const today = fileOf(now.files);
      expect(then).toMatchObject({ aiSystemId: systemId, asOf: before });
      expect(then.file.assessments.map((a: { kind: string }) => a.kind)).toEqual(['dpia']);
      expect(today.file.assessments.map((a: { kind: string }) => a.kind).sort()).toEqual(['dpia', 'fria']);
      expect(then.file.missing.some((m: string) => m.startsWith('Fundamental rights impact assessment'))).toBe(true);
      expect(today.file.missing.some((m: string) => m.startsWith('Fundamental rights impact assessment'))).toBe(false);
      // The file the API answers for that moment is the one derived in the bundle.
      const api = await t.http.get(`/api/v1/ai-systems/${systemId}/compliance`).query({ asOf: before }).set(auth(qm)).expect(200);
      expect(then.file).toEqual(api.body);
      for (const p of [past.path, now.path]) {
        const ts = await verifyBundle(p);
        expect(ts.problems).toEqual([]);
        expect(ts.ok).toBe(true);
        const py = await verifyWithPython(p);
        expect(py.problems).toEqual([]);
        expect(py.ok).toBe(true);
      }
      // No review, no patient: only the system's streams and the ledger keys.
      const streams = JSON.parse(past.files.get('data/completeness.json')!.toString()).streams.filter((s: { included: boolean }) => s.included);
      const included = streams.map((s: { streamId: string }) => s.streamId);
      expect(included).toEqual(expect.arrayContaining([`ai-system-${systemId}`, `compliance-file-${systemId}`]));
      expect(included.filter((id: string) => ![`ai-system-${systemId}`, `compliance-file-${systemId}`, 'ledger-keys'].includes(id))).toEqual([]);
      expect(past.res.headers['x-root-hash']).toMatch(/^[0-9a-f]{64}$/);
      expect(past.files.get('data/compliance-file.pdf')!.subarray(0, 5).toString()).toBe('%PDF-');
    });

    it('a file edited and re-signed with the hospital key fails: it is not the file derived from the proven events (B.18)', async () => {
      const { files } = await saved('genuine.zip', { asOf: before });
      const key = t.app.get<KeyMaterial>(KEY_MATERIAL).ledgerSigning.privateKey;
      const forge = async (name: string, change: (v: ReturnType<typeof fileOf>) => void) => {
        const f = new Map(files);
        const v = fileOf(f);
        change(v);
        f.set('data/compliance-file.json', Buffer.from(`${canonicalJson(v)}\n`));
        rebag(f, key);
        const p = join(dir, `${name}.zip`);
        await writeZip(p, f);
        return { ts: await verifyBundle(p), py: await verifyWithPython(p) };
      };
      // The overdue DPIA hidden from the file.
      const hidden = await forge('hidden-overdue', (v) => {
        v.file.assessments[0].overdue = false;
        v.file.missing = v.file.missing.filter((m: string) => !m.startsWith('Data protection impact assessment'));
      });
      expect(hidden.ts.ok).toBe(false);
      expect(hidden.ts.problems).toContainEqual({
        file: 'data/compliance-file.json',
        problem: 'is not the compliance file derived from the proven events (VERIFY.md B.18): it was edited',
      });
      expect(hidden.py.ok).toBe(false);
      expect(hidden.py.problems.map((p) => p.file)).toEqual(['data/compliance-file.json']);
      // The past file passed off as of another moment: derived again as of that moment, it differs.
      const moved = await forge('moved', (v) => {
        v.asOf = new Date().toISOString();
      });
      for (const verdict of [moved.ts, moved.py]) {
        expect(verdict.ok).toBe(false);
        expect(verdict.problems.map((p) => p.file)).toContain('data/compliance-file.json');
      }
      // A moment not in the registry's form (B.18): which instant and day it names is not left to the reader.
      // Also a day that is not in the calendar, which one date parser rolls over and another refuses.
      for (const asOf of [(a: string) => a.replace(/\.\d{3}Z$/, 'Z'), () => '2026-02-30T12:00:00.000Z', () => '2026-13-01T12:00:00.000Z']) {
        const loose = await forge('loose-as-of', (v) => {
          v.asOf = asOf(v.asOf);
        });
        for (const verdict of [loose.ts, loose.py]) {
          expect(verdict.ok).toBe(false);
          expect(verdict.problems).toEqual([
            expect.objectContaining({ file: 'data/compliance-file.json', problem: expect.stringMatching(/asOf, YYYY-MM-DDTHH:mm:ss\.sssZ/) }),
          ]);
        }
      }
    });

    it('JSON and PDF alone; a date is the end of that day; bad, future or pre-registration moments are refused', async () => {
      const json = await download({ format: 'json' });
      expect(json.status).toBe(200);
      expect(json.headers['content-type']).toMatch(/^application\/json/);
      expect(JSON.parse((json.body as Buffer).toString()).file.assessments).toHaveLength(2);
      const pdf = await download({ format: 'pdf', asOf: before }, auditor);
      expect(pdf.status).toBe(200);
      expect((pdf.body as Buffer).subarray(0, 5).toString()).toBe('%PDF-');
      // Today's date is the file as of now (the end of today is still to come).
      const todays = await download({ format: 'json', asOf: daysAgo(0) });
      expect(todays.status).toBe(200);
      expect(Date.parse(todays.headers['x-as-of'])).toBeLessThanOrEqual(Date.now());
      expect((await download({ format: 'json', asOf: 'not-a-date' })).status).toBe(400);
      expect((await download({ format: 'xml' })).status).toBe(400);
      const future = await download({ asOf: new Date(Date.now() + 86_400_000).toISOString() });
      expect(future.status).toBe(422);
      expect(JSON.parse((future.body as Buffer).toString())).toMatchObject({ errors: [{ field: 'asOf' }] });
      // Two days ago (the end of that day) the system was not registered yet.
      expect((await download({ asOf: daysAgo(2) })).status).toBe(404);
      expect((await download({}, clinician)).status).toBe(403);
    });
  });
  describe('a full file as of a past moment: both verifiers derive it from VERIFY.md B.18 (issue 23 item 7)', () => {
    let fullId: string;
    let past: string;
    let genuine: Map<string, Buffer>;
    const ahead = (n: number) => daysAgo(-n);
    const pdf = (text: string) => Buffer.from(`%PDF-1.7\n% ${text}\n%%EOF\n`);
    const upload = async (query: Record<string, string>, text: string) =>
      (
        await t.http
          .post(`/api/v1/ai-systems/${fullId}/documents`)
          .query(query)
          .set(auth(qm))
          .set('Content-Type', 'application/pdf')
          .send(pdf(text))
          .expect(201)
      ).body.documentId as string;
    const post = (path: string, body: object) => t.http.post(`/api/v1/ai-systems/${fullId}/${path}`).set(auth(qm)).send(body).expect(200);

    beforeAll(async () => {
      fullId = (
        await t.http
          .post('/api/v1/ai-systems')
          .set(auth(admin))
          .send(aiSystemBody({ name: 'Stroke CT', oversightPersons: ['dr-a', 'dr-b', 'dr-c'] }))
          .expect(201)
      ).body.aiSystemId as string;
      // Two classifications, a version since, and its Art. 25(1) assessment.
      await post('classification', { ...highRisk, decidedOn: daysAgo(200) });
      await post('classification', { ...highRisk, rationale: 'Reassessed with the notified body certificate', decidedOn: daysAgo(100) });
      await t.http.post(`/api/v1/ai-systems/${fullId}/versions`).set(auth(admin)).send({ version: '2.4.0', reason: 'Supplier update' }).expect(200);
      await post('modification-assessments', {
        version: '2.4.0',
        change: 'substantial-modification',
        description: 'Supplier update, same intended purpose',
        becomesProvider: false,
        rationale: 'Not a change by the hospital (Art. 25(1)(b))',
      });
      // Competence: a policy, a record lapsed, one current, one withdrawn.
      await post('competence-policy', { policy: 'flag', reason: 'Flag reviews by untrained staff' });
      await post('competence-records', { person: 'dr-a', course: 'Stroke CT basics', completedOn: daysAgo(300), expiresOn: daysAgo(10) });
      await post('competence-records', { person: 'dr-b', course: 'Stroke CT basics', completedOn: daysAgo(50) });
      await post('competence-records', { person: 'dr-c', course: 'Stroke CT basics', completedOn: daysAgo(40) });
      await post('competence-withdrawals', { person: 'dr-c', reason: 'Left the department' });
      // An assessment of each kind: the DPIA overdue, the FRIA not required, the risk analysis in progress.
      await post('assessments', { ...dpia, outcome: 'Acceptable with pseudonymised inputs' });
      await post('assessments', { kind: 'fria', status: 'not-required', outcome: 'Private hospital, no public service (AI Act Art. 27(1))' });
      await post('assessments', { kind: 'risk-analysis', status: 'in-progress', outcome: 'Pending', assessedOn: daysAgo(30), nextReviewOn: ahead(60) });
      // Documents: an IFU superseded by the next version's, a declaration in force, a contract withdrawn.
      const ifu = await upload({ kind: 'instructions-for-use', title: 'IFU 2.3', modelVersion: '2.3.1', validFrom: daysAgo(100) }, 'IFU 2.3');
      await upload({ kind: 'instructions-for-use', title: 'IFU 2.4', modelVersion: '2.4.0', validFrom: daysAgo(20), supersedes: ifu }, 'IFU 2.4');
      await upload({ kind: 'eu-declaration-of-conformity', title: 'EU declaration', validFrom: daysAgo(100) }, 'Declaration');
      const contract = await upload({ kind: 'contract', title: 'Contract', validFrom: daysAgo(90) }, 'Contract');
      await post(`documents/${contract}/withdrawal`, { reason: 'Terminated', effectiveOn: daysAgo(5) });
      await new Promise((r) => setTimeout(r, 20));
      past = new Date().toISOString();
      await new Promise((r) => setTimeout(r, 20));
      // After the moment: the file today differs.
      await post('competence-withdrawals', { person: 'dr-b', reason: 'Retired' });
      await post('assessments', { ...dpia, assessedOn: daysAgo(0), nextReviewOn: ahead(365) });
      const res = await t.http
        .get(`/api/v1/ai-systems/${fullId}/compliance-file`)
        .query({ asOf: past })
        .set(auth(qm))
        .buffer(true)
        .parse(rawBody as never);
      expect(res.status).toBe(200);
      writeFileSync(join(dir, 'full.zip'), res.body as Buffer);
      genuine = await readZip(join(dir, 'full.zip'));
    });

    it('the honest export is accepted by both, each deriving the same bytes; it differs from today’s file', async () => {
      const v = fileOf(genuine);
      expect(v).toMatchObject({ aiSystemId: fullId, asOf: past });
      expect(v.file.classificationHistory).toHaveLength(2);
      expect(v.file.modifications).toHaveLength(1);
      expect(v.file.competence.records.map((r: { person: string; status: string }) => [r.person, r.status])).toEqual([
        ['dr-a', 'lapsed'],
        ['dr-b', 'current'],
        ['dr-c', 'withdrawn'],
      ]);
      expect(v.file.assessments.map((a: { kind: string; overdue: boolean }) => [a.kind, a.overdue])).toEqual([
        ['dpia', true],
        ['fria', false],
        ['risk-analysis', false],
      ]);
      expect(v.file.documents.map((d: { title: string; status: string }) => [d.title, d.status])).toEqual([
        ['IFU 2.3', 'superseded'],
        ['IFU 2.4', 'valid'],
        ['EU declaration', 'valid'],
        ['Contract', 'withdrawn'],
      ]);
      expect(v.file.missing).toEqual(
        expect.arrayContaining([
          'dr-a is listed for human oversight but holds no current competence record (AI Act Art. 4, Art. 26(2))',
          `Data protection impact assessment (GDPR Art. 35): review was due on ${daysAgo(2)}`,
        ]),
      );
      const path = join(dir, 'full.zip');
      const ts = await verifyBundle(path);
      expect(ts.problems).toEqual([]);
      const py = await verifyWithPython(path);
      expect(py.problems).toEqual([]);
      expect(py.ok).toBe(true);
      const today = await t.http.get(`/api/v1/ai-systems/${fullId}/compliance`).set(auth(qm)).expect(200);
      expect(today.body.competence.records[1].status).toBe('withdrawn');
      expect(today.body.assessments[0].overdue).toBe(false);
    });

    const key = () => t.app.get<KeyMaterial>(KEY_MATERIAL).ledgerSigning.privateKey;
    it.each([
      [
        'a superseded document shown valid',
        (v: ReturnType<typeof fileOf>) => {
          v.file.documents[0].status = 'valid';
        },
      ],
      [
        'the overdue DPIA shown current, its missing line gone',
        (v: ReturnType<typeof fileOf>) => {
          v.file.assessments[0].overdue = false;
          v.file.missing = v.file.missing.filter((m: string) => !m.includes('review was due'));
        },
      ],
      [
        'a missing item removed',
        (v: ReturnType<typeof fileOf>) => {
          v.file.missing = v.file.missing.filter((m: string) => !m.startsWith('dr-a is listed'));
        },
      ],
    ])('%s, re-signed with the hospital’s own key: both verifiers reject it', async (name, change) => {
      const f = new Map(genuine);
      const v = fileOf(f);
      change(v);
      f.set('data/compliance-file.json', Buffer.from(`${canonicalJson(v)}\n`));
      rebag(f, key());
      const path = join(dir, `${name.replace(/\W+/g, '-')}.zip`);
      await writeZip(path, f);
      const ts = await verifyBundle(path);
      expect(ts.ok).toBe(false);
      expect(ts.problems).toEqual([
        { file: 'data/compliance-file.json', problem: 'is not the compliance file derived from the proven events (VERIFY.md B.18): it was edited' },
      ]);
      const py = await verifyWithPython(path);
      expect(py.ok).toBe(false);
      expect(py.problems).toEqual([
        {
          file: 'data/compliance-file.json',
          problem: expect.stringMatching(/^is not the compliance file derived from the proven events \(B\.18\): from character \d+/),
        },
      ]);
    });
  });

  describe('registry compliance-file (the built CLI, on the same store)', () => {
    const cli = (...args: string[]) => promisify(execFile)(process.execPath, [CLI, ...args], { env: { ...process.env, ...t.storage.env, LOG_LEVEL: 'warn' } });

    it('writes the bundle as of the past moment, which verify-bundle accepts; JSON alone equals the API file; a role without access is refused', async () => {
      const out = join(dir, 'cli.zip');
      const written = await cli('compliance-file', systemId, '--as-of', before, '--out', out, '--as', 'qm-1', '--role', 'quality-manager');
      expect(written.stdout).toMatch(/signed tree head of size \d+, root [0-9a-f]{64}, bundle SHA-256 [0-9a-f]{64}/);
      expect((await cli('verify-bundle', out)).stdout).toMatch(/^OK: /);
      const json = join(dir, 'cli.json');
      await cli('compliance-file', systemId, '--as-of', before, '--format', 'json', '--out', json, '--as', 'audit-1', '--role', 'auditor');
      const api = await t.http.get(`/api/v1/ai-systems/${systemId}/compliance`).query({ asOf: before }).set(auth(qm)).expect(200);
      expect(JSON.parse(readFileSync(json, 'utf8')).file).toEqual(api.body);
      await expect(cli('compliance-file', systemId, '--out', join(dir, 'no.zip'), '--as', 'alice', '--role', 'clinician')).rejects.toMatchObject({
        code: 1,
        stderr: expect.stringMatching(/--role clinician may not read the compliance file/),
      });
    });
  });
});
