import { Injectable } from '@nestjs/common';
import type { Envelope, Projection, ProjectionContext } from '@app/event-store';
import {
  LEGAL_HOLD_EVENT_TYPES,
  LOG_ARTEFACT_EVENT_TYPES,
  type LegalHoldEvent,
  type LogArtefactEvent,
  RETENTION_POLICY_EVENT_TYPES,
  type RetentionPolicyEvent,
} from '../domain';
import { LegalHoldRow, LogArtefactRow, RetentionPolicyRow } from './retention.entities';

type RetentionEvent = LogArtefactEvent | LegalHoldEvent | RetentionPolicyEvent;

export const RETENTION_PROJECTION = 'retention';

/** Artefacts, holds and policies from the retention context's own events. */
@Injectable()
export class RetentionProjection implements Projection<RetentionEvent> {
  readonly name = RETENTION_PROJECTION;
  readonly version = 1;
  readonly entities = [LogArtefactRow, LegalHoldRow, RetentionPolicyRow];
  readonly eventTypes = [...LOG_ARTEFACT_EVENT_TYPES, ...LEGAL_HOLD_EVENT_TYPES, ...RETENTION_POLICY_EVENT_TYPES];

  async handle(events: Envelope<RetentionEvent>[], ctx: ProjectionContext): Promise<void> {
    for (const e of events) {
      const revision = e.streamRevision;
      switch (e.type) {
        case 'retention.LogArtefactRecorded': {
          const d = e.data;
          await ctx.insert(LogArtefactRow, {
            artefactId: d.artefactId,
            aiSystemId: d.aiSystemId,
            kind: d.kind,
            periodFrom: d.periodFrom,
            periodTo: d.periodTo,
            sizeBytes: d.sizeBytes,
            sha256: d.sha256,
            source: d.source,
            rule: d.rule,
            keepUntil: d.rule.keepUntil,
            purgeDueAt: d.rule.purgeDueAt,
            legalBasis: d.rule.legalBasis,
            status: 'stored',
            recordedAt: e.recordedAt,
            purgedAt: null,
            lastRefusal: null,
            downloads: 0,
            revision,
          });
          break;
        }
        case 'retention.RetentionSet':
          await ctx.update(LogArtefactRow, { purgeDueAt: e.data.purgeDueAt, legalBasis: e.data.legalBasis, revision }, { artefactId: e.data.artefactId });
          break;
        case 'retention.PurgeRequested':
          await ctx.update(LogArtefactRow, { status: 'purge-requested', revision }, { artefactId: e.data.artefactId });
          break;
        case 'retention.PurgeRefused':
          await ctx.update(
            LogArtefactRow,
            { status: 'stored', lastRefusal: { holdIds: e.data.holdIds, refusedAt: e.data.refusedAt }, revision },
            { artefactId: e.data.artefactId },
          );
          break;
        case 'retention.PurgeRevoked':
          await ctx.update(
            LogArtefactRow,
            { status: 'stored', purgedAt: null, lastRefusal: { holdIds: e.data.holdIds, refusedAt: e.data.revokedAt }, revision },
            { artefactId: e.data.artefactId },
          );
          break;
        case 'retention.LogArtefactPurged':
          await ctx.update(LogArtefactRow, { status: 'purged', purgedAt: e.data.purgedAt, revision }, { artefactId: e.data.artefactId });
          break;
        case 'retention.LogArtefactDownloaded': {
          const row = await ctx.find<LogArtefactRow>(LogArtefactRow, { artefactId: e.data.artefactId });
          if (row) await ctx.update(LogArtefactRow, { downloads: row.downloads + 1, revision }, { artefactId: e.data.artefactId });
          break;
        }
        case 'retention.LegalHoldPlaced': {
          const d = e.data;
          await ctx.insert(LegalHoldRow, {
            holdId: d.holdId,
            status: 'active',
            scope: d.scope,
            reason: d.reason,
            placedBy: d.placedBy.subject,
            placedAt: d.placedAt,
            placedPosition: e.globalPosition,
            lastReviewedAt: null,
            releasedBy: null,
            releasedAt: null,
            releasedPosition: null,
            revision,
          });
          break;
        }
        case 'retention.LegalHoldReviewed':
          await ctx.update(LegalHoldRow, { lastReviewedAt: e.data.reviewedAt, revision }, { holdId: e.data.holdId });
          break;
        case 'retention.LegalHoldReleased':
          await ctx.update(
            LegalHoldRow,
            { status: 'released', releasedBy: e.data.releasedBy.subject, releasedAt: e.data.releasedAt, releasedPosition: e.globalPosition, revision },
            { holdId: e.data.holdId },
          );
          break;
        case 'retention.RetentionPolicySet': {
          const d = e.data;
          await ctx.upsert(
            RetentionPolicyRow,
            {
              aiSystemId: d.aiSystemId,
              kind: d.kind,
              minimumMonths: d.minimumMonths,
              maximumMonths: d.maximumMonths,
              legalBasis: d.legalBasis,
              setBy: d.setBy.subject,
              setAt: d.setAt,
              revision,
            },
            ['aiSystemId', 'kind'],
          );
          break;
        }
      }
    }
  }
}
