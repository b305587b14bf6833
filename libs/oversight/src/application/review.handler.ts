import { Inject } from '@nestjs/common';
import { CommandHandler, type ICommandHandler, QueryBus } from '@nestjs/cqrs';
import { GetAiSystemQuery } from '@app/ai-systems';
import { GetReviewGateQuery } from '@app/compliance';
import { type Actor, CLOCK, type Clock, commandHandler, EVENT_STORE, type EventStore, type Seal } from '@app/event-store';
import { SubjectKeyStore } from '@app/identity';
import { type IncidentSnapshot, type ReviewCommand, reviewDecider, type ReviewState, reviewStream } from '../domain';
import { ExecuteReviewCommand, type ReviewCommandResult } from './review.commands';

const present = (text: string | null | undefined): text is string => typeof text === 'string' && text.trim() !== '';

/** Loads the review (and, to record one, its AI system and compliance file), decides, seals free text per patient, appends. */
@CommandHandler(ExecuteReviewCommand)
export class ExecuteReviewCommandHandler implements ICommandHandler<ExecuteReviewCommand, ReviewCommandResult> {
  private readonly write;

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(CLOCK) clock: Clock,
    private readonly queries: QueryBus,
    keys: SubjectKeyStore,
  ) {
    this.write = commandHandler({ store, clock, encrypt: (subject, text) => keys.encrypt(subject, text) }, reviewDecider, reviewStream);
  }

  async execute({ input, actor, options }: ExecuteReviewCommand): Promise<ReviewCommandResult> {
    // Free text is sealed under the patient's own key (erasure shreds it), once the decider accepted.
    const build = async (state: ReviewState, now: string, seal: Seal): Promise<ReviewCommand> => {
      switch (input.type) {
        case 'RecordReview': {
          const { state: system } = await this.queries.execute(new GetAiSystemQuery(input.aiSystemId));
          // The compliance file: a prohibited practice, and the reviewer's competence (issue 23).
          const registered = { aiActRiskClass: system.aiActRiskClass, oversightPersons: system.oversightPersons ?? [], currentVersion: system.currentVersion };
          const compliance = await this.queries.execute(new GetReviewGateQuery(input.aiSystemId, actor.subject, registered));
          return {
            ...input,
            incident: input.incidentId === null ? null : await this.incident(input.incidentId),
            reason: seal(input.patientPseudonym, input.reason),
            hasReason: present(input.reason),
            reviewer: actor,
            system: { exists: system.exists, status: system.status, knownVersions: system.knownVersions, name: system.name },
            compliance,
            now,
          };
        }
        case 'CorrectReview':
          return {
            ...input,
            reason: seal(state.patientPseudonym, input.reason),
            hasReason: present(input.reason),
            correctionNote: seal(state.patientPseudonym, input.correctionNote),
            correctedBy: actor,
            now,
          };
        case 'WithdrawReview':
          return {
            ...input,
            reason: seal(state.patientPseudonym, input.reason),
            hasReason: present(input.reason),
            withdrawnBy: actor,
            now,
          };
        case 'LinkReviewToIncident':
          return { ...input, incident: await this.incident(input.incidentId), linkedBy: actor, now };
      }
    };
    const { id, revision, replayed } = await this.write(input.reviewId, build, { actor, ...options });
    return { reviewId: id, revision, replayed };
  }

  /**
   * Links point at recorded incidents: read from the incident's stream, not from a read model.
   * Its first event (`incidents.IncidentDetected`, the incident context's event contract) says who reported it.
   */
  private async incident(incidentId: string): Promise<IncidentSnapshot | null> {
    const [detected] = await this.store.readStream(`incident-${incidentId}`);
    if (detected?.type !== 'incidents.IncidentDetected') return null;
    return { reportedBy: (detected.data as { detectedBy: Actor }).detectedBy };
  }
}
