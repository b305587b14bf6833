import { Inject, Injectable, Logger } from '@nestjs/common';
import type { EventEnvelope } from '../envelope';
import { EVENT_STORE, type EventStore, type Subscription } from '../event-store.port';
import { LEASES, type Leases } from '../projections/leases';
import { SqlDatabase } from '../sql/sql-database';
import { Workers } from './workers';

/** A process manager that reacts to events by writing commands (not a read model). */
export interface LogProcess {
  /** The worker's name (`WORKERS_OFF`, `registry workers status`); its lease and checkpoint are `process:<name>`. */
  name: string;
  summary: string;
  /** One batch; effects must be idempotent (a batch is retried from the checkpoint after a failure or a crash). */
  handle(events: EventEnvelope[]): Promise<void>;
  batchSize?: number;
  /**
   * A round run on a timer as well (what changes with time alone, e.g. a sliding window): by the
   * lease holder only, the next round set when one has finished; `everyMs` 0 or less: never.
   */
  timer?: { everyMs: number; run(): Promise<unknown> };
}

/**
 * The one way a process follows the log (as the projections do, Marten's async daemon): a
 * checkpoint row of its own in `projection_checkpoints`, a lease so one instance of several runs
 * it, the store's subscription from the checkpoint, and the checkpoint moved after each batch the
 * process handled, and, when it has one, its timer under the same lease. At least once; each
 * process makes its effects exactly once (idempotency keys, the decider's own refusals).
 */
@Injectable()
export class LogProcesses {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    private readonly db: SqlDatabase,
    @Inject(LEASES) private readonly leases: Leases,
    private readonly workers: Workers,
  ) {}

  register(process: LogProcess): void {
    const runner = new LogProcessRunner(process, this.store, this.db, this.leases);
    this.workers.register({ name: process.name, summary: process.summary, start: () => runner.start(), stop: () => runner.stop() });
  }
}

class LogProcessRunner {
  private readonly logger: Logger;
  private readonly checkpoint: string;
  private subscription?: Subscription;
  private stopped = false;
  private retry?: NodeJS.Timeout;
  private timer?: NodeJS.Timeout;
  private ticking?: Promise<void>;

  constructor(
    private readonly process: LogProcess,
    private readonly store: EventStore,
    private readonly db: SqlDatabase,
    private readonly leases: Leases,
  ) {
    this.checkpoint = `process:${process.name}`;
    this.logger = new Logger(this.checkpoint);
  }

  async start(): Promise<void> {
    this.stopped = false;
    await this.db.query('INSERT INTO projection_checkpoints (name, position, version, updated_at) VALUES (?, 0, 1, ?) ON CONFLICT (name) DO NOTHING', [
      this.checkpoint,
      new Date().toISOString(),
    ]);
    void this.follow();
    this.schedule();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.retry);
    clearTimeout(this.timer);
    await this.ticking;
    await this.subscription?.stop();
  }

  private schedule(): void {
    const timer = this.process.timer;
    if (this.stopped || !timer || !(timer.everyMs > 0)) return;
    this.timer = setTimeout(() => {
      // Several instances: the lease holder runs the round; the others skip it.
      this.ticking = this.leases
        .hold(this.checkpoint)
        .then((held) => (held && !this.stopped ? timer.run() : undefined))
        .then(
          () => undefined,
          (err: unknown) => this.logger.error(`Timed round failed (the next one runs as planned): ${err instanceof Error ? err.message : String(err)}`),
        )
        .finally(() => {
          this.ticking = undefined;
          this.schedule();
        });
    }, timer.everyMs);
    this.timer.unref();
  }

  /** Several instances: the lease holder follows; the others try again every second. */
  private async follow(): Promise<void> {
    if (this.stopped) return;
    if (!(await this.leases.hold(this.checkpoint).catch(() => false))) {
      this.retry = setTimeout(() => void this.follow(), 1000);
      return;
    }
    const [row] = await this.db.query<{ position: number | string }>('SELECT position FROM projection_checkpoints WHERE name = ?', [this.checkpoint]);
    if (this.stopped) return;
    this.subscription = this.store.subscribe(Number(row?.position ?? 0), (events) => this.batch(events), { batchSize: this.process.batchSize ?? 500 });
  }

  private async batch(events: EventEnvelope[]): Promise<void> {
    try {
      await this.process.handle(events);
    } catch (err) {
      // The subscription retries the batch; say why the process stands still.
      this.logger.warn(`Batch not handled yet (retrying): ${err instanceof Error ? err.message : String(err)}`);
      throw err;
    }
    const last = events[events.length - 1].globalPosition;
    await this.db.query('UPDATE projection_checkpoints SET position = ?, updated_at = ? WHERE name = ? AND position < ?', [
      last,
      new Date().toISOString(),
      this.checkpoint,
      last,
    ]);
  }
}
