import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { SqlDatabase, SqlEventStore } from '@app/event-store';
import { type ChildApi, startChildApi, stopChildApi } from '../support/child-api';
import { aiSystemBody } from '../support/test-app';
import { newTestStorage, openTestDataSource, type TestStorage } from '../support/test-storage';
import { eventually, registry, reviewBody, tokenFor } from '../reliability/support';

/**
 * Issue 20, finding 2, after it was let in: an AI system registered with `"supplier": []` was
 * stored as a supplier without a name, which `rm_ai_systems.supplierName` (NOT NULL) refuses on
 * every store. The event is appended with the event store itself, as the old validation let it
 * through (the HTTP boundary refuses it now): this test is about what happens after. The
 * ai-systems projection stands still on it, loudly; every other projection keeps following the
 * log within a second of a quiet system; a rebuild fails on the same event (the fix is an
 * upcaster, docs/operations.md §7). `HEALTH_DEGRADED_STATUS=200` keeps the answer 200 while it
 * says `degraded`.
 */
describe('A poison event stalls only its projection, and says so', () => {
  let storage: TestStorage;
  let child: ChildApi | undefined;
  let ds: DataSource;

  beforeAll(() => {
    storage = newTestStorage();
  });
  afterAll(async () => {
    await stopChildApi(child);
    await ds?.destroy();
    await storage?.cleanup();
  });

  it('ai-systems stall on a supplier without a name, /health names it, the other read models stay at the head', async () => {
    // Configured for a load balancer that keeps routing to it: degraded, but 200.
    const api = (child = await startChildApi({ ...storage.env, AUTH_FAILURES_PER_MINUTE: '0', HEALTH_DEGRADED_STATUS: '200' }));
    ds = await openTestDataSource(storage);
    const store = new SqlEventStore(new SqlDatabase(ds));
    const [admin, alice] = [await tokenFor(storage, 'admin'), await tokenFor(storage, 'clinician', 'alice')];
    let n = 0;
    const call = async (method: string, path: string, token: string, body?: object) => {
      const res = await fetch(`${api.url}${path}`, {
        method,
        headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json', 'Idempotency-Key': `poison-${n++}` },
        body: body && JSON.stringify(body),
      });
      return { status: res.status, body: (await res.json()) as Record<string, unknown> };
    };
    const lags = async () => {
      const text = await (await fetch(`${api.url}/metrics`)).text();
      return Object.fromEntries([...text.matchAll(/^oversight_projection_lag_events\{projection="([^"]+)"\} (\d+)$/gm)].map((m) => [m[1], Number(m[2])]));
    };
    const refusal =
      storage.config.kind === 'postgres'
        ? 'null value in column "supplierName" of relation "rm_ai_systems" violates not-null constraint'
        : 'SqliteError: NOT NULL constraint failed: rm_ai_systems.supplierName';

    const aiSystemId = (await call('POST', '/api/v1/ai-systems', admin, aiSystemBody())).body.aiSystemId as string;
    const [registered] = await store.readStream(`ai-system-${aiSystemId}`);
    const poisonId = randomUUID();
    const poison = await store.append(`ai-system-${poisonId}`, [
      { type: registered.type, data: { ...registered.data, aiSystemId: poisonId, supplier: { incidentContactEmail: null } } },
    ]);

    const degraded = await eventually(
      async () => {
        const res = await fetch(`${api.url}/health`);
        const body = (await res.json()) as { status: string; error?: { projections?: { stalled: Array<Record<string, unknown>> } } };
        return body.status === 'degraded' ? { ...body, code: res.status } : undefined;
      },
      20_000,
      '/health degraded',
    );
    expect(degraded.code).toBe(200);
    expect(degraded.error!.projections!.stalled).toEqual([
      expect.objectContaining({
        projection: 'ai-systems',
        position: poison.lastPosition,
        eventType: registered.type,
        streamId: `ai-system-${poisonId}`,
        error: refusal,
      }),
    ]);

    // Quiet system, then normal writes: every other projection is at the head within a second.
    const review = await call('POST', '/api/v1/reviews', alice, reviewBody(aiSystemId, 1));
    expect(review.status).toBe(201);
    const behind = await call('POST', '/api/v1/ai-systems', admin, aiSystemBody({ name: 'Registered after the poison' }));
    expect(behind.status).toBe(201);
    const head = await store.headPosition();
    const settled = await eventually(
      async () => {
        const l = await lags();
        return Object.entries(l).every(([name, lag]) => name === 'ai-systems' || lag === 0) ? l : undefined;
      },
      1_000,
      'every other projection at the head',
    );
    expect(settled['ai-systems']).toBe(head - poison.lastPosition + 1);
    expect(((await call('GET', '/api/v1/reviews', alice)).body.items as Array<{ reviewId: string }>).map((r) => r.reviewId)).toContain(review.body.reviewId);

    // Decisions that read other read models are not stopped by this one (issue 20: a dry-run
    // purge answered 500); one that reads it says which read model is behind and writes nothing.
    const qm = await tokenFor(storage, 'quality-manager');
    const purge = await call('POST', '/api/v1/retention/purge-runs', qm, { dryRun: true });
    expect(purge.status).toBe(200);
    const legal = await tokenFor(storage, 'legal');
    const before = await store.headPosition();
    const erasure = await call('POST', '/api/v1/data-subjects/erasure', legal, { patientId: 'PAT-POISON-1' });
    expect({ status: erasure.status, type: erasure.body.type }).toEqual({ status: 503, type: expect.stringMatching(/read-models-behind$/) });
    expect(erasure.body.detail).toMatch(/^Read models ai-systems are behind/);
    expect(await store.headPosition()).toBe(before);

    // A rebuild meets the same event: it fails, the live read model keeps serving as it was.
    const rebuild = await registry(storage, 'projections', 'rebuild', 'ai-systems');
    expect(rebuild.code).not.toBe(0);
    expect(rebuild.stderr).toContain('supplierName');
    const status = await registry(storage, 'projections', 'status');
    expect(status.code).toBe(2);
    expect(status.stdout).toContain(`on position ${poison.lastPosition} (${registered.type}, stream ai-system-${poisonId}): ${refusal}`);
  }, 180_000);
});
