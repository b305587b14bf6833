import { Inject } from '@nestjs/common';
import { type IQueryHandler, Query, QueryBus, QueryHandler } from '@nestjs/cqrs';
import { ListAiSystemsQuery } from '@app/ai-systems';
import { EVENT_STORE, type EventStore } from '@app/event-store';
import { complianceView, dashboardEntry, type DashboardEntry } from '../domain';
import { readComplianceFile } from './compliance-file.queries';

/** The compliance dashboard (issue 23 item 7): every registered system's file at a glance, as of a moment. */
export class GetComplianceDashboardQuery extends Query<{ asOf: string; systems: DashboardEntry[] }> {
  constructor(readonly asOf: string) {
    super();
  }
}

/** Systems per page of the inventory while the dashboard is built. */
const PAGE = 200;

/**
 * The systems from the inventory's read model, each file folded from its streams (a file is
 * small; a hospital runs tens of systems, not thousands): overdue first, then missing, then complete.
 */
@QueryHandler(GetComplianceDashboardQuery)
export class GetComplianceDashboardHandler implements IQueryHandler<GetComplianceDashboardQuery> {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    private readonly queries: QueryBus,
  ) {}

  async execute({ asOf }: GetComplianceDashboardQuery) {
    const systems: DashboardEntry[] = [];
    let cursor: string | undefined;
    do {
      const page = await this.queries.execute(new ListAiSystemsQuery(PAGE, cursor));
      for (const row of page.items) {
        const { system, file, registered } = await readComplianceFile(this.store, row.aiSystemId, asOf);
        if (system.exists) systems.push(dashboardEntry(complianceView(row.aiSystemId, file, registered, asOf), row.name));
      }
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    const rank = { overdue: 0, missing: 1, complete: 2 } as const;
    systems.sort((a, b) => rank[a.status] - rank[b.status] || a.name.localeCompare(b.name) || a.aiSystemId.localeCompare(b.aiSystemId));
    return { asOf, systems };
  }
}
