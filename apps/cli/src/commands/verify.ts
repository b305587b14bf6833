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

/** Signs a tree head and has the configured TSA time-stamp it (issue 22, build 3); exit 1 when it cannot. */
export function anchorLedger(): Promise<void> {
  return withAppContext(
    async (app) => {
      const anchor = await app.get(LedgerAnchorService).anchor({ fresh: true });
      if (!anchor) process.stdout.write('Nothing to anchor: the log is empty\n');
      else process.stdout.write(`Tree head of size ${anchor.treeSize} (root ${anchor.rootHash}) time-stamped at ${anchor.genTime} by ${anchor.authority}\n`);
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
