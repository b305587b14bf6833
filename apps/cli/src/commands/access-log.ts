import { userInfo } from 'node:os';
import { NestFactory } from '@nestjs/core';
import { AppModule } from '@app/api';
import { LedgerService } from '@app/evidence';
import { EVENT_STORE, type EventStore, ProjectionRegistry, storageConfigFromEnv } from '@app/event-store';
import { AccessLog } from '@app/identity';

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
 * Purges NEN 7513 access-log entries recorded before `before` (at least five years ago), then
 * records `identity.AccessLogPurged` with the anchor hash in the event log, where the ledger
 * seals it: the remaining chain's starting point is then part of the signed evidence too.
 */
export async function accessLogPurge(o: { before: string; reason?: string }): Promise<void> {
  await withAccessLog(async (log, store) => {
    const by = { subject: `os:${userInfo().username}`, role: 'admin' };
    const purge = await log.purge(o.before, by, o.reason);
    if (purge.entries > 0) {
      await store.append('access-log-purges', [{ type: 'identity.AccessLogPurged', data: { ...purge, reason: o.reason ?? null, by } }], {
        expectedRevision: 'any',
        metadata: { actor: by },
      });
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

/** Recomputes the access log's hash chain (from the last purge's anchor). */
export async function accessLogVerify(): Promise<void> {
  await withAccessLog(async (log) => {
    const check = await log.verify();
    process.stdout.write(
      check.ok
        ? `Access log verified: ${check.entries} entries after #${check.purgedThroughSeq}.\n`
        : `Access log BROKEN at entry #${check.firstBadSeq} (${check.entries} entries read).\n`,
    );
    if (!check.ok) process.exitCode = 1;
  });
}
