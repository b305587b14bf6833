import type { DataSource } from 'typeorm';
import { ProjectionRegistry } from '@app/event-store';
import { DataSource as DS } from 'typeorm';
import { snapshotReadModels } from '../support/read-models';
import { seedReviews } from '../support/seed';
import { startTestApp, type TestApp } from '../support/test-app';

describe('Read models are a pure function of the log', () => {
  let t: TestApp;
  let ds: DataSource;

  beforeAll(async () => {
    t = await startTestApp();
    ds = t.app.get(DS);
    await seedReviews(t.store, 400);
  });
  afterAll(async () => t?.close());

  it('yields exactly the same rows after a full blue/green rebuild as the live run', async () => {
    const runner = t.app.get(ProjectionRegistry).runner;
    await t.catchUp();
    const live = await snapshotReadModels(ds, runner);
    expect(live.rm_reviews).toHaveLength(400);
    expect(live.rm_ai_systems).toHaveLength(3);
    for (const p of runner.projections) await runner.rebuild(p.name);
    expect(await snapshotReadModels(ds, runner)).toEqual(live);
  });

  it('serves the override rate from the rebuilt tables', async () => {
    const qm = await t.token('quality-manager');
    const [system] = await ds.query<Array<{ aiSystemId: string }>>('SELECT "aiSystemId" FROM rm_ai_systems ORDER BY "aiSystemId"');
    const res = await t.http.get(`/api/v1/ai-systems/${system.aiSystemId}/override-rates`).set('Authorization', `Bearer ${qm}`).expect(200);
    const total = res.body.months.reduce((s: number, m: { total: number }) => s + m.total, 0);
    const withdrawn = Number(
      (
        await ds.query(
          `SELECT COUNT(*) AS n FROM rm_reviews WHERE "aiSystemId" = '${system.aiSystemId}' AND withdrawn = ${ds.options.type === 'postgres' ? 'true' : '1'}`,
        )
      )[0].n,
    );
    const all = Number((await ds.query(`SELECT COUNT(*) AS n FROM rm_reviews WHERE "aiSystemId" = '${system.aiSystemId}'`))[0].n);
    expect(total).toBe(all - withdrawn);
  });
});
