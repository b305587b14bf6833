import { execFile, execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { LEASES, type Leases, SqlDatabase } from '@app/event-store';
import { LedgerAnchorService, LedgerService, treeHeadBytes, verifyTreeHead } from '@app/evidence';
import { CLI } from '../support/child-api';
import { LocalTsa } from '../support/local-tsa';
import { seedReviews } from '../support/seed';
import { startTestApp, type TestApp } from '../support/test-app';

/** What an expert runs by hand (docs/evidence.md): openssl's own RFC 3161 verification of a token. */
function opensslTsVerify(token: Buffer, digestHex: string, caFile: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'tst-'));
  try {
    writeFileSync(join(dir, 'token.tst'), token);
    return execFileSync('openssl', ['ts', '-verify', '-digest', digestHex, '-in', join(dir, 'token.tst'), '-token_in', '-CAfile', caFile], {
      encoding: 'utf8',
      stdio: 'pipe',
    });
  } catch (err) {
    return `${(err as { stdout?: string }).stdout ?? ''}${(err as { stderr?: string }).stderr ?? ''}`;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, ms = 15_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('Ledger anchors: RFC 3161 timestamps of signed tree heads by a real TSA (issue 22, build 3)', () => {
  let tsa: LocalTsa;
  let t: TestApp;
  let anchors: LedgerAnchorService;
  let ledger: LedgerService;
  let db: SqlDatabase;
  const saved = { ...process.env };

  beforeAll(async () => {
    tsa = await LocalTsa.start();
    Object.assign(process.env, {
      LEDGER_TSA_URL: tsa.url,
      LEDGER_TSA_CERT_FILE: tsa.certFile,
      LEDGER_ANCHOR_INTERVAL_MINUTES: '0.005',
      LEDGER_ANCHOR_RETRY_SECONDS: '0.2',
      LEDGER_TSA_TIMEOUT_MS: '500',
      LEDGER_CHECKPOINT_SECONDS: '0.2',
    });
    t = await startTestApp();
    anchors = t.app.get(LedgerAnchorService);
    ledger = t.app.get(LedgerService);
    db = t.app.get(SqlDatabase);
    await seedReviews(t.store, 10);
  });
  afterAll(async () => {
    await t?.close();
    await tsa?.stop();
    process.env = saved;
  });

  it('time-stamps the latest signed tree head by itself, and the stored token passes openssl ts -verify', async () => {
    const head = await t.store.headPosition();
    const anchor = await until('an anchor of the whole log', async () => (await anchors.anchorsUpTo(head)).find((a) => a.treeSize === head));
    expect(anchor).toMatchObject({ kind: 'rfc3161', authority: tsa.url, rootHash: anchor.checkpoint.rootHash });
    const keys = new Map((await ledger.keysList()).map((k) => [k.keyId, k.publicKeyPem]));
    expect(verifyTreeHead(anchor.checkpoint, keys.get(anchor.checkpoint.keyId)!)).toBe(true);
    // The imprint is the SHA-256 of the checkpoint's canonical bytes (what checkpoint.json holds).
    const digest = createHash('sha256').update(treeHeadBytes(anchor.checkpoint)).digest('hex');
    const token = Buffer.from(anchor.token, 'base64');
    expect(opensslTsVerify(token, digest, tsa.certFile)).toContain('Verification: OK');
    expect(opensslTsVerify(token, createHash('sha256').update('another head').digest('hex'), tsa.certFile)).not.toContain('Verification: OK');
    expect(Math.abs(Date.parse(anchor.genTime) - Date.now())).toBeLessThan(60_000);
  });

  it('keeps anchors append-only: an UPDATE or DELETE is refused by the store', async () => {
    const before = await db.query<{ n: number | string }>('SELECT COUNT(*) AS n FROM ledger_anchors');
    expect(Number(before[0].n)).toBeGreaterThan(0);
    await expect(db.query("UPDATE ledger_anchors SET gen_time = '2000-01-01T00:00:00.000Z'")).rejects.toThrow(/append-only/);
    await expect(db.query('DELETE FROM ledger_anchors')).rejects.toThrow(/append-only/);
    if (t.storage.config.kind === 'postgres') await expect(db.query('TRUNCATE ledger_anchors')).rejects.toThrow(/append-only/);
    const after = await db.query<{ n: number | string; early: number | string }>(
      "SELECT COUNT(*) AS n, SUM(CASE WHEN gen_time < '2001' THEN 1 ELSE 0 END) AS early FROM ledger_anchors",
    );
    expect(Number(after[0].n)).toBe(Number(before[0].n));
    expect(Number(after[0].early ?? 0)).toBe(0);
  });

  it('keeps writing and signing while the TSA is down or slow, and anchors the new head once it is back', async () => {
    tsa.mode = 'down';
    await seedReviews(t.store, 5);
    await expect(anchors.anchor({ fresh: true })).rejects.toThrow(/HTTP 503/);
    tsa.mode = 'up';
    tsa.slowMs = 3000;
    const started = Date.now();
    await seedReviews(t.store, 5);
    await expect(anchors.anchor({ fresh: true })).rejects.toThrow(/cannot be reached/);
    expect(Date.now() - started).toBeLessThan(2500);
    // Nothing else waited: every write is sealed under a signed head, none of them anchored yet.
    const head = await ledger.checkpoint();
    expect(head.treeSize).toBe(await t.store.headPosition());
    expect((await anchors.anchorsUpTo(head.treeSize)).some((a) => a.treeSize === head.treeSize)).toBe(false);
    // Monitoring sees the backlog while the TSA is away.
    const metric = async (name: string) => Number(new RegExp(`^${name} (-?\\d+)$`, 'm').exec((await t.http.get('/metrics').expect(200)).text)?.[1]);
    expect(await metric('oversight_ledger_unanchored_events')).toBeGreaterThanOrEqual(10);
    expect(await metric('oversight_ledger_anchor_age_seconds')).toBeGreaterThanOrEqual(0);
    tsa.slowMs = 0;
    const anchor = await until('the anchor after the TSA is back', async () =>
      (await anchors.anchorsUpTo(head.treeSize)).find((a) => a.treeSize === head.treeSize),
    );
    expect(anchor.checkpoint.rootHash).toBe(head.rootHash);
    expect(await metric('oversight_ledger_unanchored_events')).toBe(0);
  });

  it('registry ledger anchor (the real CLI) signs a head and has it time-stamped now; with the TSA down it exits 1 saying why', async () => {
    await seedReviews(t.store, 1);
    const env = { ...process.env, ...t.storage.env, LEDGER_TSA_URL: tsa.url, LEDGER_TSA_CERT_FILE: tsa.certFile, LOG_LEVEL: 'warn' };
    const cli = () =>
      promisify(execFile)(process.execPath, [CLI, 'ledger', 'anchor'], { env }).then(
        (r) => ({ code: 0, out: r.stdout }),
        (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, out: `${e.stdout}${e.stderr}` }),
      );
    const head = await t.store.headPosition();
    // The API's own sealer first (one process seals on SQLite): the CLI then only signs and anchors.
    await until('the head sealed by the API', async () => ((await ledger.latestCheckpoint())?.treeSize === head ? true : undefined));
    const done = await cli();
    expect(done).toEqual({
      code: 0,
      out: expect.stringMatching(
        new RegExp(`^Tree head of size ${head} \\(root [0-9a-f]{64}\\) time-stamped at \\d{4}-.*Z by ${tsa.url.replace(/[.]/g, '\\.')}\\n$`),
      ),
    });
    expect((await anchors.anchorsUpTo(head)).some((a) => a.treeSize === head)).toBe(true);
    tsa.mode = 'down';
    try {
      await seedReviews(t.store, 1);
      const next = await t.store.headPosition();
      await until('the head sealed by the API', async () => ((await ledger.latestCheckpoint())?.treeSize === next ? true : undefined));
      const down = await cli();
      expect(down.code).toBe(1);
      expect(down.out).toContain('registry: the TSA answered HTTP 503');
    } finally {
      tsa.mode = 'up';
    }
  });

  it('refuses a token that does not chain to the configured TSA certificate, and stores nothing', async () => {
    const other = await LocalTsa.start('Unknown TSA');
    try {
      await seedReviews(t.store, 2);
      process.env.LEDGER_TSA_URL = other.url;
      const stranger = new LedgerAnchorService(db, ledger, t.app.get<Leases>(LEASES));
      process.env.LEDGER_TSA_URL = tsa.url;
      tsa.mode = 'down';
      await expect(stranger.anchor({ fresh: true })).rejects.toThrow(/does not chain to a trusted TSA certificate/);
      const rows = await db.query<{ n: number | string }>('SELECT COUNT(*) AS n FROM ledger_anchors WHERE authority = ?', [other.url]);
      expect(Number(rows[0].n)).toBe(0);
      expect(other.requests).toBe(1);
    } finally {
      tsa.mode = 'up';
      await other.stop();
    }
  });
  it('registry verify catches a history changed under an anchored head, even with the leaves and signed heads redone by the hospital', async () => {
    // The first anchor that covers the event changed below (position 2). Not simply the first
    // anchor: with anchors every 0.3 s one may be of the tree before anything was seeded (found on
    // PostgreSQL in CI: an anchor of size 1, the key's event alone).
    const anchored = (await anchors.anchorsUpTo(Number.MAX_SAFE_INTEGER)).find((a) => a.treeSize > 2)!;
    expect(anchored?.treeSize).toBeGreaterThan(2);
    expect((await ledger.verify()).ok).toBe(true);
    // What the hospital could do with its own database and key: change an early event, then drop
    // the leaves and heads that no longer match (new ones would be re-signed with the same key).
    await db.query("UPDATE events SET metadata = REPLACE(metadata, 'actor', 'actos') WHERE global_position = 2");
    await db.query('DELETE FROM ledger_checkpoints');
    await db.query('DELETE FROM ledger_leaves');
    const report = await ledger.verify();
    expect(report.ok).toBe(false);
    expect(report.problems).toEqual(
      expect.arrayContaining([
        {
          treeSize: anchored.treeSize,
          problem: expect.stringContaining(`do not hash to the root of the tree head of size ${anchored.treeSize} time-stamped by ${tsa.url}`),
        },
      ]),
    );
  });
});
