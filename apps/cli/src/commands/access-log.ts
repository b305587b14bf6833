import { userInfo } from 'node:os';
import { NestFactory } from '@nestjs/core';
import { AppModule } from '@app/api';
import { LedgerService } from '@app/evidence';
import { EVENT_STORE, type EventStore, ProjectionRegistry, storageConfigFromEnv } from '@app/event-store';
import { AccessLog } from '@app/identity';

const ANCHORS = 'access-log-anchors';
const PURGES = 'access-log-purges';

async function withAccessLog<T>(work: (log: AccessLog, store: EventStore) => Promise<T>): Promise<T> {
  ProjectionRegistry.autoStart = false;
  LedgerService.autoStart = false;
  const app = await NestFactory.createApplicationContext(AppModule.forRoot(storageConfigFromEnv()), { logger: ['error', 'warn'] });
  try {
    return await work(app.get(AccessLog), app.get<EventStore>(EVENT_STORE));
  } finally {
    await app.close();
  }
}

/**
 * Purges NEN 7513 access-log entries recorded before `before` (at least five years ago). The
 * purge goes into the event log first (`identity.AccessLogPurged` with the anchor hash), where the
 * ledger seals it: the remaining chain's starting point is part of the signed evidence too.
 */
export async function accessLogPurge(o: { before: string; reason?: string }): Promise<void> {
  await withAccessLog(async (log, store) => {
    const by = { subject: `os:${userInfo().username}`, role: 'admin' };
    const { fromSeq, ...purge } = await log.planPurge(o.before);
    if (purge.entries > 0) {
      // The event first: a purge record in the database without its event is what `verify`
      // reports as deleted behind the CLI. A rerun after a failure plans the same purge, and the
      // key makes its event count once.
      await store.append(PURGES, [{ type: 'identity.AccessLogPurged', data: { ...purge, reason: o.reason ?? null, by } }], {
        expectedRevision: 'any',
        idempotencyKey: `access-log-purge-${purge.throughSeq}`,
        metadata: { actor: by },
      });
      await log.applyPurge({ ...purge, fromSeq }, by, o.reason);
    }
    const check = await log.verify();
    process.stdout.write(
      (purge.entries > 0
        ? `Purged ${purge.entries} access-log entries recorded before ${purge.purgedBefore} (through #${purge.throughSeq}, anchor ${purge.anchorHash}).\n`
        : `Nothing to purge: no access-log entry recorded before ${purge.purgedBefore} is left.\n`) +
        `Chain ${check.ok ? 'verified' : `BROKEN at #${check.firstBadSeq}`}: ${check.entries} entries after #${check.purgedThroughSeq}.\n`,
    );
    if (!check.ok) process.exitCode = 1;
  });
}

/** Anchors (hash of an entry) the event log holds: explicit anchors and each purge's. */
async function anchorsInLog(store: EventStore): Promise<{ anchors: Array<{ seq: number; entryHash: string }>; purges: Array<{ throughSeq: number; anchorHash: string }> }> {
  const anchors = (await store.readStream(ANCHORS)).map((e) => e.data as { seq: number; entryHash: string });
  const purges = (await store.readStream(PURGES)).map((e) => e.data as { throughSeq: number; anchorHash: string });
  return { anchors: [...anchors, ...purges.map((p) => ({ seq: p.throughSeq, entryHash: p.anchorHash }))], purges };
}

/**
 * Recomputes the access log's hash chain (from the last purge's anchor), then checks it against
 * the hashes the event log holds (anchors and purges, sealed by the ledger): a chain rewritten
 * and re-hashed by someone past the database's triggers passes the first check, not the second,
 * and neither does a purge record that no purge event matches.
 */
export async function accessLogVerify(): Promise<void> {
  await withAccessLog(async (log, store) => {
    const check = await log.verify();
    const { anchors, purges } = await anchorsInLog(store);
    const mismatched = await log.mismatchedAnchors(anchors);
    const recorded = new Set(purges.map((p) => `${p.throughSeq}:${p.anchorHash}`));
    const unrecorded = (await log.purges()).filter((p) => !recorded.has(`${p.throughSeq}:${p.anchorHash}`));
    const lines = [
      check.ok
        ? `Access log verified: ${check.entries} entries after #${check.purgedThroughSeq}.`
        : `Access log BROKEN at entry #${check.firstBadSeq} (${check.entries} entries read).`,
      mismatched.length || unrecorded.length
        ? [
            ...mismatched.map((a) => `Entry #${a.seq} does not match the hash anchored in the event log (${a.entryHash}; stored: ${a.found ?? 'missing'}).`),
            ...unrecorded.map((p) => `Purge through #${p.throughSeq} is in the database but not in the event log.`),
          ].join('\n')
        : `Anchors in the event log: ${anchors.length}, all match.`,
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
    if (!check.ok || mismatched.length || unrecorded.length) process.exitCode = 1;
  });
}

/**
 * Records the access log's current head (sequence number and hash) in the event log, where the
 * ledger seals it; run it from cron (e.g. hourly). Refuses to anchor a chain that does not verify.
 */
export async function accessLogAnchor(): Promise<void> {
  await withAccessLog(async (log, store) => {
    const check = await log.verify();
    if (!check.ok) throw new Error(`The access log does not verify (entry #${check.firstBadSeq}): nothing anchored`);
    const head = await log.head();
    if (!head) {
      process.stdout.write('The access log is empty: nothing to anchor.\n');
      return;
    }
    const by = { subject: `os:${userInfo().username}`, role: 'admin' };
    const last = (await store.readStream(ANCHORS)).at(-1)?.data as { seq: number } | undefined;
    if (last?.seq === head.seq) {
      process.stdout.write(`Entry #${head.seq} is anchored already.\n`);
      return;
    }
    await store.append(ANCHORS, [{ type: 'identity.AccessLogAnchored', data: { ...head, at: new Date().toISOString(), by } }], { expectedRevision: 'any', metadata: { actor: by } });
    process.stdout.write(`Anchored entry #${head.seq} (${head.entryHash}) in the event log.\n`);
  });
}
