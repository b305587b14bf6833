import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { EVENT_STORE, type EventStore } from '../event-store.port';
import { LEASES, type Leases } from '../projections/leases';
import type { Projection } from '../projections/projection';
import { ProjectionRunner } from '../projections/projection-runner';
import { SqlDatabase } from '../sql/sql-database';
import { Workers } from './workers';

/**
 * Contexts register their projections here in `onModuleInit`; the runner is made, its tables
 * prepared at start-up in every process, and it follows the log as the `projections` worker
 * (`Workers`), in a serving process only. The CLI uses the runner without starting it.
 */
@Injectable()
export class ProjectionRegistry implements OnModuleInit, OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('Projections');
  private readonly projections: Projection[] = [];
  private runnerInstance?: ProjectionRunner;
  private unwatch?: () => void;
  private prepared?: Promise<Projection[]>;

  constructor(
    private readonly db: SqlDatabase,
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(LEASES) private readonly leases: Leases,
    private readonly workers: Workers,
  ) {}

  onModuleInit(): void {
    this.workers.register({
      name: 'projections',
      summary: 'every read model follows the log from its checkpoint (lease projection:<name> each)',
      start: () => this.follow(),
      stop: () => this.stopFollowing(),
    });
  }

  register(...projections: Projection[]): void {
    if (this.runnerInstance) throw new Error('Projections must be registered before the runner starts');
    this.projections.push(...projections);
  }

  get runner(): ProjectionRunner {
    this.runnerInstance ??= new ProjectionRunner(this.db, this.store, this.projections, {
      batchSize: Number(process.env.PROJECTION_BATCH_SIZE ?? 1000),
      ...(process.env.PROJECTION_REBUILD_BATCH_SIZE ? { rebuildBatchSize: Number(process.env.PROJECTION_REBUILD_BATCH_SIZE) } : {}),
      leases: this.leases,
    });
    return this.runnerInstance;
  }

  /** Instances starting together create read-model tables one at a time; once per process. */
  private prepare(): Promise<Projection[]> {
    return (this.prepared ??= this.leases.exclusive('projections-prepare', () => this.runner.prepare()));
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.prepare();
  }

  private async follow(): Promise<void> {
    await this.runner.start(await this.prepare());
    this.unwatch = this.store.onAppended(() => this.runner.notify());
    this.logger.log(`Following the log with ${this.projections.map((p) => p.name).join(', ')}`);
  }

  private async stopFollowing(): Promise<void> {
    this.unwatch?.();
    await this.runnerInstance?.stop();
  }

  /** After every background worker stopped: their leases go with this connection. */
  async onApplicationShutdown(): Promise<void> {
    await this.leases.close();
  }
}
