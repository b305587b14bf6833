import { DataSource } from 'typeorm';
import { ProjectionRegistry } from '@app/event-store';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LedgerService, verifyBundle } from '@app/evidence';
import { CommandBus } from '@nestjs/cqrs';
import { EraseDataSubjectCommand, ErasureBlockers, type ErasureGround, Pseudonymizer, SubjectKeyStore } from '@app/identity';
import { snapshotReadModels } from '../support/read-models';
import { readZip } from '../support/zip';
import { verifyWithPython } from '../support/python-verifier';
import { aiSystemBody, sha256Hex, startTestApp, type TestApp, rawBody } from '../support/test-app';

/** GDPR Art. 17 by crypto-shredding; Art. 17(3)(b)/(e) restriction when a context must keep the data. */
describe('erasure of a data subject (HTTP)', () => {
  let t: TestApp;
  let alice: string;
  let legal: string;
  let auditor: string;
  let systemId: string;
  const auth = (token: string) => ({ Authorization: `Bearer ${token}` });
  const REASON = 'Patient mentioned a history of pneumothorax';
  const held = new Set<string>();
  const hold: ErasureGround = { ground: 'legal-hold', article: 'GDPR Art. 17(3)(e)', context: 'test-holds', reference: 'hold-42' };

  const review = (patientId: string) => ({
    aiSystemId: systemId,
    modelVersion: '2.3.1',
    outputReference: 'pacs://studies/9/ai',
    outputSha256: sha256Hex(patientId),
    patientId,
    decision: 'modified',
    reason: REASON,
  });
  const erase = (patientId: string, token = legal) => t.http.post('/api/v1/data-subjects/erasure').set(auth(token)).send({ patientId });

  beforeAll(async () => {
    t = await startTestApp();
    [alice, legal, auditor] = await Promise.all([t.token('clinician', 'alice'), t.token('legal', 'legal-1'), t.token('auditor', 'audit-1')]);
    systemId = (
      await t.http
        .post('/api/v1/ai-systems')
        .set(auth(await t.token('admin')))
        .send(aiSystemBody())
        .expect(201)
    ).body.aiSystemId;
    // The retention, incident and disclosure contexts contribute real checks the same way.
    t.app.get(ErasureBlockers).register({ context: 'test-holds', groundsFor: (p) => Promise.resolve(held.has(p) ? [hold] : []) });
  });
  afterAll(async () => t?.close());

  describe('with no ground to keep the data', () => {
    let reviewId: string;
    let pseudonym: string;

    beforeAll(async () => {
      const res = await t.http.post('/api/v1/reviews').set(auth(alice)).send(review('NL-ERASE-1')).expect(201);
      reviewId = res.body.reviewId;
      pseudonym = (await t.http.get(`/api/v1/reviews/${reviewId}`).set(auth(alice)).expect(200)).body.patientPseudonym;
      await t.catchUp();
    });

    it('shreds the data key and records DataSubjectKeyShredded (only the pseudonym, never the raw id)', async () => {
      const before = await t.eventCount();
      const res = await erase('nl-erase 1').expect(200); // the same patient, written differently
      expect(res.body).toMatchObject({
        outcome: 'erased',
        pseudonym,
        kid: expect.stringMatching(/^dk-/),
        checkedContexts: ['disclosure', 'incidents', 'retention', 'test-holds'],
      });
      expect(await t.eventCount()).toBe(before + 2);
      const [decided, event] = await t.store.readAll(before, 2);
      expect(decided).toMatchObject({ type: 'identity.ErasureDecided', streamId: `data-subject-${pseudonym}`, data: { pseudonym } });
      expect(event).toMatchObject({
        type: 'identity.DataSubjectKeyShredded',
        streamId: `data-subject-${pseudonym}`,
        data: { pseudonym, kid: res.body.kid, by: { subject: 'legal-1', role: 'legal' } },
        metadata: { actor: { subject: 'legal-1', role: 'legal' } },
      });
      expect(JSON.stringify(event)).not.toMatch(/NL-?ERASE/i);
    });

    it('leaves the text unreadable in every read: review, list and timeline', async () => {
      const erased = { text: null, erased: true };
      expect((await t.http.get(`/api/v1/reviews/${reviewId}`).set(auth(alice)).expect(200)).body.reason).toEqual(erased);
      await t.catchUp();
      const list = (await t.http.get('/api/v1/reviews').set(auth(auditor)).expect(200)).body.items;
      expect(list.find((r: { reviewId: string }) => r.reviewId === reviewId).reason).toEqual(erased);
      const timeline = (await t.http.get(`/api/v1/patients/${pseudonym}/timeline`).set(auth(auditor)).expect(200)).body.items;
      expect(timeline.map((e: { text: unknown }) => e.text)).toEqual([erased]);
    });

    it('survives a full projection rebuild and leaves the ledger verifiable', async () => {
      const runner = t.app.get(ProjectionRegistry).runner;
      const ds = t.app.get(DataSource);
      const live = await snapshotReadModels(ds, runner);
      for (const p of runner.projections) await runner.rebuild(p.name);
      expect(await snapshotReadModels(ds, runner)).toEqual(live);
      const timeline = (await t.http.get(`/api/v1/patients/${pseudonym}/timeline`).set(auth(auditor)).expect(200)).body.items;
      expect(timeline[0].text).toEqual({ text: null, erased: true });

      const ledger = t.app.get(LedgerService);
      await ledger.checkpoint();
      expect(await ledger.verify()).toMatchObject({ ok: true, problems: [] });
      // The stored ciphertext is untouched: only the key is gone.
      const [stored] = (await t.store.readStream(`review-${reviewId}`)).map((e) => e.data.reason as { ct: string });
      expect(stored.ct).toEqual(expect.any(String));
      expect(JSON.stringify(await t.store.readAll(0, 1000))).not.toContain(REASON);
    });

    it('exports a bundle about the erased subject without their text, and the bundle still verifies offline', async () => {
      const request = await t.http
        .post('/api/v1/disclosure-requests')
        .set(auth(legal))
        .send({
          reference: 'E-1',
          requester: { kind: 'claimant', name: 'Counsel' },
          legalBasis: 'PLD Art. 9',
          dueAt: new Date(Date.now() + 86_400_000).toISOString(),
          scope: { patientPseudonyms: [pseudonym] },
        })
        .expect(201);
      await t.catchUp();
      const url = `/api/v1/disclosure-requests/${request.body.requestId}/bundles`;
      let job = (await t.http.post(url).set(auth(legal)).expect(202)).body;
      for (let i = 0; i < 400 && job.status === 'running'; i++) {
        await new Promise((r) => setTimeout(r, 25));
        job = (await t.http.get(`${url}/${job.bundleId}`).set(auth(legal)).expect(200)).body;
      }
      expect(job).toMatchObject({ status: 'done', error: null });
      const zip = (
        await t.http
          .get(job.download)
          .set(auth(legal))
          .buffer(true)
          .parse(rawBody as never)
          .expect(200)
      ).body as Buffer;
      const path = join(mkdtempSync(join(tmpdir(), 'erased-bundle-')), 'bundle.zip');
      writeFileSync(path, zip);
      const files = await readZip(path);
      expect(files.get('data/events.jsonl')!.toString()).toContain(`"patientPseudonym":"${pseudonym}"`);
      for (const [name, content] of files) expect({ name, leaks: content.toString('latin1').includes(REASON) }).toEqual({ name, leaks: false });
      // The erasure decision names the patient by its stream id only (VERIFY.md B.9): it is in the bundle, listed as matching them.
      const erasure = files
        .get('data/events.jsonl')!
        .toString()
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as { streamId: string; type: string })
        .filter((e) => e.streamId === `data-subject-${pseudonym}`)
        .map((e) => e.type);
      expect(erasure).toEqual(['identity.ErasureDecided', 'identity.DataSubjectKeyShredded']);
      const listed = (JSON.parse(files.get('data/completeness.json')!.toString()) as { streams: Array<{ streamId: string }> }).streams;
      expect(listed.find((s) => s.streamId === `data-subject-${pseudonym}`)).toMatchObject({
        included: true,
        matchedBy: [`patient:${pseudonym}`],
        headRevision: 1,
      });
      expect(await verifyBundle(path)).toMatchObject({ ok: true, problems: [] });
      expect(await verifyWithPython(path)).toMatchObject({ ok: true, problems: [] });
    });

    it('answers a repeated request with the earlier outcome, as recorded, and records nothing new', async () => {
      const before = await t.eventCount();
      const [, shredded] = await t.store.readStream(`data-subject-${pseudonym}`);
      expect((await erase('NL-ERASE-1').expect(200)).body).toMatchObject({
        outcome: 'erased',
        pseudonym,
        kid: shredded.data.kid,
        erasedAt: shredded.data.at,
        position: shredded.globalPosition,
      });
      expect(await t.eventCount()).toBe(before);
    });

    it('refuses new personal text about the erased subject with 409 problem+json', async () => {
      const res = await t.http.post('/api/v1/reviews').set(auth(alice)).send(review('NL-ERASE-1')).expect(409);
      expect(res.headers['content-type']).toMatch(/problem\+json/);
      expect(res.body.code).toBe('data-subject-erased');
    });
  });

  describe('with a legal hold on the subject', () => {
    it('restricts the erasure, records ErasureRestricted with the ground, and keeps the text readable', async () => {
      const res = await t.http.post('/api/v1/reviews').set(auth(alice)).send(review('NL-HELD-2')).expect(201);
      const pseudonym = (await t.http.get(`/api/v1/reviews/${res.body.reviewId}`).set(auth(alice))).body.patientPseudonym;
      held.add(pseudonym);
      const before = await t.eventCount();
      const restricted = await erase('NL-HELD-2').expect(200);
      expect(restricted.body).toEqual({
        outcome: 'restricted',
        pseudonym,
        grounds: [hold],
        checkedContexts: ['disclosure', 'incidents', 'retention', 'test-holds'],
        position: before + 1,
      });
      const [event] = await t.store.readAll(before, 1);
      expect(event).toMatchObject({ type: 'identity.ErasureRestricted', data: { pseudonym, grounds: [hold] } });
      expect((await t.http.get(`/api/v1/reviews/${res.body.reviewId}`).set(auth(alice))).body.reason).toEqual({ text: REASON, erased: false });

      // Once the hold is released the same request erases.
      held.delete(pseudonym);
      expect((await erase('NL-HELD-2').expect(200)).body.outcome).toBe('erased');
    });
  });

  describe('with a legal hold placed while the erasure runs', () => {
    const lawyer = { subject: 'legal-1', role: 'legal' };
    const placeHold = async (pseudonym: string) =>
      (
        await t.http
          .post('/api/v1/legal-holds')
          .set(auth(legal))
          .send({ scope: { patientPseudonyms: [pseudonym] }, reason: 'Claim 2027-0099' })
          .expect(201)
      ).body.holdId as string;
    const subject = async (patientId: string) => {
      await t.http.post('/api/v1/reviews').set(auth(alice)).send(review(patientId)).expect(201);
      return t.app.get(Pseudonymizer).pseudonymise(patientId);
    };

    it('lets a hold committed after the first check and before the decision win: restricted, key kept', async () => {
      const pseudonym = await subject('NL-RACE-5');
      let holdId = '';
      const outcome = await t.app
        .get(CommandBus)
        .execute(new EraseDataSubjectCommand(pseudonym, lawyer, { afterChecked: async () => void (holdId = await placeHold(pseudonym)) }));
      expect(outcome).toMatchObject({ outcome: 'restricted', grounds: [{ ground: 'legal-hold', context: 'retention', reference: `hold-${holdId}` }] });
      expect(await t.app.get(SubjectKeyStore).isShredded(pseudonym)).toBe(false);
      const types = (await t.store.readStream(`data-subject-${pseudonym}`)).map((e) => e.type);
      expect(types).toEqual(['identity.ErasureDecided', 'identity.ErasureRestricted']);
    });

    it('lets an erasure decided before the hold stand, and the log shows the hold came later', async () => {
      const pseudonym = await subject('NL-RACE-6');
      let holdId = '';
      const outcome = await t.app
        .get(CommandBus)
        .execute(new EraseDataSubjectCommand(pseudonym, lawyer, { beforeShred: async () => void (holdId = await placeHold(pseudonym)) }));
      expect(outcome).toMatchObject({ outcome: 'erased' });
      expect(await t.app.get(SubjectKeyStore).isShredded(pseudonym)).toBe(true);
      const [decided] = await t.store.readStream(`data-subject-${pseudonym}`);
      const [placed] = await t.store.readStream(`hold-${holdId}`);
      expect(decided.type).toBe('identity.ErasureDecided');
      expect(placed.globalPosition).toBeGreaterThan(decided.globalPosition);
    });

    it('finishes an erasure a crash left decided: checks again, then shreds', async () => {
      const pseudonym = await subject('NL-RACE-7');
      const crash = new Error('killed after the decision');
      await expect(
        t.app.get(CommandBus).execute(new EraseDataSubjectCommand(pseudonym, lawyer, { beforeShred: async () => Promise.reject(crash) })),
      ).rejects.toBe(crash);
      expect(await t.app.get(SubjectKeyStore).isShredded(pseudonym)).toBe(false);
      const retried = await t.app.get(CommandBus).execute(new EraseDataSubjectCommand(pseudonym, lawyer));
      expect(retried).toMatchObject({ outcome: 'erased' });
      const types = (await t.store.readStream(`data-subject-${pseudonym}`)).map((e) => e.type);
      expect(types).toEqual(['identity.ErasureDecided', 'identity.DataSubjectKeyShredded']);
    });
  });

  it('replays an Idempotency-Key retry without shredding or recording again', async () => {
    await t.http.post('/api/v1/reviews').set(auth(alice)).send(review('NL-RETRY-3')).expect(201);
    const send = () => erase('NL-RETRY-3').set('Idempotency-Key', 'erase-retry-3').expect(200);
    const first = await send();
    const count = await t.eventCount();
    expect((await send()).body).toEqual(first.body);
    expect(await t.eventCount()).toBe(count);
  });

  it('is for the legal role only, and a bad patient id is a 400 problem', async () => {
    for (const token of [alice, auditor, await t.token('quality-manager'), await t.token('admin')]) await erase('NL-X', token).expect(403);
    await erase('NL-X', '').expect(401);
    const res = await t.http.post('/api/v1/data-subjects/erasure').set(auth(legal)).send({ patientId: '' }).expect(400);
    expect(res.headers['content-type']).toMatch(/problem\+json/);
  });

  it('limits erasure requests per client (429 problem+json)', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 12; i++) {
      const res = await t.http.post('/api/v1/data-subjects/erasure').set(auth(legal)).send({});
      statuses.push(res.status);
      if (res.status === 429) {
        expect(res.body).toMatchObject({ status: 429, code: 'too-many-requests' });
        break;
      }
    }
    expect(statuses).toContain(429);
    expect(statuses.filter((s) => s !== 429).every((s) => s === 400)).toBe(true);
  });
});
