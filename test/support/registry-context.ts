import type { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { DataSource } from 'typeorm';
import { AppModule } from '@app/api';
import { EVENT_STORE, type EventStore, ProjectionRegistry, type ProjectionRunner, type StorageConfig, Workers } from '@app/event-store';
import { LedgerService } from '@app/evidence';
import { snapshotReadModels } from './read-models';

export interface RegistryContext {
  app: INestApplicationContext;
  ds: DataSource;
  store: EventStore;
  runner: ProjectionRunner;
  ledger: LedgerService;
  /** Every read-model row, after the projections caught up with the whole log. */
  readModels(): Promise<Record<string, unknown[]>>;
  /** Every read-model row after rebuilding each projection from position 0. */
  rebuiltReadModels(): Promise<Record<string, unknown[]>>;
  close(): Promise<void>;
}

/** The whole registry on a store, in this process, following nothing (like the CLI one-shots). */
export async function openRegistry(config: StorageConfig): Promise<RegistryContext> {
  Workers.autoStart = false;
  const app = await NestFactory.createApplicationContext(AppModule.forRoot(config), { logger: ['error'] });
  const ds = app.get(DataSource);
  const runner = app.get(ProjectionRegistry).runner;
  return {
    app,
    ds,
    store: app.get<EventStore>(EVENT_STORE),
    runner,
    ledger: app.get(LedgerService),
    readModels: async () => {
      await runner.catchUp();
      return snapshotReadModels(ds, runner);
    },
    rebuiltReadModels: async () => {
      for (const p of runner.projections) await runner.rebuild(p.name);
      return snapshotReadModels(ds, runner);
    },
    close: () => app.close(),
  };
}
