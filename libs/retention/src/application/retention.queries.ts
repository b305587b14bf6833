import { Inject } from '@nestjs/common';
import { type IQueryHandler, Query, QueryHandler } from '@nestjs/cqrs';
import { InjectRepository } from '@nestjs/typeorm';
import { type Repository } from 'typeorm';
import { asDomainEvents, CLOCK, type Clock, EVENT_STORE, type EventEnvelope, type EventStore, loadState } from '@app/event-store';
import { decodeCursor, encodeCursor, type Page } from '@app/platform';
import { BLOB_STORE, type BlobStore } from '../blobs/blob-store';
import {
  holdCovers,
  legalHoldDecider,
  legalHoldStreamId,
  logArtefactDecider,
  logArtefactStreamId,
  type LegalHoldEvent,
  type LegalHoldPlacedData,
  type LogArtefactRecordedData,
  type LogArtefactState,
} from '../domain';
import { LegalHoldRow, LogArtefactRow, RetentionPolicyRow } from '../projections/retention.entities';

export interface HistoryEntry {
  type: string;
  globalPosition: number;
  recordedAt: string;
  actor: unknown;
  data: Record<string, unknown>;
}

const history = (events: EventEnvelope[]): HistoryEntry[] =>
  events.map((e) => ({ type: e.type, globalPosition: e.globalPosition, recordedAt: e.recordedAt, actor: e.metadata.actor, data: e.data }));

export type LogArtefactView = Omit<LogArtefactState, 'exists'> & { revision: number; contentPresent: boolean; history: HistoryEntry[] };

/** One artefact from its own stream, with its full history (recorded, retention, purge, downloads). */
export class GetLogArtefactQuery extends Query<LogArtefactView | null> {
  constructor(readonly artefactId: string) {
    super();
  }
}

export class ListLogArtefactsQuery extends Query<Page<LogArtefactRow>> {
  constructor(readonly filter: { aiSystemId?: string; from?: string; to?: string; status?: string; limit: number; cursor?: string }) {
    super();
  }
}

export type DueItem = Pick<LogArtefactRecordedData, 'artefactId' | 'aiSystemId' | 'kind' | 'periodFrom' | 'periodTo' | 'sizeBytes'> & {
  purgeDueAt: string;
  legalBasis: string;
  overdue: boolean;
  heldBy: string[];
};

/** Due now, and due within `withinDays`, each with the active holds that would stop it. */
export class DuePurgesQuery extends Query<{ at: string; items: DueItem[] }> {
  constructor(readonly withinDays: number) {
    super();
  }
}

export class ListLegalHoldsQuery extends Query<Page<LegalHoldRow>> {
  constructor(readonly filter: { status?: string; limit: number; cursor?: string }) {
    super();
  }
}

export class GetLegalHoldQuery extends Query<(LegalHoldPlacedData & { active: boolean; revision: number; history: HistoryEntry[] }) | null> {
  constructor(readonly holdId: string) {
    super();
  }
}

export class ListRetentionPoliciesQuery extends Query<RetentionPolicyRow[]> {
  constructor(readonly aiSystemId?: string) {
    super();
  }
}

@QueryHandler(GetLogArtefactQuery)
export class GetLogArtefactHandler implements IQueryHandler<GetLogArtefactQuery> {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(BLOB_STORE) private readonly blobs: BlobStore,
  ) {}

  async execute({ artefactId }: GetLogArtefactQuery): Promise<LogArtefactView | null> {
    const { state, revision, events } = await loadState(this.store, logArtefactDecider, logArtefactStreamId(artefactId));
    if (!state.exists) return null;
    const { exists: _exists, ...rest } = state;
    return { ...rest, revision: revision!, contentPresent: await this.blobs.exists(state.artefact!.sha256), history: history(events) };
  }
}

/** Newest artefact id first would mean little (ids derive from content): ordered by period, then id. */
@QueryHandler(ListLogArtefactsQuery)
export class ListLogArtefactsHandler implements IQueryHandler<ListLogArtefactsQuery> {
  constructor(@InjectRepository(LogArtefactRow) private readonly rows: Repository<LogArtefactRow>) {}

  async execute({ filter }: ListLogArtefactsQuery): Promise<Page<LogArtefactRow>> {
    const after = decodeCursor(filter.cursor, 2) as [string, string] | undefined;
    const qb = this.rows
      .createQueryBuilder('a')
      .orderBy('a.periodFrom', 'ASC')
      .addOrderBy('a.artefactId', 'ASC')
      .take(filter.limit + 1);
    if (filter.aiSystemId) qb.andWhere('a.aiSystemId = :system', { system: filter.aiSystemId });
    // Overlap with [from, to]: what the registry holds for that period.
    if (filter.from) qb.andWhere('a.periodTo >= :from', { from: filter.from });
    if (filter.to) qb.andWhere('a.periodFrom <= :to', { to: filter.to });
    if (filter.status) qb.andWhere('a.status = :status', { status: filter.status });
    if (after) qb.andWhere('(a.periodFrom > :p OR (a.periodFrom = :p AND a.artefactId > :id))', { p: after[0], id: after[1] });
    const rows = await qb.getMany();
    const items = rows.slice(0, filter.limit).map((r) => ({ ...r, sizeBytes: Number(r.sizeBytes) }));
    const last = items[items.length - 1];
    return { items, nextCursor: rows.length > filter.limit ? encodeCursor([last.periodFrom, last.artefactId]) : null };
  }
}

@QueryHandler(DuePurgesQuery)
export class DuePurgesHandler implements IQueryHandler<DuePurgesQuery> {
  constructor(
    @InjectRepository(LogArtefactRow) private readonly rows: Repository<LogArtefactRow>,
    @InjectRepository(LegalHoldRow) private readonly holds: Repository<LegalHoldRow>,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async execute({ withinDays }: DuePurgesQuery) {
    const now = this.clock.now();
    const horizon = new Date(now.getTime() + withinDays * 86_400_000).toISOString();
    const due = await this.rows
      .createQueryBuilder('a')
      .where('a.status <> :purged', { purged: 'purged' })
      .andWhere('a.purgeDueAt IS NOT NULL AND a.purgeDueAt <= :horizon', { horizon })
      .orderBy('a.purgeDueAt', 'ASC')
      .addOrderBy('a.artefactId', 'ASC')
      .limit(1000)
      .getMany();
    const holds = await this.holds.find({ where: { status: 'active' } });
    const at = now.toISOString();
    const items = due.map((a) => ({
      artefactId: a.artefactId,
      aiSystemId: a.aiSystemId,
      kind: a.kind,
      periodFrom: a.periodFrom,
      periodTo: a.periodTo,
      sizeBytes: Number(a.sizeBytes),
      purgeDueAt: a.purgeDueAt!,
      legalBasis: a.legalBasis,
      overdue: a.purgeDueAt! <= at,
      heldBy: holds.filter((h) => holdCovers(h.scope, a)).map((h) => h.holdId),
    }));
    return { at, items };
  }
}

@QueryHandler(ListLegalHoldsQuery)
export class ListLegalHoldsHandler implements IQueryHandler<ListLegalHoldsQuery> {
  constructor(@InjectRepository(LegalHoldRow) private readonly rows: Repository<LegalHoldRow>) {}

  async execute({ filter }: ListLegalHoldsQuery): Promise<Page<LegalHoldRow>> {
    const after = decodeCursor(filter.cursor, 1) as [string] | undefined;
    const qb = this.rows
      .createQueryBuilder('h')
      .orderBy('h.holdId', 'DESC')
      .take(filter.limit + 1);
    if (filter.status) qb.andWhere('h.status = :status', { status: filter.status });
    if (after) qb.andWhere('h.holdId < :after', { after: after[0] });
    const rows = await qb.getMany();
    const items = rows.slice(0, filter.limit).map((h) => ({
      ...h,
      placedPosition: Number(h.placedPosition),
      releasedPosition: h.releasedPosition === null ? null : Number(h.releasedPosition),
    }));
    return { items, nextCursor: rows.length > filter.limit ? encodeCursor([items[items.length - 1].holdId]) : null };
  }
}

@QueryHandler(GetLegalHoldQuery)
export class GetLegalHoldHandler implements IQueryHandler<GetLegalHoldQuery> {
  constructor(@Inject(EVENT_STORE) private readonly store: EventStore) {}

  async execute({ holdId }: GetLegalHoldQuery) {
    const { state, revision, events } = await loadState(this.store, legalHoldDecider, legalHoldStreamId(holdId));
    if (!state.exists) return null;
    const [first] = asDomainEvents<LegalHoldEvent>(events);
    if (first.type !== 'retention.LegalHoldPlaced') return null;
    const placed: LegalHoldPlacedData = first.data;
    return { ...placed, active: state.active, revision: revision!, history: history(events) };
  }
}

@QueryHandler(ListRetentionPoliciesQuery)
export class ListRetentionPoliciesHandler implements IQueryHandler<ListRetentionPoliciesQuery> {
  constructor(@InjectRepository(RetentionPolicyRow) private readonly rows: Repository<RetentionPolicyRow>) {}

  execute({ aiSystemId }: ListRetentionPoliciesQuery) {
    return this.rows.find({ where: aiSystemId ? { aiSystemId } : {}, order: { aiSystemId: 'ASC', kind: 'ASC' } });
  }
}
