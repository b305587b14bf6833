import { ErasureBlockers } from '@app/identity';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { CLOCK, type Clock } from '@app/event-store';
import { RetentionPurger } from '@app/retention';
import { aiSystemBody, sha256Hex, startTestApp, type TestApp, rawBody } from '../support/test-app';

const T0 = '2027-01-01T00:00:00.000Z';
const month = (n: number) => new Date(Date.UTC(2027, n, 1)).toISOString();

/** Log retention over real HTTP, with the business clock moved instead of waiting months. */
describe('Log retention (HTTP)', () => {
  let t: TestApp;
  let clock: Clock;
  let admin: string;
  let qm: string;
  let lawyer: string;
  let auditor: string;
  let clinician: string;
  const auth = (token: string) => ({ Authorization: `Bearer ${token}` });
  const blobPath = (sha: string) => join(t.storage.config.dataDir, 'blobs', 'sha256', sha.slice(0, 2), sha.slice(2, 4), sha);

  beforeAll(async () => {
    t = await startTestApp();
    clock = t.app.get<Clock>(CLOCK);
    clock.travelTo(T0);
    [admin, qm, lawyer, auditor, clinician] = await Promise.all([
      t.token('admin'),
      t.token('quality-manager', 'qm-1'),
      t.token('legal', 'lena'),
      t.token('auditor'),
      t.token('clinician', 'alice'),
    ]);
  });
  afterAll(async () => t?.close());

  async function newSystem(policy?: { minimumMonths: number; maximumMonths: number | null }) {
    const res = await t.http.post('/api/v1/ai-systems').set(auth(admin)).send(aiSystemBody()).expect(201);
    const id: string = res.body.aiSystemId;
    if (policy) await setPolicy(id, policy);
    return id;
  }
  const setPolicy = (aiSystemId: string, terms: { minimumMonths: number; maximumMonths: number | null }) =>
    t.http
      .post('/api/v1/retention-policies')
      .set(auth(qm))
      .send({ aiSystemId, ...terms, legalBasis: 'Hospital log policy v3' });

  const upload = (
    system: string,
    content: string | Buffer,
    period = { from: '2026-12-01T00:00:00Z', to: '2027-01-01T00:00:00Z' },
    headers: Record<string, string> = {},
  ) =>
    t.http
      .post(`/api/v1/log-artefacts?system=${system}&from=${period.from}&to=${period.to}`)
      .set({ ...auth(qm), 'Content-Type': 'application/x-ndjson', ...headers })
      .send(Buffer.isBuffer(content) ? content : Buffer.from(content));

  const purge = async (dryRun = false) => {
    await t.catchUp();
    return (await t.http.post('/api/v1/retention/purge-runs').set(auth(qm)).send({ dryRun }).expect(200)).body;
  };
  const artefact = async (id: string) => (await t.http.get(`/api/v1/log-artefacts/${id}`).set(auth(auditor)).expect(200)).body;
  const placeHold = (scope: Record<string, unknown>, token = lawyer) =>
    t.http.post('/api/v1/legal-holds').set(auth(token)).send({ scope, reason: 'Claim 2027-0042 (PLD): preserve triage logs' });

  afterEach(() => clock.travelTo(T0));

  describe('ingest', () => {
    it('stores the content under its SHA-256 and records it with the rule that applies', async () => {
      const system = await newSystem({ minimumMonths: 6, maximumMonths: 12 });
      const body = '{"ts":"2026-12-01T10:00:00Z","event":"inference","score":0.91}\n'.repeat(50);
      const before = await t.eventCount();
      const res = await upload(system, body, undefined, { 'X-Content-SHA256': sha256Hex(body) }).expect(201);
      expect(res.body).toMatchObject({ sha256: sha256Hex(body), sizeBytes: body.length, duplicate: false });
      expect(res.headers.location).toBe(`/api/v1/log-artefacts/${res.body.artefactId}`);
      expect(await t.eventCount()).toBe(before + 1);
      expect(existsSync(blobPath(sha256Hex(body)))).toBe(true);
      const view = await artefact(res.body.artefactId);
      expect(view.artefact).toMatchObject({
        aiSystemId: system,
        periodTo: '2027-01-01T00:00:00.000Z',
        source: { channel: 'api', contentType: 'application/x-ndjson' },
        rule: { source: 'policy', minimumMonths: 6, maximumMonths: 12, keepUntil: '2027-07-01T00:00:00.000Z', purgeDueAt: '2028-01-01T00:00:00.000Z' },
        recordedBy: { subject: 'qm-1', role: 'quality-manager' },
      });

      const download = await t.http
        .get(`/api/v1/log-artefacts/${res.body.artefactId}/content`)
        .set(auth(lawyer))
        .buffer(true)
        .parse(rawBody as never)
        .expect(200);
      expect((download.body as Buffer).toString()).toBe(body);
      expect(download.headers['x-content-sha256']).toBe(sha256Hex(body));
      const history = (await artefact(res.body.artefactId)).history.map((h: { type: string }) => h.type);
      expect(history).toEqual(['retention.LogArtefactRecorded', 'retention.LogArtefactDownloaded']);
      await t.http.get(`/api/v1/log-artefacts/${res.body.artefactId}/content`).set(auth(auditor)).expect(403);
    });

    it('stores and records duplicate content once', async () => {
      const system = await newSystem();
      const body = Buffer.from('duplicate log line\n'.repeat(100));
      const first = await upload(system, body).expect(201);
      const before = await t.eventCount();
      const again = await upload(system, body).expect(200);
      expect(again.body).toMatchObject({ artefactId: first.body.artefactId, duplicate: true });
      expect(await t.eventCount()).toBe(before);
      const dir = join(blobPath(first.body.sha256), '..');
      expect(readdirSync(dir)).toEqual([first.body.sha256]);
      expect(readdirSync(join(t.storage.config.dataDir, 'blobs', 'tmp'))).toEqual([]);
    });

    it('answers bad input with problem+json and writes nothing', async () => {
      const system = await newSystem();
      const before = await t.eventCount();
      const problem = (res: { headers: Record<string, string>; body: { code: string } }) => {
        expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
        return res.body.code;
      };
      expect(problem(await upload(system, Buffer.alloc(0)).expect(400))).toBe('empty-upload');
      const wrong = await upload(system, 'some log\n', undefined, { 'X-Content-SHA256': sha256Hex('other') }).expect(422);
      expect(problem(wrong)).toBe('sha256-mismatch');
      expect(existsSync(blobPath(sha256Hex('some log\n')))).toBe(false);
      expect(problem(await upload(system, 'x', { from: '2027-01-02T00:00:00Z', to: '2027-01-01T00:00:00Z' }).expect(400))).toBe('period-reversed');
      expect(problem(await upload('0193a1b2-0000-7000-8000-000000000001', 'x').expect(404))).toBe('ai-system-not-found');
      const json = await t.http
        .post(`/api/v1/log-artefacts?system=${system}&from=2026-12-01T00:00:00Z&to=2027-01-01T00:00:00Z`)
        .set(auth(qm))
        .send({ a: 1 })
        .expect(415);
      expect(problem(json)).toBe('unsupported-media-type');
      await upload(system, 'x').set(auth(clinician)).expect(403);
      expect(problem(await placeHold({}).expect(400))).toBe('hold-without-scope');
      expect(problem(await placeHold({ aiSystemIds: [system] }, clinician).expect(403))).toBe('forbidden');
      expect(problem(await setPolicy(system, { minimumMonths: 3, maximumMonths: 12 }).expect(422))).toBe('minimum-below-ai-act');
      expect(problem(await setPolicy(system, { minimumMonths: 12, maximumMonths: 6 }).expect(422))).toBe('maximum-below-minimum');
      expect(await t.eventCount()).toBe(before);
      expect(readdirSync(join(t.storage.config.dataDir, 'blobs', 'tmp'))).toEqual([]);
    });
  });

  describe('retention and purge', () => {
    it('respects the minimum period and purges only after the maximum', async () => {
      const system = await newSystem({ minimumMonths: 6, maximumMonths: 12 });
      const { body } = await upload(system, 'minimum period log\n').expect(201);
      // Shortening below the minimum is refused whatever the caller wants.
      const early = await t.http
        .post(`/api/v1/log-artefacts/${body.artefactId}/retention`)
        .set(auth(qm))
        .send({ purgeDueAt: month(3), legalBasis: 'no longer needed' })
        .expect(422);
      expect(early.body.code).toBe('below-minimum-retention');
      clock.travelTo(month(11)); // past the minimum, before the maximum
      const run = await purge();
      expect(run.purged.map((p: { artefactId: string }) => p.artefactId)).not.toContain(body.artefactId);
      expect((await artefact(body.artefactId)).status).toBe('stored');
      clock.travelTo(month(12));
      await t.catchUp();
      const due = await t.http.get('/api/v1/retention/due').set(auth(auditor)).expect(200);
      expect(due.body.items.find((i: { artefactId: string }) => i.artefactId === body.artefactId)).toMatchObject({ overdue: true, heldBy: [] });
      const applied = await purge();
      expect(applied.purged).toContainEqual({ artefactId: body.artefactId, sha256: body.sha256, sizeBytes: body.sizeBytes });
    });

    it('changes nothing on a dry run', async () => {
      const system = await newSystem({ minimumMonths: 6, maximumMonths: 6 });
      const { body } = await upload(system, 'dry run log\n').expect(201);
      clock.travelTo(month(7));
      await t.catchUp();
      const before = await t.eventCount();
      const run = await purge(true);
      expect(run.dryRun).toBe(true);
      expect(run.purged.map((p: { artefactId: string }) => p.artefactId)).toContain(body.artefactId);
      expect(await t.eventCount()).toBe(before);
      expect(existsSync(blobPath(body.sha256))).toBe(true);
      await purge(); // leave nothing due behind for the other tests
    });

    it('lets a hold block the purge until legal releases it, then purges with a tombstone', async () => {
      const system = await newSystem({ minimumMonths: 6, maximumMonths: 6 });
      const { body } = await upload(system, 'held log\n').expect(201);
      const hold = await placeHold({ aiSystemIds: [system], from: '2026-11-01T00:00:00Z', to: '2027-02-01T00:00:00Z' }).expect(201);
      const holdId = hold.body.holdId;
      clock.travelTo(month(7));

      const refused = await purge();
      expect(refused.held).toContainEqual({ artefactId: body.artefactId, holdIds: [holdId] });
      expect(existsSync(blobPath(body.sha256))).toBe(true);
      const before = await t.eventCount();
      await purge(); // refused once for these holds: not requested again on every run
      expect(await t.eventCount()).toBe(before);

      await t.http.post(`/api/v1/legal-holds/${holdId}/review`).set(auth(lawyer)).send({ note: 'claim open' }).expect(200);
      const byClinician = await t.http.post(`/api/v1/legal-holds/${holdId}/release`).set(auth(clinician)).send({ reason: 'done' }).expect(403);
      expect(byClinician.headers['content-type']).toMatch(/problem\+json/);
      await t.http.post(`/api/v1/legal-holds/${holdId}/release`).set(auth(qm)).send({ reason: 'done' }).expect(403);
      await t.http.post(`/api/v1/legal-holds/${holdId}/release`).set(auth(lawyer)).send({ reason: 'Claim settled' }).expect(200);
      await t.catchUp();
      const holds = await t.http.get('/api/v1/legal-holds?status=released').set(auth(auditor)).expect(200);
      expect(holds.body.items.map((h: { holdId: string }) => h.holdId)).toContain(holdId);

      const run = await purge();
      expect(run.purged.map((p: { artefactId: string }) => p.artefactId)).toContain(body.artefactId);
      expect(existsSync(blobPath(body.sha256))).toBe(false);
      const view = await artefact(body.artefactId);
      expect(view.history.map((h: { type: string }) => h.type)).toEqual([
        'retention.LogArtefactRecorded',
        'retention.PurgeRequested',
        'retention.PurgeRefused',
        'retention.PurgeRequested',
        'retention.LogArtefactPurged',
      ]);
      expect(view.history[4].data).toMatchObject({ sha256: body.sha256, sizeBytes: body.sizeBytes, rule: { maximumMonths: 6 }, purgedBy: { subject: 'qm-1' } });
      expect(view.contentPresent).toBe(false);
      const gone = await t.http.get(`/api/v1/log-artefacts/${body.artefactId}/content`).set(auth(lawyer)).expect(410);
      expect(gone.body.code).toBe('artefact-purged');
      // Purged content is not recorded or stored again.
      expect((await upload(system, 'held log\n').expect(409)).body.code).toBe('artefact-purged');
      expect(existsSync(blobPath(body.sha256))).toBe(false);
    });

    it('purges a log artefact but keeps its bytes while a compliance document records the same content (one content-addressed store)', async () => {
      const system = await newSystem({ minimumMonths: 6, maximumMonths: 6 });
      const bytes = Buffer.from('{"note":"the supplier sent its log export as the IFU annex"}\n');
      const { body } = await upload(system, bytes).expect(201);
      const doc = await t.http
        .post(`/api/v1/ai-systems/${system}/documents`)
        .query({ kind: 'contract', title: 'Annex with the same bytes', validFrom: '2026-12-01' })
        .set({ ...auth(qm), 'Content-Type': 'text/plain' })
        .send(bytes)
        .expect(201);
      expect(doc.body.sha256).toBe(body.sha256);
      clock.travelTo(month(7));

      const run = await purge();
      expect(run.purged).toContainEqual({
        artefactId: body.artefactId,
        sha256: body.sha256,
        sizeBytes: body.sizeBytes,
        contentKeptBy: [`compliance:document-${doc.body.documentId}`],
      });
      expect((await artefact(body.artefactId)).status).toBe('purged');
      expect((await t.http.get(`/api/v1/log-artefacts/${body.artefactId}/content`).set(auth(lawyer)).expect(410)).body.code).toBe('artefact-purged');
      expect(existsSync(blobPath(body.sha256))).toBe(true);
      const content = await t.http.get(`/api/v1/ai-systems/${system}/documents/${doc.body.documentId}/content`).set(auth(lawyer)).expect(200);
      expect(content.text).toBe(bytes.toString());
      // A later run does not count the kept bytes as a crash to reconcile, nor delete them.
      expect((await purge()).reconciled).toBe(0);
      expect(existsSync(blobPath(body.sha256))).toBe(true);
    });

    it('applies a policy change to artefacts recorded after it only', async () => {
      const system = await newSystem({ minimumMonths: 6, maximumMonths: 12 });
      const before = (await upload(system, 'recorded under 12 months\n').expect(201)).body;
      await setPolicy(system, { minimumMonths: 6, maximumMonths: 24 }).expect(201);
      const after = (await upload(system, 'recorded under 24 months\n').expect(201)).body;
      expect((await artefact(after.artefactId)).artefact.rule).toMatchObject({ maximumMonths: 24, policyRevision: 1 });
      clock.travelTo(month(13));
      const run = await purge();
      const purged = run.purged.map((p: { artefactId: string }) => p.artefactId);
      expect(purged).toContain(before.artefactId);
      expect(purged).not.toContain(after.artefactId);
      await t.catchUp();
      const policies = await t.http.get(`/api/v1/retention-policies?system=${system}`).set(auth(auditor)).expect(200);
      expect(policies.body).toEqual([expect.objectContaining({ maximumMonths: 24, revision: 1 })]);
    });

    it('lets a hold placed during a purge run win over every artefact not yet purged', async () => {
      const system = await newSystem({ minimumMonths: 6, maximumMonths: 6 });
      const ids: string[] = [];
      for (let i = 0; i < 6; i++) ids.push((await upload(system, `run log ${i}\n`).expect(201)).body.artefactId);
      clock.travelTo(month(7));
      await t.catchUp();
      let chunks = 0;
      const report = await t.app.get(RetentionPurger).run({
        dryRun: false,
        actor: { subject: 'qm-1', role: 'quality-manager' },
        chunkSize: 2,
        // Placed after the second chunk's purge requests are committed, before their holds are checked.
        afterRequested: async () => {
          if (++chunks === 2) await placeHold({ aiSystemIds: [system] }).expect(201);
        },
      });
      const mine = (list: Array<{ artefactId: string }>) =>
        list
          .map((x) => x.artefactId)
          .filter((id) => ids.includes(id))
          .sort();
      expect(mine(report.purged)).toHaveLength(2);
      expect(mine(report.held)).toHaveLength(4);
      for (const { artefactId } of report.held.filter((h) => ids.includes(h.artefactId))) {
        const view = await artefact(artefactId);
        expect(view.status).toBe('stored');
        expect(view.contentPresent).toBe(true);
        expect(view.history.at(-1)).toMatchObject({ type: 'retention.PurgeRefused', data: { reason: 'legal-hold' } });
      }
    });

    it('lets a hold committed between the hold check and the tombstone win: the tombstone is taken back, the content kept', async () => {
      const system = await newSystem({ minimumMonths: 6, maximumMonths: 6 });
      const { body } = await upload(system, 'raced log\n').expect(201);
      clock.travelTo(month(7));
      await t.catchUp();
      let holdId = '';
      const report = await t.app.get(RetentionPurger).run({
        dryRun: false,
        actor: { subject: 'qm-1', role: 'quality-manager' },
        // The run has read the holds (none); the hold commits before the tombstone is appended.
        afterHoldsChecked: async (ids) => {
          if (ids.includes(body.artefactId)) holdId = (await placeHold({ aiSystemIds: [system] }).expect(201)).body.holdId;
        },
      });
      expect(report.held).toContainEqual({ artefactId: body.artefactId, holdIds: [holdId] });
      expect(report.purged.map((p) => p.artefactId)).not.toContain(body.artefactId);
      expect(existsSync(blobPath(body.sha256))).toBe(true);
      const view = await artefact(body.artefactId);
      expect(view.status).toBe('stored');
      expect(view.contentPresent).toBe(true);
      const types = view.history.map((h: { type: string }) => h.type);
      expect(types).toEqual(['retention.LogArtefactRecorded', 'retention.PurgeRequested', 'retention.LogArtefactPurged', 'retention.PurgeRevoked']);
      const [, , tombstone, revoked] = view.history;
      const holdView = (await t.http.get(`/api/v1/legal-holds/${holdId}`).set(auth(auditor)).expect(200)).body;
      const holdPosition = holdView.history[0].globalPosition;
      // The order the log proves: checked through < hold < tombstone, and the hold won.
      expect(tombstone.data.holdsCheckedThrough).toBeLessThan(holdPosition);
      expect(holdPosition).toBeLessThan(tombstone.globalPosition);
      expect(revoked.data).toMatchObject({ holdIds: [holdId], tombstonePosition: tombstone.globalPosition, reason: 'legal-hold' });
      await t.http.get(`/api/v1/log-artefacts/${body.artefactId}/content`).set(auth(lawyer)).expect(200);
      // Still held on the next run: reported, not requested again.
      const before = await t.eventCount();
      expect((await purge()).held).toContainEqual({ artefactId: body.artefactId, holdIds: [holdId] });
      expect(await t.eventCount()).toBe(before);
      await t.http.post(`/api/v1/legal-holds/${holdId}/release`).set(auth(lawyer)).send({ reason: 'Claim withdrawn' }).expect(200);
      expect((await purge()).purged.map((p: { artefactId: string }) => p.artefactId)).toContain(body.artefactId);
      expect(existsSync(blobPath(body.sha256))).toBe(false);
    });

    it('lets a purge whose tombstone committed first stand against a hold placed after it', async () => {
      const system = await newSystem({ minimumMonths: 6, maximumMonths: 6 });
      const { body } = await upload(system, 'purged before the hold\n').expect(201);
      clock.travelTo(month(7));
      await t.catchUp();
      const report = await t.app.get(RetentionPurger).run({
        dryRun: false,
        actor: { subject: 'qm-1', role: 'quality-manager' },
        afterTombstones: async (ids) => {
          if (ids.includes(body.artefactId)) await placeHold({ aiSystemIds: [system] }).expect(201);
        },
      });
      expect(report.purged.map((p) => p.artefactId)).toContain(body.artefactId);
      expect(existsSync(blobPath(body.sha256))).toBe(false);
      expect((await artefact(body.artefactId)).history.at(-1).type).toBe('retention.LogArtefactPurged');
    });
  });

  it('keeps a patient named in an active legal hold from erasure (GDPR Art. 17(3)(e))', async () => {
    const system = await newSystem();
    const pseudonym = (await t.http.post('/api/v1/patients/timeline').set(auth(lawyer)).send({ patientId: 'NL-HOLD-9' }).expect(200)).body.patientPseudonym;
    const hold = (await placeHold({ aiSystemIds: [system], patientPseudonyms: [pseudonym] }).expect(201)).body.holdId;
    await t.catchUp();
    const erasure = await t.http.post('/api/v1/data-subjects/erasure').set(auth(lawyer)).send({ patientId: 'NL-HOLD-9' }).expect(200);
    expect(erasure.body).toMatchObject({
      outcome: 'restricted',
      grounds: [{ ground: 'legal-hold', article: 'GDPR Art. 17(3)(e)', context: 'retention', reference: `hold-${hold}` }],
    });
    expect(await t.app.get(ErasureBlockers).groundsFor(`p-${'Z'.repeat(32)}`)).toEqual([]);
  });
});
