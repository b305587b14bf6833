import { Inject } from '@nestjs/common';
import { type IQueryHandler, Query, QueryHandler } from '@nestjs/cqrs';
import { InjectRepository } from '@nestjs/typeorm';
import { And, type FindOptionsWhere, LessThan, MoreThanOrEqual, type Repository } from 'typeorm';
import { EVENT_STORE, type EventStore, loadState } from '@app/event-store';
import { SubjectKeyStore } from '@app/identity';
import { decodeCursor, encodeCursor, type Page } from '@app/platform';
import type { EncryptedText } from '@app/event-store';
import { reviewDecider, reviewStreamId, type RecordedReview } from '../domain';
import { ReviewMonthlyRow, ReviewRow, ReviewTimelineRow } from '../projections/review.entities';
import type { CompetenceFlagCount } from '../contract';

/** Free text as readers get it: clear, absent, or erased (its subject key was shredded). */
export interface TextView {
  text: string | null;
  erased: boolean;
}

export async function readText(keys: SubjectKeyStore, value: EncryptedText | null | undefined): Promise<TextView> {
  if (!value) return { text: null, erased: false };
  const text = await keys.decrypt(value);
  return text === null ? { text: null, erased: true } : { text, erased: false };
}

export interface ReviewView extends Omit<RecordedReview, 'reason' | 'exists'> {
  reason: TextView;
  revision: number;
  recordedAt: string;
  history: Array<{ type: string; recordedAt: string; actor: unknown; globalPosition: number }>;
}

/** One review, folded from its stream (current even before projections catch up). */
export class GetReviewQuery extends Query<ReviewView | null> {
  constructor(readonly reviewId: string) {
    super();
  }
}

/** Which reviews a list or count covers; `recordedFrom` inclusive, `recordedTo` exclusive (ISO times). */
export interface ReviewFilter {
  aiSystemId?: string;
  reviewer?: string;
  patientPseudonym?: string;
  recordedFrom?: string;
  recordedTo?: string;
  /** `not-authorised`: the reviews flagged under a `flag` competence policy (AI Act Art. 26(2)). */
  competence?: ReviewRow['competence'];
}

export class ListReviewsQuery extends Query<Page<ReviewRow & { reasonView: TextView }>> {
  constructor(readonly filter: ReviewFilter & { limit: number; cursor?: string }) {
    super();
  }
}

/** How many reviews a filter covers (a FHIR searchset's `total`). */
export class CountReviewsQuery extends Query<number> {
  constructor(readonly filter: ReviewFilter) {
    super();
  }
}

function reviewWhere(filter: ReviewFilter): FindOptionsWhere<ReviewRow> {
  const where: FindOptionsWhere<ReviewRow> = {};
  if (filter.aiSystemId) where.aiSystemId = filter.aiSystemId;
  if (filter.reviewer) where.reviewerSubject = filter.reviewer;
  if (filter.patientPseudonym) where.patientPseudonym = filter.patientPseudonym;
  if (filter.competence) where.competence = filter.competence;
  // ISO instants of one format (toISOString) order as text on both stores.
  const from = filter.recordedFrom === undefined ? undefined : MoreThanOrEqual(filter.recordedFrom);
  const to = filter.recordedTo === undefined ? undefined : LessThan(filter.recordedTo);
  if (from && to) where.recordedAt = And(from, to);
  else if (from ?? to) where.recordedAt = from ?? to;
  return where;
}

export interface TimelineEntry {
  position: number;
  eventId: string;
  event: string;
  reviewId: string;
  aiSystemId: string;
  modelVersion: string;
  actor: { subject: string; role: string };
  decision: string | null;
  text: TextView;
  incidentId: string | null;
  occurredAt: string;
  recordedAt: string;
  /** Recorded more than an hour after it happened: shown so late entries are visible as late. */
  late: boolean;
}

export class PatientTimelineQuery extends Query<Page<TimelineEntry>> {
  constructor(readonly filter: { patientPseudonym: string; asOf?: string; limit: number; cursor?: string; reviewer?: string }) {
    super();
  }
}

/** The count the compliance dashboard shows per system (issue 23 item 4); every flagged review, withdrawn ones too. */
export class CompetenceFlagCountsQuery extends Query<CompetenceFlagCount[]> {}

export class OverrideRatesQuery extends Query<Array<ReviewMonthlyRow & { overrideRate: number | null }>> {
  constructor(readonly aiSystemId: string) {
    super();
  }
}

@QueryHandler(GetReviewQuery)
export class GetReviewHandler implements IQueryHandler<GetReviewQuery> {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    private readonly keys: SubjectKeyStore,
  ) {}

  async execute({ reviewId }: GetReviewQuery): Promise<ReviewView | null> {
    const { state, revision, events } = await loadState(this.store, reviewDecider, reviewStreamId(reviewId));
    if (!state.exists) return null;
    const { exists: _exists, reason, ...rest } = state;
    return {
      ...rest,
      reason: await readText(this.keys, reason),
      revision: revision!,
      recordedAt: events[0].recordedAt,
      history: events.map((e) => ({ type: e.type, recordedAt: e.recordedAt, actor: e.metadata.actor, globalPosition: e.globalPosition })),
    };
  }
}

@QueryHandler(ListReviewsQuery)
export class ListReviewsHandler implements IQueryHandler<ListReviewsQuery> {
  constructor(
    @InjectRepository(ReviewRow) private readonly rows: Repository<ReviewRow>,
    private readonly keys: SubjectKeyStore,
  ) {}

  async execute({ filter }: ListReviewsQuery) {
    const after = decodeCursor(filter.cursor, 1) as [string] | undefined;
    const where = reviewWhere(filter);
    // Newest first: review ids are UUID v7, ordered by creation time.
    if (after) where.reviewId = LessThan(after[0]);
    const rows = await this.rows.find({ where, order: { reviewId: 'DESC' }, take: filter.limit + 1 });
    const page = rows.slice(0, filter.limit);
    const items = await Promise.all(page.map(async (r) => ({ ...r, reasonView: await readText(this.keys, r.reason) })));
    return { items, nextCursor: rows.length > filter.limit ? encodeCursor([page[page.length - 1].reviewId]) : null };
  }
}

@QueryHandler(CountReviewsQuery)
export class CountReviewsHandler implements IQueryHandler<CountReviewsQuery> {
  constructor(@InjectRepository(ReviewRow) private readonly rows: Repository<ReviewRow>) {}

  execute({ filter }: CountReviewsQuery): Promise<number> {
    return this.rows.count({ where: reviewWhere(filter) });
  }
}

@QueryHandler(CompetenceFlagCountsQuery)
export class CompetenceFlagCountsHandler implements IQueryHandler<CompetenceFlagCountsQuery> {
  constructor(@InjectRepository(ReviewRow) private readonly rows: Repository<ReviewRow>) {}

  async execute(): Promise<CompetenceFlagCount[]> {
    const raw = await this.rows
      .createQueryBuilder('r')
      .select('r.aiSystemId', 'aiSystemId')
      .addSelect('COUNT(*)', 'flagged')
      .addSelect('MAX(r.decidedAt)', 'lastDecidedAt')
      .where('r.competence = :c', { c: 'not-authorised' })
      .groupBy('r.aiSystemId')
      .orderBy('r.aiSystemId', 'ASC')
      .getRawMany<{ aiSystemId: string; flagged: string | number; lastDecidedAt: string }>();
    // PostgreSQL answers COUNT as text (bigint).
    return raw.map((r) => ({ aiSystemId: r.aiSystemId, flagged: Number(r.flagged), lastDecidedAt: r.lastDecidedAt }));
  }
}

@QueryHandler(PatientTimelineQuery)
export class PatientTimelineHandler implements IQueryHandler<PatientTimelineQuery> {
  constructor(
    @InjectRepository(ReviewTimelineRow) private readonly rows: Repository<ReviewTimelineRow>,
    private readonly keys: SubjectKeyStore,
  ) {}

  async execute({ filter }: PatientTimelineQuery): Promise<Page<TimelineEntry>> {
    const after = decodeCursor(filter.cursor, 1) as [number] | undefined;
    const qb = this.rows
      .createQueryBuilder('t')
      .where('t.patientPseudonym = :p', { p: filter.patientPseudonym })
      .orderBy('t.globalPosition', 'ASC')
      .take(filter.limit + 1);
    if (filter.asOf) qb.andWhere('t.recordedAt <= :asOf', { asOf: filter.asOf });
    if (filter.reviewer) qb.andWhere('t.reviewerSubject = :reviewer', { reviewer: filter.reviewer });
    if (after) qb.andWhere('t.globalPosition > :after', { after: after[0] });
    const rows = await qb.getMany();
    const page = rows.slice(0, filter.limit);
    const items = await Promise.all(
      page.map(async (r) => ({
        position: Number(r.globalPosition),
        eventId: r.eventId,
        event: r.eventType,
        reviewId: r.reviewId,
        aiSystemId: r.aiSystemId,
        modelVersion: r.modelVersion,
        actor: { subject: r.actorSubject, role: r.actorRole },
        decision: r.decision,
        text: await readText(this.keys, r.text),
        incidentId: r.incidentId,
        occurredAt: r.occurredAt,
        recordedAt: r.recordedAt,
        late: Date.parse(r.recordedAt) - Date.parse(r.occurredAt) > 3_600_000,
      })),
    );
    return { items, nextCursor: rows.length > filter.limit ? encodeCursor([items[items.length - 1].position]) : null };
  }
}

@QueryHandler(OverrideRatesQuery)
export class OverrideRatesHandler implements IQueryHandler<OverrideRatesQuery> {
  constructor(@InjectRepository(ReviewMonthlyRow) private readonly rows: Repository<ReviewMonthlyRow>) {}

  async execute({ aiSystemId }: OverrideRatesQuery) {
    const rows = await this.rows.find({ where: { aiSystemId }, order: { month: 'ASC' } });
    // Override = the human did not simply accept the AI output (modified or rejected).
    return rows.map((r) => ({ ...r, overrideRate: r.total > 0 ? (r.modified + r.rejected) / r.total : null }));
  }
}
