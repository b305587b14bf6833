import { type ChildApi, startChildApi, stopChildApi } from '../support/child-api';
import { aiSystemBody } from '../support/test-app';
import { newTestStorage, type TestStorage } from '../support/test-storage';
import { eventually, registry, tokenFor } from '../reliability/support';

/**
 * One way to follow the log (issue 24, item 4): every background worker runs under one runner,
 * with one on/off setting each (`WORKERS_OFF`, and the older `PROJECTIONS_RUN` / `LEDGER_RUN`),
 * and one status view: `/health` of the serving process and `registry workers status`.
 */
describe('Background workers: one runner, one setting each, one status view', () => {
  let storage: TestStorage;
  let child: ChildApi | undefined;

  beforeAll(() => {
    storage = newTestStorage();
  });
  afterEach(async () => {
    await stopChildApi(child);
    child = undefined;
  });
  afterAll(async () => storage?.cleanup());

  const health = async (api: ChildApi) => (await (await fetch(`${api.url}/health`)).json()) as { details: { workers: Record<string, string> } };

  it('WORKERS_OFF switches the ledger sealer off, and only it: /health and `registry workers status` say so, projections still follow', async () => {
    const env = { ...storage.env, WORKERS_OFF: 'ledger-sealer' };
    const api = (child = await startChildApi(env));
    const workers = (await health(api)).details.workers;
    expect(workers).toMatchObject({
      projections: 'running',
      'incident-review-links': 'running',
      'monitoring-thresholds': 'running',
      'incident-delivery': 'running',
      'unfinished-erasures': 'running',
      'ledger-sealer': 'off: WORKERS_OFF names ledger-sealer',
      'retention-purge': 'off: RETENTION_PURGE_INTERVAL_MINUTES is not set',
      'ledger-anchor': 'off: neither LEDGER_TSA_URL nor LEDGER_WITNESSES is set',
    });

    // Projections follow: a registered system is listed. The sealer does not: nothing is sealed.
    const admin = await tokenFor(storage, 'admin');
    const headers = { Authorization: `Bearer ${admin}`, 'Content-Type': 'application/json' };
    const created = await fetch(`${api.url}/api/v1/ai-systems`, { method: 'POST', headers, body: JSON.stringify(aiSystemBody()) });
    expect(created.status).toBe(201);
    await eventually(async () => {
      const list = (await (await fetch(`${api.url}/api/v1/ai-systems`, { headers })).json()) as { items: unknown[] };
      return list.items.length === 1;
    });

    const status = await registry({ env }, 'workers', 'status');
    expect(status.code).toBe(0);
    const line = (name: string) => status.stdout.split('\n').find((l) => l.includes(` ${name} `)) ?? '';
    expect(line('ledger-sealer')).toMatch(/ off .*WORKERS_OFF names ledger-sealer.*0 events sealed, \d+ not yet/);
    // A projection may still be a step behind the head here (another one's event); none is stalled.
    expect(line('projections')).toMatch(/ on .*read models, at most \d+ behind/);
    expect(line('projections')).not.toContain('STALLED');
    expect(line('retention-purge')).toMatch(/ off .*RETENTION_PURGE_INTERVAL_MINUTES is not set/);
    const verify = await registry({ env }, 'verify', '--strict');
    expect(verify.stdout).toMatch(/FINDING: \d+ events not sealed yet/);
  }, 180_000);

  it('the older PROJECTIONS_RUN=false still switches off the projections, the links and delivery; the sealer runs', async () => {
    const env = { ...storage.env, PROJECTIONS_RUN: 'false' };
    const api = (child = await startChildApi(env));
    expect((await health(api)).details.workers).toMatchObject({
      projections: 'off: PROJECTIONS_RUN=false',
      'incident-review-links': 'off: PROJECTIONS_RUN=false',
      'monitoring-thresholds': 'off: PROJECTIONS_RUN=false',
      'incident-delivery': 'off: PROJECTIONS_RUN=false',
      'ledger-sealer': 'running',
    });
    // The sealer of this process seals what the first test left unsealed.
    await eventually(async () => (await registry({ env }, 'verify', '--strict')).code === 0, 30_000, 'every event sealed');
  }, 180_000);
});
