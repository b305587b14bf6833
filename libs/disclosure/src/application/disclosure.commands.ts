import { Command, Query } from '@nestjs/cqrs';
import type { Actor } from '@app/event-store';
import type { Page } from '@app/platform';
import type { DisclosureCommand, DisclosureState } from '../domain';
import type { DisclosureRow } from '../projections/disclosure.projection';

type WithoutContext<T> = T extends unknown ? Omit<T, 'now' | 'by'> : never;

export interface DisclosureCommandResult {
  requestId: string;
  revision: number;
  replayed: boolean;
}

export class ExecuteDisclosureCommand extends Command<DisclosureCommandResult> {
  constructor(
    readonly command: WithoutContext<DisclosureCommand>,
    readonly actor: Actor,
    readonly options: { idempotencyKey?: string; requestHash?: string; ifMatch?: number } = {},
  ) {
    super();
  }
}

export class GetDisclosureQuery extends Query<{ state: DisclosureState; revision: number | null }> {
  constructor(readonly requestId: string) {
    super();
  }
}

export class ListDisclosuresQuery extends Query<Page<DisclosureRow>> {
  constructor(readonly filter: { status?: 'open' | 'closed'; overdueAt?: string; limit: number; cursor?: string }) {
    super();
  }
}
