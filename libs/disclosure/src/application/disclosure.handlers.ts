import { Inject } from '@nestjs/common';
import { CommandHandler, type ICommandHandler, type IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import { EVENT_STORE, type EventStore, loadState, runDecider } from '@app/event-store';
import { type DisclosureCommand, disclosureDecider, disclosureStreamId } from '../domain';
import { type DisclosureCommandResult, ExecuteDisclosureCommand, GetDisclosureQuery } from './disclosure.commands';

@CommandHandler(ExecuteDisclosureCommand)
export class ExecuteDisclosureHandler implements ICommandHandler<ExecuteDisclosureCommand, DisclosureCommandResult> {
  constructor(@Inject(EVENT_STORE) private readonly store: EventStore) {}

  async execute({ command, actor, options }: ExecuteDisclosureCommand): Promise<DisclosureCommandResult> {
    const full = { ...command, by: actor, now: new Date().toISOString() } as DisclosureCommand;
    const { result } = await runDecider(this.store, disclosureDecider, disclosureStreamId(command.requestId), full, {
      ifMatch: options.ifMatch,
      idempotencyKey: options.idempotencyKey ? `${actor.subject}:${options.idempotencyKey}` : undefined,
      requestHash: options.requestHash,
      metadata: { actor },
    });
    return { requestId: result.streamId.slice('disclosure-'.length), revision: result.nextExpectedRevision, replayed: result.replayed };
  }
}

@QueryHandler(GetDisclosureQuery)
export class GetDisclosureHandler implements IQueryHandler<GetDisclosureQuery> {
  constructor(@Inject(EVENT_STORE) private readonly store: EventStore) {}

  async execute({ requestId }: GetDisclosureQuery) {
    const { state, revision } = await loadState(this.store, disclosureDecider, disclosureStreamId(requestId));
    return { state, revision };
  }
}
