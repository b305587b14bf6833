import { Inject, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import {
  type Actor,
  asDomainEvents,
  DomainError,
  EVENT_STORE,
  type EventEnvelope,
  type EventStore,
  LEASES,
  type Leases,
  SqlDatabase,
  type Subscription,
  Workers,
} from '@app/event-store';
import { ExecuteReviewCommand } from './review.commands';

/** The incident context's event, as far as this context reads it (the event contract, not its code). */
interface IncidentDetected {
  incidentId: string;
  linkedReviewIds?: string[];
  detectedBy: Actor;
}

const NAME = 'process:incident-review-links';

/**
 * Writes an incident's links back to the reviews it names: an incident reported with
 * `linkedReviewIds` gets `oversight.ReviewLinkedToIncident` in each review's own stream, by the
 * person who reported it. The review then lists the incident, and a disclosure bundle scoped to
 * the incident holds the whole review (bundles take every stream whose events name the scope).
 *
 * Follows the log from a checkpoint of its own; at least once, made exactly once in effect by an
 * idempotency key per incident (a retry answers the first result) and the decider's
 * `already-linked`. A link the review decider refuses (a withdrawn review) is logged and left:
 * the incident's own event still names the review.
 */
@Injectable()
export class IncidentReviewLinks implements OnModuleInit {
  private readonly logger = new Logger('IncidentReviewLinks');
  private subscription?: Subscription;
  private stopped = false;
  private retry?: NodeJS.Timeout;

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    private readonly db: SqlDatabase,
    private readonly commands: CommandBus,
    @Inject(LEASES) private readonly leases: Leases,
    private readonly workers: Workers,
  ) {}

  onModuleInit(): void {
    this.workers.register({
      name: 'incident-review-links',
      summary: "writes an incident's links into the reviews it names (lease process:incident-review-links)",
      start: () => this.start(),
      stop: () => this.stop(),
    });
  }

  private async start(): Promise<void> {
    await this.db.query('INSERT INTO projection_checkpoints (name, position, version, updated_at) VALUES (?, 0, 1, ?) ON CONFLICT (name) DO NOTHING', [
      NAME,
      new Date().toISOString(),
    ]);
    void this.follow();
  }

  private async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.retry);
    await this.subscription?.stop();
  }

  /** Several instances: the lease holder follows; the others try again later. */
  private async follow(): Promise<void> {
    if (this.stopped) return;
    if (!(await this.leases.hold(NAME).catch(() => false))) {
      this.retry = setTimeout(() => void this.follow(), 1000);
      return;
    }
    const [row] = await this.db.query<{ position: number | string }>('SELECT position FROM projection_checkpoints WHERE name = ?', [NAME]);
    if (this.stopped) return;
    this.subscription = this.store.subscribe(Number(row?.position ?? 0), (events) => this.handle(events), { batchSize: 500 });
  }

  /** One batch: links for every incident reported in it, then the checkpoint. */
  async handle(events: EventEnvelope[]): Promise<void> {
    for (const e of events) {
      if (e.type !== 'incidents.IncidentDetected') continue;
      const [{ data: d }] = asDomainEvents<{ type: 'incidents.IncidentDetected'; data: IncidentDetected }>([e]);
      for (const reviewId of d.linkedReviewIds ?? []) await this.link(reviewId, d);
    }
    const last = events[events.length - 1].globalPosition;
    await this.db.query('UPDATE projection_checkpoints SET position = ?, updated_at = ? WHERE name = ? AND position < ?', [
      last,
      new Date().toISOString(),
      NAME,
      last,
    ]);
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
