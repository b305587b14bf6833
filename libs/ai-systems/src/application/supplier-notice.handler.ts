import { Inject } from '@nestjs/common';
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { CLOCK, type Clock, EVENT_STORE, type EventStore, loadState, runDecider } from '@app/event-store';
import { aiSystemDecider, aiSystemStreamId, type SupplierNoticeCommand, supplierNoticeDecider, supplierNoticeStreamId } from '../domain';
import { ExecuteSupplierNoticeCommand, type SupplierNoticeCommandResult } from './supplier-notice.commands';

/** Stamps business time and the actor, reads the register for a new notice, decides, appends. */
@CommandHandler(ExecuteSupplierNoticeCommand)
export class ExecuteSupplierNoticeCommandHandler implements ICommandHandler<ExecuteSupplierNoticeCommand, SupplierNoticeCommandResult> {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    // Deadlines are business time: the command's `now` comes from the same clock the overdue check reads.
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async execute({ input, actor, options }: ExecuteSupplierNoticeCommand): Promise<SupplierNoticeCommandResult> {
    const now = this.clock.now().toISOString();
    const by = { subject: actor.subject, role: actor.role };
    const command = async (): Promise<SupplierNoticeCommand> => {
      if (input.type !== 'ReceiveSupplierNotice') return { ...input, by, now };
      const { state } = await loadState(this.store, aiSystemDecider, aiSystemStreamId(input.aiSystemId));
      return { ...input, system: { exists: state.exists, knownVersions: [...state.knownVersions] }, by, now };
    };
    const { result } = await runDecider(this.store, supplierNoticeDecider, supplierNoticeStreamId(input.supplierNoticeId), command, {
      ifMatch: options.ifMatch,
      idempotencyKey: options.idempotencyKey ? `${actor.subject}:${options.idempotencyKey}` : undefined,
      requestHash: options.requestHash,
      metadata: { actor },
    });
    return {
      supplierNoticeId: result.streamId.slice('supplier-notice-'.length),
      revision: result.nextExpectedRevision,
      replayed: result.replayed,
    };
  }
}
