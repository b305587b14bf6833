import { NestFactory } from '@nestjs/core';
import { SingleBar, Presets } from 'cli-progress';
import { AppModule } from '@app/api';
import { EVENT_STORE, type EventStore, ProjectionRegistry, eventsBehind } from '@app/event-store';

async function withRegistry<T>(work: (registry: ProjectionRegistry, store: EventStore) => Promise<T>): Promise<T> {
  ProjectionRegistry.autoStart = false; // this process rebuilds; the API keeps following the log
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
    const bar = new SingleBar({ format: `${name} |{bar}| {value}/{total} ${unit}`, hideCursor: true }, Presets.shades_classic);
    let started = false;
    const { position } = await registry.runner.rebuild(name, ({ position, head }) => {
      if (!started) {
        bar.start(head, 0);
        started = true;
      }
      bar.setTotal(Math.max(head, position));
      bar.update(position);
    });
    if (started) bar.stop();
    process.stdout.write(`Rebuilt ${name} up to position ${position} and switched it live.\n`);
  });
}

export function projectionsStatus(): Promise<void> {
  return withRegistry(async (registry, store) => {
    const head = await store.headPosition();
    const rows = [];
    for (const [projection, position] of Object.entries(await registry.runner.positions())) {
      rows.push({ projection, position, behind: await eventsBehind(store, position, head) });
    }
    process.stdout.write(`log head: ${head}\n`);
    console.table(rows);
  });
}
