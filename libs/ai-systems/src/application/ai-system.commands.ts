import { Command } from '@nestjs/cqrs';
import type { Actor } from '@app/event-store';
import type { AiSystemCommand } from '../domain';

/** Distributive Omit: keeps the union's variants apart. */
type WithoutNow<T> = T extends unknown ? Omit<T, 'now'> : never;

export interface AiSystemCommandResult {
  aiSystemId: string;
  revision: number;
  replayed: boolean;
}

/** Any ai-system command from the edge; `now` is stamped by the handler. */
export class ExecuteAiSystemCommand extends Command<AiSystemCommandResult> {
  constructor(
    readonly command: WithoutNow<AiSystemCommand>,
    readonly actor: Actor,
    readonly options: { idempotencyKey?: string; requestHash?: string; ifMatch?: number; correlationId?: string } = {},
  ) {
    super();
  }
}
