import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { CommandBus } from '@nestjs/cqrs';
import { DataSource } from 'typeorm';
import { BundleExports } from '@app/disclosure';
import { EraseDataSubjectCommand, SubjectKeyStore } from '@app/identity';
import { bytesHolding, filesHolding, pgRowsHolding } from '../support/plaintext';
import { aiSystemBody, rawBody, sha256Hex, startTestApp, type TestApp } from '../support/test-app';
import { testStorageKind } from '../support/test-storage';

/**
 * Erasure reaches every copy (issue 20, finding 3): a stored bundle holding a subject's text is
 * kept for a legal claim (GDPR Art. 17(3)(e)) and restricts the erasure, naming it; once a lawyer
 * discards it the erasure goes through, and no byte under the data folder (nor any row on
 * PostgreSQL), nor any bundle download, holds the subject's text. And (finding 2) an erasure that
 * cannot finish writes nothing.
 */
describe('erasure reaches every copy (HTTP)', () => {
  let t: TestApp;
  let alice: string;
  let legal: string;
  let systemId: string;
  const auth = (token: string) => ({ Authorization: `Bearer ${token}` });
  // One word, so that the PDF's line breaking cannot split it.
  const SECRET = `Zebrafinch${Date.now().toString(36)}`;
  const erase = (patientId: string) => t.http.post('/api/v1/data-subjects/erasure').set(auth(legal)).send({ patientId });
  const review = (patientId: string, reason: string) => ({
    aiSystemId: systemId,
    modelVersion: '2.3.1',
    outputReference: 'pacs://studies/7/ai',
    outputSha256: sha256Hex(patientId),
    patientId,
    decision: 'rejected',
    reason,
  });
  const dueAt = () => new Date(Date.now() + 86_400_000).toISOString();
  const openRequest = async (pseudonym: string) =>
    (
      await t.http
        .post('/api/v1/disclosure-requests')
        .set(auth(legal))
        .send({
          reference: `C-${randomUUID().slice(0, 8)}`,
          requester: { kind: 'court', name: 'Rechtbank Utrecht' },
          legalBasis: 'PLD Art. 9',
          dueAt: dueAt(),
          scope: { patientPseudonyms: [pseudonym] },
        })
        .expect(201)
    ).body.requestId as string;
  const exportBundle = async (requestId: string) => {
    await t.catchUp();
    const url = `/api/v1/disclosure-requests/${requestId}/bundles`;
    let job = (await t.http.post(url).set(auth(legal)).expect(202)).body;
    for (let i = 0; i < 400 && job.status === 'running'; i++) {
      await new Promise((r) => setTimeout(r, 25));
      job = (await t.http.get(`${url}/${job.bundleId}`).set(auth(legal)).expect(200)).body;
    }
    expect(job).toMatchObject({ status: 'done', error: null });
    return job as { bundleId: string; download: string };
  };
  const download = async (path: string) =>
    (
      await t.http
        .get(path)
        .set(auth(legal))
        .buffer(true)
        .parse(rawBody as never)
        .expect(200)
    ).body as Buffer;
  /** Every place the secret can still be read: files under the data folder, and on PostgreSQL every row. */
  const everywhere = async () => {
    const files = await filesHolding(t.storage.config.dataDir, SECRET);
    if (testStorageKind() !== 'postgres') return files;
    return [...files, ...(await pgRowsHolding(t.app.get(DataSource), t.storage.config.schema!, SECRET)).map((table) => `pg:${table}`)];
  };

  beforeAll(async () => {
    t = await startTestApp();
    [alice, legal] = await Promise.all([t.token('clinician', 'alice'), t.token('legal', 'legal-1')]);
    systemId = (
      await t.http
        .post('/api/v1/ai-systems')
        .set(auth(await t.token('admin')))
        .send(aiSystemBody())
        .expect(201)
    ).body.aiSystemId;
  });
  afterAll(async () => t?.close());

  it('keeps a stored bundle for the legal claim (restricted, bundle named); after the lawyer discards it, erases, and nothing anywhere holds the text', async () => {
    const res = await t.http
      .post('/api/v1/reviews')
      .set(auth(alice))
      .send(review('NL-COPY-1', `${SECRET} noted on the film`))
      .expect(201);
    const pseudonym = (await t.http.get(`/api/v1/reviews/${res.body.reviewId}`).set(auth(alice)).expect(200)).body.patientPseudonym as string;
    const requestId = await openRequest(pseudonym);
    const { bundleId, download: content } = await exportBundle(requestId);
    const zip = `bundles/${bundleId}.zip`;
    // The grep sees the text where the bundle holds it (so an empty answer below means something).
    expect(await everywhere()).toEqual(expect.arrayContaining([`${zip}!data/timeline.json`, `${zip}!data/timeline.csv`, `${zip}!data/report.html`]));
    if (testStorageKind() === 'postgres') expect(await pgRowsHolding(t.app.get(DataSource), t.storage.config.schema!, pseudonym)).toContain('events');
    expect((await t.http.get(`/api/v1/disclosure-requests/${requestId}`).set(auth(legal)).expect(200)).body.bundles).toEqual([
      expect.objectContaining({ bundleId, dataSubjects: [pseudonym], discardedAt: null }),
    ]);

    // Art. 17(3)(e): the stored bundle restricts the erasure and is named with its request.
    const storedBundle = {
      ground: 'stored-bundle',
      article: 'GDPR Art. 17(3)(e)',
      context: 'disclosure',
      reference: `disclosure-${requestId}/bundle-${bundleId}`,
    };
    const first = await erase('NL-COPY-1').expect(200);
    expect(first.body).toMatchObject({ outcome: 'restricted', grounds: expect.arrayContaining([storedBundle]) });
    expect(await t.app.get(SubjectKeyStore).isShredded(pseudonym)).toBe(false);

    // The claim is over: delivered, closed; the stored bundle alone still restricts.
    const deliver = { bundleId, channel: 'court portal', deliveredTo: 'Rechtbank Utrecht' };
    await t.http.post(`/api/v1/disclosure-requests/${requestId}/deliveries`).set(auth(legal)).send(deliver).expect(200);
    await t.http.post(`/api/v1/disclosure-requests/${requestId}/close`).set(auth(legal)).send({ outcome: 'disclosed' }).expect(200);
    await t.catchUp();
    expect((await erase('NL-COPY-1').expect(200)).body).toMatchObject({ outcome: 'restricted', grounds: [storedBundle] });

    // Discarding needs a reason (400 naming it, nothing written), is for lawyers, and removes the file.
    const discard = `/api/v1/disclosure-requests/${requestId}/bundles/${bundleId}/discard`;
    const before = await t.eventCount();
    const noReason = await t.http.post(discard).set(auth(legal)).send({}).expect(400);
    expect(noReason.headers['content-type']).toMatch(/problem\+json/);
    expect(JSON.stringify(noReason.body)).toContain('reason');
    await t.http.post(discard).set(auth(alice)).send({ reason: 'x' }).expect(403);
    expect(await t.eventCount()).toBe(before);
    await t.http.post(discard).set(auth(legal)).send({ reason: 'Claim settled, no appeal' }).expect(200);
    expect(existsSync(join(t.storage.config.dataDir, zip))).toBe(false);
    const gone = await t.http.get(content).set(auth(legal)).expect(410);
    expect(gone.body).toMatchObject({ code: 'bundle-discarded' });
    const [discarded] = (await t.http.get(`/api/v1/disclosure-requests/${requestId}`).set(auth(legal)).expect(200)).body.bundles;
    // Chain of custody: the recorded hash stays, with who discarded it, when and why.
    expect(discarded).toMatchObject({
      bundleId,
      bundleSha256: expect.stringMatching(/^[0-9a-f]{64}$/),
      discardedBy: { subject: 'legal-1', role: 'legal' },
      discardReason: 'Claim settled, no appeal',
    });
    await t.http.post(discard).set(auth(legal)).send({ reason: 'again' }).expect(409);
    await t.catchUp();

    expect((await erase('NL-COPY-1').expect(200)).body).toMatchObject({ outcome: 'erased', pseudonym });
    expect(await everywhere()).toEqual([]);

    // A bundle exported after the erasure holds no text of the subject, in any of its files.
    const after = await exportBundle(await openRequest(pseudonym));
    expect(await bytesHolding(await download(after.download), 'after.zip', SECRET)).toEqual([]);
    expect(await everywhere()).toEqual([]);
  });

  it('discards, by itself, a bundle recorded after an erasure of a subject in it was decided', async () => {
    const res = await t.http
      .post('/api/v1/reviews')
      .set(auth(alice))
      .send(review('NL-COPY-2', `${SECRET} late bundle`))
      .expect(201);
    const pseudonym = (await t.http.get(`/api/v1/reviews/${res.body.reviewId}`).set(auth(alice)).expect(200)).body.patientPseudonym as string;
    // An AI-system scope: the open request does not name the patient, the bundle holds their text.
    const { requestId } = (
      await t.http
        .post('/api/v1/disclosure-requests')
        .set(auth(legal))
        .send({
          reference: 'C-LATE',
          requester: { kind: 'court', name: 'Rechtbank' },
          legalBasis: 'PLD Art. 9',
          dueAt: dueAt(),
          scope: { aiSystemIds: [systemId] },
        })
        .expect(201)
    ).body;
    await t.catchUp();
    let late: { bundleId: string; status: string; error: string | null } | undefined;
    const outcome = await t.app.get(CommandBus).execute(
      new EraseDataSubjectCommand(
        pseudonym,
        { subject: 'legal-1', role: 'legal' },
        {
          // Between the decision and the shred: the export records its bundle after the decision.
          beforeShred: async () => {
            const started = await t.app.get(BundleExports).start(requestId, { subject: 'legal-1', role: 'legal' });
            late = await started.done;
          },
        },
      ),
    );
    expect(outcome).toMatchObject({ outcome: 'erased' });
    expect(late).toMatchObject({ status: 'failed', error: expect.stringMatching(/erasure/) });
    const state = (await t.http.get(`/api/v1/disclosure-requests/${requestId}`).set(auth(legal)).expect(200)).body;
    expect(state.bundles).toEqual([expect.objectContaining({ bundleId: late!.bundleId, discardedAt: expect.any(String) })]);
    expect(await everywhere()).toEqual([]);
  });

  it('writes nothing when a read model cannot catch up (503 naming it)', async () => {
    await t.http.post('/api/v1/reviews').set(auth(alice)).send(review('NL-COPY-3', 'kept until the read models are back')).expect(201);
    await t.catchUp();
    // A poison event written past validation (issue 20, finding 2): the ai-systems read model stalls on it.
    const [registered] = await t.store.readStream(`ai-system-${systemId}`);
    const poisonId = randomUUID();
    await t.store.append(`ai-system-${poisonId}`, [
      { type: registered.type, data: { ...registered.data, aiSystemId: poisonId, supplier: { incidentContactEmail: null } } },
    ]);
    const before = await t.eventCount();
    const refused = await erase('NL-COPY-3').expect(503);
    expect(refused.headers['content-type']).toMatch(/problem\+json/);
    expect(refused.body).toMatchObject({ code: 'read-models-behind', detail: expect.stringContaining('ai-systems') });
    expect(await t.eventCount()).toBe(before);
  });
});
