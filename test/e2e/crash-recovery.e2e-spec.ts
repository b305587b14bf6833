import type { DataSource } from 'typeorm';
import { AiSystemRow, AiSystemsProjection } from '@app/ai-systems';
import { ProjectionRunner, SqlDatabase, SqlEventStore } from '@app/event-store';
import { ReviewMonthlyRow, ReviewRow, ReviewsProjection, ReviewTimelineRow } from '@app/oversight';
import { startChildApi, waitForExit } from '../support/child-api';
import { snapshotReadModels } from '../support/read-models';
import { seedReviews } from '../support/seed';
import { newTestStorage, openTestDataSource, type TestStorage } from '../support/test-storage';

/**
 * SIGKILL the real API process while its projections are catching up on a large log, start
 * it again, and check every read model equals a rebuild from position 0.
 */
describe('Crash in the middle of projection batches', () => {
  let storage: TestStorage;
  let ds: DataSource;
  let store: SqlEventStore;

  beforeAll(async () => {
    storage = newTestStorage();
    ds = await openTestDataSource(storage, [AiSystemRow, ReviewRow, ReviewTimelineRow, ReviewMonthlyRow]);
    store = new SqlEventStore(new SqlDatabase(ds));
    await seedReviews(store, 4000);
  }, 240_000);
  afterAll(async () => {
    await ds?.destroy();
    await storage?.cleanup();
  });

  const checkpoint = async (name: string) => Number((await ds.query(`SELECT position FROM projection_checkpoints WHERE name = '${name}'`))[0]?.position ?? 0);

  it('loses and repeats nothing: read models equal a full rebuild after restart', async () => {
    const head = await store.headPosition();
    const env = { ...storage.env, PROJECTION_BATCH_SIZE: '20' };

    const first = await startChildApi(env, false);
    let at = 0;
    // Kill at the first sign of progress: the runner is then mid-way through the log.
    for (let i = 0; i < 15_000 && at === 0 && first.proc.exitCode === null; i++) {
      await new Promise((r) => setTimeout(r, 2));
      at = await checkpoint('oversight-reviews');
    }
    first.proc.kill('SIGKILL');
    expect(first.proc.exitCode).toBeNull(); // it was still running when killed
    await waitForExit(first.proc);
    const killedAt = await checkpoint('oversight-reviews');
    expect(killedAt).toBeGreaterThan(0);
    expect(killedAt).toBeLessThan(head); // killed while it was still working through the log

    const second = await startChildApi(env);
    for (let i = 0; i < 1200 && (await checkpoint('oversight-reviews')) < head; i++) await new Promise((r) => setTimeout(r, 25));
    for (let i = 0; i < 200 && (await checkpoint('ai-systems')) < head; i++) await new Promise((r) => setTimeout(r, 25));
    second.proc.kill('SIGTERM');
    await waitForExit(second.proc);
    // The restarted API may have appended events of its own (e.g. its ledger key): compare with the head now.
    expect(await checkpoint('oversight-reviews')).toBe(await store.headPosition());

    const runner = new ProjectionRunner(new SqlDatabase(ds), store, [new AiSystemsProjection(), new ReviewsProjection()]);
    const afterCrash = await snapshotReadModels(ds, runner);
    expect(afterCrash.rm_reviews).toHaveLength(4000);
    await runner.rebuild('oversight-reviews');
    await runner.rebuild('ai-systems');
    expect(await snapshotReadModels(ds, runner)).toEqual(afterCrash);
  }, 240_000);
});
