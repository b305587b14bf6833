import type { DataSource } from 'typeorm';
import { SqlDatabase, SqlEventStore } from '@app/event-store';
import { type ChildApi, startChildApi, stopChildApi } from '../support/child-api';
import { aiSystemBody } from '../support/test-app';
import { newTestStorage, openTestDataSource, type TestStorage } from '../support/test-storage';
import { eventually, registry, reviewBody, tokenFor } from '../reliability/support';

const REFUSED = 'pacs://studies/refused-by-the-read-model';
const REFUSAL = 'rm_reviews refuses this row';
const REASON = 'Mevrouw Jansen, second reading by phone';

/**
 * The read model refuses a row (a trigger on `rm_reviews`, installed by the test: a real
 * refusal by the real store, as PostgreSQL refuses a NUL in text) and is fixed again (the
 * trigger dropped, as a deploy would fix the code).
 */
async function refuseMarkedReviews(ds: DataSource, on: boolean): Promise<void> {
  if (ds.options.type === 'postgres') {
    if (!on) return void (await ds.query('DROP FUNCTION refuse_marked_review() CASCADE'));
    await ds.query(`CREATE FUNCTION refuse_marked_review() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN IF NEW."outputReference" = '${REFUSED}' THEN RAISE EXCEPTION '${REFUSAL}'; END IF; RETURN NEW; END $$`);
    await ds.query('CREATE TRIGGER refuse_marked_review BEFORE INSERT ON rm_reviews FOR EACH ROW EXECUTE FUNCTION refuse_marked_review()');
  } else if (on) {
    await ds.query(`CREATE TRIGGER refuse_marked_review BEFORE INSERT ON rm_reviews
      WHEN NEW."outputReference" = '${REFUSED}' BEGIN SELECT RAISE(ABORT, '${REFUSAL}'); END`);
  } else {
    await ds.query('DROP TRIGGER refuse_marked_review');
  }
}

/**
 * Issue 20, Build 3: a projection that fails on an accepted event is loud. The API process
 * (real HTTP, real store) answers /health `degraded` 503 naming the projection, the event and the
 * error; /metrics has it stalled; its log has one structured line per failure without the
 * payload; `registry projections status`, another process, shows it from the store. Other
 * projections keep up meanwhile. Once the cause is gone it recovers by itself, and all of it clears.
 */
describe('A stalled projection shows in /health, /metrics, the log and `registry projections status`', () => {
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

  it('is degraded while the reviews read model refuses an accepted event, and ok again after the fix', async () => {
    const api = (child = await startChildApi({ ...storage.env, AUTH_FAILURES_PER_MINUTE: '0' }));
    ds = await openTestDataSource(storage);
    const store = new SqlEventStore(new SqlDatabase(ds));
    const [admin, alice] = [await tokenFor(storage, 'admin'), await tokenFor(storage, 'clinician', 'alice')];
    let n = 0;
    const call = async (method: string, path: string, token: string, body?: object) => {
      const res = await fetch(`${api.url}${path}`, {
        method,
        headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json', 'Idempotency-Key': `stalled-${n++}` },
        body: body && JSON.stringify(body),
      });
      return { status: res.status, body: (await res.json()) as Record<string, unknown> };
    };
    const health = async () => {
      const res = await fetch(`${api.url}/health`);
      const body = (await res.json()) as {
        status: string;
        details: Record<string, { status: string }>;
        error?: { projections: { stalled: Array<{ since: string }> } };
      };
      return { status: res.status, body };
    };
    const metric = async (name: string, projection: string) => {
      const text = await (await fetch(`${api.url}/metrics`)).text();
      const line = text.split('\n').find((l) => l.startsWith(`${name}{projection="${projection}"}`));
      return line === undefined ? undefined : Number(line.split(' ').pop());
    };
    const listed = async (reviewId: string) =>
      ((await call('GET', '/api/v1/reviews', alice)).body.items as Array<{ reviewId: string }>).some((r) => r.reviewId === reviewId);

    const aiSystemId = (await call('POST', '/api/v1/ai-systems', admin, aiSystemBody())).body.aiSystemId as string;
    expect((await health()).body.details.projections).toEqual({ status: 'up' });
    await refuseMarkedReviews(ds, true);

    const refused = await call('POST', '/api/v1/reviews', alice, reviewBody(aiSystemId, 1, { outputReference: REFUSED, reason: REASON }));
    expect(refused.status).toBe(201);
    const stream = `review-${refused.body.reviewId as string}`;
    const event = (await store.readAll(0, 1000)).find((e) => e.streamId === stream)!;
    const behind = await call('POST', '/api/v1/reviews', alice, reviewBody(aiSystemId, 2));
    expect(behind.status).toBe(201);

    // /health: degraded, 503, naming projection, position, event and the error; the rest is up.
    const degraded = await eventually(
      async () => {
        const h = await health();
        return h.status === 503 && h.body.status === 'degraded' ? h : undefined;
      },
      20_000,
      '/health degraded',
    );
    expect(degraded.body.details.database.status).toBe('up');
    expect(degraded.body.details.storage.status).toBe('up');
    expect(degraded.body.error!.projections.stalled).toEqual([
      {
        projection: 'oversight-reviews',
        checkpoint: event.globalPosition - 1,
        position: event.globalPosition,
        eventType: event.type,
        streamId: stream,
        error: expect.stringContaining(REFUSAL),
        since: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
        attempts: expect.any(Number),
      },
    ]);

    // Other projections are not held back: a system registered now is listed.
    const other = (await call('POST', '/api/v1/ai-systems', admin, aiSystemBody({ name: 'Registered while reviews stall' }))).body.aiSystemId as string;
    await eventually(
      async () => ((await call('GET', '/api/v1/ai-systems', admin)).body.items as Array<{ aiSystemId: string }>).some((s) => s.aiSystemId === other),
      5_000,
      'other system listed',
    );
    // The review after the refused one waits behind it (by design: no event is skipped).
    expect(await listed(behind.body.reviewId as string)).toBe(false);

    // /metrics: stalled 1 for this projection, 0 for the others; failures counted.
    expect(await metric('oversight_projection_stalled', 'oversight-reviews')).toBe(1);
    expect(await metric('oversight_projection_stalled', 'ai-systems')).toBe(0);
    expect(await metric('oversight_projection_failures_total', 'oversight-reviews')).toBeGreaterThanOrEqual(1);

    // The log: one JSON line per failure with projection, position, event type and attempt; no payload.
    const failures = child
      .output()
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .filter((l) => l.projection === 'oversight-reviews');
    expect(failures.length).toBeGreaterThanOrEqual(1);
    expect(failures[0]).toMatchObject({ level: 50, context: 'Projections', position: event.globalPosition, eventType: event.type, attempt: 1 });
    expect(failures[0].msg).toContain(REFUSAL);
    expect(child.output()).not.toContain('Jansen');
    expect(child.output()).not.toContain(REFUSED);

    // The CLI, a separate process, reads it from the store; exit code 2.
    const status = await registry(storage, 'projections', 'status');
    expect(status.code).toBe(2);
    expect(status.stdout).toMatch(/oversight-reviews.*STALLED/);
    expect(status.stdout).toContain(`oversight-reviews is stalled since ${degraded.body.error!.projections.stalled[0].since}`);
    expect(status.stdout).toContain(`on position ${event.globalPosition} (${event.type}, stream ${stream}): `);
    expect(status.stdout).toContain(REFUSAL);

    // The fix: the read model takes the row again; the next append wakes the projection.
    await refuseMarkedReviews(ds, false);
    const after = await call('POST', '/api/v1/reviews', alice, reviewBody(aiSystemId, 3));
    const ok = await eventually(
      async () => {
        const h = await health();
        return h.status === 200 ? h : undefined;
      },
      10_000,
      '/health ok again',
    );
    expect(ok.body.status).toBe('ok');
    expect(ok.body.details.projections).toEqual({ status: 'up' });
    for (const id of [refused.body.reviewId, behind.body.reviewId, after.body.reviewId] as string[]) {
      await eventually(() => listed(id), 5_000, `review ${id} listed`);
    }
    expect(await metric('oversight_projection_stalled', 'oversight-reviews')).toBe(0);
    const clean = await registry(storage, 'projections', 'status');
    expect(clean.code).toBe(0);
    expect(clean.stdout).not.toContain('STALLED');
  }, 180_000);
});
