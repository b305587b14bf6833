import { Controller, Get, Inject } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { HealthCheck, HealthCheckService, HealthIndicatorService, TypeOrmHealthIndicator } from '@nestjs/terminus';
import { STORAGE_CONFIG, storageProblem, type StorageConfig } from '@app/event-store';
import { Public } from '@app/identity';

@ApiTags('Operations')
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly db: TypeOrmHealthIndicator,
    private readonly indicators: HealthIndicatorService,
    @Inject(STORAGE_CONFIG) private readonly config: StorageConfig,
  ) {}

  /** 503 when the database does not answer, or the data folder is read-only or full (writes would fail). */
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
    ]);
  }
}
