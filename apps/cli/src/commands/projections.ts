import { NestFactory } from '@nestjs/core';
import { AppModule } from '@app/api';
import { EVENT_STORE, type EventStore, ProjectionRegistry, eventsBehind, Workers } from '@app/event-store';
import { progressBar } from '../progress';
import { table } from '../table';

async function withRegistry<T>(work: (registry: ProjectionRegistry, store: EventStore) => Promise<T>): Promise<T> {
  Workers.autoStart = ['ledger-sealer']; // this process rebuilds; the API keeps following the log
  const app = await NestFactory.createApplicationContext(AppModule.forRoot(), { logger: ['error', 'warn'] });
  try {
    return await work(app.get(ProjectionRegistry), app.get<EventStore>(EVENT_STORE));
  } finally {
    await app.close();
  }
}

export function projectionsRebuild(name: string): Promise<void> {
  return withRegistry(async (registry, store) => {
    // On a sparse log (KurrentDB) positions are byte offsets: the bar then shows positions, not events.
    const unit = store.gapFreePositions === false ? 'position' : 'events';
    const bar = progressBar(name, unit);
    const { position } = await registry.runner.rebuild(name, ({ position, head }) => bar.update(position, head));
    bar.stop();
    process.stdout.write(`Rebuilt ${name} up to position ${position} and switched it live.\n`);
  });
}

/**
 * Checkpoint, head and lag of every projection, and for one that stands still on an event its
 * position, error and since when (recorded in the store by whichever process runs it).
 * Exit code 2 when a projection is stalled, for scripts and checks.
 */
export function projectionsStatus(): Promise<void> {
  return withRegistry(async (registry, store) => {
    const head = await store.headPosition();
    const rows = [];
    const stalled: string[] = [];
    for (const { projection, position, failure } of await registry.runner.status()) {
      rows.push([projection, position, head, await eventsBehind(store, position, head), failure ? 'STALLED' : 'ok']);
      if (failure) {
        const event =
          failure.position === null ? 'before reaching an event' : `on position ${failure.position} (${failure.eventType}, stream ${failure.streamId})`;
        stalled.push(`${projection} is stalled since ${failure.since}, ${failure.attempts} attempt(s), ${event}: ${failure.error}`);
      }
    }
    process.stdout.write(`log head: ${head}\n`);
    process.stdout.write(table(['projection', 'checkpoint', 'head', 'lag', 'state'], rows));
    for (const line of stalled) process.stdout.write(`${line}\n`);
    if (stalled.length) {
      process.stdout.write('Runbook: docs/operations.md, "A projection is stalled".\n');
      process.exitCode = 2;
    }
  });
}
