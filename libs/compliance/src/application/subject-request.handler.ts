import { Inject } from '@nestjs/common';
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { aiSystemDecider, aiSystemStreamId } from '@app/ai-systems';
import { CLOCK, type Clock, commandHandler, DomainError, type EncryptedText, EVENT_STORE, type EventStore, loadState, type Seal } from '@app/event-store';
import { SubjectKeyStore } from '@app/identity';
import { type RequestPolicy, type SubjectRequestCommand, subjectRequestDecider, subjectRequestStream, type SubjectRequestState } from '../domain';
import { requestPolicyFromEnv } from './request-policy';
import { ExecuteSubjectRequestCommand, type SubjectRequestCommandResult, type SubjectRequestInput } from './subject-request.commands';

/**
 * Explanation and access requests: adds the hospital's deadline policy and whether the named AI
 * system exists, decides, seals the free text under the patient's key (so erasure can shred it), appends.
 */
@CommandHandler(ExecuteSubjectRequestCommand)
export class ExecuteSubjectRequestCommandHandler implements ICommandHandler<ExecuteSubjectRequestCommand, SubjectRequestCommandResult> {
  private readonly write;
  private readonly policy: RequestPolicy = requestPolicyFromEnv();

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(CLOCK) clock: Clock,
    keys: SubjectKeyStore,
  ) {
    this.write = commandHandler({ store, clock, encrypt: (subject, text) => keys.encrypt(subject, text) }, subjectRequestDecider, subjectRequestStream);
  }

  async execute({ input, actor, options }: ExecuteSubjectRequestCommand): Promise<SubjectRequestCommandResult> {
    const by = { subject: actor.subject, role: actor.role };
    const command = (state: SubjectRequestState, now: string, seal: Seal) => this.command(input, state, by, now, trimmed(seal));
    const { id, revision, replayed, state } = await this.write(input.requestId, command, { actor, ...options });
    return { requestId: id, revision, replayed, dueAt: state.deadline?.dueAt ?? null, status: state.status };
  }

  private async command(
    input: SubjectRequestInput,
    state: SubjectRequestState,
    by: { subject: string; role: string },
    now: string,
    seal: Seal,
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
        description: seal(input.patientPseudonym, input.details),
        policy: this.policy,
      };
    }
    // The request's own patient: the text is theirs whoever records it.
    const patient = state.patientPseudonym;
    switch (input.type) {
      case 'ExtendSubjectRequest':
        return { ...input, ...base, reasons: required(seal, patient, input.reasons, 'reasons') };
      case 'AnswerSubjectRequest':
        return {
          type: input.type,
          answeredAt: input.answeredAt,
          answerSha256: input.answerSha256,
          ...base,
          conclusion: seal(patient, input.answer),
        };
      case 'RefuseSubjectRequest':
        return {
          type: input.type,
          ground: input.ground,
          refusedAt: input.refusedAt,
          ...base,
          reason: required(seal, patient, input.explanation, 'explanation'),
        };
      case 'WithdrawSubjectRequest':
        return { ...input, ...base };
    }
  }
}

/** The texts are kept trimmed. */
const trimmed =
  (seal: Seal): Seal =>
  (subject, text) =>
    seal(subject, text?.trim());

/** Text the decider requires; an unknown request has no patient yet and is refused by the decider (404). */
function required(seal: Seal, subject: string | null, text: string, field: string): EncryptedText {
  if (!text.trim()) throw new DomainError(`${field}-required`, `${field} is required.`, 400, field);
  return seal(subject, text) ?? PLACEHOLDER;
}

/** Stands in for text of a request that does not exist: the decider refuses it before anything is written. */
const PLACEHOLDER: EncryptedText = { enc: 'aes-256-gcm', kid: '-', iv: '', ct: '' };
