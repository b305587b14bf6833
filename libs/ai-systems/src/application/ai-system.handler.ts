import { Inject } from '@nestjs/common';
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { EVENT_STORE, type EventStore, runDecider } from '@app/event-store';
import { aiSystemDecider, aiSystemStreamId } from '../domain';
import { type AiSystemCommandResult, ExecuteAiSystemCommand } from './ai-system.commands';

@CommandHandler(ExecuteAiSystemCommand)
export class ExecuteAiSystemCommandHandler implements ICommandHandler<ExecuteAiSystemCommand, AiSystemCommandResult> {
  constructor(@Inject(EVENT_STORE) private readonly store: EventStore) {}

  async execute({ command, actor, options }: ExecuteAiSystemCommand): Promise<AiSystemCommandResult> {
    const full = { ...command, now: new Date().toISOString() };
    const { result } = await runDecider(this.store, aiSystemDecider, aiSystemStreamId(command.aiSystemId), full, {
      ifMatch: options.ifMatch,
      idempotencyKey: options.idempotencyKey ? `${actor.subject}:${options.idempotencyKey}` : undefined,
      requestHash: options.requestHash,
      metadata: { actor, ...(options.correlationId ? { correlationId: options.correlationId } : {}) },
    });
    return {
      aiSystemId: result.streamId.slice('ai-system-'.length),
      revision: result.nextExpectedRevision,
      replayed: result.replayed,
    };
  }
}
