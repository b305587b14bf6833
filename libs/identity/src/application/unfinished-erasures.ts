import { Inject, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { InjectRepository } from '@nestjs/typeorm';
import type { Repository } from 'typeorm';
import { asDomainEvents, EVENT_STORE, type EventStore, ProjectionRegistry, Workers } from '@app/event-store';
import { dataSubjectStreamId, type ErasureEvent } from '../domain/erasure';
import { ErasureRow } from '../projections/erasures.projection';
import { EraseDataSubjectCommand } from './erasure.handler';

const RETRY_MS = 30_000;

/**
 * An erasure is all or nothing (issue 20): once `ErasureDecided` is in the log, a crash or an
 * error before `DataSubjectKeyShredded` (or `ErasureRestricted`) leaves it pending, and the API
 * finishes every pending one when it starts (a retry of the request finishes it too), in the name
 * of whoever decided it. Until it succeeds it tries again every 30 s.
 */
@Injectable()
export class UnfinishedErasures implements OnModuleInit {
  private readonly logger = new Logger('Erasure');
  private timer?: NodeJS.Timeout;
  private stopped = false;

  constructor(
    private readonly projections: ProjectionRegistry,
    private readonly commands: CommandBus,
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @InjectRepository(ErasureRow) private readonly rows: Repository<ErasureRow>,
    private readonly workers: Workers,
  ) {}

  onModuleInit(): void {
    this.workers.register({
      name: 'unfinished-erasures',
      summary: 'finishes an erasure decided before a crash or an error, retried every 30 s',
      // In the background: start-up does not wait for it.
      start: () => {
        this.timer = setTimeout(() => void this.finishAll(), 0);
        return Promise.resolve();
      },
      stop: () => {
        this.stopped = true;
        clearTimeout(this.timer);
        return Promise.resolve();
      },
    });
  }

  /** Finishes every pending erasure; true when none is left. */
  async finishAll(): Promise<boolean> {
    let left = 0;
    try {
      await this.projections.runner.catchUp().catch(() => undefined);
      for (const { pseudonym } of await this.rows.find({ where: { status: 'pending' } })) {
        if (this.stopped) return false;
        try {
          const events = await this.store.readStream(dataSubjectStreamId(pseudonym));
          const decided = asDomainEvents<ErasureEvent>(events)
            .reverse()
            .find((e) => e.type === 'identity.ErasureDecided');
          if (!decided) continue;
          const outcome = await this.commands.execute(new EraseDataSubjectCommand(pseudonym, decided.data.by));
          this.logger.warn(`A pending erasure (decided before the last stop) is finished: ${outcome.outcome}`);
        } catch (err) {
          left++;
          this.logger.error(`A pending erasure could not be finished yet: ${(err as Error).message}`);
        }
      }
    } catch (err) {
      left++;
      this.logger.error(`Pending erasures could not be read: ${(err as Error).message}`);
    }
    if (left > 0 && !this.stopped) this.timer = setTimeout(() => void this.finishAll(), RETRY_MS).unref();
    return left === 0;
  }
}
