import { Controller, Get, Inject } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { HealthCheck, HealthCheckService, HealthIndicatorService, TypeOrmHealthIndicator } from '@nestjs/terminus';
import { STORAGE_CONFIG, storageProblem, type StorageConfig } from '@app/event-store';
import { Public } from '@app/identity';
import { BLOB_STORE, type BlobStore } from '@app/retention';

@ApiTags('Operations')
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly db: TypeOrmHealthIndicator,
    private readonly indicators: HealthIndicatorService,
    @Inject(STORAGE_CONFIG) private readonly config: StorageConfig,
    @Inject(BLOB_STORE) private readonly blobs: BlobStore,
  ) {}

  /**
   * 503 when the database does not answer, the data folder is read-only or full, or the blob store
   * (folder or bucket) cannot be reached or written: writes would fail.
   */
  @Get()
  @Public()
  @HealthCheck()
  check() {
    return this.health.check([
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
  }
}
