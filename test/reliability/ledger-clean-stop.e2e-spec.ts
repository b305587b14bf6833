import { startChildApi, stopChildApi, waitForExit, type ChildApi } from '../support/child-api';
import { aiSystemBody } from '../support/test-app';
import { newTestStorage, type TestStorage } from '../support/test-storage';
import { registry, reviewBody, tokenFor } from './support';

/**
 * Issue 22, found 7: reviews written just before a normal stop (SIGTERM) were never sealed, and
 * `registry verify` said OK about them. Now it names unsealed events (`--strict` fails on them),
 * and a clean stop seals before it completes. Real child processes: the API, then the CLI.
 */
describe('Ledger: unsealed events are named, and a clean stop seals them', () => {
  let storage: TestStorage;
  let api: ChildApi | undefined;

  beforeAll(() => {
    storage = newTestStorage();
  });
  afterAll(async () => {
    await stopChildApi(api);
    await storage?.cleanup();
  });

  it('names the unsealed writes while the API runs, and finds none after SIGTERM', async () => {
    // The follower seals at start, then waits 10 minutes: every write below stays unsealed until the stop.
    api = await startChildApi({ ...storage.env, LEDGER_SEAL_INTERVAL_MS: '600000', LEDGER_CHECKPOINT_SECONDS: '600' });
    const [admin, clinician] = [await tokenFor(storage, 'admin'), await tokenFor(storage, 'clinician', 'alice')];
    const post = async (path: string, token: string, body: object) => {
      const res = await fetch(`${api!.url}${path}`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
        body: JSON.stringify(body),
      });
      expect(res.status).toBe(201);
      return res.json() as Promise<Record<string, string>>;
    };
    const { aiSystemId } = await post('/api/v1/ai-systems', admin, aiSystemBody());
    for (let i = 0; i < 4; i++) await post('/api/v1/reviews', clinician, reviewBody(aiSystemId, i));

    const running = await registry(storage, 'verify');
    expect(running.code).toBe(0);
    const finding = /FINDING: (\d+) events not sealed yet \(positions ([\d, ]+)\)/.exec(running.stdout);
    expect(finding).not.toBeNull();
    expect(Number(finding![1])).toBeGreaterThanOrEqual(5);
    expect(finding![2].split(', ')).toHaveLength(Number(finding![1]));
    expect(await registry(storage, 'verify', '--strict')).toMatchObject({ code: 1, stdout: expect.stringContaining('FINDING') });

    api.proc.kill('SIGTERM');
    await waitForExit(api.proc);
    const stopped = await registry(storage, 'verify', '--strict');
    expect(stopped.stdout).not.toContain('FINDING');
    expect(stopped).toMatchObject({ code: 0, stdout: expect.stringMatching(/^(\d+) events, \1 sealed/) });
  });
});
