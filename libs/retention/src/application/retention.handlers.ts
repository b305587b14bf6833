import { Inject } from '@nestjs/common';
import { CommandHandler, type ICommandHandler, QueryBus } from '@nestjs/cqrs';
import { GetAiSystemQuery } from '@app/ai-systems';
import { type Actor, CLOCK, type Clock, type DeciderRunOptions, EVENT_STORE, type EventStore, runDecider } from '@app/event-store';
import {
  legalHoldDecider,
  legalHoldStreamId,
  logArtefactDecider,
  logArtefactStreamId,
  retentionPolicyDecider,
  retentionPolicyStreamId,
} from '../domain';
import {
  type CommandOptions,
  ExecuteLegalHoldCommand,
  ExecuteLogArtefactCommand,
  type RetentionCommandResult,
  SetRetentionPolicyCommand,
} from './retention.commands';

/** Idempotency keys are scoped by actor (as in every context); the actor goes into metadata. */
export function runOptions(actor: Actor, options: CommandOptions): DeciderRunOptions {
  return {
    ifMatch: options.ifMatch,
    idempotencyKey: options.idempotencyKey ? `${actor.subject}:${options.idempotencyKey}` : undefined,
    requestHash: options.requestHash,
    metadata: { actor },
  };
}

const result = (id: string, r: { nextExpectedRevision: number; replayed: boolean }): RetentionCommandResult => ({
  id,
  revision: r.nextExpectedRevision,
  replayed: r.replayed,
});

@CommandHandler(ExecuteLegalHoldCommand)
export class ExecuteLegalHoldHandler implements ICommandHandler<ExecuteLegalHoldCommand, RetentionCommandResult> {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async execute({ input, actor, options }: ExecuteLegalHoldCommand): Promise<RetentionCommandResult> {
    const now = this.clock.now().toISOString();
    const command =
      input.type === 'PlaceLegalHold'
        ? { ...input, placedBy: actor, now }
        : input.type === 'ReviewLegalHold'
          ? { ...input, reviewedBy: actor, now }
          : { ...input, releasedBy: actor, now };
    const run = await runDecider(this.store, legalHoldDecider, legalHoldStreamId(input.holdId), command, runOptions(actor, options));
    // On an idempotent replay the stream is the first request's, not this one's new id.
    return result(run.result.streamId.slice('hold-'.length), run.result);
  }
}

@CommandHandler(SetRetentionPolicyCommand)
export class SetRetentionPolicyHandler implements ICommandHandler<SetRetentionPolicyCommand, RetentionCommandResult> {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(CLOCK) private readonly clock: Clock,
    private readonly queries: QueryBus,
  ) {}

  async execute({ input, actor, options }: SetRetentionPolicyCommand): Promise<RetentionCommandResult> {
    const { state: system } = await this.queries.execute(new GetAiSystemQuery(input.aiSystemId));
    const streamId = retentionPolicyStreamId(input.aiSystemId, input.kind);
    const run = await runDecider(
      this.store,
      retentionPolicyDecider,
      streamId,
      { type: 'SetRetentionPolicy', ...input, systemExists: system.exists, setBy: actor, now: this.clock.now().toISOString() },
      runOptions(actor, options),
    );
    return result(streamId, run.result);
  }
}

@CommandHandler(ExecuteLogArtefactCommand)
export class ExecuteLogArtefactHandler implements ICommandHandler<ExecuteLogArtefactCommand, RetentionCommandResult> {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async execute({ input, actor, options }: ExecuteLogArtefactCommand): Promise<RetentionCommandResult> {
    const now = this.clock.now().toISOString();
    const command = input.type === 'SetRetention' ? { ...input, setBy: actor, now } : { ...input, downloadedBy: actor, now };
    const run = await runDecider(this.store, logArtefactDecider, logArtefactStreamId(input.artefactId), command, runOptions(actor, options));
    return result(input.artefactId, run.result);
  }
}
