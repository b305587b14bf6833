import { EVENT_STORE, type EventStore, eventsBehind, ProjectionRegistry, SqlDatabase, Workers } from '@app/event-store';
import { LedgerAnchorService } from '@app/evidence';
import { withAppContext } from '../app-context';
import { table } from '../table';

/**
 * Every background worker: on or off under this environment (the serving process reads the same
 * settings) and why, and how far each one that follows the log has come, read from the store
 * (the process that runs it writes its progress there). Exit code 2 when a projection is stalled.
 */
export function workersStatus(): Promise<void> {
  return withAppContext(
    async (app) => {
      const store = app.get<EventStore>(EVENT_STORE);
      const db = app.get(SqlDatabase);
      const head = await store.headPosition();
      const behind = (position: number) => eventsBehind(store, position, head);
      const projections = await app.get(ProjectionRegistry).runner.status();
      const stalled = projections.filter((p) => p.failure).map((p) => p.projection);
      const progress: Record<string, () => Promise<string>> = {
        projections: async () => {
          const lag = Math.max(0, ...(await Promise.all(projections.map((p) => behind(p.position)))));
          return `${projections.length} read models, at most ${lag} behind${stalled.length ? `; STALLED: ${stalled.join(', ')}` : ''}`;
        },
        'incident-review-links': async () => {
          const [row] = await db.query<{ position: number | string }>('SELECT position FROM projection_checkpoints WHERE name = ?', [
            'process:incident-review-links',
          ]);
          return row ? `${await behind(Number(row.position))} behind` : 'not started yet';
        },
        'ledger-sealer': async () => {
          const [row] = await db.query<{ sealed: number | string; last: number | string | null }>(
            'SELECT COUNT(*) AS sealed, MAX(position) AS last FROM ledger_leaves',
          );
          return `${Number(row.sealed)} events sealed, ${await behind(Number(row.last ?? 0))} not yet`;
        },
        'ledger-anchor': async () => {
          const { unanchoredEvents, lastGenTime } = await app.get(LedgerAnchorService).backlog();
          return `newest anchor ${lastGenTime ?? 'none yet'}, ${unanchoredEvents} signed events not anchored yet`;
        },
      };
      const rows = [];
      for (const w of app.get(Workers).switches())
        rows.push([w.name, w.on ? 'on' : 'off', w.on ? '' : w.why, progress[w.name] ? await progress[w.name]() : '', w.summary]);
      process.stdout.write(`log head: ${head}\n`);
      process.stdout.write(table(['worker', 'state', 'why off', 'progress', 'what it does'], rows));
      if (stalled.length) {
        process.stdout.write('Runbook: docs/operations.md, "A projection is stalled".\n');
        process.exitCode = 2;
      }
    },
    { ledger: false },
  );
}
