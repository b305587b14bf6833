import { SqlDatabase, SqlEventStore } from '@app/event-store';
import { startChildApi, waitForExit } from '../support/child-api';
import { aiSystemBody } from '../support/test-app';
import { newTestStorage, openTestDataSource, type TestStorage } from '../support/test-storage';
import { pick, readModelsAndRebuild, registry, reviewBody, tokenFor } from './support';

const CLIENTS = pick(6, 12);
const KILL_AFTER_ACKS = pick(40, 400);

/**
 * SIGKILL the real API while several clients append reviews, each with its own Idempotency-Key.
 * After a restart every acknowledged review is in the log exactly once, retries of every request
 * (acknowledged or in flight at the kill) add nothing twice, read models equal a full rebuild
 * and `registry verify` passes.
 */
describe('Crash during appends (SIGKILL, child process)', () => {
  let storage: TestStorage;

  beforeAll(() => {
    storage = newTestStorage();
  });
  afterAll(async () => storage?.cleanup());

  it('keeps every acknowledged write exactly once across kill -9 and retries', async () => {
    const env = { ...storage.env, LEDGER_SEAL_INTERVAL_MS: '50' };
    const first = await startChildApi(env);
    const [admin, clinician] = [await tokenFor(storage, 'admin'), await tokenFor(storage, 'clinician', 'alice')];
    const post = (url: string, path: string, token: string, body: object, key?: string) =>
      fetch(`${url}${path}`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json', ...(key ? { 'Idempotency-Key': key } : {}) },
        body: JSON.stringify(body),
      });
    const system = await post(first.url, '/api/v1/ai-systems', admin, aiSystemBody());
    expect(system.status).toBe(201);
    const aiSystemId = ((await system.json()) as { aiSystemId: string }).aiSystemId;

    const sent = new Map<string, number>(); // Idempotency-Key -> request number
    const acked = new Map<string, string>(); // Idempotency-Key -> reviewId
    let n = 0;
    let killed = false;
    const client = async (c: number) => {
      while (!killed) {
        const i = n++;
        const key = `crash-${c}-${i}`;
        sent.set(key, i);
        try {
          const res = await post(first.url, '/api/v1/reviews', clinician, reviewBody(aiSystemId, i), key);
          if (res.status === 201) acked.set(key, ((await res.json()) as { reviewId: string }).reviewId);
          else if (!killed) throw new Error(`unexpected ${res.status}: ${await res.text()}`);
        } catch (err) {
          if (!killed) throw err;
        }
        if (acked.size >= KILL_AFTER_ACKS && !killed) {
          killed = true;
          first.proc.kill('SIGKILL');
        }
      }
    };
    await Promise.all(Array.from({ length: CLIENTS }, (_, c) => client(c)));
    await waitForExit(first.proc);
    expect(first.proc.signalCode).toBe('SIGKILL');
    expect(acked.size).toBeGreaterThanOrEqual(KILL_AFTER_ACKS);
    const ackedAtKill = new Map(acked);

    // The log as the crash left it: every acknowledged review is there, once.
    const ds = await openTestDataSource(storage);
    const store = new SqlEventStore(new SqlDatabase(ds));
    try {
      const reviewedByKey = async () => {
        const byKey = new Map<string, string[]>();
        for (const e of await store.readAll(0, 1_000_000)) {
          if (e.type !== 'oversight.AiOutputReviewed') continue;
          // Handlers scope the client's key to its subject: "alice:<key>".
          const key = String(e.metadata.idempotencyKey).replace(/^alice:/, '');
          byKey.set(key, [...(byKey.get(key) ?? []), String((e.data as { reviewId: string }).reviewId)]);
        }
        return byKey;
      };
      const atKill = await reviewedByKey();
      for (const [key, reviewId] of ackedAtKill) expect({ key, ids: atKill.get(key) }).toEqual({ key, ids: [reviewId] });

      // Restart; the clients retry every request they ever sent with the same key and body.
      const second = await startChildApi(env);
      try {
        for (const [key, i] of sent) {
          const res = await post(second.url, '/api/v1/reviews', clinician, reviewBody(aiSystemId, i), key);
          expect({ key, status: res.status }).toEqual({ key, status: 201 });
          const { reviewId } = (await res.json()) as { reviewId: string };
          if (ackedAtKill.has(key)) expect(reviewId).toBe(ackedAtKill.get(key)); // the first answer, replayed
        }
      } finally {
        second.proc.kill('SIGTERM');
        await waitForExit(second.proc);
      }
      const after = await reviewedByKey();
      expect(after.size).toBe(sent.size);
      expect([...after.values()].filter((ids) => ids.length !== 1)).toEqual([]);
      const positions = (await store.readAll(0, 1_000_000)).map((e) => e.globalPosition);
      expect(positions).toEqual(positions.map((_, k) => k + 1)); // gap-free, no duplicates
    } finally {
      await ds.destroy();
    }

    const { live, rebuilt } = await readModelsAndRebuild(storage);
    expect(live.rm_reviews).toHaveLength(sent.size);
    expect(rebuilt).toEqual(live);

    const verify = await registry(storage, 'verify');
    expect(verify).toMatchObject({ code: 0, stdout: expect.stringMatching(/OK: every event matches/) });
  }, 600_000);
});
