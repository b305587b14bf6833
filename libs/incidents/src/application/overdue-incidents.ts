import { Inject, Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { Repository } from 'typeorm';
import { CLOCK, type Clock } from '@app/event-store';
import { countOverdue } from '@app/platform';
import { IncidentRow } from '../projections/incident.entities';

/** How many open incidents have a reporting deadline passed and not met, by the business clock (metrics, CLI). */
@Injectable()
export class OverdueIncidents {
  constructor(
    @InjectRepository(IncidentRow) private readonly rows: Repository<IncidentRow>,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  count(): Promise<number> {
    return countOverdue(this.rows, this.clock.now().toISOString());
  }
}
