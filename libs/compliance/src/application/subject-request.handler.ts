import { Inject } from '@nestjs/common';
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { aiSystemDecider, aiSystemStreamId } from '@app/ai-systems';
import { CLOCK, type Clock, commandHandler, DomainError, type EncryptedText, EVENT_STORE, type EventStore, loadState } from '@app/event-store';
import { SubjectKeyStore } from '@app/identity';
import { type RequestPolicy, type SubjectRequestCommand, subjectRequestDecider, subjectRequestStream, type SubjectRequestState } from '../domain';
import { requestPolicyFromEnv } from './request-policy';
import { ExecuteSubjectRequestCommand, type SubjectRequestCommandResult, type SubjectRequestInput } from './subject-request.commands';

/**
 * Explanation and access requests: encrypts the free text under the patient's key (so erasure can
 * shred it), adds the hospital's deadline policy and whether the named AI system exists, decides, appends.
 */
@CommandHandler(ExecuteSubjectRequestCommand)
export class ExecuteSubjectRequestCommandHandler implements ICommandHandler<ExecuteSubjectRequestCommand, SubjectRequestCommandResult> {
  private readonly write;
  private readonly policy: RequestPolicy = requestPolicyFromEnv();

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(CLOCK) clock: Clock,
    private readonly keys: SubjectKeyStore,
  ) {
    this.write = commandHandler({ store, clock }, subjectRequestDecider, subjectRequestStream);
  }

  async execute({ input, actor, options }: ExecuteSubjectRequestCommand): Promise<SubjectRequestCommandResult> {
    const by = { subject: actor.subject, role: actor.role };
    const command = (state: SubjectRequestState, now: string) => this.command(input, state, by, now);
    const { id, revision, replayed, state } = await this.write(input.requestId, command, { actor, ...options });
    return { requestId: id, revision, replayed, dueAt: state.deadline?.dueAt ?? null, status: state.status };
  }

  private async command(
    input: SubjectRequestInput,
    state: SubjectRequestState,
    by: { subject: string; role: string },
    now: string,
  ): Promise<SubjectRequestCommand> {
    const base = { requestId: input.requestId, by, now };
    if (input.type === 'ReceiveSubjectRequest') {
      const exists = input.aiSystemId === null ? false : (await loadState(this.store, aiSystemDecider, aiSystemStreamId(input.aiSystemId))).state.exists;
      return {
        type: input.type,
        kind: input.kind,
        patientPseudonym: input.patientPseudonym,
        aiSystemId: input.aiSystemId,
        receivedAt: input.receivedAt,
        channel: input.channel,
        ...base,
        aiSystemExists: exists,
        description: await this.encrypt(input.patientPseudonym, input.details),
        policy: this.policy,
      };
    }
    // The request's own patient: the text is theirs whoever records it.
    const patient = state.patientPseudonym;
    switch (input.type) {
      case 'ExtendSubjectRequest':
        return { ...input, ...base, reasons: await this.required(patient, input.reasons, 'reasons') };
      case 'AnswerSubjectRequest':
        return {
          type: input.type,
          answeredAt: input.answeredAt,
          answerSha256: input.answerSha256,
          ...base,
          conclusion: await this.encrypt(patient, input.answer),
        };
      case 'RefuseSubjectRequest':
        return {
          type: input.type,
          ground: input.ground,
          refusedAt: input.refusedAt,
          ...base,
          reason: await this.required(patient, input.explanation, 'explanation'),
        };
      case 'WithdrawSubjectRequest':
        return { ...input, ...base };
    }
  }

  private async encrypt(subject: string | null, text: string | null): Promise<EncryptedText | null> {
    if (text === null || !text.trim() || !subject) return null;
    return this.keys.encrypt(subject, text.trim());
  }

  /** Text the decider requires; an unknown request has no patient yet and is refused by the decider (404). */
  private async required(subject: string | null, text: string, field: string): Promise<EncryptedText> {
    if (!text.trim()) throw new DomainError(`${field}-required`, `${field} is required.`, 400, field);
    return (await this.encrypt(subject, text)) ?? PLACEHOLDER;
  }
}

/** Stands in for text of a request that does not exist: the decider refuses it before anything is written. */
const PLACEHOLDER: EncryptedText = { enc: 'aes-256-gcm', kid: '-', iv: '', ct: '' };
