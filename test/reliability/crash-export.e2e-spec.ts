import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SqlDatabase, SqlEventStore } from '@app/event-store';
import { type ChildApi, startChildApi, waitForExit } from '../support/child-api';
import { seedReviews } from '../support/seed';
import { newTestStorage, openTestDataSource, type TestStorage } from '../support/test-storage';
import { eventually, pick, readModelsAndRebuild, registry, tokenFor } from './support';

const REVIEWS = pick(800, 20000);

/**
 * GET that survives one thing only: a kept-alive connection reset by a *running* API. Node closes
 * a keep-alive socket when its event loop was blocked past `keepAliveTimeout` (5 s), even with the
 * next request already sent; the export blocks it ~1.6 s at load 7, longer on a loaded CI machine
 * (the one unexplained failure of this test, docs/reliability.md). A crashed API still fails.
 */
async function pollWhileAlive(api: ChildApi, path: string, headers: Record<string, string>): Promise<Response> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fetch(`${api.url}${path}`, { headers });
    } catch (err) {
      const reset = (err as { cause?: { code?: string } }).cause?.code === 'ECONNRESET';
      if (!reset || attempt === 3 || api.proc.exitCode !== null || api.proc.signalCode !== null) throw err;
    }
  }
}
async function stop(api: ChildApi): Promise<void> {
  api.proc.kill('SIGTERM');
  await waitForExit(api.proc);
}
const REQUEST_ID = '01936f0e-8a4b-7c3d-9e2f-0000000000bb';

/**
 * SIGKILL the API while it writes an evidence bundle: after a restart the half-written file is
 * gone, the killed export is offered neither as a job nor for download, nothing was recorded
 * for it, a new export completes and verifies offline, and `registry verify` passes.
 */
describe('Crash during bundle export (SIGKILL, child process)', () => {
  let storage: TestStorage;
  const bundles = () => join(storage.config.dataDir, 'bundles');
  const files = () => (existsSync(bundles()) ? readdirSync(bundles()) : []);

  beforeAll(async () => {
    storage = newTestStorage();
    const ds = await openTestDataSource(storage);
    try {
      const store = new SqlEventStore(new SqlDatabase(ds));
      const { systems } = await seedReviews(store, REVIEWS, { systems: 1 });
      await store.append(`disclosure-${REQUEST_ID}`, [
        {
          type: 'disclosure.DisclosureRequestReceived',
          data: {
            requestId: REQUEST_ID,
            reference: 'CRASH-1',
            requester: { kind: 'court', name: 'Rechtbank' },
            legalBasis: 'PLD Art. 9',
            receivedAt: '2026-11-01T00:00:00.000Z',
            dueAt: '2027-12-01T00:00:00.000Z',
            scope: { patientPseudonyms: [], aiSystemIds: [systems[0]], incidentIds: [], from: null, to: null },
            receivedBy: { subject: 'lawyer-1', role: 'legal' },
          },
        },
      ]);
    } finally {
      await ds.destroy();
    }
  }, 240_000);
  afterAll(async () => storage?.cleanup());

  it('offers no half-written bundle after kill -9 mid-export, and exports again cleanly', async () => {
    const legal = await tokenFor(storage, 'legal', 'lawyer-1');
    const auth = { Authorization: `Bearer ${legal}` };
    const base = `/api/v1/disclosure-requests/${REQUEST_ID}/bundles`;
    const first = await startChildApi(storage.env);
    const started = await fetch(`${first.url}${base}`, { method: 'POST', headers: auth });
    expect(started.status).toBe(202);
    const { bundleId } = (await started.json()) as { bundleId: string };
    // Kill once the zip is being written: the partial file exists and has bytes in it.
    const partial = join(bundles(), `${REQUEST_ID}--${bundleId}.zip.partial`);
    for (let i = 0; i < 30_000 && !(existsSync(partial) && statSync(partial).size > 0); i++) await new Promise((r) => setImmediate(r));
    first.proc.kill('SIGKILL');
    await waitForExit(first.proc);
    expect(first.proc.signalCode).toBe('SIGKILL');
    expect(files()).toEqual([`${REQUEST_ID}--${bundleId}.zip.partial`]); // killed mid-write, never renamed

    const second = await startChildApi(storage.env);
    try {
      const job = await fetch(`${second.url}${base}/${bundleId}`, { headers: auth });
      expect(job.status).toBe(404);
      expect(job.headers.get('content-type')).toMatch(/problem\+json/);
      const download = await fetch(`${second.url}${base}/${bundleId}/content`, { headers: auth });
      expect([download.status, ((await download.json()) as { code: string }).code]).toEqual([404, 'bundle-not-found']);
      await eventually(() => files().length === 0, 10_000, 'leftover partial removed');
      const request = (await (await fetch(`${second.url}/api/v1/disclosure-requests/${REQUEST_ID}`, { headers: auth })).json()) as { bundles: unknown[] };
      expect(request.bundles).toEqual([]);

      // A new export runs to the end and verifies offline.
      const again = (await (await fetch(`${second.url}${base}`, { method: 'POST', headers: auth })).json()) as { bundleId: string };
      const done = await eventually(
        async () => {
          const j = (await (await pollWhileAlive(second, `${base}/${again.bundleId}`, auth)).json()) as {
            status: string;
            bundleSha256: string;
            download: string;
          };
          return j.status === 'running' ? undefined : j;
        },
        120_000,
        'second export',
      );
      expect(done.status).toBe('done');
      const zip = Buffer.from(await (await fetch(`${second.url}${done.download}`, { headers: auth })).arrayBuffer());
      expect(createHash('sha256').update(zip).digest('hex')).toBe(done.bundleSha256);
      const out = join(storage.config.dataDir, 'downloaded.zip');
      writeFileSync(out, zip);
      expect(await registry(storage, 'verify-bundle', out, '--sha256', done.bundleSha256)).toMatchObject({ code: 0, stdout: expect.stringMatching(/^OK/) });
    } catch (err) {
      // A rare failure here once went unexplained for want of the API's own account of it.
      (err as Error).message += `\n--- restarted API (exit ${second.proc.exitCode ?? '-'} ${second.proc.signalCode ?? ''}):\n${second.output()}`;
      throw err;
    } finally {
      second.proc.kill('SIGTERM');
      await waitForExit(second.proc);
    }

    const ds = await openTestDataSource(storage);
    try {
      const exported = (await new SqlEventStore(new SqlDatabase(ds)).readStream(`disclosure-${REQUEST_ID}`)).filter(
        (e) => e.type === 'disclosure.BundleExported',
      );
      expect(exported.map((e) => (e.data as { bundleId: string }).bundleId)).not.toContain(bundleId);
      expect(exported).toHaveLength(1);
    } finally {
      await ds.destroy();
    }
    const { live, rebuilt } = await readModelsAndRebuild(storage);
    expect(rebuilt).toEqual(live);
    expect(await registry(storage, 'verify')).toMatchObject({ code: 0, stdout: expect.stringMatching(/OK: every event matches/) });
  }, 300_000);

  /**
   * The window between recording BundleExported and the rename: the process dies with the
   * recorded bundle still under its `.partial` name. Made here by stopping the API and putting
   * a recorded bundle back under that name (a kill cannot be aimed at a window of one rename).
   */
  it('finishes a recorded bundle left under its .partial name at start-up, and removes one that does not match the record', async () => {
    const legal = await tokenFor(storage, 'legal', 'lawyer-1');
    const auth = { Authorization: `Bearer ${legal}` };
    const base = `/api/v1/disclosure-requests/${REQUEST_ID}/bundles`;
    const recorded = async (api: ChildApi) =>
      (
        (await (await fetch(`${api.url}/api/v1/disclosure-requests/${REQUEST_ID}`, { headers: auth })).json()) as {
          bundles: Array<{ bundleId: string; bundleSha256: string }>;
        }
      ).bundles;
    let api = await startChildApi(storage.env);
    let good: { bundleId: string; bundleSha256: string };
    try {
      // One recorded bundle (the test above leaves one; alone, this test exports its own).
      [good] = await recorded(api);
      if (!good) {
        const { bundleId } = (await (await fetch(`${api.url}${base}`, { method: 'POST', headers: auth })).json()) as { bundleId: string };
        await eventually(
          async () => ((await (await pollWhileAlive(api, `${base}/${bundleId}`, auth)).json()) as { status: string }).status === 'done',
          120_000,
          'export',
        );
        [good] = await recorded(api);
      }
    } finally {
      await stop(api);
    }
    const zip = join(bundles(), `${good.bundleId}.zip`);
    const original = readFileSync(zip);
    renameSync(zip, join(bundles(), `${REQUEST_ID}--${good.bundleId}.zip.partial`));
    api = await startChildApi(storage.env);
    try {
      expect(files()).toContain(`${good.bundleId}.zip`);
      expect(files().filter((f) => f.endsWith('.partial'))).toEqual([]);
      const download = await fetch(`${api.url}${base}/${good.bundleId}/content`, { headers: auth });
      expect(download.status).toBe(200);
      expect(
        createHash('sha256')
          .update(Buffer.from(await download.arrayBuffer()))
          .digest('hex'),
      ).toBe(good.bundleSha256);
    } finally {
      await stop(api);
    }

    // Recorded, but the bytes under the .partial name are not the recorded ones: never offered.
    const changed = Buffer.from(original);
    changed[changed.length >> 1] ^= 0x01;
    renameSync(zip, join(bundles(), `${REQUEST_ID}--${good.bundleId}.zip.partial`));
    writeFileSync(join(bundles(), `${REQUEST_ID}--${good.bundleId}.zip.partial`), changed);
    api = await startChildApi(storage.env);
    try {
      expect(files()).toEqual([]);
      const download = await fetch(`${api.url}${base}/${good.bundleId}/content`, { headers: auth });
      expect(download.status).toBe(404);
      expect(api.output()).toMatch(/does not match the recorded SHA-256/);
    } finally {
      await stop(api);
    }
  }, 300_000);
});
