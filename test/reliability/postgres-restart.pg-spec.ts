import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type StorageConfig, SqlDatabase, SqlEventStore, openDataSource } from '@app/event-store';
import { type ChildApi, startChildApi, stopChildApi, waitForExit } from '../support/child-api';
import { aiSystemBody } from '../support/test-app';
import { PrivatePostgres } from './private-postgres';
import { eventually, pick, readModelsAndRebuild, reviewBody, sleep, tokenFor } from './support';

const CLIENTS = pick(4, 8);
const DOWN_MS = pick(2_000, 20_000);
const LOAD_MS = pick(1_500, 30_000);

/**
 * PostgreSQL goes away under HTTP load and comes back (a restart, a failover). Runs against a
 * private server (initdb in a temp dir, own port) so the shared one is never touched. While
 * it is down the API answers 503 problem+json with Retry-After; it recovers by itself, without
 * a restart of its own; nothing acknowledged is lost and retries add nothing twice.
 */
describe('PostgreSQL restart during load (private server, child API)', () => {
  let pg: PrivatePostgres;
  let dataDir: string;
  let config: StorageConfig;
  let env: Record<string, string>;
  let child: ChildApi | undefined;

  beforeAll(async () => {
    pg = await PrivatePostgres.create();
    dataDir = mkdtempSync(join(tmpdir(), 'oversight-pgrestart-'));
    config = { kind: 'postgres', dataDir, databaseUrl: pg.url, schema: 'registry', sqliteFile: join(dataDir, 'unused.sqlite'), migrationsRun: true };
    env = { STORAGE: 'postgres', DATABASE_URL: pg.url, DATABASE_SCHEMA: 'registry', DATA_DIR: dataDir, AUTH_FAILURES_PER_MINUTE: '0', WRITES_PER_MINUTE: '0' };
  }, 120_000);
  afterAll(async () => {
    await stopChildApi(child);
    await pg?.destroy();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('answers 503 while the database is down, recovers by itself and loses nothing acknowledged', async () => {
    const api = (child = await startChildApi(env));
    const storage = { config, env };
    const [admin, clinician] = [await tokenFor(storage, 'admin'), await tokenFor(storage, 'clinician', 'alice')];
    const post = (path: string, token: string, body: object, key: string) =>
      fetch(`${api.url}${path}`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json', 'Idempotency-Key': key },
        body: JSON.stringify(body),
      });
    const aiSystemId = ((await (await post('/api/v1/ai-systems', admin, aiSystemBody(), 'system-0001')).json()) as { aiSystemId: string }).aiSystemId;

    const sent = new Map<string, number>();
    const acked = new Map<string, string>();
    const unavailable: Array<{ code: string; retryAfter: string | null; type: string | null }> = [];
    const wrong: string[] = [];
    let phase: 'up' | 'down' | 'back' = 'up';
    let ackedAfterRestart = 0;
    let stop = false;
    let n = 0;
    const client = async (c: number) => {
      while (!stop) {
        const i = n++;
        const key = `pg-restart-${c}-${i}`;
        sent.set(key, i);
        const at = phase;
        const res = await post('/api/v1/reviews', clinician, reviewBody(aiSystemId, i), key).catch((e: Error) => e);
        if (res instanceof Error) {
          wrong.push(`${key} ${at}: ${res.message}`);
          continue;
        }
        if (res.status === 201) {
          acked.set(key, ((await res.json()) as { reviewId: string }).reviewId);
          if (at === 'back') ackedAfterRestart++;
        } else if (res.status === 503) {
          const body = (await res.json()) as { code: string };
          unavailable.push({ code: body.code, retryAfter: res.headers.get('retry-after'), type: res.headers.get('content-type') });
          await sleep(50);
        } else wrong.push(`${key} ${at}: ${res.status} ${await res.text()}`);
      }
    };
    const load = Promise.all(Array.from({ length: CLIENTS }, (_, c) => client(c)));
    try {
      await sleep(LOAD_MS);
      const ackedBefore = acked.size;
      expect(ackedBefore).toBeGreaterThan(0);
      phase = 'down';
      await pg.stop('fast');
      await sleep(DOWN_MS);
      const health = await fetch(`${api.url}/health`);
      expect(health.status).toBe(503);
      expect(unavailable.length).toBeGreaterThan(0);
      await pg.start();
      phase = 'back';
      // No restart of the API: it finds the database again on its own.
      await eventually(() => ackedAfterRestart >= 20, 60_000, 'writes acknowledged after the restart');
      expect((await fetch(`${api.url}/health`)).status).toBe(200);
    } finally {
      stop = true;
      await load;
    }
    expect(wrong).toEqual([]);
    expect(unavailable.every((u) => u.code === 'store-unavailable' && u.retryAfter === '5' && /problem\+json/.test(u.type ?? ''))).toBe(true);

    // Clients retry whatever was not acknowledged; acknowledged ones replay their first answer.
    for (const [key, i] of sent) {
      const res = await post('/api/v1/reviews', clinician, reviewBody(aiSystemId, i), key);
      expect({ key, status: res.status }).toEqual({ key, status: 201 });
      const { reviewId } = (await res.json()) as { reviewId: string };
      if (acked.has(key)) expect(reviewId).toBe(acked.get(key));
    }
    api.proc.kill('SIGTERM');
    await waitForExit(api.proc);

    const ds = await openDataSource(config);
    try {
      const all = await new SqlEventStore(new SqlDatabase(ds)).readAll(0, 1_000_000);
      expect(all.map((e) => e.globalPosition)).toEqual(all.map((_, k) => k + 1));
      const perKey = new Map<string, number>();
      for (const e of all.filter((x) => x.type === 'oversight.AiOutputReviewed')) {
        const key = String(e.metadata.idempotencyKey).replace(/^alice:/, '');
        perKey.set(key, (perKey.get(key) ?? 0) + 1);
      }
      expect(perKey.size).toBe(sent.size);
      expect([...perKey.values()].every((count) => count === 1)).toBe(true);
    } finally {
      await ds.destroy();
    }
    const { live, rebuilt } = await readModelsAndRebuild({ config });
    expect(live.rm_reviews).toHaveLength(sent.size);
    expect(rebuilt).toEqual(live);
  }, 300_000);
});
