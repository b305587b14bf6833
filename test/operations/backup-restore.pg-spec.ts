import { execFile } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { DataSource } from 'typeorm';
import type { StorageConfig } from '@app/event-store';
import { issueLocalToken, loadKeyMaterial } from '@app/identity';
import { CLI, startChildApi, waitForExit } from '../support/child-api';
import { populateViaApi } from '../support/populate';
import { openRegistry } from '../support/registry-context';
import { seedReviews } from '../support/seed';
import { newTestStorage, TEST_PG_URL, type TestStorage } from '../support/test-storage';

const run = promisify(execFile);

/**
 * The documented procedure (docs/operations.md), for real: pg_dump of a populated schema, the
 * data folder (blobs) and the keys copied aside; restored into a fresh database; `registry
 * verify` there; read models the same as the original's.
 */
describe('Backup with pg_dump and restore into a fresh database', () => {
  let storage: TestStorage;
  const work = mkdtempSync(join(tmpdir(), 'oversight-backup-'));
  const restoredDb = `restore_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 6)}`;
  const restoredUrl = TEST_PG_URL.replace(/\/[^/?]+(\?.*)?$/, `/${restoredDb}$1`);
  let admin: DataSource;

  beforeAll(async () => {
    storage = newTestStorage('postgres');
    admin = new DataSource({ type: 'postgres', url: TEST_PG_URL });
    await admin.initialize();
    const registry = await openRegistry(storage.config);
    try {
      await seedReviews(registry.store, 120);
    } finally {
      await registry.close();
    }
    const api = await startChildApi(storage.env, true, 120_000);
    try {
      await populateViaApi(api.url, loadKeyMaterial(storage.config));
    } finally {
      api.proc.kill('SIGTERM');
      await waitForExit(api.proc);
    }
  }, 300_000);
  afterAll(async () => {
    await admin?.query(`DROP DATABASE IF EXISTS "${restoredDb}" WITH (FORCE)`).catch(() => undefined);
    await admin?.destroy();
    await storage?.cleanup();
    rmSync(work, { recursive: true, force: true });
  });

  it('restores a dump that `registry verify` accepts, with the same read models', async () => {
    const cli = (env: Record<string, string>, ...args: string[]) =>
      run(process.execPath, [CLI, ...args], { env: { ...process.env, ...env, LOG_LEVEL: 'warn' }, timeout: 180_000 });
    const sealed = await cli(storage.env, 'ledger', 'seal');
    const head = /Signed tree head: (\d+) events, root ([0-9a-f]{64})/.exec(sealed.stdout)!;

    // Backup: the schema, then the data folder (blobs, bundles, and here the generated keys).
    const dump = join(work, 'registry.dump');
    await run('pg_dump', ['--format=custom', `--schema=${storage.config.schema}`, `--file=${dump}`, TEST_PG_URL]);
    const dataCopy = join(work, 'data');
    cpSync(storage.config.dataDir, dataCopy, { recursive: true });

    // Restore into a database that never saw the registry.
    await admin.query(`CREATE DATABASE "${restoredDb}"`);
    await run('pg_restore', ['--no-owner', `--dbname=${restoredUrl}`, dump]);
    const restoredEnv = { STORAGE: 'postgres', DATABASE_URL: restoredUrl, DATABASE_SCHEMA: storage.config.schema!, DATA_DIR: dataCopy };
    const restored: StorageConfig = { ...storage.config, databaseUrl: restoredUrl, dataDir: dataCopy };

    const verified = await cli(restoredEnv, 'verify');
    expect(verified.stdout).toContain(`${head[1]} events, ${head[1]} sealed`);
    expect(verified.stdout).toMatch(/OK: every event matches/);
    expect((await cli(restoredEnv, 'ledger', 'seal')).stdout).toContain(`root ${head[2]}`);

    const [original, copy] = [await openRegistry(storage.config), await openRegistry(restored)];
    try {
      const expected = await original.readModels();
      expect(expected.rm_reviews).toHaveLength(124);
      // The restored read-model tables as they came back, and rebuilt from the restored log.
      expect(await copy.readModels()).toEqual(expected);
      expect(await copy.rebuiltReadModels()).toEqual(expected);
    } finally {
      await original.close();
      await copy.close();
    }

    // The restored instance serves, with its blobs: the uploaded log artefact's content is there.
    const api = await startChildApi(restoredEnv, true, 120_000);
    try {
      const keys = loadKeyMaterial({ dataDir: dataCopy });
      const qm = await issueLocalToken(keys.tokenSigning, { sub: 'qm-1', role: 'quality-manager' });
      const list = (await (await fetch(`${api.url}/api/v1/log-artefacts`, { headers: { authorization: `Bearer ${qm}` } })).json()) as {
        items: Array<{ artefactId: string }>;
      };
      expect(list.items).toHaveLength(1);
      const content = await fetch(`${api.url}/api/v1/log-artefacts/${list.items[0].artefactId}/content`, { headers: { authorization: `Bearer ${qm}` } });
      expect(content.status).toBe(200);
      expect(await content.text()).toContain('"event":"inference"');
    } finally {
      api.proc.kill('SIGTERM');
      await waitForExit(api.proc);
    }
  }, 300_000);
});
