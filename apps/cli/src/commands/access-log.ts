import { AccessLogHeads } from '@app/evidence';
import { AccessLogEvidence, type AccessLogReport } from '@app/identity';
import { withAppContext } from '../app-context';
import { operatorActor } from './operator';

function withEvidence<T>(work: (evidence: AccessLogEvidence) => Promise<T>): Promise<T> {
  return withAppContext((app) => work(app.get(AccessLogEvidence)), { ledger: false });
}

function reportLines(r: AccessLogReport): string {
  const chain = r.chain.ok
    ? `Access log verified: ${r.chain.entries} entries after #${r.chain.purgedThroughSeq}.`
    : `Access log BROKEN at entry #${r.chain.firstBadSeq} (${r.chain.entries} entries read).`;
  const problems = [
    ...r.mismatchedAnchors.map((a) => `Entry #${a.seq} does not match the hash anchored in the event log (${a.entryHash}; stored: ${a.found ?? 'missing'}).`),
    ...r.unrecordedPurges.map((p) => `Purge through #${p.throughSeq} is in the database but not in the event log.`),
  ];
  return [chain, ...(problems.length ? problems : [`Anchors in the event log: ${r.anchors}, all match.`])].join('\n') + '\n';
}

/** `registry access-log purge`: entries older than five years, the purge recorded in the event log first (ADR 0033). */
export async function accessLogPurge(o: { before: string; reason?: string }): Promise<void> {
  await withEvidence(async (evidence) => {
    const purge = await evidence.purge(o.before, operatorActor('admin'), o.reason);
    const report = await evidence.verify();
    process.stdout.write(
      (purge.entries > 0
        ? `Purged ${purge.entries} access-log entries recorded before ${purge.purgedBefore} (through #${purge.throughSeq}, anchor ${purge.anchorHash}).\n`
        : `Nothing to purge: no access-log entry recorded before ${purge.purgedBefore} is left.\n`) + reportLines(report),
    );
    if (!report.ok) process.exitCode = 1;
  });
}

/** `registry access-log verify`: the chain, and the anchors and purges in the event log against it. */
export async function accessLogVerify(): Promise<void> {
  await withEvidence(async (evidence) => {
    const report = await evidence.verify();
    process.stdout.write(reportLines(report));
    if (!report.ok) process.exitCode = 1;
  });
}

/** `registry access-log anchor`: the chain's head and its tree head (ADR 0047) into the event log, for the ledger to seal (cron). */
export async function accessLogAnchor(): Promise<void> {
  await withAppContext(
    async (app) => {
      const head = await app.get(AccessLogHeads).anchor(operatorActor('admin'));
      process.stdout.write(
        !head
          ? 'The access log is empty (or purged through its last entry): no tree head to anchor.\n'
          : head.anchored
            ? `Anchored entry #${head.seq} (${head.entryHash}) in the event log, with the tree head of entries #${head.head.afterSeq + 1}–#${head.seq} (root ${head.head.rootHash}).\n`
            : `Entry #${head.seq} is anchored already.\n`,
      );
    },
    { ledger: false },
  );
}
