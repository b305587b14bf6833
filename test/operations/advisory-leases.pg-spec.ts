import { Client } from 'pg';
import { leaseLockKey, PgAdvisoryLeases, withAdvisoryLock } from '@app/event-store';
import { TEST_PG_URL } from '../support/test-storage';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The lease primitives on a real PostgreSQL: exclusivity, release, lost connections, schemas. */
describe('PostgreSQL advisory leases', () => {
  const schema = `t_lease_${Date.now().toString(36)}`;
  const open: PgAdvisoryLeases[] = [];
  const leases = (s = schema) => {
    const l = new PgAdvisoryLeases({ databaseUrl: TEST_PG_URL, schema: s }, { retryMs: 0, heartbeatMs: 0 });
    open.push(l);
    return l;
  };
  afterAll(async () => Promise.all(open.map((l) => l.close())));

  it('gives a lease to one holder at a time and to the next once the holder closes', async () => {
    const [a, b] = [leases(), leases()];
    expect(await a.hold('projection:x')).toBe(true);
    expect(await b.hold('projection:x')).toBe(false);
    expect(await b.hold('projection:y')).toBe(true); // leases are independent
    expect(await a.hold('projection:x')).toBe(true); // holding again is cheap and stays true
    expect(a.held()).toEqual(['projection:x']);
    await a.close();
    expect(await b.hold('projection:x')).toBe(true);
    expect(b.held().sort()).toEqual(['projection:x', 'projection:y']);
  });

  it('drops every lease when its connection is killed, and another process can take them', async () => {
    const [a, b] = [leases(), leases()];
    expect(await a.hold('ledger-sealer')).toBe(true);
    const admin = new Client({ connectionString: TEST_PG_URL });
    await admin.connect();
    try {
      // The backend that holds the lock, found by the lock key.
      const key = BigInt(leaseLockKey(schema, 'ledger-sealer'));
      const classid = Number(BigInt.asUintN(32, key >> 32n));
      const objid = Number(BigInt.asUintN(32, key));
      const { rows } = await admin.query<{ pid: number }>(
        "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND classid::bigint = $1 AND objid::bigint = $2 AND granted",
        [classid, objid],
      );
      expect(rows).toHaveLength(1);
      await admin.query('SELECT pg_terminate_backend($1)', [rows[0].pid]);
    } finally {
      await admin.end();
    }
    // Noticed from the connection's error event, or else by the holder's next heartbeat.
    for (let i = 0; i < 100 && a.held().length; i++) {
      await sleep(20);
      if (i > 25 && a.held().length) await a.hold('ledger-sealer');
    }
    expect(a.held()).toEqual([]);
    expect(await b.hold('ledger-sealer')).toBe(true);
  });

  it('keeps registries in different schemas apart', async () => {
    const [a, other] = [leases(), leases(`${schema}_other`)];
    expect(await a.hold('retention-purge')).toBe(true);
    expect(await other.hold('retention-purge')).toBe(true);
  });

  it('runs exclusive work one process at a time', async () => {
    const config = { databaseUrl: TEST_PG_URL, schema };
    const log: string[] = [];
    const work = (name: string) => async () => {
      log.push(`${name} in`);
      await sleep(150);
      log.push(`${name} out`);
    };
    await Promise.all([withAdvisoryLock(config, 'migrations', work('a')), withAdvisoryLock(config, 'migrations', work('b'))]);
    expect(log.map((l) => l.split(' ')[1])).toEqual(['in', 'out', 'in', 'out']);
  });
});
