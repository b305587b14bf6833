import { Inject, Injectable } from '@nestjs/common';
import { type IQueryHandler, Query, QueryBus, QueryHandler } from '@nestjs/cqrs';
import { InjectRepository } from '@nestjs/typeorm';
import { Brackets, In, LessThan, LessThanOrEqual, type Repository } from 'typeorm';
import { aiSystemDecider, type AiSystemEvent, type AiSystemRow, aiSystemStreamId, type AiSystemState, ListAiSystemsQuery } from '@app/ai-systems';
import { CLOCK, type Clock, EVENT_STORE, type EventStore, fold } from '@app/event-store';
import { SubjectKeyStore } from '@app/identity';
import { decodeCursor, encodeCursor, type Page } from '@app/platform';
import type { CoverageAnswer, WorklistItem } from '../contract';
import { coverageOf, type CoverageOutput, type CoverageReviewEvent } from '../domain';
import { AiOutputReviewEventRow, AiOutputRow } from '../projections/ai-output.entities';
import { readText } from './review.queries';

const DEFAULT_LIMIT_MINUTES = 24 * 60;

/** How long an output may wait for review before it counts as overdue (`OUTPUT_REVIEW_LIMIT_MINUTES`). */
export function outputReviewLimitMs(env: NodeJS.ProcessEnv = process.env): number {
  const minutes = Number(env.OUTPUT_REVIEW_LIMIT_MINUTES ?? DEFAULT_LIMIT_MINUTES);
  if (!Number.isFinite(minutes) || minutes <= 0) throw new Error('OUTPUT_REVIEW_LIMIT_MINUTES must be a positive number of minutes');
  return minutes * 60_000;
}

/** A system's own limit (an event of its stream) or the registry-wide default. */
const limitOf = (system: { outputReviewLimitMinutes: number | null } | undefined, defaultMs: number) =>
  system?.outputReviewLimitMinutes != null ? system.outputReviewLimitMinutes * 60_000 : defaultMs;

/** Every AI system of the inventory (a hospital has tens, not thousands). */
async function allSystems(queries: QueryBus): Promise<AiSystemRow[]> {
  const all: AiSystemRow[] = [];
  let cursor: string | undefined;
  do {
    const page = await queries.execute(new ListAiSystemsQuery(500, cursor));
    all.push(...page.items);
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return all;
}

export interface CoverageFilter {
  aiSystemId: string;
  /** producedAt ≥ from, < to (ISO 8601, normalised). */
  from?: string;
  to?: string;
  version?: string;
  ward?: string;
  /** What the registry knew then; default now (business clock). */
  asOf?: string;
}

export type { CoverageAnswer, WorklistItem } from '../contract';

export class CoverageQuery extends Query<CoverageAnswer> {
  constructor(readonly filter: CoverageFilter) {
    super();
  }
}

/**
 * Coverage from the outputs' read model and every review event of them, each with the time the
 * registry recorded it: as of a date, only what was recorded by then is folded, corrections and
 * withdrawals included; the review limit too is the one the system had then.
 */
@QueryHandler(CoverageQuery)
export class CoverageHandler implements IQueryHandler<CoverageQuery> {
  private readonly defaultLimitMs = outputReviewLimitMs();

  constructor(
    @InjectRepository(AiOutputRow) private readonly outputs: Repository<AiOutputRow>,
    @InjectRepository(AiOutputReviewEventRow) private readonly events: Repository<AiOutputReviewEventRow>,
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async execute({ filter }: CoverageQuery): Promise<CoverageAnswer> {
    const asOf = filter.asOf ?? this.clock.now().toISOString();
    const q = this.outputs
      .createQueryBuilder('o')
      .select(['o.outputId', 'o.producedAt', 'o.ward'])
      .where('o.aiSystemId = :id AND o.fed = :fed AND o.recordedAt <= :asOf', { id: filter.aiSystemId, fed: true, asOf });
    if (filter.from) q.andWhere('o.producedAt >= :from', { from: filter.from });
    if (filter.to) q.andWhere('o.producedAt < :to', { to: filter.to });
    if (filter.version) q.andWhere('o.modelVersion = :version', { version: filter.version });
    if (filter.ward) q.andWhere('o.ward = :ward', { ward: filter.ward });
    const rows = await q.getMany();
    const outputs: CoverageOutput[] = rows.map((o) => ({ outputId: o.outputId, producedAt: o.producedAt! }));
    const wanted = new Set(outputs.map((o) => o.outputId));
    const events = await this.events.find({
      where: { aiSystemId: filter.aiSystemId, recordedAt: LessThanOrEqual(asOf) },
      order: { globalPosition: 'ASC' },
    });
    const relevant: CoverageReviewEvent[] = events.filter((e) => wanted.has(e.outputId));
    const limitMs = limitOf(await this.systemAsOf(filter.aiSystemId, asOf), this.defaultLimitMs);
    const wards = new Map<string | null, CoverageOutput[]>();
    rows.forEach((o, i) => wards.set(o.ward, [...(wards.get(o.ward) ?? []), outputs[i]]));
    const byWard = [...wards.entries()]
      .sort(([a], [b]) => (a ?? '\uffff').localeCompare(b ?? '\uffff'))
      .map(([ward, ofWard]) => ({ ward, ...coverageOf(ofWard, relevant, asOf, limitMs) }));
    return {
      aiSystemId: filter.aiSystemId,
      from: filter.from ?? null,
      to: filter.to ?? null,
      version: filter.version ?? null,
      ward: filter.ward ?? null,
      asOf,
      limitMinutes: limitMs / 60_000,
      ...coverageOf(outputs, relevant, asOf, limitMs),
      byWard,
    };
  }

  /** The system as the registry knew it at `asOf`: its stream folded up to then. */
  private async systemAsOf(aiSystemId: string, asOf: string): Promise<AiSystemState> {
    const events = await this.store.readStream(aiSystemStreamId(aiSystemId));
    // Stored envelopes carry type and data, the shape the decider folds (as loadState does).
    return fold(aiSystemDecider, events.filter((e) => e.recordedAt <= asOf) as unknown as AiSystemEvent[]);
  }
}

export interface WorklistFilter {
  who: { subject: string; name?: string };
  limit: number;
  cursor?: string;
  /** Only this patient's outputs (the patient in context of an EHR launch). */
  patientPseudonym?: string;
}

export class WorklistQuery extends Query<Page<WorklistItem>> {
  constructor(readonly filter: WorklistFilter) {
    super();
  }
}

/** Outputs awaiting review for the systems the person oversees: most urgent first, then oldest. */
@QueryHandler(WorklistQuery)
export class WorklistHandler implements IQueryHandler<WorklistQuery> {
  private readonly defaultLimitMs = outputReviewLimitMs();

  constructor(
    @InjectRepository(AiOutputRow) private readonly outputs: Repository<AiOutputRow>,
    private readonly queries: QueryBus,
    private readonly keys: SubjectKeyStore,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async execute({ filter }: WorklistQuery): Promise<Page<WorklistItem>> {
    const { who } = filter;
    // The AI systems a person oversees: those whose `oversightPersons` name their subject or name.
    const systems = (await allSystems(this.queries)).filter((s) =>
      s.oversightPersons.some((p) => p === who.subject || (who.name !== undefined && p === who.name)),
    );
    if (systems.length === 0) return { items: [], nextCursor: null };
    const mine = new Map(systems.map((s) => [s.aiSystemId, s]));
    const after = decodeCursor(filter.cursor, 3) as [number, string, string] | undefined;
    const q = this.outputs
      .createQueryBuilder('o')
      .where({ aiSystemId: In([...mine.keys()]), fed: true, liveReviews: 0, ...(filter.patientPseudonym ? { patientPseudonym: filter.patientPseudonym } : {}) })
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
    const now = this.clock.now().getTime();
    const items = await Promise.all(
      page.map(async (r): Promise<WorklistItem> => ({
        outputId: r.outputId,
        aiSystemId: r.aiSystemId,
        aiSystemName: mine.get(r.aiSystemId)!.name,
        modelVersion: r.modelVersion!,
        outputReference: r.outputReference,
        outputSha256: r.outputSha256!,
        patientPseudonym: r.patientPseudonym!,
        producedAt: r.producedAt!,
        urgency: r.urgency!,
        ward: r.ward,
        summary: await readText(this.keys, r.summary),
        overdue: now - Date.parse(r.producedAt!) > limitOf(mine.get(r.aiSystemId), this.defaultLimitMs),
      })),
    );
    const last = page[page.length - 1];
    return { items, nextCursor: rows.length > filter.limit ? encodeCursor([last.urgencyRank, last.producedAt, last.outputId]) : null };
  }
}

/** The alert: one AI system's outputs unreviewed past its limit, now (business clock). */
export interface OverdueAlert {
  aiSystemId: string;
  aiSystemName: string;
  limitMinutes: number;
  overdue: number;
  oldestProducedAt: string;
  /** The longest-waiting overdue outputs (at most 20); no patient data. */
  outputs: Array<{ outputId: string; outputReference: string; modelVersion: string; producedAt: string; urgency: string; ward: string | null }>;
}

/** Outputs still unreviewed past their system's limit (its own, else the registry default): the alert and the /metrics gauge. */
@Injectable()
export class OverdueAiOutputs {
  private readonly defaultLimitMs = outputReviewLimitMs();

  constructor(
    @InjectRepository(AiOutputRow) private readonly outputs: Repository<AiOutputRow>,
    private readonly queries: QueryBus,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async perSystem(): Promise<Map<string, number>> {
    return new Map((await this.alerts(0)).map((a) => [a.aiSystemId, a.overdue]));
  }

  /** Systems with at least one overdue output, the most overdue first; `listed` outputs of each. */
  async alerts(listed = 20): Promise<OverdueAlert[]> {
    const now = this.clock.now().getTime();
    const alerts: OverdueAlert[] = [];
    for (const system of await allSystems(this.queries)) {
      const limitMs = limitOf(system, this.defaultLimitMs);
      const where = { aiSystemId: system.aiSystemId, fed: true, liveReviews: 0, producedAt: LessThan(new Date(now - limitMs).toISOString()) };
      const overdue = await this.outputs.count({ where });
      if (overdue === 0) continue;
      const oldest = await this.outputs.find({ where, order: { producedAt: 'ASC', outputId: 'ASC' }, take: Math.max(1, listed) });
      alerts.push({
        aiSystemId: system.aiSystemId,
        aiSystemName: system.name,
        limitMinutes: limitMs / 60_000,
        overdue,
        oldestProducedAt: oldest[0].producedAt!,
        outputs: oldest.slice(0, listed).map((o) => ({
          outputId: o.outputId,
          outputReference: o.outputReference,
          modelVersion: o.modelVersion!,
          producedAt: o.producedAt!,
          urgency: o.urgency!,
          ward: o.ward,
        })),
      });
    }
    return alerts.sort((a, b) => b.overdue - a.overdue || a.oldestProducedAt.localeCompare(b.oldestProducedAt));
  }
}
