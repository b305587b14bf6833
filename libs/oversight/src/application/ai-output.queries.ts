import { Inject, Injectable } from '@nestjs/common';
import { type IQueryHandler, Query, QueryBus, QueryHandler } from '@nestjs/cqrs';
import { InjectRepository } from '@nestjs/typeorm';
import { Brackets, In, LessThan, LessThanOrEqual, type Repository } from 'typeorm';
import { type AiSystemRow, ListAiSystemsQuery } from '@app/ai-systems';
import { CLOCK, type Clock } from '@app/event-store';
import { SubjectKeyStore } from '@app/identity';
import { decodeCursor, encodeCursor, type Page } from '@app/platform';
import { type Coverage, coverageOf, type CoverageReviewEvent } from '../domain';
import { AiOutputReviewEventRow, AiOutputRow } from '../projections/ai-output.entities';
import { readText, type TextView } from './review.queries';

const DEFAULT_LIMIT_MINUTES = 24 * 60;

/** How long an output may wait for review before it counts as overdue (`OUTPUT_REVIEW_LIMIT_MINUTES`). */
export function outputReviewLimitMs(env: NodeJS.ProcessEnv = process.env): number {
  const minutes = Number(env.OUTPUT_REVIEW_LIMIT_MINUTES ?? DEFAULT_LIMIT_MINUTES);
  if (!Number.isFinite(minutes) || minutes <= 0) throw new Error('OUTPUT_REVIEW_LIMIT_MINUTES must be a positive number of minutes');
  return minutes * 60_000;
}

export interface CoverageFilter {
  aiSystemId: string;
  /** producedAt ≥ from, < to (ISO 8601, normalised). */
  from?: string;
  to?: string;
  version?: string;
  /** What the registry knew then; default now (business clock). */
  asOf?: string;
}

export type CoverageAnswer = Coverage & {
  aiSystemId: string;
  from: string | null;
  to: string | null;
  version: string | null;
  asOf: string;
  limitMinutes: number;
};

export class CoverageQuery extends Query<CoverageAnswer> {
  constructor(readonly filter: CoverageFilter) {
    super();
  }
}

/**
 * Coverage from the outputs' read model and every review event of them, each with the time the
 * registry recorded it: as of a date, only what was recorded by then is folded, corrections and
 * withdrawals included.
 */
@QueryHandler(CoverageQuery)
export class CoverageHandler implements IQueryHandler<CoverageQuery> {
  private readonly limitMs = outputReviewLimitMs();

  constructor(
    @InjectRepository(AiOutputRow) private readonly outputs: Repository<AiOutputRow>,
    @InjectRepository(AiOutputReviewEventRow) private readonly events: Repository<AiOutputReviewEventRow>,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async execute({ filter }: CoverageQuery): Promise<CoverageAnswer> {
    const asOf = filter.asOf ?? this.clock.now().toISOString();
    const q = this.outputs
      .createQueryBuilder('o')
      .select(['o.outputId', 'o.producedAt'])
      .where('o.aiSystemId = :id AND o.fed = :fed AND o.recordedAt <= :asOf', { id: filter.aiSystemId, fed: true, asOf });
    if (filter.from) q.andWhere('o.producedAt >= :from', { from: filter.from });
    if (filter.to) q.andWhere('o.producedAt < :to', { to: filter.to });
    if (filter.version) q.andWhere('o.modelVersion = :version', { version: filter.version });
    const outputs = (await q.getMany()).map((o) => ({ outputId: o.outputId, producedAt: o.producedAt! }));
    const wanted = new Set(outputs.map((o) => o.outputId));
    const events = await this.events.find({
      where: { aiSystemId: filter.aiSystemId, recordedAt: LessThanOrEqual(asOf) },
      order: { globalPosition: 'ASC' },
    });
    const relevant: CoverageReviewEvent[] = events.filter((e) => wanted.has(e.outputId));
    return {
      aiSystemId: filter.aiSystemId,
      from: filter.from ?? null,
      to: filter.to ?? null,
      version: filter.version ?? null,
      asOf,
      limitMinutes: this.limitMs / 60_000,
      ...coverageOf(outputs, relevant, asOf, this.limitMs),
    };
  }
}

export interface WorklistItem {
  outputId: string;
  aiSystemId: string;
  aiSystemName: string;
  modelVersion: string;
  outputReference: string;
  outputSha256: string;
  patientPseudonym: string;
  producedAt: string;
  urgency: string;
  summary: TextView;
  overdue: boolean;
}

export class WorklistQuery extends Query<Page<WorklistItem>> {
  constructor(readonly filter: { who: { subject: string; name?: string }; limit: number; cursor?: string }) {
    super();
  }
}

/** The AI systems a person oversees: those whose `oversightPersons` name their subject or name. */
async function systemsOverseenBy(queries: QueryBus, who: { subject: string; name?: string }): Promise<AiSystemRow[]> {
  const mine: AiSystemRow[] = [];
  let cursor: string | undefined;
  do {
    const page = await queries.execute(new ListAiSystemsQuery(500, cursor));
    mine.push(...page.items.filter((s) => s.oversightPersons.some((p) => p === who.subject || (who.name !== undefined && p === who.name))));
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return mine;
}

/** Outputs awaiting review for the systems the person oversees: most urgent first, then oldest. */
@QueryHandler(WorklistQuery)
export class WorklistHandler implements IQueryHandler<WorklistQuery> {
  private readonly limitMs = outputReviewLimitMs();

  constructor(
    @InjectRepository(AiOutputRow) private readonly outputs: Repository<AiOutputRow>,
    private readonly queries: QueryBus,
    private readonly keys: SubjectKeyStore,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async execute({ filter }: WorklistQuery): Promise<Page<WorklistItem>> {
    const systems = await systemsOverseenBy(this.queries, filter.who);
    if (systems.length === 0) return { items: [], nextCursor: null };
    const names = new Map(systems.map((s) => [s.aiSystemId, s.name]));
    const after = decodeCursor(filter.cursor, 3) as [number, string, string] | undefined;
    const q = this.outputs
      .createQueryBuilder('o')
      .where({ aiSystemId: In([...names.keys()]), fed: true, liveReviews: 0 })
      .orderBy('o.urgencyRank', 'ASC')
      .addOrderBy('o.producedAt', 'ASC')
      .addOrderBy('o.outputId', 'ASC')
      .take(filter.limit + 1);
    if (after) {
      const [rank, producedAt, outputId] = after;
      q.andWhere(
        new Brackets((b) =>
          b
            .where('o.urgencyRank > :rank', { rank })
            .orWhere('o.urgencyRank = :rank AND o.producedAt > :producedAt', { producedAt })
            .orWhere('o.urgencyRank = :rank AND o.producedAt = :producedAt AND o.outputId > :outputId', { outputId }),
        ),
      );
    }
    const rows = await q.getMany();
    const page = rows.slice(0, filter.limit);
    const overdueBefore = this.clock.now().getTime() - this.limitMs;
    const items = await Promise.all(
      page.map(async (r): Promise<WorklistItem> => ({
        outputId: r.outputId,
        aiSystemId: r.aiSystemId,
        aiSystemName: names.get(r.aiSystemId)!,
        modelVersion: r.modelVersion!,
        outputReference: r.outputReference,
        outputSha256: r.outputSha256!,
        patientPseudonym: r.patientPseudonym!,
        producedAt: r.producedAt!,
        urgency: r.urgency!,
        summary: await readText(this.keys, r.summary),
        overdue: Date.parse(r.producedAt!) < overdueBefore,
      })),
    );
    const last = page[page.length - 1];
    return { items, nextCursor: rows.length > filter.limit ? encodeCursor([last.urgencyRank, last.producedAt, last.outputId]) : null };
  }
}

/** Outputs still unreviewed past the limit, per AI system, now (business clock): the /metrics gauge. */
@Injectable()
export class OverdueAiOutputs {
  private readonly limitMs = outputReviewLimitMs();

  constructor(
    @InjectRepository(AiOutputRow) private readonly outputs: Repository<AiOutputRow>,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async perSystem(): Promise<Map<string, number>> {
    const before = new Date(this.clock.now().getTime() - this.limitMs).toISOString();
    const rows = await this.outputs
      .createQueryBuilder('o')
      .select('o.aiSystemId', 'aiSystemId')
      .addSelect('COUNT(*)', 'n')
      .where({ fed: true, liveReviews: 0, producedAt: LessThan(before) })
      .groupBy('o.aiSystemId')
      .getRawMany<{ aiSystemId: string; n: string | number }>();
    return new Map(rows.map((r) => [r.aiSystemId, Number(r.n)]));
  }
}
