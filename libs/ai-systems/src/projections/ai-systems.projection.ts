import { Injectable } from '@nestjs/common';
import type { Envelope, Projection, ProjectionContext } from '@app/event-store';
import { AI_SYSTEM_EVENT_TYPES, type AiSystemEvent } from '../domain';
import { AiSystemRow } from './ai-system.entity';

/** Keeps `rm_ai_systems` equal to the fold of every ai-system stream. */
@Injectable()
export class AiSystemsProjection implements Projection<AiSystemEvent> {
  readonly name = 'ai-systems';
  // 2: outputReviewLimitMinutes (issue 25).
  readonly version = 2;
  readonly entities = [AiSystemRow];
  readonly eventTypes = AI_SYSTEM_EVENT_TYPES;

  async handle(events: Envelope<AiSystemEvent>[], ctx: ProjectionContext): Promise<void> {
    for (const e of events) {
      const common = { updatedAt: e.recordedAt, revision: e.streamRevision };
      switch (e.type) {
        case 'ai-systems.AiSystemRegistered': {
          const d = e.data;
          await ctx.upsert(
            AiSystemRow,
            {
              aiSystemId: d.aiSystemId,
              name: d.name,
              supplierName: d.supplier.name,
              supplierIncidentContactEmail: d.supplier.incidentContactEmail,
              intendedPurpose: d.intendedPurpose,
              aiActRiskClass: d.aiActRiskClass,
              mdrClass: d.mdrClass,
              inHouseDevice: d.inHouseDevice,
              ceMarking: d.ceMarking,
              udiDi: d.udiDi,
              oversightPersons: d.oversightPersons,
              currentVersion: d.version,
              ifuVersion: d.ifuVersion,
              knownVersions: [d.version],
              status: 'active',
              suspensionReason: null,
              registeredAt: d.registeredAt,
              outputReviewLimitMinutes: null,
              ...common,
            },
            ['aiSystemId'],
          );
          break;
        }
        case 'ai-systems.AiSystemVersionChanged': {
          const row = await ctx.find<AiSystemRow>(AiSystemRow, { aiSystemId: e.data.aiSystemId });
          const known = row?.knownVersions ?? [];
          await ctx.update(
            AiSystemRow,
            {
              currentVersion: e.data.version,
              ifuVersion: e.data.ifuVersion,
              knownVersions: known.includes(e.data.version) ? known : [...known, e.data.version],
              ...common,
            },
            { aiSystemId: e.data.aiSystemId },
          );
          break;
        }
        case 'ai-systems.AiSystemUseSuspended':
          await ctx.update(AiSystemRow, { status: 'suspended', suspensionReason: e.data.reason, ...common }, { aiSystemId: e.data.aiSystemId });
          break;
        case 'ai-systems.AiSystemUseResumed':
          await ctx.update(AiSystemRow, { status: 'active', suspensionReason: null, ...common }, { aiSystemId: e.data.aiSystemId });
          break;
        case 'ai-systems.OutputReviewLimitSet':
          await ctx.update(AiSystemRow, { outputReviewLimitMinutes: e.data.limitMinutes, ...common }, { aiSystemId: e.data.aiSystemId });
          break;
      }
    }
  }
}
