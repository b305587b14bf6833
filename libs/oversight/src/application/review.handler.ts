import { Inject } from '@nestjs/common';
import { CommandHandler, type ICommandHandler, QueryBus } from '@nestjs/cqrs';
import { GetAiSystemQuery } from '@app/ai-systems';
import { DomainError, EVENT_STORE, type EventStore, runDecider } from '@app/event-store';
import { SubjectKeyStore } from '@app/identity';
import { type EncryptedText, type ReviewCommand, reviewDecider, type ReviewState, reviewStreamId } from '../domain';
import { ExecuteReviewCommand, type ReviewCommandResult } from './review.commands';

const present = (text: string | null | undefined): text is string => typeof text === 'string' && text.trim() !== '';

/** Loads the review (and, to record one, its AI system), encrypts free text per patient, decides, appends. */
@CommandHandler(ExecuteReviewCommand)
export class ExecuteReviewCommandHandler implements ICommandHandler<ExecuteReviewCommand, ReviewCommandResult> {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    private readonly queries: QueryBus,
    private readonly keys: SubjectKeyStore,
  ) {}

  async execute({ input, actor, options }: ExecuteReviewCommand): Promise<ReviewCommandResult> {
    const now = new Date().toISOString();
    const build = async (state: ReviewState): Promise<ReviewCommand> => {
      switch (input.type) {
        case 'RecordReview': {
          if (input.incidentId) await this.incidentMustExist(input.incidentId);
          const { state: system } = await this.queries.execute(new GetAiSystemQuery(input.aiSystemId));
          return {
            ...input,
            reason: await this.encrypt(input.patientPseudonym, input.reason),
            hasReason: present(input.reason),
            reviewer: actor,
            system: { exists: system.exists, status: system.status, knownVersions: system.knownVersions, name: system.name },
            now,
          };
        }
        case 'CorrectReview':
          return {
            ...input,
            reason: await this.encrypt(state.patientPseudonym, input.reason),
            hasReason: present(input.reason),
            correctionNote: await this.encrypt(state.patientPseudonym, input.correctionNote),
            correctedBy: actor,
            now,
          };
        case 'WithdrawReview':
          return {
            ...input,
            reason: await this.encrypt(state.patientPseudonym, input.reason),
            hasReason: present(input.reason),
            withdrawnBy: actor,
            now,
          };
        case 'LinkReviewToIncident':
          // Only once the decider would allow the link: a stranger learns nothing about incidents.
          if (state.exists && (state.reviewer.subject === actor.subject || actor.role === 'quality-manager')) {
            await this.incidentMustExist(input.incidentId);
          }
          return { ...input, linkedBy: actor, now };
      }
    };
    const { result } = await runDecider(this.store, reviewDecider, reviewStreamId(input.reviewId), build, {
      ifMatch: options.ifMatch,
      idempotencyKey: options.idempotencyKey ? `${actor.subject}:${options.idempotencyKey}` : undefined,
      requestHash: options.requestHash,
      metadata: { actor },
    });
    return { reviewId: result.streamId.slice('review-'.length), revision: result.nextExpectedRevision, replayed: result.replayed };
  }

  /** A link must point at a recorded incident; read from its stream, not from a read model. */
  private async incidentMustExist(incidentId: string): Promise<void> {
    const [first] = await this.store.readStream(`incident-${incidentId}`);
    if (!first) throw new DomainError('incident-not-found', `No incident ${incidentId}`, 404, 'incidentId');
  }

  /** Encrypted under the patient's own key so erasure can shred it; nothing to encrypt → null. */
  private async encrypt(subject: string | null, text: string | null): Promise<EncryptedText | null> {
    if (!present(text) || !subject) return null;
    return this.keys.encrypt(subject, text);
  }
}
