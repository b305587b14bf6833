import { Inject } from '@nestjs/common';
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { CLOCK, type Clock, commandHandler, EVENT_STORE, type EventStore } from '@app/event-store';
import { aiSystemDecider, aiSystemStream } from '../domain';
import { type AiSystemCommandResult, ExecuteAiSystemCommand } from './ai-system.commands';

@CommandHandler(ExecuteAiSystemCommand)
export class ExecuteAiSystemCommandHandler implements ICommandHandler<ExecuteAiSystemCommand, AiSystemCommandResult> {
  private readonly write;

  constructor(@Inject(EVENT_STORE) store: EventStore, @Inject(CLOCK) clock: Clock) {
    this.write = commandHandler({ store, clock }, aiSystemDecider, aiSystemStream);
  }

  async execute({ command, actor, options }: ExecuteAiSystemCommand): Promise<AiSystemCommandResult> {
    const { id, revision, replayed } = await this.write(command.aiSystemId, (_, now) => ({ ...command, now }), { actor, ...options });
    return { aiSystemId: id, revision, replayed };
  }
}
