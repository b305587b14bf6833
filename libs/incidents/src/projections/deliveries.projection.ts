import { Injectable } from '@nestjs/common';
import type { Envelope, Projection, ProjectionContext } from '@app/event-store';
import type { IncidentEvent } from '../domain';
import { IncidentDeliveryRow } from './incident.entities';

/**
 * The outbox as a read model: a webhook or email report appended with its decision becomes a pending
 * delivery here, in the transaction that moves this projection's checkpoint; the worker's
 * outcome events settle it. Rebuilding it from the log yields the same queue.
 */
@Injectable()
export class IncidentDeliveriesProjection implements Projection<IncidentEvent> {
  readonly name = 'incidents-deliveries';
  readonly version = 1;
  readonly entities = [IncidentDeliveryRow];
  readonly eventTypes = [
    'incidents.SupplierNotified',
    'incidents.FollowUpReported',
    'incidents.ReportDelivered',
    'incidents.ReportDeliveryFailed',
    'incidents.ReportResendRequested',
  ] as const;

  async handle(events: Envelope<IncidentEvent>[], ctx: ProjectionContext): Promise<void> {
    for (const e of events) {
      switch (e.type) {
        case 'incidents.SupplierNotified':
        case 'incidents.FollowUpReported':
          // Webhook and email reports are sent by the worker; recorded ones were made elsewhere.
          if (e.data.channel === 'recorded' || !e.data.destination) break;
          await ctx.insert(IncidentDeliveryRow, {
            notificationId: e.data.notificationId,
            incidentId: e.data.incidentId,
            destination: e.data.destination,
            status: 'pending',
            attempts: 0,
            nextAttemptAt: e.data.notifiedAt,
            deliveredAt: null,
            lastError: null,
          });
          break;
        case 'incidents.ReportDelivered':
          await ctx.update(
            IncidentDeliveryRow,
            { status: 'delivered', attempts: e.data.attempt, nextAttemptAt: null, deliveredAt: e.data.deliveredAt },
            { notificationId: e.data.notificationId },
          );
          break;
        case 'incidents.ReportResendRequested':
          // One more attempt now; the attempt count goes on, so a failure gives up again at once.
          await ctx.update(IncidentDeliveryRow, { status: 'pending', nextAttemptAt: e.data.requestedAt }, { notificationId: e.data.notificationId });
          break;
        case 'incidents.ReportDeliveryFailed':
          await ctx.update(
            IncidentDeliveryRow,
            {
              status: e.data.nextAttemptAt ? 'pending' : 'gave-up',
              attempts: e.data.attempt,
              nextAttemptAt: e.data.nextAttemptAt,
              lastError: e.data.error,
            },
            { notificationId: e.data.notificationId },
          );
          break;
      }
    }
  }
}
