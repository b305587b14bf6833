import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { promisify } from 'node:util';
import { DataSource } from 'typeorm';
import { AccessLog, type AccessRecord } from '@app/identity';
import { CLI } from '../support/child-api';
import { startTestApp, type TestApp } from '../support/test-app';

const run = promisify(execFile);

const access = (n: number): AccessRecord => ({
  requestId: `req-${n}`,
  actor: { subject: `clinician-${n}`, role: 'clinician' },
  action: 'read-review',
  dataSubject: `p-${n}`,
  resource: `GET /api/v1/reviews/${n}`,
});

/**
 * What someone past the database's triggers could do: change an entry and re-hash the chain from
 * there to the end, with the published algorithm (ADR 0010), so that the chain verifies again.
 */
/** The columns the chain hashes (the database answers `seq` as a number or a string). */
interface AccessLogRow {
  seq: number | string;
  entry_hash: string;
  entry_id: string;
  request_id: string | null;
  at: string;
  actor_subject: string;
  actor_role: string;
  action: string;
  data_subject: string | null;
  resource: string;
  ip: string | null;
  user_agent: string | null;
}

async function forge(ds: DataSource, fromSeq: number, actor: string): Promise<void> {
  const pg = ds.options.type === 'postgres';
  await ds.query(pg ? 'ALTER TABLE access_log DISABLE TRIGGER USER' : 'DROP TRIGGER access_log_no_update');
  const rows = await ds.query<AccessLogRow[]>('SELECT * FROM access_log ORDER BY seq');
  let prev = rows.find((r) => Number(r.seq) === fromSeq - 1)?.entry_hash ?? '0'.repeat(64);
  for (const r of rows.filter((x) => Number(x.seq) >= fromSeq)) {
    const subject = Number(r.seq) === fromSeq ? actor : r.actor_subject;
    const fields = [Number(r.seq), r.entry_id, r.request_id, r.at, subject, r.actor_role, r.action, r.data_subject, r.resource, r.ip, r.user_agent];
    const hash = createHash('sha256').update(prev).update('\n').update(JSON.stringify(fields)).digest('hex');
    await ds.query(
      `UPDATE access_log SET actor_subject = ${pg ? '$1' : '?'}, prev_hash = ${pg ? '$2' : '?'}, entry_hash = ${pg ? '$3' : '?'} WHERE seq = ${pg ? '$4' : '?'}`,
      [subject, prev, hash, r.seq],
    );
    prev = hash;
  }
}

/** The access log's head anchored in the event log (sealed by the ledger) catches a re-hashed chain. */
describe('access-log anchors in the event log', () => {
  let t: TestApp;
  let log: AccessLog;
  let ds: DataSource;
  const cli = (...args: string[]) => run(process.execPath, [CLI, 'access-log', ...args], { env: { ...process.env, ...t.storage.env, LOG_LEVEL: 'warn' } });

  beforeEach(async () => {
    t = await startTestApp();
    log = t.app.get(AccessLog);
    ds = t.app.get(DataSource);
  });
  afterEach(() => t.close());

  // Five runs of the CLI, each booting the app: more than 30 s on a loaded two-core machine.
  it('anchors the head once, and `verify` fails on a chain rewritten and re-hashed behind the triggers', async () => {
    expect((await cli('anchor')).stdout).toContain('The access log is empty');
    await log.record([access(1), access(2), access(3)]);
    const head = (await ds.query('SELECT entry_hash FROM access_log WHERE seq = 3'))[0].entry_hash;
    expect((await cli('anchor')).stdout).toContain(`Anchored entry #3 (${head})`);
    expect((await cli('anchor')).stdout).toContain('Entry #3 is anchored already.');
    const anchors = await t.store.readStream('access-log-anchors');
    expect(anchors).toHaveLength(1);
    expect(anchors[0]).toMatchObject({ type: 'identity.AccessLogAnchored', data: { seq: 3, entryHash: head } });
    expect((await cli('verify')).stdout).toContain('Anchors in the event log: 1, all match.');
    // The auditor gets the same verdict over HTTP; nobody else does.
    const auditor = { Authorization: `Bearer ${await t.token('auditor', 'audit-1')}` };
    for (const role of ['admin', 'legal', 'quality-manager', 'clinician'] as const) {
      await t.http
        .get('/api/v1/access-log/verification')
        .set({ Authorization: `Bearer ${await t.token(role)}` })
        .expect(403);
    }
    expect((await t.http.get('/api/v1/access-log/verification').set(auditor).expect(200)).body).toEqual({
      ok: true,
      chain: { ok: true, entries: 3, firstBadSeq: null, purgedThroughSeq: 0 },
      anchors: 1,
      mismatchedAnchors: [],
      unrecordedPurges: [],
    });

    await forge(ds, 2, 'someone-else');
    // The chain alone cannot tell: it was re-hashed to the end.
    expect(await log.verify()).toMatchObject({ ok: true, entries: 3 });
    const failed = cli('verify');
    await expect(failed).rejects.toMatchObject({ code: 1, stdout: expect.stringContaining('Entry #3 does not match the hash anchored in the event log') });
    const report = (await t.http.get('/api/v1/access-log/verification').set(auditor).expect(200)).body;
    expect(report).toMatchObject({ ok: false, chain: { ok: true }, mismatchedAnchors: [{ seq: 3, entryHash: head }] });
    expect(report.mismatchedAnchors[0].found).not.toBe(head);
    // A chain that does not verify is never anchored.
    await ds.query(`UPDATE access_log SET action = 'changed' WHERE seq = 1`);
    await expect(cli('anchor')).rejects.toMatchObject({ code: 1, stderr: expect.stringContaining('does not verify (entry #1)') });
  }, 120_000);

  it('`verify` fails on a purge record written behind the CLI (no purge event), and passes for a real purge', async () => {
    await log.record([access(1), access(2)]);
    const first = (await ds.query('SELECT entry_hash FROM access_log WHERE seq = 1'))[0].entry_hash;
    // A purge record straight into the table lets the trigger delete entry 1, and the chain verifies from it...
    await ds.query(
      `INSERT INTO access_log_purges (through_seq, anchor_hash, entries, purged_before, purged_at, actor_subject) VALUES (1, '${first}', 1, '2000-01-01T00:00:00.000Z', '2000-01-01T00:00:00.000Z', 'dba')`,
    );
    await ds.query('DELETE FROM access_log WHERE seq = 1');
    expect(await log.verify()).toMatchObject({ ok: true, entries: 1, purgedThroughSeq: 1 });
    // ...but no purge event says so.
    await expect(cli('verify')).rejects.toMatchObject({
      code: 1,
      stdout: expect.stringContaining('Purge through #1 is in the database but not in the event log.'),
    });
  });
});
