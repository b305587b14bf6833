import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { Clock, type EventEnvelope, type EventStore, SqlDatabase, type StorageConfig } from '@app/event-store';
import { AccessLog, loadKeyMaterial } from '@app/identity';
import { CLI, startChildApi, waitForExit } from '../support/child-api';
import { populateViaApi } from '../support/populate';
import { openRegistry } from '../support/registry-context';
import { seedReviews } from '../support/seed';
import { newTestStorage, TEST_PG_URL, type TestStorage } from '../support/test-storage';

const run = promisify(execFile);

async function everyEvent(store: EventStore): Promise<EventEnvelope[]> {
  const out: EventEnvelope[] = [];
  for (
    let batch = await store.readAll(0, 1000, { raw: true });
    batch.length;
    batch = await store.readAll(out[out.length - 1].globalPosition, 1000, { raw: true })
  ) {
    out.push(...batch);
  }
  return out;
}

/** SQLite answers booleans as 0/1 and bigints as numbers where PostgreSQL answers true/false and strings. */
const sameTypes = (rows: Record<string, unknown[]>) =>
  JSON.parse(
    JSON.stringify(rows, (_k, v: unknown) => (typeof v === 'boolean' ? Number(v) : typeof v === 'string' && /^\d{1,15}$/.test(v) ? Number(v) : v)),
  ) as Record<string, unknown[]>;

/** How a pilot on the embedded default moves to production: the real CLI, a real SQLite file and schema. */
describe('registry migrate-store: SQLite pilot to PostgreSQL', () => {
  let source: TestStorage;
  let target: TestStorage;
  let targetConfig: StorageConfig;
  const cli = (env: Record<string, string>, ...args: string[]) =>
    run(process.execPath, [CLI, ...args], { env: { ...process.env, ...env, LOG_LEVEL: 'warn' }, timeout: 180_000 });
  // The target runs with the pilot's data folder: its keys and blob store move with it.
  const targetEnv = () => ({ ...target.env, DATA_DIR: source.config.dataDir });

  beforeAll(async () => {
    source = newTestStorage('sqlite');
    target = newTestStorage('postgres');
    targetConfig = { ...target.config, dataDir: source.config.dataDir };
    const registry = await openRegistry(source.config);
    try {
      // A pilot old enough to have purged access-log entries: the anchor must move with the log.
      const clock = new Clock();
      const accessLog = new AccessLog(new SqlDatabase(registry.ds), clock);
      clock.travelTo(new Date(Date.now() - 6 * 366 * 24 * 3600 * 1000));
      const read = (n: number) => ({
        requestId: `r-${n}`,
        actor: { subject: 'alice', role: 'clinician' as const },
        action: 'read-review',
        dataSubject: `p-${n}`,
        resource: 'GET /x',
      });
      await accessLog.record([read(1), read(2)]);
      clock.reset();
      await accessLog.record([read(3)]);
      // As `registry access-log purge` does it: the event, then the purge.
      const { fromSeq, ...purge } = await accessLog.planPurge(new Date(Date.now() - 5.5 * 366 * 24 * 3600 * 1000).toISOString());
      expect(purge.entries).toBe(2);
      await registry.store.append('access-log-purges', [{ type: 'identity.AccessLogPurged', data: purge }], { idempotencyKey: 'access-log-purge-2' });
      await accessLog.applyPurge({ ...purge, fromSeq }, { subject: 'os:test' });
      await seedReviews(registry.store, 150);
    } finally {
      await registry.close();
    }
    const api = await startChildApi(source.env, true, 120_000);
    try {
      await populateViaApi(api.url, loadKeyMaterial(source.config));
    } finally {
      api.proc.kill('SIGTERM');
      await waitForExit(api.proc);
    }
  }, 300_000);
  afterAll(async () => {
    await target?.cleanup();
    await source?.cleanup();
  });

  let root: string;

  it('copies every envelope identically in global order and prints the ledger root both sides agree on', async () => {
    const sealed = await cli(source.env, 'ledger', 'seal');
    const [, n, sourceRoot] = /Signed tree head: (\d+) events, root ([0-9a-f]{64})/.exec(sealed.stdout)!;

    const { stdout } = await cli({}, 'migrate-store', '--from', `sqlite:${source.config.sqliteFile}`, '--to', TEST_PG_URL, '--schema', target.config.schema!);
    const printed = /Ledger root over (\d+) events: ([0-9a-f]{64}) \(source and target agree\)/.exec(stdout);
    expect(printed).not.toBeNull();
    expect(printed![1]).toBe(n);
    expect(printed![2]).toBe(sourceRoot);
    root = sourceRoot;

    const [from, to] = [await openRegistry(source.config), await openRegistry(targetConfig)];
    try {
      const [a, b] = [await everyEvent(from.store), await everyEvent(to.store)];
      expect(a.length).toBe(Number(n));
      expect(b).toEqual(a);
      const keys = 'SELECT * FROM idempotency_keys ORDER BY idempotency_key';
      const sourceKeys = await from.ds.query<unknown[]>(keys);
      expect(sourceKeys.length).toBeGreaterThanOrEqual(5);
      expect(sameTypes({ k: await to.ds.query<unknown[]>(keys) })).toEqual(sameTypes({ k: sourceKeys }));
      for (const table of ['subject_keys', 'ledger_keys', 'access_log', 'access_log_purges']) {
        const q = `SELECT COUNT(*) AS n FROM ${table}`;
        expect(Number((await to.ds.query<Array<{ n: string }>>(q))[0].n)).toBe(Number((await from.ds.query<Array<{ n: string }>>(q))[0].n));
      }
    } finally {
      await from.close();
      await to.close();
    }
  }, 300_000);

  it('passes `registry verify` on the target, and new appends continue the same order', async () => {
    const verified = await cli(targetEnv(), 'verify');
    expect(verified.stdout).toMatch(/OK: every event matches/);
    expect((await cli(targetEnv(), 'access-log', 'verify')).stdout).toMatch(
      /Access log verified: [1-9]\d* entries after #2\.\nAnchors in the event log: 1, all match\./,
    );
    const sealed = await cli(targetEnv(), 'ledger', 'seal');
    expect(sealed.stdout).toContain(`root ${root}`);
  }, 180_000);

  it('rebuilds on the target the same read models as the source has', async () => {
    const [from, to] = [await openRegistry(source.config), await openRegistry(targetConfig)];
    try {
      const expected = sameTypes(await from.readModels());
      expect(expected.rm_reviews.length).toBe(154);
      expect(sameTypes(await to.readModels())).toEqual(expected);
    } finally {
      await from.close();
      await to.close();
    }
  }, 180_000);

  it('refuses a non-empty target, and --resume continues a copy that stopped half-way', async () => {
    const args = ['migrate-store', '--from', `sqlite:${source.config.dataDir}`, '--to', TEST_PG_URL, '--schema', target.config.schema!];
    const refused = await cli({}, ...args).catch((e: { code: number; stderr: string }) => e);
    expect(refused).toMatchObject({ code: 1, stderr: expect.stringMatching(/already holds \d+ events: refusing/) as unknown });

    // Cut the target back to a prefix, as if the copy had stopped there.
    const to = await openRegistry(targetConfig);
    try {
      const head = await to.store.headPosition();
      await to.ds.query('DELETE FROM events WHERE global_position > $1', [head - 40]);
      await to.ds.query('UPDATE event_log_head SET position = $1 WHERE id = 1', [head - 40]);
    } finally {
      await to.close();
    }
    const resumed = await cli({}, ...args, '--resume');
    expect(resumed.stdout).toMatch(/Resuming after position \d+/);
    expect(resumed.stdout).toContain(`(source and target agree)`);
    expect((await cli(targetEnv(), 'verify')).stdout).toMatch(/OK/);
  }, 180_000);
});
