import { Inject, Injectable } from '@nestjs/common';
import { type IQueryHandler, Query, QueryHandler } from '@nestjs/cqrs';
import { InjectRepository } from '@nestjs/typeorm';
import type { Repository } from 'typeorm';
import { CLOCK, type Clock, EVENT_STORE, type EventStore, loadState } from '@app/event-store';
import { countOverdue, deadlineBoardPage, type Page } from '@app/platform';
import { earliestOpenDeadline, isNoticeOverdue, noticeDeadlines, supplierNoticeDecider, type SupplierNoticeKind, supplierNoticeStreamId } from '../domain';
import { SupplierNoticeRow } from '../projections/supplier-notice.entity';
import type { SupplierNoticeSummary, SupplierNoticeView } from '../contract';

export type { SupplierNoticeSummary, SupplierNoticeView } from '../contract';

export interface SupplierNoticeFilter {
  open?: boolean;
  overdue?: boolean;
  aiSystemId?: string;
  limit: number;
  cursor?: string;
}

/** Null when no notice has that id. */
export class GetSupplierNoticeQuery extends Query<SupplierNoticeView | null> {
  constructor(readonly supplierNoticeId: string) {
    super();
  }
}

export class ListSupplierNoticesQuery extends Query<Page<SupplierNoticeSummary>> {
  constructor(readonly filter: SupplierNoticeFilter) {
    super();
  }
}

@QueryHandler(GetSupplierNoticeQuery)
export class GetSupplierNoticeHandler implements IQueryHandler<GetSupplierNoticeQuery> {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async execute({ supplierNoticeId }: GetSupplierNoticeQuery): Promise<SupplierNoticeView | null> {
    const { state, revision } = await loadState(this.store, supplierNoticeDecider, supplierNoticeStreamId(supplierNoticeId));
    if (!state.exists || revision === null) return null;
    const now = this.clock.now().toISOString();
    const { exists: _exists, ...notice } = state;
    return {
      ...notice,
      deadlines: noticeDeadlines(state).map((d) => ({ ...d, overdue: d.metAt === null && d.dueAt < now })),
      nextDueAt: earliestOpenDeadline(state),
      overdue: isNoticeOverdue(state, now),
      revision,
    };
  }
}

/** The list, the earliest open deadline first: overdue notices lead, those with nothing due come last. */
@QueryHandler(ListSupplierNoticesQuery)
export class ListSupplierNoticesHandler implements IQueryHandler<ListSupplierNoticesQuery> {
  constructor(
    @InjectRepository(SupplierNoticeRow) private readonly rows: Repository<SupplierNoticeRow>,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async execute({ filter }: ListSupplierNoticesQuery): Promise<Page<SupplierNoticeSummary>> {
    const now = this.clock.now().toISOString();
    // Closed notices on request (open: false); overdue implies open (a closed notice has no deadline left).
    const status = filter.open ? 'open' : filter.open === false ? 'closed' : undefined;
    const page = await deadlineBoardPage(this.rows, 'n', 'supplierNoticeId', { ...filter, status }, now);
    return { items: page.rows.map((r) => summary(r, now)), nextCursor: page.nextCursor };
  }
}

function summary(r: SupplierNoticeRow, now: string): SupplierNoticeSummary {
  return {
    supplierNoticeId: r.supplierNoticeId,
    aiSystemId: r.aiSystemId,
    kind: r.kind as SupplierNoticeKind,
    supplierReference: r.supplierReference,
    title: r.title,
    receivedAt: r.receivedAt,
    affectedVersions: r.affectedVersions,
    requestedActionDueBy: r.requestedActionDueBy,
    actBy: r.actBy,
    nextDueAt: r.nextDueAt,
    overdue: r.status === 'open' && r.nextDueAt !== null && r.nextDueAt < now,
    status: r.status as SupplierNoticeSummary['status'],
    actionCount: r.actionCount,
    completedAt: r.completedAt,
    closedAt: r.closedAt,
    revision: r.revision,
  };
}

/** How many open notices have a deadline passed and not met, by the business clock (metrics). */
@Injectable()
export class OverdueSupplierNotices {
  constructor(
    @InjectRepository(SupplierNoticeRow) private readonly rows: Repository<SupplierNoticeRow>,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  count(): Promise<number> {
    return countOverdue(this.rows, this.clock.now().toISOString());
  }
}
