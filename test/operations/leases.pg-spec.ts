import { DataSource } from 'typeorm';
import { dataSourceOptions, SqlDatabase, SqlEventStore } from '@app/event-store';
import { issueLocalToken, loadKeyMaterial } from '@app/identity';
import { REVIEW_EVENT_TYPES } from '@app/oversight';
import { type ChildApi, startChildApi, waitForExit } from '../support/child-api';
import { openRegistry } from '../support/registry-context';
import { seedReviews } from '../support/seed';
import { newTestStorage, type TestStorage } from '../support/test-storage';
import { aiSystemBody } from '../support/test-app';

const PROJECTIONS = ['ai-systems', 'oversight-reviews', 'incidents-board', 'incidents-deliveries', 'retention', 'disclosures', 'erasures', 'supplier-notices'];

/** `name{label="value"} 3` lines of a Prometheus scrape, as { value: 3 } per label value. */
async function metric(api: ChildApi, name: string, label: string): Promise<Record<string, number>> {
  const text = await (await fetch(`${api.url}/metrics`)).text();
  const out: Record<string, number> = {};
  for (const m of text.matchAll(new RegExp(`^${name}\\{${label}="([^"]+)"\\} (\\S+)$`, 'gm'))) out[m[1]] = Number(m[2]);
  return out;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Two real `registry serve` processes on one PostgreSQL schema: each projection (and the ledger
 * sealer) runs in exactly one of them; SIGKILL the holder and the other takes over and catches up.
 */
describe('Several API instances on one PostgreSQL (leases)', () => {
  let storage: TestStorage;
  let ds: DataSource;
  let store: SqlEventStore;
  const apis: ChildApi[] = [];
  let starting: Promise<ChildApi>[] = [];

  beforeAll(() => {
    storage = newTestStorage('postgres');
  });
  afterAll(async () => {
    // Both, even when one failed to come up.
    for (const r of await Promise.allSettled(starting)) if (r.status === 'fulfilled' && !apis.includes(r.value)) apis.push(r.value);
    for (const api of apis) if (api.proc.exitCode === null && api.proc.signalCode === null) api.proc.kill('SIGKILL');
    await Promise.all(apis.map((a) => waitForExit(a.proc)));
    await ds?.destroy();
    await storage?.cleanup();
  });

  const checkpoints = async () => {
    const rows: Array<{ name: string; position: string }> = await ds.query('SELECT name, position FROM projection_checkpoints');
    return Object.fromEntries(rows.map((r) => [r.name, Number(r.position)]));
  };
  const reviewEventsAfter = async (position: number) =>
    Number(
      (
        await ds.query<Array<{ n: string }>>('SELECT COUNT(*) AS n FROM events WHERE global_position > $1 AND type = ANY($2)', [
          position,
          [...REVIEW_EVENT_TYPES],
        ])
      )[0].n,
    );
  const caughtUp = async () => {
    const head = await store.headPosition();
    const cps = await checkpoints();
    return PROJECTIONS.every((p) => cps[p] === head);
  };
  const waitCaughtUp = async () => {
    for (let i = 0; i < 1200 && !(await caughtUp()); i++) await sleep(50);
    expect(await caughtUp()).toBe(true);
  };

  it('runs each projection in one instance only, fails over on kill -9, and equals a full rebuild', async () => {
    const env = { ...storage.env, PROJECTION_BATCH_SIZE: '25', LEASE_RETRY_MS: '200', LEDGER_SEAL_INTERVAL_MS: '100' };
    // Started together on an empty schema: migrations and read-model tables are made once.
    starting = [startChildApi(env, true, 120_000), startChildApi(env, true, 120_000)];
    apis.push(...(await Promise.all(starting)));
    ds = new DataSource(dataSourceOptions(storage.config));
    await ds.initialize();
    store = new SqlEventStore(new SqlDatabase(ds));

    // The checkpoint of the busiest projection is watched throughout: it may only move forward.
    const seen: number[] = [];
    let watching = true;
    const watcher = (async () => {
      while (watching && ds.isInitialized) {
        const at = (await checkpoints())['oversight-reviews'] ?? 0;
        if (at !== seen[seen.length - 1]) seen.push(at);
        await sleep(10);
      }
    })();

    // The event flow: through both instances' HTTP APIs, and a bulk writer beside them.
    const keys = loadKeyMaterial(storage.config);
    const admin = await issueLocalToken(keys.tokenSigning, { sub: 'admin-1', role: 'admin' });
    for (const [i, api] of apis.entries()) {
      const res = await fetch(`${api.url}/api/v1/ai-systems`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${admin}` },
        body: JSON.stringify(aiSystemBody({ name: `System via instance ${i}` })),
      });
      expect(res.status).toBe(201);
    }
    await seedReviews(store, 300);
    await waitCaughtUp();

    // Every lease is held by exactly one instance; the other did no projection work at all.
    const held = await Promise.all(apis.map((a) => metric(a, 'oversight_leases_held', 'lease')));
    const processed = await Promise.all(apis.map((a) => metric(a, 'oversight_projection_events_applied', 'projection')));
    for (const lease of [...PROJECTIONS.map((p) => `projection:${p}`), 'ledger-sealer']) {
      expect([held[0][lease] ?? 0, held[1][lease] ?? 0].sort()).toEqual([0, 1]);
    }
    const head = await store.headPosition();
    for (const p of PROJECTIONS) {
      const holder = held[0][`projection:${p}`] === 1 ? 0 : 1;
      expect(processed[1 - holder][p]).toBe(0);
    }
    // The holder applied every review event exactly once.
    const holderOfReviews = held[0]['projection:oversight-reviews'] === 1 ? 0 : 1;
    expect(processed[holderOfReviews]['oversight-reviews']).toBe(await reviewEventsAfter(0));

    // kill -9 the instance running the reviews projection while it works through new events.
    const victim = held[0]['projection:oversight-reviews'] === 1 ? 0 : 1;
    const survivor = apis[1 - victim];
    const seeding = seedReviews(store, 400);
    let beforeKill = head;
    for (let i = 0; i < 2000 && beforeKill < head + 50; i++) {
      await sleep(5);
      beforeKill = (await checkpoints())['oversight-reviews'];
    }
    apis[victim].proc.kill('SIGKILL');
    await waitForExit(apis[victim].proc);
    const killedAt = (await checkpoints())['oversight-reviews'];
    expect(beforeKill).toBeGreaterThan(head); // the victim had made progress on the new events
    await seeding;
    await waitCaughtUp();

    const after = await metric(survivor, 'oversight_leases_held', 'lease');
    for (const lease of [...PROJECTIONS.map((p) => `projection:${p}`), 'ledger-sealer']) expect(after[lease]).toBe(1);
    // The survivor took over where the killed one had committed: not before, nothing missed.
    const finalHead = await store.headPosition();
    expect(finalHead).toBeGreaterThan(killedAt);
    const takenOver = (await metric(survivor, 'oversight_projection_events_applied', 'projection'))['oversight-reviews'];
    expect(takenOver).toBeGreaterThanOrEqual(await reviewEventsAfter(killedAt));
    expect(takenOver).toBeLessThanOrEqual(await reviewEventsAfter(beforeKill));

    // The ledger kept sealing in the survivor too.
    for (let i = 0; i < 200; i++) {
      const [{ n }] = await ds.query<Array<{ n: string }>>('SELECT COUNT(*) AS n FROM ledger_leaves');
      if (Number(n) === (await store.headPosition())) break;
      await sleep(50);
    }
    expect(Number((await ds.query<Array<{ n: string }>>('SELECT COUNT(*) AS n FROM ledger_leaves'))[0].n)).toBe(await store.headPosition());

    watching = false;
    await watcher;
    expect(seen.length).toBeGreaterThan(2);
    for (let i = 1; i < seen.length; i++) expect(seen[i]).toBeGreaterThan(seen[i - 1]);

    survivor.proc.kill('SIGTERM');
    await waitForExit(survivor.proc);

    // Read models written by the two instances equal a rebuild from position 0.
    const registry = await openRegistry(storage.config);
    try {
      const live = await registry.readModels();
      expect(live.rm_reviews).toHaveLength(700);
      expect(live.rm_ai_systems).toHaveLength(8);
      expect(await registry.rebuiltReadModels()).toEqual(live);
      expect((await registry.ledger.verify()).ok).toBe(true);
    } finally {
      await registry.close();
    }
  }, 300_000);
});

/**
 * Issue 22, item 9: whoever holds `ledger-sealer`, every instance signs checkpoints and exports
 * bundles (a non-holder never writes leaves: it waits for the holder, bounded, and reads the tree
 * from the database), an export's job answers the same on every instance, and the first seal of
 * a new holder after kill -9 starts from the stored tree, not from what it remembered.
 */
describe('Checkpoints and exports on any instance (leases)', () => {
  const REQUEST_ID = '01936f0e-8a4b-7c3d-9e2f-0000000000c9';
  let storage: TestStorage;
  let ds: DataSource;
  let store: SqlEventStore;
  const apis: ChildApi[] = [];

  beforeAll(() => {
    storage = newTestStorage('postgres');
  });
  afterAll(async () => {
    for (const api of apis) {
      if (api.proc.exitCode === null && api.proc.signalCode === null) {
        api.proc.kill('SIGCONT');
        api.proc.kill('SIGKILL');
      }
    }
    await Promise.all(apis.map((a) => waitForExit(a.proc)));
    await ds?.destroy();
    await storage?.cleanup();
  });

  it('signs checkpoints and exports on a non-holder and right after failover; export jobs answer the same everywhere', async () => {
    const env = { ...storage.env, LEASE_RETRY_MS: '200', LEDGER_SEAL_INTERVAL_MS: '100', LEDGER_HANDOFF_TIMEOUT_MS: '3000' };
    apis.push(...(await Promise.all([startChildApi(env, true, 120_000), startChildApi(env, true, 120_000)])));
    ds = new DataSource(dataSourceOptions(storage.config));
    await ds.initialize();
    store = new SqlEventStore(new SqlDatabase(ds));
    const { systems } = await seedReviews(store, 200, { systems: 1 });
    await store.append(`disclosure-${REQUEST_ID}`, [
      {
        type: 'disclosure.DisclosureRequestReceived',
        data: {
          requestId: REQUEST_ID,
          reference: 'LEASES-1',
          requester: { kind: 'court', name: 'Rechtbank' },
          legalBasis: 'PLD Art. 9',
          receivedAt: '2026-11-01T00:00:00.000Z',
          dueAt: '2027-12-01T00:00:00.000Z',
          scope: { patientPseudonyms: [], aiSystemIds: [systems[0]], incidentIds: [], from: null, to: null },
          receivedBy: { subject: 'lawyer-1', role: 'legal' },
        },
      },
    ]);
    const keys = loadKeyMaterial(storage.config);
    const auth = { authorization: `Bearer ${await issueLocalToken(keys.tokenSigning, { sub: 'lawyer-1', role: 'legal' })}` };
    const leaves = async () => Number((await ds.query<Array<{ n: string }>>('SELECT COUNT(*) AS n FROM ledger_leaves'))[0].n);
    for (let i = 0; i < 400 && (await leaves()) < (await store.headPosition()); i++) await sleep(50);
    // The projection that serves GET /disclosure-requests/:id runs in one of them: wait for it.
    for (let i = 0; i < 400; i++) {
      if ((await fetch(`${apis[0].url}/api/v1/disclosure-requests/${REQUEST_ID}`, { headers: auth })).status === 200) break;
      await sleep(50);
    }
    const sealerOf = async () => Promise.all(apis.map(async (a) => (await metric(a, 'oversight_leases_held', 'lease'))['ledger-sealer'] === 1));
    const holding = await sealerOf();
    expect(holding.filter(Boolean)).toHaveLength(1);
    const holder = apis[holding.indexOf(true)];
    const other = apis[holding.indexOf(false)];

    const checkpointOn = async (api: ChildApi) => {
      const res = await fetch(`${api.url}/api/v1/ledger/checkpoints`, { method: 'POST', headers: auth });
      const body = (await res.json()) as { treeSize: number; rootHash: string };
      return { status: res.status, body };
    };
    const exportOn = async (api: ChildApi) => {
      const res = await fetch(`${api.url}/api/v1/disclosure-requests/${REQUEST_ID}/bundles`, { method: 'POST', headers: auth });
      expect(res.status).toBe(202);
      return ((await res.json()) as { bundleId: string }).bundleId;
    };
    const jobOn = async (api: ChildApi, bundleId: string) => {
      const res = await fetch(`${api.url}/api/v1/disclosure-requests/${REQUEST_ID}/bundles/${bundleId}`, { headers: auth });
      return { status: res.status, body: (await res.json()) as { status: string; bundleSha256?: string | null; error?: string | null } };
    };
    const settled = async (api: ChildApi, bundleId: string) => {
      for (let i = 0; i < 600; i++) {
        const job = await jobOn(api, bundleId);
        if (job.status === 200 && job.body.status !== 'running') return job;
        await sleep(50);
      }
      throw new Error(`bundle ${bundleId} did not settle`);
    };

    // A non-holder signs checkpoints and exports, again and again, while the log grows.
    for (let round = 0; round < 3; round++) {
      // The holder seals these first: what the non-holder knew of the tree is now behind.
      await seedReviews(store, 20);
      for (let i = 0; i < 400 && (await leaves()) < (await store.headPosition()); i++) await sleep(50);
      await seedReviews(store, 5);
      const head = await store.headPosition();
      const cp = await checkpointOn(other);
      expect(cp.status).toBe(201);
      expect(cp.body.treeSize).toBeGreaterThanOrEqual(head);
      const bundleId = await exportOn(other);
      // Asked on the instance that did not run it: the same job, the same answer.
      const onHolder = await settled(holder, bundleId);
      expect(onHolder.body.status).toBe('done');
      const onOther = await jobOn(other, bundleId);
      expect(onOther.body.status).toBe('done');
      expect(onOther.body.bundleSha256).toBe(onHolder.body.bundleSha256);
    }

    // A holder that stops sealing (paused, still holding the lease): the non-holder's export fails
    // after the bounded wait, and the failure is seen on the holder too once it runs again.
    holder.proc.kill('SIGSTOP');
    await seedReviews(store, 5);
    const failed = await exportOn(other);
    const failedOnOther = await settled(other, failed);
    expect(failedOnOther.body.status).toBe('failed');
    expect(failedOnOther.body.error).toMatch(/seal/i);
    holder.proc.kill('SIGCONT');
    const failedOnHolder = await settled(holder, failed);
    expect(failedOnHolder.body).toEqual(failedOnOther.body);

    // kill -9 the holder with events unsealed: the survivor's first seal, checkpoint and export work.
    holder.proc.kill('SIGSTOP');
    await seedReviews(store, 30);
    holder.proc.kill('SIGKILL');
    await waitForExit(holder.proc);
    const head = await store.headPosition();
    const cp = await checkpointOn(other);
    expect(cp.status).toBe(201);
    expect(cp.body.treeSize).toBeGreaterThanOrEqual(head);
    const afterFailover = await settled(other, await exportOn(other));
    expect(afterFailover.body.status).toBe('done');

    other.proc.kill('SIGTERM');
    await waitForExit(other.proc);
    const registry = await openRegistry(storage.config);
    try {
      const report = await registry.ledger.verify();
      expect(report.problems).toEqual([]);
      expect(report.sealed).toBe(report.events);
    } finally {
      await registry.close();
    }
  }, 300_000);
});
