import { Injectable } from '@nestjs/common';
import type { Envelope, Projection, ProjectionContext } from '@app/event-store';
import { type IncidentEvent, incidentDecider, type IncidentState, INCIDENT_EVENT_TYPES, metAt } from '../domain';
import { IncidentRow, IncidentSystemRow } from './incident.entities';

const NOTHING_DUE = '9999-12-31T23:59:59.999Z';
const SYSTEM_EVENTS = ['ai-systems.AiSystemUseSuspended', 'ai-systems.AiSystemUseResumed'] as const;

/** The AI-system context's events, as far as the board reads them (their contract, not its code). */
type SystemUseEvent = { [K in (typeof SYSTEM_EVENTS)[number]]: { type: K; data: { aiSystemId: string } } }[(typeof SYSTEM_EVENTS)[number]];

/** The incident board and per-system counts; the row folds events with the decider's own `evolve`. */
@Injectable()
export class IncidentsProjection implements Projection<IncidentEvent | SystemUseEvent> {
  readonly name = 'incidents-board';
  // 3: the row's state holds identification, an unreachable provider and the rulebook version (issue 21).
  readonly version = 3;
  readonly entities = [IncidentRow, IncidentSystemRow];
  readonly eventTypes = [...INCIDENT_EVENT_TYPES, ...SYSTEM_EVENTS];

  async handle(events: Envelope<IncidentEvent | SystemUseEvent>[], ctx: ProjectionContext): Promise<void> {
    for (const event of events) {
      if (event.type === 'ai-systems.AiSystemUseSuspended' || event.type === 'ai-systems.AiSystemUseResumed') {
        const aiSystemId = event.data.aiSystemId;
        const suspended = event.type === 'ai-systems.AiSystemUseSuspended';
        if (await ctx.find(IncidentSystemRow, { aiSystemId })) await ctx.update(IncidentSystemRow, { suspended }, { aiSystemId });
        else await ctx.insert(IncidentSystemRow, { aiSystemId, total: 0, open: 0, serious: 0, suspended });
        continue;
      }
      const row = await ctx.find<IncidentRow>(IncidentRow, { incidentId: event.data.incidentId });
      const before = row?.state ?? incidentDecider.initialState();
      const after = incidentDecider.evolve(before, event);
      if (!after.exists) continue; // cannot happen for a stream the decider wrote
      const next = after.deadlines.filter((d) => !metAt(d, after.informedAt)).sort((a, b) => a.dueAt.localeCompare(b.dueAt))[0];
      await ctx.upsert(
        IncidentRow,
        {
          incidentId: after.incidentId,
          aiSystemId: after.aiSystemId,
          aiSystemName: after.aiSystem!.name,
          status: after.status,
          serious: after.classification?.serious ?? null,
          awareAt: after.awareAt,
          detectedAt: after.detectedAt,
          detectedBy: after.detectedBy!.subject,
          nextDueAt: next?.dueAt ?? null,
          nextRecipient: next?.recipient ?? null,
          nextRule: next?.rule ?? null,
          sortKey: next?.dueAt ?? NOTHING_DUE,
          state: after,
          updatedAt: event.recordedAt,
          revision: event.streamRevision,
        },
        ['incidentId'],
      );
      await this.count(ctx, before, after);
    }
  }

  private async count(ctx: ProjectionContext, before: IncidentState, after: IncidentState) {
    const isOpen = (s: IncidentState) => (s.exists && s.status === 'open' ? 1 : 0);
    const isSerious = (s: IncidentState) => (s.classification?.serious ? 1 : 0);
    const by = {
      total: before.exists ? 0 : 1,
      open: isOpen(after) - isOpen(before),
      serious: isSerious(after) - isSerious(before),
    };
    if (by.total || by.open || by.serious) {
      await ctx.increment(IncidentSystemRow, { aiSystemId: after.aiSystemId }, by, { total: 0, open: 0, serious: 0, suspended: false });
    }
  }
}
