import { DataSource } from 'typeorm';
import { AccessLog, type AccessLogEntry } from '@app/identity';
import { body } from '../support/http';
import { aiSystemBody, sha256Hex, startTestApp, type TestApp } from '../support/test-app';

/** NEN 7513: every read of patient-related data leaves an entry the auditor can query and nobody can change. */
describe('access log of patient data reads (HTTP)', () => {
  let t: TestApp;
  let alice: string;
  let bob: string;
  let qm: string;
  let legal: string;
  let auditor: string;
  let reviewA: string;
  let pseudonymA: string;
  let pseudonymB: string;
  const auth = (token: string) => ({ Authorization: `Bearer ${token}` });

  const entries = async (query: string) =>
    body<{ items: AccessLogEntry[] }>(await t.http.get(`/api/v1/access-log?${query}`).set(auth(auditor)).expect(200)).items;

  beforeAll(async () => {
    t = await startTestApp();
    const admin = await t.token('admin');
    [alice, bob, qm, legal, auditor] = await Promise.all([
      t.token('clinician', 'alice'),
      t.token('clinician', 'bob'),
      t.token('quality-manager', 'qm-1'),
      t.token('legal', 'legal-1'),
      t.token('auditor', 'audit-1'),
    ]);
    const systemId = (await t.http.post('/api/v1/ai-systems').set(auth(admin)).send(aiSystemBody()).expect(201)).body.aiSystemId;
    const review = (patientId: string) => ({
      aiSystemId: systemId,
      modelVersion: '2.3.1',
      outputReference: 'pacs://studies/1/ai',
      outputSha256: sha256Hex(patientId),
      patientId,
      decision: 'rejected',
      reason: 'Missed finding',
    });
    reviewA = (await t.http.post('/api/v1/reviews').set(auth(alice)).send(review('NL-A-1')).expect(201)).body.reviewId;
    await t.http.post('/api/v1/reviews').set(auth(bob)).send(review('NL-B-2')).expect(201);
    await t.catchUp();
  });
  afterAll(async () => t?.close());

  it('records who read which patient’s review, when, how and from where — and writes nothing to the event log', async () => {
    const events = await t.eventCount();
    const res = await t.http.get(`/api/v1/reviews/${reviewA}`).set(auth(auditor)).set('User-Agent', 'audit-console/1.0').expect(200);
    pseudonymA = res.body.patientPseudonym;
    const [entry] = await entries(`subject=${pseudonymA}&action=read-review`);
    expect(entry).toMatchObject({
      actor: { subject: 'audit-1', role: 'auditor' },
      action: 'read-review',
      dataSubject: pseudonymA,
      resource: `GET /api/v1/reviews/${reviewA}`,
      userAgent: 'audit-console/1.0',
    });
    expect(entry.ip).toMatch(/127\.0\.0\.1|::1/);
    expect(Date.now() - Date.parse(entry.at)).toBeLessThan(60_000);
    expect(await t.eventCount()).toBe(events);
  });

  it('records one entry per patient a list discloses, under one request id', async () => {
    const list = await t.http.get('/api/v1/reviews').set(auth(qm)).expect(200);
    pseudonymB = list.body.items.find((r: { patientPseudonym: string }) => r.patientPseudonym !== pseudonymA).patientPseudonym;
    const logged = await entries('actor=qm-1&action=list-reviews');
    expect(logged.map((e) => e.dataSubject).sort()).toEqual([pseudonymA, pseudonymB].sort());
    expect(new Set(logged.map((e) => e.requestId)).size).toBe(1);
  });

  it('records timeline reads by raw id (never logging the id) and by pseudonym, even when they come back empty', async () => {
    await t.http.post('/api/v1/patients/timeline').set(auth(legal)).send({ patientId: 'NL-A-1' }).expect(200);
    await t.http.get(`/api/v1/patients/${pseudonymB}/timeline`).set(auth(alice)).expect(200); // bob's patient: empty for alice
    const byLegal = await entries('actor=legal-1');
    expect(byLegal).toEqual([expect.objectContaining({ action: 'read-timeline', dataSubject: pseudonymA, resource: 'POST /api/v1/patients/timeline' })]);
    expect(JSON.stringify(byLegal)).not.toContain('NL-A-1');
    expect(await entries(`actor=alice&subject=${pseudonymB}`)).toEqual([expect.objectContaining({ action: 'read-timeline' })]);
  });

  it('records nothing when nothing was disclosed (another clinician’s review is a 404)', async () => {
    await t.http.get(`/api/v1/reviews/${reviewA}`).set(auth(bob)).expect(404);
    expect(await entries('actor=bob')).toEqual([]);
  });

  it('lets the auditor filter by time and page with a cursor', async () => {
    const all = await entries('limit=500');
    expect(all.length).toBeGreaterThanOrEqual(5);
    const seen: number[] = [];
    let cursor: string | null = '';
    while (cursor !== null) {
      const page: { items: Array<{ seq: number }>; nextCursor: string | null } = (
        await t.http
          .get(`/api/v1/access-log?limit=2${cursor ? `&cursor=${cursor}` : ''}`)
          .set(auth(auditor))
          .expect(200)
      ).body;
      seen.push(...page.items.map((e) => e.seq));
      cursor = page.nextCursor;
    }
    expect(seen).toEqual(all.map((e) => e.seq));
    expect(await entries(`from=${encodeURIComponent(new Date(Date.now() + 60_000).toISOString())}`)).toEqual([]);
    expect((await entries(`to=${encodeURIComponent(new Date(Date.now() + 60_000).toISOString())}`)).length).toBe(all.length);
    await t.http.get('/api/v1/access-log?subject=NL-A-1').set(auth(auditor)).expect(400);
  });

  it('is readable by the auditor only and cannot be changed through any API or behind its back', async () => {
    for (const token of [alice, qm, legal, await t.token('admin')]) await t.http.get('/api/v1/access-log').set(auth(token)).expect(403);
    await t.http.get('/api/v1/access-log').expect(401);
    for (const method of ['put', 'patch', 'delete', 'post'] as const) {
      const res = await t.http[method]('/api/v1/access-log').set(auth(auditor)).send({});
      expect(res.status).toBe(404);
    }
    const ds = t.app.get(DataSource);
    await expect(ds.query(`UPDATE access_log SET actor_subject = 'someone-else'`)).rejects.toThrow(/append-only/);
    await expect(ds.query(`DELETE FROM access_log`)).rejects.toThrow(/append-only/);
    expect(await t.app.get(AccessLog).verify()).toMatchObject({ ok: true, firstBadSeq: null });
  });

  it('detects an entry rewritten by someone who got past the triggers', async () => {
    const ds = t.app.get(DataSource);
    const pg = ds.options.type === 'postgres';
    // Simulates a DBA who disables the guard: the hash chain still gives them away.
    await ds.query(pg ? 'ALTER TABLE access_log DISABLE TRIGGER USER' : 'DROP TRIGGER access_log_no_update');
    await ds.query(`UPDATE access_log SET actor_subject = 'someone-else' WHERE seq = 2`);
    expect(await t.app.get(AccessLog).verify()).toEqual({ ok: false, entries: 2, firstBadSeq: 2, purgedThroughSeq: 0 });
  });
});
