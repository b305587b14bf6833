import { Inject, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { LEASES, type Leases, Workers } from '@app/event-store';
import { RetentionPurger } from './retention-purger';

/**
 * The scheduled purge: every RETENTION_PURGE_INTERVAL_MINUTES (off unless set) in a process that
 * follows the log (the API), never overlapping itself. With several API processes only the holder
 * of the `retention-purge` lease runs it; the per-artefact revision checks would keep concurrent
 * runs safe anyway (one wins, the other skips).
 */
@Injectable()
export class PurgeScheduler implements OnModuleInit {
  private readonly logger = new Logger('RetentionPurge');
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;

  constructor(
    private readonly purger: RetentionPurger,
    @Inject(LEASES) private readonly leases: Leases,
    private readonly workers: Workers,
  ) {}

  private readonly minutes = Number(process.env.RETENTION_PURGE_INTERVAL_MINUTES ?? 0);

  onModuleInit(): void {
    this.workers.register({
      name: 'retention-purge',
      summary: 'purges the log artefacts past their maximum and not held, on a schedule (lease retention-purge)',
      unconfigured: () => (this.minutes > 0 ? undefined : 'RETENTION_PURGE_INTERVAL_MINUTES is not set'),
      start: () => Promise.resolve(this.start()),
      stop: () => this.stop(),
    });
  }

  private start(): void {
    const minutes = this.minutes;
    this.timer = setInterval(() => {
      this.running ??= this.tick().finally(() => (this.running = undefined));
    }, minutes * 60_000);
    this.timer.unref();
  }

  /** Before the data source closes (it does in onApplicationShutdown). */
  private async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.running;
  }

  private async tick(): Promise<void> {
    try {
      // Several instances: the lease holder runs the scheduled purge; the others skip the tick.
      if (!(await this.leases.hold('retention-purge'))) return;
      const r = await this.purger.run({ dryRun: false, actor: { subject: 'retention-scheduler', role: 'system' } });
      if (r.purged.length || r.held.length) this.logger.log(`Purge run ${r.runId}: ${r.purged.length} purged, ${r.held.length} held`);
    } catch (err) {
      this.logger.error(`Purge run failed: ${(err as Error).message}`);
    }
  }
}
