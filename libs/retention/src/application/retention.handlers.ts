import { Inject } from '@nestjs/common';
import { CommandHandler, type ICommandHandler, QueryBus } from '@nestjs/cqrs';
import { GetAiSystemQuery } from '@app/ai-systems';
import { CLOCK, type Clock, commandHandler, EVENT_STORE, type EventStore } from '@app/event-store';
import { legalHoldDecider, legalHoldStream, logArtefactDecider, logArtefactStream, retentionPolicyDecider, retentionPolicyStream } from '../domain';
import { ExecuteLegalHoldCommand, ExecuteLogArtefactCommand, type RetentionCommandResult, SetRetentionPolicyCommand } from './retention.commands';

@CommandHandler(ExecuteLegalHoldCommand)
export class ExecuteLegalHoldHandler implements ICommandHandler<ExecuteLegalHoldCommand, RetentionCommandResult> {
  private readonly write;

  constructor(@Inject(EVENT_STORE) store: EventStore, @Inject(CLOCK) clock: Clock) {
    this.write = commandHandler({ store, clock }, legalHoldDecider, legalHoldStream);
  }

  async execute({ input, actor, options }: ExecuteLegalHoldCommand): Promise<RetentionCommandResult> {
    const command = (_: unknown, now: string) =>
      input.type === 'PlaceLegalHold'
        ? { ...input, placedBy: actor, now }
        : input.type === 'ReviewLegalHold'
          ? { ...input, reviewedBy: actor, now }
          : { ...input, releasedBy: actor, now };
    // On an idempotent replay the stream is the first request's, not this one's new id.
    const { id, revision, replayed } = await this.write(input.holdId, command, { actor, ...options });
    return { id, revision, replayed };
  }
}

@CommandHandler(SetRetentionPolicyCommand)
export class SetRetentionPolicyHandler implements ICommandHandler<SetRetentionPolicyCommand, RetentionCommandResult> {
  private readonly write;

  constructor(
    @Inject(EVENT_STORE) store: EventStore,
    @Inject(CLOCK) clock: Clock,
    private readonly queries: QueryBus,
  ) {
    this.write = commandHandler({ store, clock }, retentionPolicyDecider, retentionPolicyStream);
  }

  async execute({ input, actor, options }: SetRetentionPolicyCommand): Promise<RetentionCommandResult> {
    const { state: system } = await this.queries.execute(new GetAiSystemQuery(input.aiSystemId));
    const { id, revision, replayed } = await this.write(
      `${input.aiSystemId}-${input.kind}`,
      (_, now) => ({ type: 'SetRetentionPolicy' as const, ...input, systemExists: system.exists, setBy: actor, now }),
      { actor, ...options },
    );
    // The API has always answered a policy's stream name as its id.
    return { id: retentionPolicyStream.streamOf(id), revision, replayed };
  }
}

@CommandHandler(ExecuteLogArtefactCommand)
export class ExecuteLogArtefactHandler implements ICommandHandler<ExecuteLogArtefactCommand, RetentionCommandResult> {
  private readonly write;

  constructor(@Inject(EVENT_STORE) store: EventStore, @Inject(CLOCK) clock: Clock) {
    this.write = commandHandler({ store, clock }, logArtefactDecider, logArtefactStream);
  }

  async execute({ input, actor, options }: ExecuteLogArtefactCommand): Promise<RetentionCommandResult> {
    const command = (_: unknown, now: string) => (input.type === 'SetRetention' ? { ...input, setBy: actor, now } : { ...input, downloadedBy: actor, now });
    const { id, revision, replayed } = await this.write(input.artefactId, command, { actor, ...options });
    return { id, revision, replayed };
  }
}
