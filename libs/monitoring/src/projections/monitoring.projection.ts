import { Injectable } from '@nestjs/common';
import type { Envelope, Projection, ProjectionContext } from '@app/event-store';
import { AI_OUTPUT_EVENT_TYPES, type AiOutputEvent, outputIdOf, REVIEW_EVENT_TYPES, type ReviewEvent } from '@app/oversight';
import { MONITORING_EVENT_TYPES, type MonitoringEvent, OUTCOME_EVENT_TYPES, type OutcomeEvent } from '../domain';
import { MonitoringAlertRow, MonitoringOutcomeRow, MonitoringOutputRow, MonitoringReviewRow } from './monitoring.entities';

type Read = AiOutputEvent | ReviewEvent | OutcomeEvent | MonitoringEvent;

/**
 * What the monitoring figures are computed from: fed outputs (ward), reviews (decision as
 * corrected, seen and decided times), confirmed outcomes (as corrected), and the alerts.
 */
@Injectable()
export class MonitoringProjection implements Projection<Read> {
  readonly name = 'monitoring';
  readonly version = 1;
  readonly entities = [MonitoringOutputRow, MonitoringReviewRow, MonitoringOutcomeRow, MonitoringAlertRow];
  readonly eventTypes = [...AI_OUTPUT_EVENT_TYPES, ...REVIEW_EVENT_TYPES, ...OUTCOME_EVENT_TYPES, ...MONITORING_EVENT_TYPES];

  async handle(events: Envelope<Read>[], ctx: ProjectionContext): Promise<void> {
    for (const e of events) {
      switch (e.type) {
        case 'oversight.AiOutputProduced':
          await ctx.upsert(
            MonitoringOutputRow,
            { outputId: e.data.outputId, aiSystemId: e.data.aiSystemId, ward: e.data.ward ?? null, producedAt: e.data.producedAt },
            ['outputId'],
          );
          break;
        case 'oversight.AiOutputReviewed': {
          const d = e.data;
          await ctx.insert(MonitoringReviewRow, {
            reviewId: d.reviewId,
            outputId: outputIdOf(d.aiSystemId, d.outputReference),
            aiSystemId: d.aiSystemId,
            modelVersion: d.modelVersion,
            reviewer: d.reviewer.subject,
            decision: d.decision,
            seenAt: d.seenAt,
            decidedAt: d.decidedAt,
            withdrawn: false,
          });
          break;
        }
        // An update of a missing row changes nothing, as UPDATE … WHERE.
        case 'oversight.ReviewCorrected':
          await ctx.update(MonitoringReviewRow, { decision: e.data.decision }, { reviewId: e.data.reviewId });
          break;
        case 'oversight.ReviewWithdrawn':
          await ctx.update(MonitoringReviewRow, { withdrawn: true }, { reviewId: e.data.reviewId });
          break;
        case 'monitoring.OutcomeConfirmed': {
          const d = e.data;
          await ctx.upsert(
            MonitoringOutcomeRow,
            {
              outputId: d.outputId,
              aiSystemId: d.aiSystemId,
              modelVersion: d.modelVersion,
              outputReference: d.outputReference,
              ward: d.ward,
              producedAt: d.producedAt,
              aiFinding: d.aiFinding,
              confirmedFinding: d.confirmedFinding,
              agreesWithAi: d.agreesWithAi,
              source: d.source,
              knownAt: d.knownAt,
              revision: e.streamRevision,
            },
            ['outputId'],
          );
          break;
        }
        case 'monitoring.OutcomeCorrected': {
          const { confirmedFinding, agreesWithAi, source, aiFinding, ward } = e.data;
          // A hand-entered output's AI finding and ward, when the correction restated them.
          const restated = aiFinding === undefined ? {} : { aiFinding, ward: ward ?? null };
          await ctx.update(
            MonitoringOutcomeRow,
            { ...restated, confirmedFinding, agreesWithAi, source, revision: e.streamRevision },
            { outputId: e.data.outputId },
          );
          break;
        }
        case 'monitoring.ThresholdBreached': {
          const d = e.data;
          await ctx.insert(MonitoringAlertRow, { ...d, status: 'open', incidentId: null, recovered: false });
          break;
        }
        case 'monitoring.ThresholdRecovered': {
          const open = await ctx.find<MonitoringAlertRow>(MonitoringAlertRow, { aiSystemId: e.data.aiSystemId, metric: e.data.metric, recovered: false });
          if (open) await ctx.update(MonitoringAlertRow, { recovered: true }, { aiSystemId: open.aiSystemId, alertNo: open.alertNo });
          break;
        }
        case 'monitoring.AlertIncidentOpened':
          await ctx.update(
            MonitoringAlertRow,
            { status: 'incident-opened', incidentId: e.data.incidentId },
            { aiSystemId: e.data.aiSystemId, alertNo: e.data.alertNo },
          );
          break;
        case 'monitoring.AlertDismissed':
          await ctx.update(MonitoringAlertRow, { status: 'dismissed' }, { aiSystemId: e.data.aiSystemId, alertNo: e.data.alertNo });
          break;
        default:
          break;
      }
    }
  }
}
