import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { verifyBundle } from '@app/evidence';
import { CLOCK, type Clock } from '@app/event-store';
import { KEY_MATERIAL, type KeyMaterial } from '@app/identity';
import { aiSystemBody, sha256Hex, startTestApp, type TestApp, rawBody } from '../support/test-app';
import { refLeafHash, refRootFromInclusion } from '../support/rfc9162-reference';
import { rederive } from '../support/rederive';
import { refLineLeafText } from '../support/leaf-reference';
import { readZip, rebag, writeZip } from '../support/zip';

/** A lawyer answers a court order with a bundle the other side can check offline. */
describe('Disclosure requests and evidence bundles (HTTP)', () => {
  let t: TestApp;
  let legal: string;
  let alice: string;
  let admin: string;
  let requestId: string;
  let pseudonym: string;
  let bundlePath: string;
  const dir = mkdtempSync(join(tmpdir(), 'bundle-test-'));
  const auth = (token: string) => ({ Authorization: `Bearer ${token}` });

  beforeAll(async () => {
    t = await startTestApp();
    [legal, alice, admin] = await Promise.all([t.token('legal', 'lawyer-1'), t.token('clinician', 'alice'), t.token('admin', 'admin-1')]);
    const systemId = (await t.http.post('/api/v1/ai-systems').set(auth(admin)).send(aiSystemBody()).expect(201)).body.aiSystemId;
    const review = (patientId: string, reason: string) => ({
      aiSystemId: systemId,
      modelVersion: '2.3.1',
      outputReference: `pacs://${patientId}`,
      outputSha256: sha256Hex(patientId),
      patientId,
      decision: 'rejected',
      reason,
    });
    await t.http.post('/api/v1/reviews').set(auth(alice)).send(review('NL-1001', 'Missed a fracture <script>alert(1)</script>')).expect(201);
    await t.http.post('/api/v1/reviews').set(auth(alice)).send(review('NL-2002', 'Other patient, not in scope')).expect(201);
    pseudonym = (await t.http.post('/api/v1/patients/timeline').set(auth(legal)).send({ patientId: 'NL-1001' }).expect(200)).body.patientPseudonym;
  });
  afterAll(async () => t?.close());

  it('reconstructs what was known about a patient at a moment, from events only', async () => {
    const now = await t.http.get(`/api/v1/reconstruction?patient=${pseudonym}`).set(auth(legal)).expect(200);
    expect(now.body.timeline.map((e: { type: string }) => e.type)).toEqual(['oversight.AiOutputReviewed']);
    expect(now.body.timeline[0]).toMatchObject({ patient: pseudonym, decision: 'rejected', text: expect.stringContaining('Missed a fracture') });
    const before = await t.http.get(`/api/v1/reconstruction?patient=${pseudonym}&asOf=2020-01-01T00:00:00Z`).set(auth(legal)).expect(200);
    expect(before.body).toMatchObject({ cutoffPosition: 0, timeline: [] });
    await t.http.get('/api/v1/reconstruction').set(auth(legal)).expect(400);
    await t.http.get(`/api/v1/reconstruction?patient=${pseudonym}`).set(auth(alice)).expect(403);
  });

  it('records the request; only legal may, and a scope is required', async () => {
    const body = {
      reference: 'C/13/123456 / HA ZA 26-789',
      requester: { kind: 'court', name: 'Rechtbank Amsterdam' },
      legalBasis: 'PLD (EU) 2024/2853 Art. 9',
      dueAt: new Date(Date.now() + 14 * 86_400_000).toISOString(),
      scope: { patientPseudonyms: [pseudonym] },
    };
    const before = await t.eventCount();
    await t.http.post('/api/v1/disclosure-requests').set(auth(admin)).send(body).expect(403);
    const empty = await t.http
      .post('/api/v1/disclosure-requests')
      .set(auth(legal))
      .send({ ...body, scope: {} })
      .expect(400);
    expect(empty.body).toMatchObject({ code: 'scope-empty', errors: [{ field: 'scope' }] });
    expect(await t.eventCount()).toBe(before);
    requestId = (await t.http.post('/api/v1/disclosure-requests').set(auth(legal)).send(body).expect(201)).body.requestId;
  });

  it('lists requests, and an open request naming the patient restricts their erasure (GDPR Art. 17(3)(e))', async () => {
    await t.catchUp();
    const list = (await t.http.get('/api/v1/disclosure-requests?status=open').set(auth(legal)).expect(200)).body;
    expect(list.items.map((r: { requestId: string }) => r.requestId)).toContain(requestId);
    expect((await t.http.get('/api/v1/disclosure-requests?overdue=true').set(auth(legal)).expect(200)).body.items).toEqual([]);
    const clock = t.app.get<Clock>(CLOCK);
    clock.travelTo(new Date(Date.now() + 15 * 86_400_000)); // past the 14-day order
    try {
      const overdue = (await t.http.get('/api/v1/disclosure-requests?overdue=true').set(auth(legal)).expect(200)).body.items;
      expect(overdue.map((r: { requestId: string }) => r.requestId)).toEqual([requestId]);
      expect((await t.http.get('/metrics').expect(200)).text).toMatch(/^oversight_disclosures_overdue 1$/m);
    } finally {
      clock.reset();
    }
    const erasure = await t.http.post('/api/v1/data-subjects/erasure').set(auth(legal)).send({ patientId: 'NL-1001' }).expect(200);
    expect(erasure.body).toMatchObject({
      outcome: 'restricted',
      grounds: [{ ground: 'disclosure-request', article: 'GDPR Art. 17(3)(e)', context: 'disclosure', reference: `disclosure-${requestId}` }],
    });
  });

  it('exports a bundle as a job, records it with its SHA-256, and serves it to legal only', async () => {
    await t.http.post(`/api/v1/disclosure-requests/${requestId}/bundles`).set(auth(admin)).expect(403);
    const started = await t.http.post(`/api/v1/disclosure-requests/${requestId}/bundles`).set(auth(legal)).expect(202);
    let job = started.body;
    for (let i = 0; i < 200 && job.status === 'running'; i++) {
      await new Promise((r) => setTimeout(r, 25));
      job = (await t.http.get(`/api/v1/disclosure-requests/${requestId}/bundles/${job.bundleId}`).set(auth(legal)).expect(200)).body;
    }
    expect(job).toMatchObject({ status: 'done', error: null });
    const download = await t.http
      .get(job.download)
      .set(auth(legal))
      .buffer(true)
      .parse(rawBody as never)
      .expect(200);
    const zip = download.body as Buffer;
    expect(createHash('sha256').update(zip).digest('hex')).toBe(job.bundleSha256);
    bundlePath = join(dir, 'bundle.zip');
    writeFileSync(bundlePath, zip);
    await t.http.get(job.download).set(auth(admin)).expect(403);

    // NEN 7513: the export and the download are in the access log, naming the patient.
    const auditor = await t.token('auditor', 'audit-1');
    const log = (await t.http.get(`/api/v1/access-log?subject=${pseudonym}`).set(auth(auditor)).expect(200)).body;
    expect(log.items.map((e: { action: string }) => e.action)).toEqual(expect.arrayContaining(['export', 'download']));

    const request = (await t.http.get(`/api/v1/disclosure-requests/${requestId}`).set(auth(legal)).expect(200)).body;
    expect(request.bundles).toEqual([expect.objectContaining({ bundleId: job.bundleId, bundleSha256: job.bundleSha256 })]);
  });

  it('holds exactly the events in scope, with BagIt files and a readable, escaped report', async () => {
    const files = await readZip(bundlePath);
    expect([...files.keys()]).toEqual(
      expect.arrayContaining([
        'data/report.pdf',
        'bagit.txt',
        'bag-info.txt',
        'manifest-sha256.txt',
        'tagmanifest-sha256.txt',
        'data/events.jsonl',
        'data/proofs.jsonl',
        'data/timeline.json',
        'data/timeline.csv',
        'data/report.html',
        'data/checkpoint.json',
        'data/checkpoint.sig',
        'data/public-key.pem',
        'data/VERIFY.md',
        'data/completeness.json',
      ]),
    );
    const events = files
      .get('data/events.jsonl')!
      .toString()
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    const reviews = events.filter((e) => e.type === 'oversight.AiOutputReviewed');
    expect(reviews).toHaveLength(1);
    expect(reviews[0].data.patientPseudonym).toBe(pseudonym);
    expect(events.some((e) => e.streamId.startsWith('ai-system-'))).toBe(false); // only the patient was in scope
    const report = files.get('data/report.html')!.toString();
    expect(report).toContain('Missed a fracture &lt;script&gt;');
    expect(report).toMatch(new RegExp(`<code>${pseudonym}</code></td><td>1</td>`)); // the summary per patient
    expect(report).not.toContain('<script>');
    expect(files.get('data/timeline.csv')!.toString()).toContain('Missed a fracture');
    const pdf = files.get('data/report.pdf')!;
    expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
    expect(pdf.subarray(-6).toString()).toMatch(/%%EOF/);
    expect(files.get('bag-info.txt')!.toString()).toMatch(/External-Identifier: C\/13\/123456/);
    // NEN 7513: the reads of this patient's data travel with the bundle.
    const reads = files
      .get('data/access-log.jsonl')!
      .toString()
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(reads.map((r) => r.dataSubject)).toEqual(reads.map(() => pseudonym));
    // The export of this very bundle is logged as the job starts, so it may or may not be inside it.
    expect(reads.map((r) => r.action)).toEqual(expect.arrayContaining(['read-timeline']));
  });

  it('verifies offline: registry verify-bundle, sha256sum -c and openssl', async () => {
    const report = await verifyBundle(bundlePath);
    expect(report).toMatchObject({ ok: true, problems: [] });
    expect(report.events).toBeGreaterThan(0);
    const out = join(dir, 'unzipped');
    execFileSync('python3', ['-m', 'zipfile', '-e', bundlePath, out]);
    expect(execFileSync('sha256sum', ['-c', 'manifest-sha256.txt'], { cwd: out }).toString()).not.toMatch(/FAILED/);
    execFileSync('sha256sum', ['-c', 'tagmanifest-sha256.txt'], { cwd: out });
    const openssl = execFileSync(
      'openssl',
      ['pkeyutl', '-verify', '-pubin', '-inkey', 'data/public-key.pem', '-rawin', '-in', 'data/checkpoint.json', '-sigfile', 'data/checkpoint.sig'],
      { cwd: out },
    ).toString();
    expect(openssl).toMatch(/Signature Verified Successfully/);

    // The proofs, checked by the independently written RFC 9162 verifier of the tests: each line of
    // events.jsonl minus its position (the leaf, DESIGN §5; leaf format 2, the default, also
    // without its salts and with each committed member as its commitment, B.4a) hashes to a leaf
    // that reaches the signed root.
    const head = JSON.parse(readFileSync(join(out, 'data/checkpoint.json'), 'utf8'));
    const eventLines = readFileSync(join(out, 'data/events.jsonl'), 'utf8').trim().split('\n');
    const proofs = readFileSync(join(out, 'data/proofs.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(proofs).toHaveLength(eventLines.length);
    eventLines.forEach((line, i) => {
      const leaf = refLeafHash(Buffer.from(refLineLeafText(JSON.parse(line) as Record<string, unknown>), 'utf8'));
      expect(proofs[i]).toMatchObject({ position: JSON.parse(line).globalPosition, treeSize: head.treeSize, leafHash: leaf.toString('hex') });
      const root = refRootFromInclusion(
        proofs[i].leafIndex,
        head.treeSize,
        leaf,
        proofs[i].proof.map((h: string) => Buffer.from(h, 'hex')),
      );
      expect(root?.toString('hex')).toBe(head.rootHash);
    });
  });

  it('fails verification for a changed event, naming its position, and for any flipped byte', async () => {
    const files = await readZip(bundlePath);
    const lines = files.get('data/events.jsonl')!.toString().split('\n');
    const i = lines.findIndex((l) => l.includes('oversight.AiOutputReviewed'));
    const position = JSON.parse(lines[i]).globalPosition;
    lines[i] = lines[i].replace('"decision":"rejected"', '"decision":"accepted"');
    files.set('data/events.jsonl', Buffer.from(lines.join('\n')));
    const tampered = join(dir, 'tampered.zip');
    await writeZip(tampered, files);
    const report = await verifyBundle(tampered);
    expect(report.ok).toBe(false);
    expect(report.problems).toEqual(expect.arrayContaining([expect.objectContaining({ position, problem: expect.stringMatching(/was changed/) })]));

    // Bytes of the files' contents fail on their own; bytes of the zip container (names in local
    // headers, timestamps) fail against the SHA-256 recorded when the bundle was exported.
    const raw = readFileSync(bundlePath);
    const recorded = createHash('sha256').update(raw).digest('hex');
    expect((await verifyBundle(bundlePath, { expectedSha256: recorded })).ok).toBe(true);
    for (const at of [12, 40, 200, Math.floor(raw.length / 3), Math.floor(raw.length / 2), raw.length - 30]) {
      const flipped = Buffer.from(raw);
      flipped[at] ^= 0x01;
      const p = join(dir, `flip-${at}.zip`);
      writeFileSync(p, flipped);
      expect((await verifyBundle(p, { expectedSha256: recorded })).ok).toBe(false);
    }
    const inPayload = Buffer.from(raw);
    inPayload[200] ^= 0x01; // inside the compressed events.jsonl
    writeFileSync(join(dir, 'payload-flip.zip'), inPayload);
    expect((await verifyBundle(join(dir, 'payload-flip.zip'))).ok).toBe(false);
  });

  it('reports a damaged events.jsonl as failed, neither crashing nor hanging, whichever byte of its compressed data is flipped', async () => {
    const raw = readFileSync(bundlePath);
    // events.jsonl is the first entry: its compressed data follows the local header.
    expect(raw.toString('utf8', 30, 30 + raw.readUInt16LE(26))).toBe('data/events.jsonl');
    const start = 30 + raw.readUInt16LE(26) + raw.readUInt16LE(28);
    const p = join(dir, 'damaged.zip');
    for (let at = start; at < Math.min(start + 400, raw.length); at++) {
      const flipped = Buffer.from(raw);
      flipped[at] ^= 0x10;
      writeFileSync(p, flipped);
      expect((await verifyBundle(p)).ok).toBe(false);
    }
    // 400 verifications: about 6 s alone, five times that on a loaded CI machine (it once ran past 30 s).
  }, 120_000);

  it('detects a stream cut short, left out or not in scope, even when the producer redoes the manifests', async () => {
    const files = await readZip(bundlePath);
    const lines = files.get('data/events.jsonl')!.toString().trim().split('\n');
    const proofs = files.get('data/proofs.jsonl')!.toString().trim().split('\n');
    const completeness = JSON.parse(files.get('data/completeness.json')!.toString());
    const review = completeness.streams.find((s: { streamId: string }) => s.streamId.startsWith('review-'));
    expect(review).toMatchObject({ included: true, matchedBy: [`patient:${pseudonym}`], headRevision: 0 });
    expect(completeness.scope).toMatchObject({ patientPseudonyms: [pseudonym] });
    const variant = async (name: string, change: (f: Map<string, Buffer>) => void, outsider = false) => {
      const f = new Map(files);
      change(f);
      // As a producer who fixes everything up would: what B.12 derives from the events, redone,
      // and the signed statement (B.14) too, with the hospital's own key (an outsider has none).
      await rederive(f, files);
      rebag(f, outsider ? undefined : t.app.get<KeyMaterial>(KEY_MATERIAL).ledgerSigning.privateKey);
      const p = join(dir, `${name}.zip`);
      await writeZip(p, f);
      return verifyBundle(p);
    };
    const withoutStream = (f: Map<string, Buffer>, streamId: string) => {
      const keep = lines.map((l) => JSON.parse(l).streamId !== streamId);
      f.set('data/events.jsonl', Buffer.from(`${lines.filter((_, i) => keep[i]).join('\n')}\n`));
      f.set('data/proofs.jsonl', Buffer.from(`${proofs.filter((_, i) => keep[i]).join('\n')}\n`));
    };
    const listing = (f: Map<string, Buffer>, edit: (s: { streamId: string; included: boolean; headRevision: number }[]) => unknown[]) =>
      f.set('data/completeness.json', Buffer.from(JSON.stringify({ ...completeness, streams: edit(completeness.streams) })));

    // Its events dropped while still listed as included.
    const dropped = await variant('dropped', (f) => withoutStream(f, review.streamId));
    expect(dropped.problems).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ problem: expect.stringMatching(new RegExp(`${review.streamId} is listed as included but has no events`)) }),
      ]),
    );
    // Its latest events dropped: the head revision stated for the cut-off shows the tail is missing.
    const cut = await variant('cut', (f) => listing(f, (s) => s.map((x) => (x.streamId === review.streamId ? { ...x, headRevision: 1 } : x))));
    expect(cut.problems).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ problem: `stream ${review.streamId} is incomplete: revisions 1 to 1 (its head at the cut-off) are missing` }),
      ]),
    );
    // Left out although the scope and the period cover it.
    const excluded = await variant('excluded', (f) => {
      withoutStream(f, review.streamId);
      listing(f, (s) => s.map((x) => (x.streamId === review.streamId ? { ...x, included: false } : x)));
    });
    expect(excluded.problems).toEqual(
      expect.arrayContaining([expect.objectContaining({ problem: expect.stringMatching(/in view of the scope and in its period, but was left out/) })]),
    );
    // A stream that names nothing in scope, slipped in.
    const foreign = await variant('foreign', (f) =>
      listing(f, (s) => s.map((x) => (x.streamId === review.streamId ? { ...x, matchedBy: ['patient:someone-else'] } : x))),
    );
    expect(foreign.problems).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ problem: expect.stringMatching(/listed as matching patient:someone-else, its events match patient:/) }),
      ]),
    );
    // The limit (docs/evidence.md): a stream absent from both events.jsonl and the list is the
    // producer's statement, not provable from the bundle; the list is signed with the registry's
    // key (B.14), so only the hospital itself can change it, and bound by the bundle's SHA-256
    // recorded in the ledger (BundleExported) and checkable against the log.
    const unlist = (f: Map<string, Buffer>) => {
      withoutStream(f, review.streamId);
      listing(f, (s) => s.filter((x) => x.streamId !== review.streamId));
    };
    expect((await variant('unlisted', unlist)).ok).toBe(true);
    expect((await variant('unlisted-outsider', unlist, true)).problems).toEqual(
      expect.arrayContaining([{ file: 'data/completeness.json', problem: expect.stringMatching(/differs from the signed bundle statement/) }]),
    );
  });

  // A rule outside the committed members (ADR 0039: `outputReference` is not one) withholds the
  // event whole, whatever its leaf format; a committed one is redacted alone (field-redaction suite).
  it('redacts an event by a member that is not committed: withheld whole, its leaf still in the tree, bound to the decision, nothing of it shown', async () => {
    const files = await readZip(bundlePath);
    const review = files
      .get('data/events.jsonl')!
      .toString()
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l))
      .find((e) => e.type === 'oversight.AiOutputReviewed');
    await t.http
      .post(`/api/v1/disclosure-requests/${requestId}/redactions`)
      .set(auth(legal))
      .send({ redactions: [{ eventId: review.eventId, path: '/outputReference', ground: 'third-party-personal-data' }] })
      .expect(200);
    const started = (await t.http.post(`/api/v1/disclosure-requests/${requestId}/bundles`).set(auth(legal)).expect(202)).body;
    let job = started;
    for (let i = 0; i < 200 && job.status === 'running'; i++) {
      await new Promise((r) => setTimeout(r, 25));
      job = (await t.http.get(`/api/v1/disclosure-requests/${requestId}/bundles/${job.bundleId}`).set(auth(legal))).body;
    }
    const zip = (
      await t.http
        .get(job.download)
        .set(auth(legal))
        .buffer(true)
        .parse((res, cb) => {
          const c: Buffer[] = [];
          res.on('data', (d: Buffer) => c.push(d));
          res.on('end', () => cb(null, Buffer.concat(c)));
        })
    ).body as Buffer;
    const p = join(dir, 'redacted.zip');
    writeFileSync(p, zip);
    const report = await verifyBundle(p);
    expect(report).toMatchObject({ ok: true, redacted: 1 });
    expect(report.restsOnHospital).toEqual(expect.arrayContaining([expect.stringMatching(/^withheld \(redacted\) events: nothing of them is shown/)]));
    const redactedLine = (await readZip(p))
      .get('data/events.jsonl')!
      .toString()
      .split('\n')
      .find((l) => l.includes(review.eventId))!;
    expect(JSON.parse(redactedLine)).toEqual({
      $withheld: { eventId: review.eventId, ground: 'third-party-personal-data' },
      globalPosition: review.globalPosition,
      streamId: review.streamId,
      streamRevision: review.streamRevision,
    });
    const all = [...(await readZip(p)).values()].map((b) => b.toString('latin1')).join('');
    // (completeness.json still lists its stream, with the time of its first event: B.9's bookkeeping, not content.)
    for (const secret of [review.data.reason.ct, review.data.reason.commitment, review.data.outputReference, review.data.outputSha256])
      expect(all).not.toContain(secret);
    expect((await readZip(p)).get('data/report.html')!.toString()).toContain('[withheld: third-party-personal-data]');
  });
});
