import { readFileSync } from 'node:fs';
import autocannon from 'autocannon';
import { SqlDatabase, SqlEventStore } from '@app/event-store';
import { startChildApi, waitForExit } from '../support/child-api';
import { aiSystemBody } from '../support/test-app';
import { newTestStorage, openTestDataSource, type TestStorage } from '../support/test-storage';
import { LONG, pick, reviewBody, tokenFor } from './support';

const SECONDS = pick(6, 180);
const RATE = pick(60, 150); // requests per second over all connections: bounded, not a benchmark

const rssBytes = (pid: number) => Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) * 1024;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/**
 * Bounded loopback load of mixed traffic (writes with Idempotency-Keys, list and item reads,
 * health) against the real API process, its resident memory sampled twice a second: no error,
 * no non-2xx, every acknowledged write in the log once, and no upward memory trend (the long
 * profile runs minutes; the short one seconds, where only the absolute bound is meaningful).
 */
describe('Load and soak (autocannon, child API)', () => {
  let storage: TestStorage;
  beforeAll(() => {
    storage = newTestStorage();
  });
  afterAll(async () => storage?.cleanup());

  it(
    `serves ${SECONDS}s of mixed traffic without errors or memory growth`,
    async () => {
      // Load from one user on purpose: the per-user write limit is not what this measures.
      const api = await startChildApi({ ...storage.env, AUTH_FAILURES_PER_MINUTE: '0', WRITES_PER_MINUTE: '0' });
      try {
        const [admin, clinician, qm] = [
          await tokenFor(storage, 'admin'),
          await tokenFor(storage, 'clinician', 'alice'),
          await tokenFor(storage, 'quality-manager'),
        ];
        const created = await fetch(`${api.url}/api/v1/ai-systems`, {
          method: 'POST',
          headers: { Authorization: `Bearer ${admin}`, 'Content-Type': 'application/json' },
          body: JSON.stringify(aiSystemBody()),
        });
        const { aiSystemId } = (await created.json()) as { aiSystemId: string };
        const headBefore = await headPosition();
        let writes = 0;
        let acknowledged = 0;
        const statuses: Record<string, number> = {};
        const count = (what: string) => (status: number) => {
          if (status >= 300) statuses[`${what} ${status}`] = (statuses[`${what} ${status}`] ?? 0) + 1;
        };
        const samples: number[] = [];
        const sampler = setInterval(() => samples.push(rssBytes(api.proc.pid!)), 500);
        const json = { 'content-type': 'application/json' };
        const result = await autocannon({
          url: api.url,
          connections: 8,
          overallRate: RATE,
          duration: SECONDS,
          timeout: 10,
          requests: [
            {
              method: 'POST',
              path: '/api/v1/reviews',
              headers: { ...json, authorization: `Bearer ${clinician}` },
              setupRequest: (req) => {
                const n = writes++;
                return { ...req, headers: { ...req.headers, 'idempotency-key': `soak-key-${n}` }, body: JSON.stringify(reviewBody(aiSystemId, n)) };
              },
              onResponse: (status) => {
                if (status === 201) acknowledged++;
                count('POST reviews')(status);
              },
            },
            { method: 'GET', path: '/api/v1/reviews?limit=20', headers: { authorization: `Bearer ${clinician}` }, onResponse: count('GET own reviews') },
            { method: 'GET', path: `/api/v1/ai-systems/${aiSystemId}`, headers: { authorization: `Bearer ${qm}` }, onResponse: count('GET system') },
            { method: 'GET', path: '/api/v1/reviews?limit=5', headers: { authorization: `Bearer ${qm}` }, onResponse: count('GET reviews') },
            { method: 'GET', path: '/health', onResponse: count('GET health') },
          ],
        });
        clearInterval(sampler);
        // Stop the API before counting: requests still in flight when autocannon stopped may
        // commit after it returns, so counts read from a live API can disagree with each other.
        api.proc.kill('SIGTERM');
        await waitForExit(api.proc);
        expect({ errors: result.errors, timeouts: result.timeouts, non2xx: result.non2xx, statuses }).toEqual({
          errors: 0,
          timeouts: 0,
          non2xx: 0,
          statuses: {},
        });
        // Not a benchmark (the CI machine is shared): only that traffic really flowed.
        expect(result.requests.total).toBeGreaterThan(SECONDS * 2);
        // Every acknowledged write is in the log, none twice; at most the few in flight when the
        // run ended were written without autocannon reading the answer.
        const appended = await eventsAfter(headBefore);
        // Nothing but the reviews was appended (named by type, so a stray event says what it is).
        expect(countBy(appended.map((e) => e.type))).toEqual({ 'oversight.AiOutputReviewed': appended.length });
        const keys = appended.map((e) => String(e.metadata.idempotencyKey));
        expect(new Set(keys).size).toBe(keys.length);
        expect(keys.length).toBeGreaterThanOrEqual(acknowledged);
        expect(keys.length - acknowledged).toBeLessThanOrEqual(8);
        expect(acknowledged).toBeGreaterThan(0);
        expect(await headPosition()).toBe(headBefore + appended.length);

        const peak = Math.max(...samples);
        expect(peak).toBeLessThan(1024 * 1024 * 1024);
        if (LONG) {
          // After warm-up: the last third of the samples is not above the first third by a trend.
          const warm = samples.slice(Math.floor(samples.length / 6));
          const third = Math.floor(warm.length / 3);
          const first = median(warm.slice(0, third));
          const last = median(warm.slice(-third));
          expect(last).toBeLessThan(first * 1.25 + 32 * 1024 * 1024);
        }
      } finally {
        api.proc.kill('SIGTERM');
        await waitForExit(api.proc);
      }
    },
    SECONDS * 1000 + 120_000,
  );

  async function withStore<T>(work: (store: SqlEventStore) => Promise<T>): Promise<T> {
    const ds = await openTestDataSource(storage);
    try {
      return await work(new SqlEventStore(new SqlDatabase(ds)));
    } finally {
      await ds.destroy();
    }
  }
  const headPosition = () => withStore((s) => s.headPosition());
  const eventsAfter = (position: number) => withStore((s) => s.readAll(position, 10_000_000));
  const countBy = (xs: string[]) => xs.reduce<Record<string, number>>((acc, x) => ({ ...acc, [x]: (acc[x] ?? 0) + 1 }), {});
});
