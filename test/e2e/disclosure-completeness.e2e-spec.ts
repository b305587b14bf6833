import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { verifyBundle } from '@app/evidence';
import { requirePythonVerifier, verifyWithPython } from '../support/python-verifier';
import { aiSystemBody, sha256Hex, startTestApp, type TestApp } from '../support/test-app';
import { readZip } from '../support/zip';
import { exportBundleTo } from '../support/bundles';

interface Listed {
  streamId: string;
  firstAt: string;
  headRevision: number;
  matchedBy: string[];
  included: boolean;
}

/**
 * Completeness as a written rule (VERIFY.md B.9, issue 22 build 5): a stream is in view when any
 * naming member at any depth of its events' data names the scope (a hold's or a request's own
 * `scope` too), and a period selects a stream by any of its events, not by its first.
 */
describe('Completeness of a bundle: what names a subject, and how a period selects (HTTP)', () => {
  let t: TestApp;
  let legal: string;
  let alice: string;
  let systemId: string;
  const dir = mkdtempSync(join(tmpdir(), 'bundle-completeness-'));
  const auth = (token: string) => ({ Authorization: `Bearer ${token}` });

  beforeAll(async () => {
    requirePythonVerifier();
    t = await startTestApp();
    let admin: string;
    [legal, alice, admin] = await Promise.all([t.token('legal', 'lawyer-1'), t.token('clinician', 'alice'), t.token('admin', 'admin-1')]);
    systemId = (await t.http.post('/api/v1/ai-systems').set(auth(admin)).send(aiSystemBody()).expect(201)).body.aiSystemId;
  });
  afterAll(async () => t?.close());

  const review = async (patientId: string, decidedAt?: string): Promise<string> =>
    (
      await t.http
        .post('/api/v1/reviews')
        .set(auth(alice))
        .send({
          aiSystemId: systemId,
          modelVersion: '2.3.1',
          outputReference: `pacs://${patientId}`,
          outputSha256: sha256Hex(patientId),
          patientId,
          decision: 'rejected',
          reason: 'Missed a nodule',
          decidedAt,
        })
        .expect(201)
    ).body.reviewId;
  const pseudonymOf = async (patientId: string): Promise<string> =>
    (await t.http.post('/api/v1/patients/timeline').set(auth(legal)).send({ patientId }).expect(200)).body.patientPseudonym;
  const request = async (scope: Record<string, unknown>): Promise<string> =>
    (
      await t.http
        .post('/api/v1/disclosure-requests')
        .set(auth(legal))
        .send({
          reference: 'C/13/777 / HA ZA 26-1',
          requester: { kind: 'court', name: 'Rechtbank Utrecht' },
          legalBasis: 'PLD (EU) 2024/2853 Art. 9',
          dueAt: new Date(Date.now() + 14 * 86_400_000).toISOString(),
          scope,
        })
        .expect(201)
    ).body.requestId;

  /** Exports the request's bundle and returns its path, with its completeness list. */
  const exportBundle = async (requestId: string, name: string) => {
    const path = join(dir, `${name}.zip`);
    await exportBundleTo(t, legal, requestId, path);
    const files = await readZip(path);
    const streams = JSON.parse(files.get('data/completeness.json')!.toString()).streams as Listed[];
    const inEvents = new Set(
      files
        .get('data/events.jsonl')!
        .toString()
        .trim()
        .split('\n')
        .map((l) => (JSON.parse(l) as { streamId: string }).streamId),
    );
    return { path, streams, inEvents };
  };

  it('holds the legal hold and the disclosure request that name the patient, listed and proven by both verifiers', async () => {
    await review('NL-3003');
    const pseudonym = await pseudonymOf('NL-3003');
    // The patient is named only inside the hold's and the request's `scope` object.
    const holdId = (
      await t.http
        .post('/api/v1/legal-holds')
        .set(auth(legal))
        .send({ scope: { patientPseudonyms: [pseudonym] }, reason: 'Claim 2026-0042' })
        .expect(201)
    ).body.holdId;
    const requestId = await request({ patientPseudonyms: [pseudonym] });

    const { path, streams, inEvents } = await exportBundle(requestId, 'named');
    for (const streamId of [`hold-${holdId}`, `disclosure-${requestId}`]) {
      expect(streams.find((s) => s.streamId === streamId)).toMatchObject({ included: true, matchedBy: [`patient:${pseudonym}`] });
      expect(inEvents.has(streamId)).toBe(true);
    }
    const ts = await verifyBundle(path);
    expect(ts.problems).toEqual([]);
    const py = await verifyWithPython(path);
    expect(py.problems).toEqual([]);
    expect(py.eventsProven).toBe(ts.events);
  });

  it('selects by every event in the period: a review made before it, corrected inside it, is in the bundle', async () => {
    const reviewId = await review('NL-4004', new Date(Date.now() - 10 * 86_400_000).toISOString());
    const pseudonym = await pseudonymOf('NL-4004');
    const from = new Date(Date.now() - 86_400_000).toISOString();
    await t.http
      .post(`/api/v1/reviews/${reviewId}/corrections`)
      .set(auth(alice))
      .send({ decision: 'modified', reason: 'Nodule seen on review', correctionNote: 'second read' })
      .expect(200);
    const requestId = await request({ patientPseudonyms: [pseudonym], from });

    const { path, streams, inEvents } = await exportBundle(requestId, 'period');
    const listed = streams.find((s) => s.streamId === `review-${reviewId}`);
    expect(listed).toMatchObject({ included: true, headRevision: 1, matchedBy: [`patient:${pseudonym}`] });
    expect(listed!.firstAt < from).toBe(true); // its first event is before the period; the correction is in it
    expect(inEvents.has(`review-${reviewId}`)).toBe(true);
    expect((await verifyBundle(path)).problems).toEqual([]);
    expect((await verifyWithPython(path)).problems).toEqual([]);
  });
});
