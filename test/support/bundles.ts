import { writeFileSync } from 'node:fs';
import { aiSystemBody, rawBody, sha256Hex, type TestApp } from './test-app';

const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });

/** A finished export job as the API answers it. */
export interface FinishedExport {
  bundleId: string;
  download: string;
  bundleSha256: string;
}

/**
 * Exports a bundle of a disclosure request over HTTP as `token`, waits for the job to finish
 * (it fails the test if the job does not), and writes the zip to `path`.
 */
export async function exportBundleTo(t: TestApp, token: string, requestId: string, path: string): Promise<FinishedExport> {
  const url = `/api/v1/disclosure-requests/${requestId}/bundles`;
  let job = (await t.http.post(url).set(bearer(token)).expect(202)).body as { status: string; bundleId: string };
  for (let i = 0; i < 400 && job.status === 'running'; i++) {
    await new Promise((r) => setTimeout(r, 25));
    job = (await t.http.get(`${url}/${job.bundleId}`).set(bearer(token)).expect(200)).body as typeof job;
  }
  expect(job).toMatchObject({ status: 'done', error: null });
  const done = job as unknown as FinishedExport;
  writeFileSync(path, await downloadBytes(t, token, done.download));
  return done;
}

/** The bytes of a download link (a bundle's zip), as `token`. */
export async function downloadBytes(t: TestApp, token: string, path: string): Promise<Buffer> {
  return (
    await t.http
      .get(path)
      .set(bearer(token))
      .buffer(true)
      .parse(rawBody as never)
      .expect(200)
  ).body as Buffer;
}

/** Records a court's disclosure request for the given patients (due tomorrow) as `token`; its id. */
export async function courtRequestFor(t: TestApp, token: string, reference: string, patientPseudonyms: string[]): Promise<string> {
  const res = await t.http
    .post('/api/v1/disclosure-requests')
    .set(bearer(token))
    .send({
      reference,
      requester: { kind: 'court', name: 'Rechtbank' },
      legalBasis: 'PLD Art. 9',
      dueAt: new Date(Date.now() + 86_400_000).toISOString(),
      scope: { patientPseudonyms },
    })
    .expect(201);
  return (res.body as { requestId: string }).requestId;
}

/**
 * A court case's material over HTTP: an AI system (registered by admin-1) and one review by
 * clinician alice per decision, of patient NL-1001's study `pacs://NL-1001` (each output's digest
 * is that of its decision). `after(i)` runs once the i-th review is written (to anchor a head
 * there, say). The system's id and the review ids, in order.
 */
export async function reviewsOfOnePatient(
  t: TestApp,
  decisions: readonly string[],
  options: { reason?: (decision: string) => string; idempotencyKey?: (decision: string) => string; after?: (index: number) => Promise<unknown> } = {},
): Promise<{ systemId: string; reviewIds: string[] }> {
  const [admin, alice] = await Promise.all([t.token('admin', 'admin-1'), t.token('clinician', 'alice')]);
  const systemId = ((await t.http.post('/api/v1/ai-systems').set(bearer(admin)).send(aiSystemBody()).expect(201)).body as { aiSystemId: string }).aiSystemId;
  const reviewIds: string[] = [];
  for (const [i, decision] of decisions.entries()) {
    const body = {
      aiSystemId: systemId,
      modelVersion: '2.3.1',
      outputReference: 'pacs://NL-1001',
      outputSha256: sha256Hex(decision),
      patientId: 'NL-1001',
      decision,
      reason: options.reason?.(decision) ?? 'Second read',
    };
    const post = t.http.post('/api/v1/reviews').set(bearer(alice));
    if (options.idempotencyKey) post.set('Idempotency-Key', options.idempotencyKey(decision));
    reviewIds.push(((await post.send(body).expect(201)).body as { reviewId: string }).reviewId);
    await options.after?.(i);
  }
  return { systemId, reviewIds };
}
