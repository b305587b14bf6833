import { closeSync, openSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileModesFromEnv } from '@app/event-store';
import { type ChildApi, startChildApi, waitForExit } from '../support/child-api';
import { newTestStorage, type TestStorage } from '../support/test-storage';
import { aiSystemBody, sha256Hex } from '../support/test-app';
import { eventually, tokenFor } from '../reliability/support';

/** Every file and folder under `dir` (itself included), with its permission bits. */
function modesUnder(dir: string): Array<{ path: string; kind: 'file' | 'dir'; mode: string }> {
  const out: Array<{ path: string; kind: 'file' | 'dir'; mode: string }> = [];
  const walk = (p: string) => {
    const st = statSync(p);
    out.push({ path: relative(dir, p) || '.', kind: st.isDirectory() ? 'dir' : 'file', mode: (st.mode & 0o777).toString(8) });
    if (st.isDirectory()) for (const name of readdirSync(p)) walk(join(p, name));
  };
  walk(dir);
  return out;
}

/**
 * Files at rest are the owner's only (issue 20, finding 5): after a workload that writes the
 * database, keys, a blob and a bundle, every file under a fresh data folder is 0600 and every
 * folder 0700, on the real `registry serve`.
 */
describe('Files at rest (child API, real files)', () => {
  let storage: TestStorage;
  let api: ChildApi | undefined;

  beforeAll(() => {
    storage = newTestStorage();
  });
  afterAll(async () => {
    if (api && api.proc.exitCode === null) {
      api.proc.kill('SIGTERM');
      await waitForExit(api.proc);
    }
    await storage?.cleanup();
  });

  it('writes every file 0600 and every folder 0700 (database, WAL, keys, blobs, bundles), and tightens an older 0644 database', async () => {
    // An upgraded installation: the database file exists already, world-readable.
    if (storage.config.kind === 'sqlite') closeSync(openSync(storage.config.sqliteFile, 'w', 0o644));
    api = await startChildApi(storage.env);
    const call = async (method: string, path: string, token: string, body?: unknown, type = 'application/json') => {
      const res = await fetch(`${api!.url}/api/v1${path}`, {
        method,
        headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': type }) },
        body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
      });
      // The ids and states this walk reads are strings; `items` is the one list.
      const json = (await res.json()) as Record<string, string> & { items?: unknown[] };
      if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(json)}`);
      return json;
    };
    const [admin, alice, qm, legal] = await Promise.all([
      tokenFor(storage, 'admin'),
      tokenFor(storage, 'clinician', 'alice'),
      tokenFor(storage, 'quality-manager'),
      tokenFor(storage, 'legal'),
    ]);
    const { aiSystemId } = await call('POST', '/ai-systems', admin, aiSystemBody());
    const { reviewId } = await call('POST', '/reviews', alice, {
      aiSystemId,
      modelVersion: '2.3.1',
      outputReference: 'pacs://studies/1.2.3/ai-report',
      outputSha256: sha256Hex('AI: no pneumothorax'),
      patientId: 'NL-FILES-1',
      decision: 'rejected',
      reason: 'Pneumothorax visible at the left apex',
    });
    const { patientPseudonym } = await call('GET', `/reviews/${reviewId}`, alice);
    await call(
      'POST',
      `/log-artefacts?system=${aiSystemId}&from=2027-01-01T00:00:00Z&to=2027-01-02T00:00:00Z`,
      qm,
      '{"ai":"output"}\n',
      'application/x-ndjson',
    );
    // The bundle holds what the read models hold: wait until the review is projected.
    await eventually(async () => ((await call('GET', '/reviews', alice)).items as unknown[]).length > 0, 60_000, 'review projected');
    const { requestId } = await call('POST', '/disclosure-requests', legal, {
      reference: 'FILES-1',
      requester: { kind: 'court', name: 'Rechtbank' },
      legalBasis: 'PLD Art. 9',
      dueAt: new Date(Date.now() + 86_400_000).toISOString(),
      scope: { patientPseudonyms: [patientPseudonym] },
    });
    const { bundleId } = await call('POST', `/disclosure-requests/${requestId}/bundles`, legal, {});
    await eventually(async () => (await call('GET', `/disclosure-requests/${requestId}/bundles/${bundleId}`, legal)).status === 'done', 60_000, 'bundle done');

    const modes = modesUnder(storage.config.dataDir);
    const paths = modes.map((m) => m.path);
    // The workload really wrote each kind of file this guarantee is about.
    expect(paths).toEqual(expect.arrayContaining(['keys', 'bundles', `bundles/${bundleId}.zip`, 'blobs']));
    expect(modes.some((m) => m.path.startsWith('blobs/') && m.kind === 'file')).toBe(true);
    if (storage.config.kind === 'sqlite') expect(paths).toEqual(expect.arrayContaining(['registry.sqlite', 'registry.sqlite-wal', 'registry.sqlite-shm']));
    const loose = modes.filter((m) => m.mode !== (m.kind === 'dir' ? '700' : '600'));
    expect(loose).toEqual([]);
  }, 180_000);

  it('takes FILE_MODE (octal): folders get x where files get r; execute bits and modes the owner cannot use are refused', () => {
    expect(fileModesFromEnv({})).toEqual({ file: 0o600, dir: 0o700 });
    expect(fileModesFromEnv({ FILE_MODE: '640' })).toEqual({ file: 0o640, dir: 0o750 });
    expect(fileModesFromEnv({ FILE_MODE: '0644' })).toEqual({ file: 0o644, dir: 0o755 });
    for (const bad of ['700', '400', '6400', 'rw-------', '999']) expect(() => fileModesFromEnv({ FILE_MODE: bad })).toThrow(/FILE_MODE/);
  });
});
