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
        return verifyBundle(p);
      };
      // The overdue DPIA hidden from the file.
      const hidden = await forge('hidden-overdue', (v) => {
        v.file.assessments[0].overdue = false;
        v.file.missing = v.file.missing.filter((m: string) => !m.startsWith('Data protection impact assessment'));
      });
      expect(hidden.ok).toBe(false);
      expect(hidden.problems).toContainEqual({
        file: 'data/compliance-file.json',
        problem: 'is not the compliance file derived from the proven events (VERIFY.md B.18): it was edited',
      });
      // The past file passed off as of another moment: derived again as of that moment, it differs.
      const moved = await forge('moved', (v) => {
        v.asOf = new Date().toISOString();
      });
      expect(moved.ok).toBe(false);
      expect(moved.problems.map((p) => p.file)).toContain('data/compliance-file.json');
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
