import { Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { type Actor, asDomainEvents, DomainError, type EventEnvelope, LogProcesses } from '@app/event-store';
import { ExecuteReviewCommand } from './review.commands';

/** The incident context's event, as far as this context reads it (the event contract, not its code). */
interface IncidentDetected {
  incidentId: string;
  linkedReviewIds?: string[];
  detectedBy: Actor;
}

/**
 * Writes an incident's links back to the reviews it names: an incident reported with
 * `linkedReviewIds` gets `oversight.ReviewLinkedToIncident` in each review's own stream, by the
 * person who reported it. The review then lists the incident, and a disclosure bundle scoped to
 * the incident holds the whole review (bundles take every stream whose events name the scope).
 *
 * Follows the log as a `LogProcesses` process (a checkpoint and a lease of its own); at least
 * once, made exactly once in effect by an idempotency key per incident (a retry answers the first
 * result) and the decider's `already-linked`. A link the review decider refuses (a withdrawn review) is logged and left:
 * the incident's own event still names the review.
 */
@Injectable()
export class IncidentReviewLinks implements OnModuleInit {
  private readonly logger = new Logger('IncidentReviewLinks');

  constructor(
    private readonly commands: CommandBus,
    private readonly processes: LogProcesses,
  ) {}

  onModuleInit(): void {
    this.processes.register({
      name: 'incident-review-links',
      summary: "writes an incident's links into the reviews it names (lease process:incident-review-links)",
      handle: (events) => this.handle(events),
    });
  }

  /** One batch: links for every incident reported in it (LogProcesses then moves the checkpoint). */
  async handle(events: EventEnvelope[]): Promise<void> {
    for (const e of events) {
      if (e.type !== 'incidents.IncidentDetected') continue;
      const [{ data: d }] = asDomainEvents<{ type: 'incidents.IncidentDetected'; data: IncidentDetected }>([e]);
      for (const reviewId of d.linkedReviewIds ?? []) await this.link(reviewId, d);
    }
  }

  private async link(reviewId: string, d: IncidentDetected): Promise<void> {
    try {
      await this.commands.execute(
        new ExecuteReviewCommand({ type: 'LinkReviewToIncident', reviewId, incidentId: d.incidentId }, d.detectedBy, {
          idempotencyKey: `incident-link:${d.incidentId}:${reviewId}`,
          requestHash: `${d.incidentId}:${reviewId}`,
        }),
      );
    } catch (err) {
      // Store errors go back to the subscription, which retries the batch from the checkpoint.
      if (!(err instanceof DomainError)) throw err;
      if (err.code === 'already-linked') return;
      this.logger.warn(`Review ${reviewId} not linked to incident ${d.incidentId}: ${err.message}`);
    }
  }
}
