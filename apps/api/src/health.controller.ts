import { Controller, Get, Inject, Res } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { HealthCheck, HealthCheckService, HealthIndicatorService, TypeOrmHealthIndicator } from '@nestjs/terminus';
import type { Response } from 'express';
import { ProjectionRegistry, STORAGE_CONFIG, storageProblem, type StorageConfig, Workers } from '@app/event-store';
import { Public } from '@app/identity';
import { BLOB_STORE, type BlobStore } from '@app/retention';

/** HTTP status of a degraded answer: 503 by default; 200 for load balancers that should keep routing. */
function degradedStatus(): number {
  const status = Number(process.env.HEALTH_DEGRADED_STATUS ?? 503);
  return Number.isInteger(status) && status >= 200 && status <= 599 ? status : 503;
}

@ApiTags('Operations')
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly db: TypeOrmHealthIndicator,
    private readonly indicators: HealthIndicatorService,
    @Inject(STORAGE_CONFIG) private readonly config: StorageConfig,
    @Inject(BLOB_STORE) private readonly blobs: BlobStore,
    private readonly projections: ProjectionRegistry,
    private readonly workers: Workers,
  ) {}

  /** Which background workers this instance runs, and why each other one is off (information, never a failure). */
  private workersInfo() {
    const running = new Set(this.workers.running());
    return Object.fromEntries(
      this.workers.switches().map((w) => [w.name, running.has(w.name) ? 'running' : `off: ${w.on ? 'not started in this process' : w.why}`]),
    );
  }

  /**
   * 503 when the database does not answer, the data folder is read-only or full, or the blob store
   * (folder or bucket) cannot be reached or written: writes would fail. Otherwise `degraded`
   * (`HEALTH_DEGRADED_STATUS`, 503 by default) when a projection stands still on an event:
   * writes are accepted but its read model falls behind.
   */
  @Get()
  @Public()
  @HealthCheck()
  async check(@Res({ passthrough: true }) res: Response) {
    const result = await this.health.check([
      () => this.db.pingCheck('database', { timeout: 3000 }),
      () => {
        const storage = this.indicators.check('storage');
        const problem = storageProblem(this.config);
        return problem ? storage.down({ fault: problem.fault, message: problem.detail }) : storage.up();
      },
      async () => {
        const blobs = this.indicators.check('blobs');
        try {
          await this.blobs.probe();
          return blobs.up({ store: this.blobs.kind });
        } catch (err) {
          return blobs.down({ store: this.blobs.kind, message: (err as Error).message });
        }
      },
    ]);
    const stalled = (await this.projections.runner.status()).filter((s) => s.failure);
    const workers = { status: 'up' as const, ...this.workersInfo() };
    if (stalled.length === 0) {
      const projections = { status: 'up' as const };
      return { ...result, info: { ...result.info, projections, workers }, details: { ...result.details, projections, workers } };
    }
    const projections = {
      status: 'down' as const,
      stalled: stalled.map(({ projection, position, failure }) => ({ projection, checkpoint: position, ...failure })),
    };
    res.status(degradedStatus());
    return {
      ...result,
      status: 'degraded',
      info: { ...result.info, workers },
      error: { ...result.error, projections },
      details: { ...result.details, projections, workers },
    };
  }
}
