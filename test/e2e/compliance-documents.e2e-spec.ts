import { createHash } from 'node:crypto';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { aiSystemBody, rawBody, startTestApp, type TestApp } from '../support/test-app';

/**
 * The compliance file's documents over real HTTP (issue 23 item 3), on the store this run targets:
 * uploaded by streaming into the real blob store (hashed, 0600 at rest), each upload an event;
 * the list as of a past day differs from today's; download byte for byte, role-checked; bad input
 * refused with problem+json naming the field, writing no event and leaving no blob.
 */
describe('compliance file: documents as evidence (HTTP)', () => {
  let t: TestApp;
  let admin: string;
  let qm: string;
  let legal: string;
  let auditor: string;
  let clinician: string;
  let systemId: string;
  const auth = (token: string) => ({ Authorization: `Bearer ${token}` });
  const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
  const day = (offsetDays: number) => new Date(Date.now() + offsetDays * 86_400_000).toLocaleDateString('en-CA', { timeZone: 'Europe/Amsterdam' });
  const pdf = (text: string) => Buffer.from(`%PDF-1.7\n% ${text}\n%%EOF\n`);
  const blobRoot = () => join(t.storage.config.dataDir, 'blobs', 'sha256');
  const blobs = (): string[] => {
    const out: string[] = [];
    const walk = (dir: string) => {
      if (!existsSync(dir)) return;
      for (const e of readdirSync(dir)) {
        const p = join(dir, e);
        if (statSync(p).isDirectory()) walk(p);
        else out.push(e);
      }
    };
    walk(blobRoot());
    return out.sort();
  };
  const upload = (query: Record<string, string>, content: Buffer, token = qm, headers: Record<string, string> = {}) =>
    t.http.post(`/api/v1/ai-systems/${systemId}/documents`).query(query).set(auth(token)).set('Content-Type', 'application/pdf').set(headers).send(content);
  const list = async (query: Record<string, string> = {}) =>
    (await t.http.get(`/api/v1/ai-systems/${systemId}/documents`).query(query).set(auth(legal)).expect(200)).body as {
      validOn: string;
      items: Array<{ documentId: string; title: string; status: string; sha256: string; lastValidDay: string | null }>;
    };
  const ifu = { kind: 'instructions-for-use', title: 'Instructions for use ChestXR Triage 2.3', modelVersion: '2.3.1' };

  beforeAll(async () => {
    t = await startTestApp();
    [admin, qm, legal, auditor, clinician] = await Promise.all([
      t.token('admin', 'admin-1'),
      t.token('quality-manager', 'qm-1'),
      t.token('legal', 'lawyer-1'),
      t.token('auditor', 'auditor-1'),
      t.token('clinician', 'alice'),
    ]);
    systemId = (await t.http.post('/api/v1/ai-systems').set(auth(admin)).send(aiSystemBody()).expect(201)).body.aiSystemId as string;
  });
  afterAll(async () => t?.close());

  it('streams an upload into the blob store, 0600 at rest, and records it with hash, size, media type, validity and uploader', async () => {
    const content = pdf('IFU 2.3 first edition');
    const res = await upload({ ...ifu, validFrom: day(-60), filename: 'IFU 2.3.pdf' }, content, qm, { 'X-Content-SHA256': sha(content).toUpperCase() }).expect(
      201,
    );
    expect(res.body).toMatchObject({ aiSystemId: systemId, sha256: sha(content), sizeBytes: content.length, revision: 0 });
    expect(res.headers.location).toBe(`/api/v1/ai-systems/${systemId}/documents/${res.body.documentId}`);
    expect(res.headers.etag).toBe('"0"');
    const [event] = await t.store.readStream(`compliance-file-${systemId}`);
    expect(event).toMatchObject({
      type: 'compliance.DocumentRecorded',
      data: {
        aiSystemId: systemId,
        documentId: res.body.documentId,
        kind: 'instructions-for-use',
        modelVersion: '2.3.1',
        validFrom: day(-60),
        validUntil: null,
        sha256: sha(content),
        sizeBytes: content.length,
        mediaType: 'application/pdf',
        filename: 'IFU 2.3.pdf',
        uploadedBy: { subject: 'qm-1', role: 'quality-manager' },
      },
    });
    const path = join(blobRoot(), sha(content).slice(0, 2), sha(content).slice(2, 4), sha(content));
    expect(statSync(path).mode & 0o777).toBe(0o600);
  });

  it('lists which documents held on a past day and today, and what the registry knew at a past moment', async () => {
    const first = (await list()).items[0];
    const knewBefore = new Date().toISOString();
    await new Promise((r) => setTimeout(r, 5));
    const second = pdf('IFU 2.3 second edition');
    const res = await upload(
      { ...ifu, title: 'Instructions for use ChestXR Triage 2.3 rev. B', validFrom: day(-10), supersedes: first.documentId },
      second,
      legal,
    ).expect(201);
    const declaration = pdf('EU declaration of conformity');
    await upload({ kind: 'eu-declaration-of-conformity', title: 'EU declaration of conformity', validFrom: day(-30) }, declaration, admin).expect(201);

    const past = await list({ validOn: day(-20) });
    expect(past.items.map((d) => d.title)).toEqual(['Instructions for use ChestXR Triage 2.3', 'EU declaration of conformity']);
    const today = await list({ validOn: day(0) });
    expect(today.items.map((d) => d.title)).toEqual(['Instructions for use ChestXR Triage 2.3 rev. B', 'EU declaration of conformity']);
    expect((await list()).items.map((d) => [d.documentId, d.status, d.lastValidDay])).toEqual([
      [first.documentId, 'superseded', day(-11)],
      [res.body.documentId, 'valid', null],
      [expect.any(String), 'valid', null],
    ]);
    // As the registry knew it before the second upload: only the first edition, in force.
    const then = await list({ asOf: knewBefore });
    expect(then.items).toEqual([expect.objectContaining({ documentId: first.documentId, status: 'valid' })]);
    // The file shows the documents; with the IFU of the version in use and a declaration, neither is missing.
    await t.http
      .post(`/api/v1/ai-systems/${systemId}/classification`)
      .set(auth(qm))
      .send({
        role: 'deployer',
        aiActRiskClass: 'high',
        legalGround: 'art-6-1',
        legalGroundPoint: 'Annex I Section A point 11 (MDR), class IIa',
        mdrClass: 'IIa',
        inHouseDevice: false,
        rationale: 'Software medical device class IIa with a notified body',
      })
      .expect(200);
    const file = (await t.http.get(`/api/v1/ai-systems/${systemId}/compliance`).set(auth(auditor)).expect(200)).body;
    expect(file.documents).toHaveLength(3);
    expect(file.missing.join('\n')).not.toMatch(/instructions for use|declaration of conformity/);
    const fileThen = (await t.http.get(`/api/v1/ai-systems/${systemId}/compliance`).query({ asOf: knewBefore }).set(auth(auditor)).expect(200)).body;
    expect(fileThen.documents).toHaveLength(1);
  });

  it('downloads a document byte for byte with its hash, to the readers only', async () => {
    const content = pdf('Processing agreement (GDPR Art. 28)');
    const { documentId } = (await upload({ kind: 'processing-agreement', title: 'Processing agreement' }, content, legal).expect(201)).body;
    const url = `/api/v1/ai-systems/${systemId}/documents/${documentId}/content`;
    for (const token of [auditor, legal, qm, admin]) {
      const res = await t.http
        .get(url)
        .set(auth(token))
        .buffer(true)
        .parse(rawBody as never)
        .expect(200);
      expect(Buffer.compare(res.body as Buffer, content)).toBe(0);
      expect(res.headers['x-content-sha256']).toBe(sha(content));
      expect(res.headers['content-type']).toMatch(/^application\/pdf/);
    }
    await t.http.get(url).set(auth(clinician)).expect(403);
    await t.http.get(`/api/v1/ai-systems/${systemId}/documents`).set(auth(clinician)).expect(403);
    await upload({ kind: 'contract', title: 'Contract' }, pdf('by a clinician'), clinician).expect(403);
    await upload({ kind: 'contract', title: 'Contract' }, pdf('by an auditor'), auditor).expect(403);
    const missing = await t.http.get(`/api/v1/ai-systems/${systemId}/documents/0193a1b2-0000-7000-8000-00000000dead/content`).set(auth(legal)).expect(404);
    expect(missing.body).toMatchObject({ code: 'document-not-found', errors: [{ field: 'documentId' }] });
  });

  it('refuses bad input with problem+json naming the field, writing no event and leaving no blob', async () => {
    const content = pdf('Service level agreement');
    const sla = { kind: 'service-levels', title: 'Service levels' };
    process.env.COMPLIANCE_DOCUMENT_MAX_BYTES = '1000';
    const cases: Array<[string, () => ReturnType<typeof upload>, number, string, string]> = [
      ['unknown kind', () => upload({ ...sla, kind: 'brochure' }, content), 400, 'validation-failed', 'kind'],
      ['no title', () => upload({ kind: 'contract' }, content), 400, 'validation-failed', 'title'],
      ['IFU without version', () => upload({ ...ifu, modelVersion: '' }, content), 400, 'modelVersion-required', 'modelVersion'],
      ['not a date', () => upload({ ...sla, validFrom: '2026-02-30' }, content), 400, 'validation-failed', 'validFrom'],
      ['end before start', () => upload({ ...sla, validFrom: day(0), validUntil: day(-1) }, content), 422, 'valid-until-before-from', 'validUntil'],
      ['supersedes nothing', () => upload({ ...sla, supersedes: '0193a1b2-0000-7000-8000-00000000dead' }, content), 404, 'document-not-found', 'supersedes'],
      ['bad hash claim', () => upload(sla, content, qm, { 'X-Content-SHA256': 'abc' }), 400, 'invalid-sha256', 'X-Content-SHA256'],
      ['hash mismatch', () => upload(sla, content, qm, { 'X-Content-SHA256': sha(pdf('other')) }), 422, 'sha256-mismatch', 'X-Content-SHA256'],
      ['empty', () => upload(sla, Buffer.alloc(0)), 400, 'empty-upload', 'body'],
      ['too large', () => upload(sla, Buffer.alloc(1001, 1)), 413, 'body-too-large', ''],
      ['same content twice', () => upload(sla, pdf('Processing agreement (GDPR Art. 28)')), 409, 'document-already-recorded', 'body'],
      ['not a document type', () => upload(sla, content).set('Content-Type', 'text/html'), 415, 'unsupported-media-type', 'Content-Type'],
    ];
    try {
      const events = await t.eventCount();
      const stored = blobs();
      for (const [what, send, status, code, field] of cases) {
        const res = await send();
        expect({ what, status: res.status }).toEqual({ what, status });
        expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
        expect({ what, code: res.body.code }).toEqual({ what, code });
        if (field)
          expect({ what, fields: (res.body.errors as Array<{ field: string }>).map((e) => e.field) }).toEqual({
            what,
            fields: expect.arrayContaining([field]),
          });
        expect({ what, events: await t.eventCount(), blobs: blobs() }).toEqual({ what, events, blobs: stored });
      }
      const other = await t.http
        .post('/api/v1/ai-systems/0193a1b2-0000-7000-8000-00000000dead/documents')
        .query(sla)
        .set(auth(qm))
        .set('Content-Type', 'application/pdf')
        .send(content);
      expect(other.status).toBe(404);
      expect(other.body.code).toBe('ai-system-not-found');
      expect({ events: await t.eventCount(), blobs: blobs() }).toEqual({ events, blobs: stored });
    } finally {
      delete process.env.COMPLIANCE_DOCUMENT_MAX_BYTES;
    }
  });

  it('two uploads racing to supersede the same document: one is recorded, the other refused and its blob removed', async () => {
    const base = pdf('Contract with liability, recourse and indemnity clauses');
    const { documentId } = (await upload({ kind: 'contract', title: 'Contract 2026', validFrom: day(-90) }, base, legal).expect(201)).body;
    // Large enough that both requests pass the check of their metadata before either body is stored.
    const [a, b] = ['A', 'B'].map((v) => Buffer.concat([pdf(`Contract amendment ${v}`), Buffer.alloc(4 * 1024 ** 2, v)]));
    const events = await t.eventCount();
    const answers = await Promise.all(
      [a, b].map((content, i) => upload({ kind: 'contract', title: `Amendment ${i}`, validFrom: day(-1), supersedes: documentId }, content, legal)),
    );
    expect(answers.map((r) => r.status).sort()).toEqual([201, 409]);
    const [won, lost] = answers[0].status === 201 ? [a, b] : [b, a];
    expect(answers.find((r) => r.status === 409)!.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(await t.eventCount()).toBe(events + 2);
    expect(blobs()).toContain(sha(won));
    expect(blobs()).not.toContain(sha(lost));
  });

  it('a retry with the same Idempotency-Key answers the first upload, even after it superseded the document it names; another request under the key is 422', async () => {
    const base = pdf('Service levels 2026');
    const { documentId } = (await upload({ kind: 'service-levels', title: 'SLA 2026', validFrom: day(-30) }, base, qm).expect(201)).body;
    const renewal = pdf('Service levels 2027');
    const query = { kind: 'service-levels', title: 'SLA 2027', validFrom: day(-1), supersedes: documentId };
    const key = { 'Idempotency-Key': 'sla-renewal-2027' };
    const first = await upload(query, renewal, qm, key).expect(201);
    const events = await t.eventCount();
    const stored = blobs();
    const retry = await upload(query, renewal, qm, key).expect(201);
    expect(retry.body).toMatchObject({ replayed: true, documentId: first.body.documentId, sha256: sha(renewal), sizeBytes: renewal.length });
    expect(first.body.replayed).toBe(false);
    // Same key, other content or other metadata: refused, nothing written, no blob left behind.
    const otherContent = await upload(query, pdf('Service levels 2027, edited'), qm, key).expect(422);
    expect(otherContent.body).toMatchObject({ code: 'idempotency-key-reused', errors: [{ field: 'Idempotency-Key' }] });
    const otherTitle = await upload({ ...query, title: 'SLA 2027 (v2)' }, renewal, qm, key).expect(422);
    expect(otherTitle.body.code).toBe('idempotency-key-reused');
    expect({ events: await t.eventCount(), blobs: blobs() }).toEqual({ events, blobs: stored });
    // Keys are per user: another uploader's identical key is a request of its own, decided afresh
    // (and refused: the document it supersedes no longer holds), which the retry above was not.
    const other = await upload(query, renewal, legal, key);
    expect(other.status).toBe(409);
    expect(other.body.code).toBe('document-not-in-force');
    await upload(query, renewal, qm, { 'Idempotency-Key': 'x' }).expect(400);
  });

  it('withdraws a document from a day with a reason, once; it no longer holds from then', async () => {
    const content = pdf('Security and patching commitments');
    const { documentId } = (await upload({ kind: 'security-commitments', title: 'Security and patching', validFrom: day(-5) }, content, qm).expect(201)).body;
    const url = `/api/v1/ai-systems/${systemId}/documents/${documentId}/withdrawal`;
    const bad = await t.http
      .post(url)
      .set(auth(legal))
      .send({ reason: ' x', effectiveOn: day(1) })
      .expect(422);
    expect(bad.body).toMatchObject({ code: 'decided-in-future', errors: [{ field: 'effectiveOn' }] });
    await t.http.post(url).set(auth(auditor)).send({ reason: 'Ended' }).expect(403);
    await t.http
      .post(url)
      .set(auth(legal))
      .send({ reason: 'Supplier ended the commitment', effectiveOn: day(-1) })
      .expect(200);
    await t.http.post(url).set(auth(legal)).send({ reason: 'Again' }).expect(409);
    const statuses = Object.fromEntries((await list()).items.map((d) => [d.documentId, d.status]));
    expect(statuses[documentId]).toBe('withdrawn');
    expect((await list({ validOn: day(-2) })).items.map((d) => d.documentId)).toContain(documentId);
    expect((await list({ validOn: day(-1) })).items.map((d) => d.documentId)).not.toContain(documentId);
  });
});
