import { Command, Query } from '@nestjs/cqrs';
import type { Actor } from '@app/event-store';
import type { DisclosureCommand, DisclosureState } from '../domain';

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
