import { EVENT_STORE, type EventStore } from '@app/event-store';
import { LedgerAnchorService, LedgerService } from '@app/evidence';
import { withAppContext } from '../app-context';
import { progressBar } from '../progress';

function withLedger<T>(work: (ledger: LedgerService, store: EventStore) => Promise<T>): Promise<T> {
  return withAppContext((app) => work(app.get(LedgerService), app.get<EventStore>(EVENT_STORE)), { ledger: false });
}

/** Seals everything committed so far and signs a tree head (e.g. right before an export). */
export function sealLedger(): Promise<void> {
  return withLedger(async (ledger) => {
    const head = await ledger.checkpoint();
    process.stdout.write(`Signed tree head: ${head.treeSize} events, root ${head.rootHash}, key ${head.keyId}\n`);
  });
}

/** Signs a tree head and has the configured TSA time-stamp it and the witnesses cosign it (issue 22, build 3); exit 1 when one cannot. */
export function anchorLedger(): Promise<void> {
  return withAppContext(
    async (app) => {
      const anchors = app.get(LedgerAnchorService);
      if (!anchors.tsaUrl && !anchors.witnesses.witnesses.length) throw new Error('No TSA (LEDGER_TSA_URL) and no witness (LEDGER_WITNESSES) is configured');
      const { timestamp, cosignatures } = await anchors.anchorEverywhere({ fresh: true });
      if (!timestamp && !cosignatures.length) process.stdout.write('Nothing to anchor: the log is empty\n');
      for (const a of [...(timestamp ? [timestamp] : []), ...cosignatures]) {
        const how = a.kind === 'rfc3161' ? 'time-stamped' : 'cosigned by witness';
        process.stdout.write(`Tree head of size ${a.treeSize} (root ${a.rootHash}) ${how} at ${a.genTime} by ${a.authority}\n`);
      }
    },
    { ledger: false },
  );
}

/** The ledger's checkpoint origin and note verifier key (0x01): what a witness operator configures to trust this log (ADR 0054). */
export function ledgerVkey(): Promise<void> {
  return withAppContext(
    async (app) => {
      const { origin, vkey } = await app.get(LedgerAnchorService).witnesses.logVkey();
      process.stdout.write(`origin ${origin}\nvkey ${vkey}\n`);
    },
    { ledger: false },
  );
}

/**
 * Recomputes the whole ledger from the stored events; exit code 1 when anything differs, and
 * with `--strict` also when events are not sealed yet (always named: they are unprotected).
 */
export function verifyLedger(options: { json?: boolean; strict?: boolean }): Promise<void> {
  return withLedger(async (ledger, store) => {
    const head = await store.headPosition();
    const bar = progressBar('verify', 'events');
    const report = await ledger.verify((done) => bar.update(done, head)).finally(() => bar.stop());
    const { unsealed } = report;
    if (options.json) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    else {
      const more = unsealed.count > unsealed.positions.length ? ', …' : '';
      process.stdout.write(
        `${report.events} events, ${report.sealed} sealed, ${report.checkpoints} signed tree heads checked\n` +
          (unsealed.count
            ? `FINDING: ${unsealed.count} events not sealed yet (positions ${unsealed.positions.join(', ')}${more}): a change to them is not detectable until they are sealed\n`
            : '') +
          (report.ok
            ? `OK: every ${unsealed.count ? 'sealed ' : ''}event matches what was sealed and every signed root\n`
            : `FAILED: first changed position ${report.firstBadPosition ?? '(see below)'}\n${report.problems.map((p) => `  - ${p.problem}`).join('\n')}\n`),
      );
    }
    process.exitCode = report.ok && !(options.strict && unsealed.count) ? 0 : 1;
  });
}
