import {
  type BeforeApplicationShutdown,
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { EVENT_STORE, type EventStore } from '../event-store.port';
import { LEASES, type Leases } from '../projections/leases';
import type { Projection } from '../projections/projection';
import { ProjectionRunner } from '../projections/projection-runner';
import { SqlDatabase } from '../sql/sql-database';

/**
 * Contexts register their projections here in `onModuleInit`; the runner is made and, in the
 * API, started once every module is initialised. The CLI uses the runner without starting it.
 */
@Injectable()
export class ProjectionRegistry implements OnApplicationBootstrap, BeforeApplicationShutdown, OnApplicationShutdown {
  private readonly logger = new Logger('Projections');
  private readonly projections: Projection[] = [];
  private runnerInstance?: ProjectionRunner;
  private unwatch?: () => void;
  /** Set false by processes that must not follow the log (CLI one-shots, some tests). */
  static autoStart = true;

  constructor(
    private readonly db: SqlDatabase,
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(LEASES) private readonly leases: Leases,
  ) {}

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

  async onApplicationBootstrap(): Promise<void> {
    // Instances starting together create read-model tables one at a time.
    if (!ProjectionRegistry.autoStart || process.env.PROJECTIONS_RUN === 'false') {
      await this.leases.exclusive('projections-prepare', () => this.runner.prepare());
      return;
    }
    await this.leases.exclusive('projections-prepare', () => this.runner.start());
    this.unwatch = this.store.onAppended(() => this.runner.notify());
    this.logger.log(`Following the log with ${this.projections.map((p) => p.name).join(', ')}`);
  }

  /** Before shutdown, not on it: the data source closes in onApplicationShutdown. */
  async beforeApplicationShutdown(): Promise<void> {
    this.unwatch?.();
    await this.runnerInstance?.stop();
  }

  /** After every background worker stopped: their leases go with this connection. */
  async onApplicationShutdown(): Promise<void> {
    await this.leases.close();
  }
}
