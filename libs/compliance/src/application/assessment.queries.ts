import { Inject, Injectable } from '@nestjs/common';
import { type IQueryHandler, Query, QueryHandler } from '@nestjs/cqrs';
import { InjectRepository } from '@nestjs/typeorm';
import { LessThan, type Repository } from 'typeorm';
import { CLOCK, type Clock } from '@app/event-store';
import { AssessmentRow } from '../projections/assessment.entity';

export type AssessmentListItem = AssessmentRow & { overdue: boolean };

/** The latest assessments (of one system, or all), soonest review first (none due last); only the overdue ones on request. */
export class ListAssessmentsQuery extends Query<{ items: AssessmentListItem[] }> {
  constructor(readonly filter: { aiSystemId?: string; overdue?: boolean; limit: number }) {
    super();
  }
}

@QueryHandler(ListAssessmentsQuery)
export class ListAssessmentsHandler implements IQueryHandler<ListAssessmentsQuery> {
  constructor(
    @InjectRepository(AssessmentRow) private readonly rows: Repository<AssessmentRow>,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async execute({ filter }: ListAssessmentsQuery) {
    const now = this.clock.now().toISOString();
    const due = filter.overdue ? { nextReviewAt: LessThan(now) } : {};
    const rows = await this.rows.find({
      where: { ...(filter.aiSystemId ? { aiSystemId: filter.aiSystemId } : {}), ...due },
      order: { nextReviewAt: { direction: 'ASC', nulls: 'LAST' }, aiSystemId: 'ASC', kind: 'ASC' },
      take: filter.limit,
    });
    return { items: rows.map((r) => ({ ...r, overdue: r.nextReviewAt !== null && r.nextReviewAt < now })) };
  }
}

/** How many assessments are past their review date, by the business clock (metrics). */
@Injectable()
export class OverdueAssessments {
  constructor(
    @InjectRepository(AssessmentRow) private readonly rows: Repository<AssessmentRow>,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  count(): Promise<number> {
    return this.rows.count({ where: { nextReviewAt: LessThan(this.clock.now().toISOString()) } });
  }
}
