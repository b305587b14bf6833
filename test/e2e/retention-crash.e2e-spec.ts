import { execFile, spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { promisify } from 'node:util';
import type { DataSource } from 'typeorm';
import { SqlDatabase, SqlEventStore } from '@app/event-store';
import { LogIngestService } from '@app/retention';
import { CLI, waitForExit } from '../support/child-api';
import { aiSystemBody, startTestApp } from '../support/test-app';
import { openTestDataSource, type TestStorage } from '../support/test-storage';

const run = promisify(execFile);
const ARTEFACTS = 60;

/**
 * `registry retention purge --apply` is killed with SIGKILL mid-run and run again: at every
 * moment each artefact has its blob or its tombstone, and the second run converges.
 */
describe('Crash in the middle of a purge', () => {
  let storage: TestStorage;
  let ds: DataSource;
  let store: SqlEventStore;
  const shas = new Map<string, string>();
  const blob = (sha: string) => join(storage.config.dataDir, 'blobs', 'sha256', sha.slice(0, 2), sha.slice(2, 4), sha);
  const tombstones = async () => Number((await ds.query(`SELECT COUNT(*) AS n FROM events WHERE type = 'retention.LogArtefactPurged'`))[0].n);

  beforeAll(async () => {
    const t = await startTestApp();
    storage = t.storage;
    const admin = await t.token('admin');
    const qm = await t.token('quality-manager');
    const system = (await t.http.post('/api/v1/ai-systems').set('Authorization', `Bearer ${admin}`).send(aiSystemBody()).expect(201)).body.aiSystemId;
    await t.http
      .post('/api/v1/retention-policies')
      .set('Authorization', `Bearer ${qm}`)
      .send({ aiSystemId: system, minimumMonths: 6, maximumMonths: 6, legalBasis: 'test' })
      .expect(201);
    const ingest = t.app.get(LogIngestService);
    for (let i = 0; i < ARTEFACTS; i++) {
      // Logs of two years ago: due now by the real clock the child process uses.
      const r = await ingest.ingest(
        Readable.from([Buffer.from(`{"n":${i},"line":"${'x'.repeat(200)}"}\n`)]),
        {
          aiSystemId: system,
          periodFrom: '2020-01-01T00:00:00.000Z',
          periodTo: '2020-01-31T00:00:00.000Z',
          source: { channel: 'cli', contentType: 'application/x-ndjson', filename: null },
        },
        { subject: 'seed', role: 'admin' },
      );
      shas.set(r.artefactId, r.sha256);
    }
    await t.app.close();
    ds = await openTestDataSource(storage);
    store = new SqlEventStore(new SqlDatabase(ds));
  }, 60_000);
  afterAll(async () => {
    await ds?.destroy();
    await storage?.cleanup();
  });

  /** Never a blob gone without a record; returns how many are purged. */
  async function expectNoBlobLostWithoutTombstone(): Promise<number> {
    let purged = 0;
    for (const [artefactId, sha] of shas) {
      const types = (await store.readStream(`log-${artefactId}`)).map((e) => e.type);
      const tombstoned = types.filter((t) => t === 'retention.LogArtefactPurged').length;
      expect(tombstoned).toBeLessThanOrEqual(1);
      if (!existsSync(blob(sha))) expect({ artefactId, tombstoned }).toEqual({ artefactId, tombstoned: 1 });
      purged += tombstoned;
    }
    return purged;
  }

  it('converges after kill -9 with no blob gone without its tombstone', async () => {
    const env = { ...process.env, ...storage.env, LOG_LEVEL: 'warn' };
    const child = spawn(process.execPath, [CLI, 'retention', 'purge', '--apply', '--chunk-size', '2', '--pause-ms', '10'], { env, stdio: 'ignore' });
    let seen = 0;
    for (let i = 0; i < 6000 && seen === 0 && child.exitCode === null; i++) {
      await new Promise((r) => setTimeout(r, 5));
      seen = await tombstones();
    }
    child.kill('SIGKILL');
    await waitForExit(child);
    expect(child.signalCode).toBe('SIGKILL'); // killed, not finished
    const purgedAtKill = await expectNoBlobLostWithoutTombstone();
    expect(purgedAtKill).toBeGreaterThan(0);
    expect(purgedAtKill).toBeLessThan(ARTEFACTS);

    const again = await run(process.execPath, [CLI, 'retention', 'purge', '--apply', '--json'], { env });
    const report = JSON.parse(again.stdout);
    expect(report.purged.length).toBe(ARTEFACTS - purgedAtKill);
    expect(await expectNoBlobLostWithoutTombstone()).toBe(ARTEFACTS);
    for (const sha of shas.values()) expect(existsSync(blob(sha))).toBe(false);
    expect(readdirSync(join(storage.config.dataDir, 'blobs', 'tmp'))).toEqual([]);

    const idle = JSON.parse((await run(process.execPath, [CLI, 'retention', 'purge', '--apply', '--json'], { env })).stdout);
    expect({ purged: idle.purged.length, reconciled: idle.reconciled }).toEqual({ purged: 0, reconciled: 0 });
  }, 60_000);
});
