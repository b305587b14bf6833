import { Inject } from '@nestjs/common';
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { aiSystemDecider, aiSystemStreamId } from '@app/ai-systems';
import { CLOCK, type Clock, commandHandler, EVENT_STORE, type EventStore, loadState } from '@app/event-store';
import { type ComplianceFileCommand, complianceFileDecider, complianceFileStream } from '../domain';
import { type ComplianceFileCommandResult, ExecuteComplianceFileCommand } from './compliance-file.commands';

/** Stamps business time and the actor, reads the inventory's view of the system, decides, appends. */
@CommandHandler(ExecuteComplianceFileCommand)
export class ExecuteComplianceFileCommandHandler implements ICommandHandler<ExecuteComplianceFileCommand, ComplianceFileCommandResult> {
  private readonly write;

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(CLOCK) clock: Clock,
  ) {
    this.write = commandHandler({ store, clock }, complianceFileDecider, complianceFileStream);
  }

  async execute({ input, actor, options }: ExecuteComplianceFileCommand): Promise<ComplianceFileCommandResult> {
    const by = { subject: actor.subject, role: actor.role };
    const command = async (_: unknown, now: string): Promise<ComplianceFileCommand> => {
      const { state } = await loadState(this.store, aiSystemDecider, aiSystemStreamId(input.aiSystemId));
      const system = { exists: state.exists, knownVersions: [...state.knownVersions], currentVersion: state.currentVersion };
      return { ...input, system, by, now };
    };
    const { id, revision, replayed, result } = await this.write(input.aiSystemId, command, { actor, ...options });
    const data = result.events[0]?.data as { recordId?: unknown; assessmentId?: unknown; documentId?: unknown; statementId?: unknown } | undefined;
    return {
      aiSystemId: id,
      revision,
      replayed,
      ...(typeof data?.recordId === 'string' ? { recordId: data.recordId } : {}),
      ...(typeof data?.assessmentId === 'string' ? { assessmentId: data.assessmentId } : {}),
      ...(typeof data?.documentId === 'string' ? { documentId: data.documentId } : {}),
      ...(typeof data?.statementId === 'string' ? { statementId: data.statementId } : {}),
    };
  }
}
