import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { DataSource } from 'typeorm';
import { AccessLog, AccessLogEvidence, AccessLogRetentionError, type AccessRecord } from '@app/identity';
import { CLOCK, type Clock } from '@app/event-store';
import { CLI } from '../support/child-api';
import { startTestApp, type TestApp } from '../support/test-app';

const run = promisify(execFile);
const YEAR = 365.25 * 24 * 3600 * 1000;
const ago = (years: number) => new Date(Date.now() - years * YEAR);

function access(n: number): AccessRecord {
  return {
    requestId: `req-${n}`,
    actor: { subject: `clinician-${n}`, role: 'clinician' },
    action: 'read-review',
    dataSubject: `p-${n}`,
    resource: `GET /api/v1/reviews/${n}`,
  };
}

/** Writes entries stamped `years` ago, as if the log had been kept that long (the app's Clock travels back). */
async function recordAgo(t: TestApp, years: number, n: number[]): Promise<void> {
  const clock = t.app.get<Clock>(CLOCK);
  clock.travelTo(ago(years));
  try {
    await t.app.get(AccessLog).record(n.map(access));
  } finally {
    clock.reset();
  }
}

/** NEN 7513 retention: entries are kept five years, then purged as a prefix of the chain that stays verifiable. */
describe('access-log retention (purge after five years)', () => {
  let t: TestApp;
  let log: AccessLog;
  let evidence: AccessLogEvidence;
  let ds: DataSource;

  beforeEach(async () => {
    t = await startTestApp();
    log = t.app.get(AccessLog);
    evidence = t.app.get(AccessLogEvidence);
    ds = t.app.get(DataSource);
  });
  afterEach(() => t.close());

  const seqs = async () => (await ds.query('SELECT seq FROM access_log ORDER BY seq')).map((r: { seq: number | string }) => Number(r.seq));

  it('purges only what is older than the date, records the anchor, and the rest still verifies', async () => {
    await recordAgo(t, 7, [1, 2, 3]);
    await recordAgo(t, 2, [4, 5]);
    await log.record([access(6)]);
    const [third] = await ds.query('SELECT entry_hash FROM access_log WHERE seq = 3');

    const purge = await evidence.purge(ago(5.5).toISOString(), { subject: 'os:admin', role: 'admin' }, 'NEN 7513 term passed');
    expect(purge).toMatchObject({ throughSeq: 3, anchorHash: third.entry_hash, entries: 3 });
    expect(await seqs()).toEqual([4, 5, 6]);
    expect(await log.verify()).toEqual({ ok: true, entries: 3, firstBadSeq: null, purgedThroughSeq: 3 });
    const [row] = await ds.query('SELECT * FROM access_log_purges');
    expect(row).toMatchObject({ anchor_hash: third.entry_hash, entries: 3, actor_subject: 'os:admin', reason: 'NEN 7513 term passed' });

    // Nothing older is left: a second purge changes nothing.
    expect(await evidence.purge(ago(5.5).toISOString(), { subject: 'os:admin', role: 'admin' })).toMatchObject({ entries: 0, throughSeq: 3 });
    // The chain goes on from the last entry.
    await log.record([access(7)]);
    expect(await log.verify()).toMatchObject({ ok: true, entries: 4, purgedThroughSeq: 3 });
  });

  it('refuses a date within the five years, and the database refuses any delete no purge covers', async () => {
    await recordAgo(t, 6, [1]);
    await recordAgo(t, 4, [2]);
    await expect(evidence.purge(ago(4.5).toISOString(), { subject: 'os:admin', role: 'admin' })).rejects.toThrow(AccessLogRetentionError);
    await expect(evidence.purge('not a date', { subject: 'os:admin', role: 'admin' })).rejects.toThrow(AccessLogRetentionError);
    expect(await seqs()).toEqual([1, 2]);

    await evidence.purge(ago(5).toISOString(), { subject: 'os:admin', role: 'admin' });
    expect(await seqs()).toEqual([2]);
    await expect(ds.query('DELETE FROM access_log')).rejects.toThrow(/append-only/);
    await expect(ds.query(`UPDATE access_log SET actor_subject = 'x'`)).rejects.toThrow(/append-only/);
    await expect(ds.query('DELETE FROM access_log_purges')).rejects.toThrow(/append-only/);
    await expect(ds.query(`UPDATE access_log_purges SET anchor_hash = 'x'`)).rejects.toThrow(/append-only/);
    expect(await seqs()).toEqual([2]);
    expect(await log.verify()).toMatchObject({ ok: true, entries: 1, purgedThroughSeq: 1 });
  });

  it('continues the chain from the anchor when every entry was purged, and a broken link is still found', async () => {
    await recordAgo(t, 8, [1, 2]);
    const purge = await evidence.purge(ago(6).toISOString(), { subject: 'os:admin', role: 'admin' });
    expect(purge).toMatchObject({ throughSeq: 2, entries: 2 });
    expect(await seqs()).toEqual([]);
    expect(await log.verify()).toEqual({ ok: true, entries: 0, firstBadSeq: null, purgedThroughSeq: 2 });

    const [next] = await log.record([access(3)]);
    expect(next).toMatchObject({ seq: 3, prevHash: purge.anchorHash });
    expect(await log.verify()).toMatchObject({ ok: true, entries: 1 });

    // Someone past the triggers rewrites the remaining entry: verification from the anchor finds it.
    const pg = ds.options.type === 'postgres';
    await ds.query(pg ? 'ALTER TABLE access_log DISABLE TRIGGER USER' : 'DROP TRIGGER access_log_no_update');
    await ds.query(`UPDATE access_log SET actor_subject = 'someone-else' WHERE seq = 3`);
    expect(await log.verify()).toEqual({ ok: false, entries: 1, firstBadSeq: 3, purgedThroughSeq: 2 });
  });

  // Seven runs of the CLI, each booting the app: more than 30 s on a loaded two-core machine.
  it('`registry access-log purge` records identity.AccessLogPurged before it deletes, finishes a run that died in between, and refuses a recent date', async () => {
    await recordAgo(t, 6, [1, 2]);
    await recordAgo(t, 5.8, [3]);
    await log.record([access(4)]);
    const env = { ...process.env, ...t.storage.env, LOG_LEVEL: 'warn' };
    const cli = (...args: string[]) => run(process.execPath, [CLI, 'access-log', ...args], { env });
    const before = ago(5.9).toISOString();

    const { stdout } = await cli('purge', '--before', before, '--reason', 'term passed');
    expect(stdout).toContain('Purged 2 access-log entries');
    expect(stdout).toContain('Access log verified: 2 entries after #2.\nAnchors in the event log: 1, all match.');
    expect((await cli('verify')).stdout).toContain('Access log verified: 2 entries after #2.\nAnchors in the event log: 1, all match.');
    const [event] = await t.store.readStream('access-log-purges');
    expect(event).toMatchObject({ type: 'identity.AccessLogPurged', data: { throughSeq: 2, entries: 2, reason: 'term passed' } });
    const [row] = await ds.query('SELECT anchor_hash FROM access_log_purges');
    expect((event.data as { anchorHash: string }).anchorHash).toBe(row.anchor_hash);

    // A run that recorded its event and died before deleting: verify still passes (the anchor
    // names an entry that is there), and the rerun finishes without a second event.
    const later = ago(5.5).toISOString();
    const { fromSeq, ...planned } = await log.planPurge(later);
    expect({ fromSeq, ...planned }).toMatchObject({ fromSeq: 2, throughSeq: 3, entries: 1 });
    await t.store.append('access-log-purges', [{ type: 'identity.AccessLogPurged', data: { ...planned, reason: null } }], {
      idempotencyKey: 'access-log-purge-3',
    });
    expect((await cli('verify')).stdout).toContain('Anchors in the event log: 2, all match.');
    expect((await cli('purge', '--before', later)).stdout).toContain('Purged 1 access-log entries');
    expect(await t.store.readStream('access-log-purges')).toHaveLength(2);
    expect((await cli('verify')).stdout).toContain('Access log verified: 1 entries after #3.\nAnchors in the event log: 2, all match.');

    await expect(cli('purge', '--before', ago(1).toISOString())).rejects.toMatchObject({ code: 1, stderr: expect.stringContaining('kept at least 5 years') });
    expect(await seqs()).toEqual([4]);
  }, 180_000);
});
