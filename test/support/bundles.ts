import { writeFileSync } from 'node:fs';
import { rawBody, type TestApp } from './test-app';

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
