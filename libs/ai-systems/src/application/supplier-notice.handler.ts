import { Inject } from '@nestjs/common';
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { CLOCK, type Clock, commandHandler, EVENT_STORE, type EventStore, loadState } from '@app/event-store';
import { aiSystemDecider, aiSystemStreamId, type SupplierNoticeCommand, supplierNoticeDecider, supplierNoticeStream } from '../domain';
import { ExecuteSupplierNoticeCommand, type SupplierNoticeCommandResult } from './supplier-notice.commands';

/** Stamps business time and the actor, reads the register for a new notice, decides, appends. */
@CommandHandler(ExecuteSupplierNoticeCommand)
export class ExecuteSupplierNoticeCommandHandler implements ICommandHandler<ExecuteSupplierNoticeCommand, SupplierNoticeCommandResult> {
  private readonly write;

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    // Deadlines are business time: the command's `now` comes from the same clock the overdue check reads.
    @Inject(CLOCK) clock: Clock,
  ) {
    this.write = commandHandler({ store, clock }, supplierNoticeDecider, supplierNoticeStream);
  }

  async execute({ input, actor, options }: ExecuteSupplierNoticeCommand): Promise<SupplierNoticeCommandResult> {
    const by = { subject: actor.subject, role: actor.role };
    const command = async (_: unknown, now: string): Promise<SupplierNoticeCommand> => {
      if (input.type !== 'ReceiveSupplierNotice') return { ...input, by, now };
      const { state } = await loadState(this.store, aiSystemDecider, aiSystemStreamId(input.aiSystemId));
      return { ...input, system: { exists: state.exists, knownVersions: [...state.knownVersions] }, by, now };
    };
    const { id, revision, replayed } = await this.write(input.supplierNoticeId, command, { actor, ...options });
    return { supplierNoticeId: id, revision, replayed };
  }
}
