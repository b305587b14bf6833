import { execFile } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { DataSource } from 'typeorm';
import { AiSystemRow, AiSystemsProjection } from '@app/ai-systems';
import { ProjectionRunner, SqlDatabase, SqlEventStore } from '@app/event-store';
import { loadKeyMaterial, verifyLocalToken } from '@app/identity';
import { ReviewMonthlyRow, ReviewRow, ReviewsProjection, ReviewTimelineRow } from '@app/oversight';
import { CLI } from '../support/child-api';
import { snapshotReadModels } from '../support/read-models';
import { seedReviews } from '../support/seed';
import { newTestStorage, openTestDataSource, type TestStorage } from '../support/test-storage';

const run = promisify(execFile);

/** The `registry` command as operators use it, on the store this run targets. */
describe('registry CLI', () => {
  let storage: TestStorage;
  let ds: DataSource;
  const cli = (...args: string[]) => run(process.execPath, [CLI, ...args], { env: { ...process.env, ...storage.env, LOG_LEVEL: 'warn' } });

  beforeAll(async () => {
    storage = newTestStorage();
    ds = await openTestDataSource(storage, [AiSystemRow, ReviewRow, ReviewTimelineRow, ReviewMonthlyRow]);
  });
  afterAll(async () => {
    await ds?.destroy();
    await storage?.cleanup();
  });

  it('mints a local token that the configured key verifies', async () => {
    const { stdout } = await cli('token', '--role', 'legal', '--sub', 'lawyer-7');
    const keys = loadKeyMaterial(storage.config);
    await expect(verifyLocalToken(keys.tokenSigning.publicKey, stdout.trim())).resolves.toMatchObject({ sub: 'lawyer-7', roles: ['legal'] });
  });

  it('mints an ai-system token bound to one AI system, and refuses one without the system', async () => {
    const system = '0193a1b2-0000-7000-8000-000000000001';
    const { stdout } = await cli('token', '--role', 'ai-system', '--sub', 'pacs-bridge', '--ai-system', system);
    const keys = loadKeyMaterial(storage.config);
    await expect(verifyLocalToken(keys.tokenSigning.publicKey, stdout.trim())).resolves.toEqual({
      sub: 'pacs-bridge',
      roles: ['ai-system'],
      aiSystemId: system,
    });
    await expect(cli('token', '--role', 'ai-system', '--sub', 'pacs-bridge')).rejects.toMatchObject({ code: 1, stderr: expect.stringMatching(/--ai-system/) });
    await expect(cli('token', '--role', 'clinician', '--sub', 'x', '--ai-system', system)).rejects.toMatchObject({ code: 1 });
  });

  it('refuses an unknown role', async () => {
    await expect(cli('token', '--role', 'janitor', '--sub', 'x')).rejects.toMatchObject({ code: 1 });
  });

  it('reports the schema up to date once migrated', async () => {
    const { stdout } = await cli('migrate');
    expect(stdout).toMatch(/up to date/);
  });

  it('seals and verifies the ledger, and exits 1 naming the position of a changed event', async () => {
    const store = new SqlEventStore(new SqlDatabase(ds));
    await seedReviews(store, 10);
    const sealed = await cli('ledger', 'seal');
    expect(sealed.stdout).toMatch(/Signed tree head: \d+ events, root [0-9a-f]{64}/);
    expect((await cli('verify')).stdout).toMatch(/OK/);
    await ds.query(`UPDATE events SET metadata = REPLACE(metadata, 'actor', 'actos') WHERE global_position = 3`);
    const failed = await cli('verify').catch((e: { code: number; stdout: string }) => e);
    expect(failed).toMatchObject({ code: 1 });
    expect((failed as { stdout: string }).stdout).toMatch(/first changed position 3/);
  });

  it('exports a bundle for a disclosure request and verifies it offline; a changed file fails', async () => {
    const store = new SqlEventStore(new SqlDatabase(ds));
    const { systems } = await seedReviews(store, 20);
    const requestId = '01936f0e-8a4b-7c3d-9e2f-0000000000aa';
    await store.append(`disclosure-${requestId}`, [
      {
        type: 'disclosure.DisclosureRequestReceived',
        data: {
          requestId,
          reference: 'CLI-1',
          requester: { kind: 'court', name: 'Rechtbank' },
          legalBasis: 'PLD Art. 9',
          receivedAt: '2026-11-01T00:00:00.000Z',
          dueAt: '2026-12-01T00:00:00.000Z',
          scope: { patientPseudonyms: [], aiSystemIds: [systems[0]], incidentIds: [], from: null, to: null },
          receivedBy: { subject: 'lawyer-1', role: 'legal' },
        },
      },
    ]);
    const out = join(storage.config.dataDir, 'out.zip');
    // The API's role rule holds here too: an admin cannot export, and nothing is written.
    const refused = await cli('export-bundle', '--request', requestId, '--out', out, '--as', 'boss', '--role', 'admin').catch(
      (e: { code: number; stderr: string }) => e,
    );
    expect(refused).toMatchObject({ code: 1, stderr: expect.stringMatching(/--role admin may not export a bundle \(the API allows legal\)/) });
    expect(existsSync(out)).toBe(false);
    const exported = await cli('export-bundle', '--request', requestId, '--out', out, '--as', 'lawyer-1', '--role', 'legal');
    expect(exported.stdout).toMatch(/Wrote .*out\.zip: \d+ events/);
    const sha = /SHA-256 ([0-9a-f]{64})/.exec(exported.stdout)![1];
    expect((await cli('verify-bundle', out, '--sha256', sha)).stdout).toMatch(/^OK: \d+ events proven/);
    const recorded = (await store.readStream(`disclosure-${requestId}`)).find((e) => e.type === 'disclosure.BundleExported');
    expect(recorded?.data).toMatchObject({ bundleSha256: sha, exportedBy: { subject: 'lawyer-1', role: 'legal' } });
    const bytes = readFileSync(out);
    bytes[bytes.length - 40] ^= 0xff;
    writeFileSync(out, bytes);
    await expect(cli('verify-bundle', out, '--sha256', sha)).rejects.toMatchObject({ code: 1, stdout: expect.stringMatching(/FAILED/) });
  });

  it('rebuilds a projection blue/green and reports status', async () => {
    const store = new SqlEventStore(new SqlDatabase(ds));
    await seedReviews(store, 150);
    const runner = new ProjectionRunner(new SqlDatabase(ds), store, [new AiSystemsProjection(), new ReviewsProjection()]);
    await runner.prepare();
    await runner.catchUp();
    const live = await snapshotReadModels(ds, runner);
    const { stdout } = await cli('projections', 'rebuild', 'oversight-reviews');
    expect(stdout).toMatch(/Rebuilt oversight-reviews up to position \d+/);
    expect(await snapshotReadModels(ds, runner)).toEqual(live);
    const status = await cli('projections', 'status');
    expect(status.stdout).toContain(`log head: ${await store.headPosition()}`);
    await expect(cli('projections', 'rebuild', 'no-such-projection')).rejects.toMatchObject({ code: 1 });
  });
});
