import { Inject } from '@nestjs/common';
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { aiSystemDecider, aiSystemStreamId } from '@app/ai-systems';
import { InjectRepository } from '@nestjs/typeorm';
import type { Repository } from 'typeorm';
import { CLOCK, type Clock, commandHandler, EVENT_STORE, type EventStore, loadState, ProjectionRegistry, type Seal } from '@app/event-store';
import { SubjectKeyStore } from '@app/identity';
import { aiOutputDecider, aiOutputStream, outputIdOf, reviewDecider, reviewStreamId } from '@app/oversight';
import {
  earliestLiveReview,
  monitoringDecider,
  monitoringStream,
  type MonitoringCommand,
  outcomeDecider,
  type OutcomeCommand,
  outcomeStream,
  type OutputFacts,
  type ReviewOfOutput,
} from '../domain';
import { MonitoringReviewRow } from '../projections/monitoring.entities';
import { ExecuteMonitoringCommand, ExecuteOutcomeCommand, type MonitoringCommandResult } from './monitoring.commands';

const present = (s: string | null | undefined): s is string => typeof s === 'string' && s.trim() !== '';

/**
 * Reads the output from its feed stream or, when it never came by feed, its reviews from their
 * streams (found through the monitoring read model, brought up to the log's head first);
 * decides, seals the note under the patient's key once the decider accepted, appends.
 */
@CommandHandler(ExecuteOutcomeCommand)
export class ExecuteOutcomeCommandHandler implements ICommandHandler<ExecuteOutcomeCommand> {
  private readonly write;

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(CLOCK) clock: Clock,
    keys: SubjectKeyStore,
    private readonly projections: ProjectionRegistry,
    @InjectRepository(MonitoringReviewRow) private readonly reviewRows: Repository<MonitoringReviewRow>,
  ) {
    this.write = commandHandler({ store, clock, encrypt: (subject, text) => keys.encrypt(subject, text) }, outcomeDecider, outcomeStream);
  }

  /** Every review of the output, each as its own stream left it; the read model only finds their ids. */
  private async reviewsOf(outputId: string): Promise<ReviewOfOutput[]> {
    await this.projections.runner.requireThrough(await this.store.headPosition(), ['monitoring']);
    const rows = await this.reviewRows.find({ where: { outputId }, select: ['reviewId'] });
    const reviews: ReviewOfOutput[] = [];
    for (const { reviewId } of rows) {
      const { state: r } = await loadState(this.store, reviewDecider, reviewStreamId(reviewId));
      if (r.exists) reviews.push({ reviewId, modelVersion: r.modelVersion, patientPseudonym: r.patientPseudonym, seenAt: r.seenAt, withdrawn: r.withdrawn });
    }
    return reviews;
  }

  async execute({ input, actor, options }: ExecuteOutcomeCommand) {
    const by = { subject: actor.subject, role: actor.role };
    if (input.type === 'ConfirmOutcome') {
      const outputId = outputIdOf(input.aiSystemId, input.outputReference);
      const { state: o } = await loadState(this.store, aiOutputDecider, aiOutputStream.streamOf(outputId));
      const output: OutputFacts | null = o.exists
        ? {
            outputId,
            aiSystemId: o.aiSystemId,
            modelVersion: o.modelVersion,
            outputReference: o.outputReference,
            patientPseudonym: o.patientPseudonym,
            ward: o.ward ?? null,
            producedAt: o.producedAt,
            aiFinding: o.aiFinding ?? null,
          }
        : null;
      const reviews = output ? [] : await this.reviewsOf(outputId);
      const patient = output?.patientPseudonym ?? earliestLiveReview(reviews)?.patientPseudonym ?? null;
      const command = (_s: unknown, now: string, seal: Seal): OutcomeCommand => ({
        ...input,
        outputId,
        output,
        reviews,
        note: seal(patient, input.note),
        by,
        now,
      });
      const { id, revision, replayed } = await this.write(outputId, command, { actor, ...options });
      return { outputId: id, revision, replayed };
    }
    const { id, revision, replayed } = await this.write(
      input.outputId,
      (state, now, seal): OutcomeCommand => {
        const subject = state.exists ? state.patientPseudonym : null;
        return { ...input, note: seal(subject, input.note), reason: seal(subject, input.reason), hasReason: present(input.reason), by, now };
      },
      { actor, ...options },
    );
    return { outputId: id, revision, replayed };
  }
}

/** Thresholds and alerts of one AI system: stamps time and actor, checks the system exists, decides, appends. */
@CommandHandler(ExecuteMonitoringCommand)
export class ExecuteMonitoringCommandHandler implements ICommandHandler<ExecuteMonitoringCommand, MonitoringCommandResult> {
  private readonly write;

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {
    this.write = commandHandler({ store, clock }, monitoringDecider, monitoringStream);
  }

  async execute({ input, actor, options }: ExecuteMonitoringCommand): Promise<MonitoringCommandResult> {
    const by = { subject: actor.subject, role: actor.role };
    if (input.type === 'EvaluateThresholds' || input.type === 'RecordAlertIncident') {
      // These may decide nothing (nothing crossed; the incident already recorded): the store takes no empty append.
      const { state, revision } = await loadState(this.store, monitoringDecider, monitoringStream.streamOf(input.aiSystemId));
      if (revision !== null && monitoringDecider.decide({ ...input, by, now: this.clock.now().toISOString() }, state).length === 0) {
        return { aiSystemId: input.aiSystemId, revision, replayed: true, raised: [] };
      }
    }
    const command = async (_: unknown, now: string): Promise<MonitoringCommand> => {
      if (input.type !== 'SetThresholds') return { ...input, by, now };
      const { state } = await loadState(this.store, aiSystemDecider, aiSystemStreamId(input.aiSystemId));
      return { ...input, systemExists: state.exists, by, now };
    };
    const { id, revision, replayed, result } = await this.write(input.aiSystemId, command, { actor, ...options });
    const raised = result.events.flatMap((e) => (e.type === 'monitoring.ThresholdBreached' ? [(e.data as { alertNo: number }).alertNo] : []));
    return { aiSystemId: id, revision, replayed, raised };
  }
}
