import { Inject, Injectable } from '@nestjs/common';
import { type IQueryHandler, Query, QueryBus, QueryHandler } from '@nestjs/cqrs';
import { InjectRepository } from '@nestjs/typeorm';
import { In, type Repository } from 'typeorm';
import { GetAiSystemQuery } from '@app/ai-systems';
import { CLOCK, type Clock, EVENT_STORE, type EventStore, loadState } from '@app/event-store';
import { SubjectKeyStore } from '@app/identity';
import { readText } from '@app/oversight';
import type { MonitoringAlertView, MonitoringAnswer, OutcomeView } from '../contract';
import {
  breakdown,
  figuresOf,
  type Finding,
  monitoringDecider,
  monitoringStream,
  monthOf,
  outcomeDecider,
  type OutcomeFact,
  outcomeStream,
  type ReviewFact,
  type Thresholds,
} from '../domain';
import { MonitoringAlertRow, MonitoringOutcomeRow, MonitoringOutputRow, MonitoringReviewRow } from '../projections/monitoring.entities';

/** Without thresholds: an acceptance within 5 s of seeing the output is "very fast" (ADR 0052). */
export const DEFAULT_FAST_ACCEPTANCE_SECONDS = 5;
/** Without thresholds: the window of the figures shown as "now" is 30 days. */
export const DEFAULT_WINDOW_DAYS = 30;
const DAY_MS = 86_400_000;

/** The facts of one AI system the figures are computed from, optionally in a period. */
@Injectable()
export class MonitoringFacts {
  constructor(
    @InjectRepository(MonitoringOutcomeRow) private readonly outcomes: Repository<MonitoringOutcomeRow>,
    @InjectRepository(MonitoringReviewRow) private readonly reviews: Repository<MonitoringReviewRow>,
    @InjectRepository(MonitoringOutputRow) private readonly outputs: Repository<MonitoringOutputRow>,
    @Inject(EVENT_STORE) private readonly store: EventStore,
  ) {}

  async thresholds(aiSystemId: string): Promise<{ thresholds: Thresholds | null; revision: number | null }> {
    const { state, revision } = await loadState(this.store, monitoringDecider, monitoringStream.streamOf(aiSystemId));
    return { thresholds: state.thresholds, revision };
  }

  /** The AI systems with any outcome or review: those whose thresholds the timer evaluates. */
  async systems(): Promise<string[]> {
    const [o, r] = await Promise.all([
      this.outcomes.createQueryBuilder('o').select('DISTINCT o.aiSystemId', 'id').getRawMany<{ id: string }>(),
      this.reviews.createQueryBuilder('r').select('DISTINCT r.aiSystemId', 'id').getRawMany<{ id: string }>(),
    ]);
    return [...new Set([...o, ...r].map((x) => x.id))].sort();
  }

  /** Outcomes by the output's producedAt, live reviews by decidedAt, each in [from, to). */
  async load(aiSystemId: string, from?: string, to?: string, version?: string): Promise<{ outcomes: OutcomeFact[]; reviews: ReviewFact[] }> {
    const oq = this.outcomes.createQueryBuilder('o').where('o.aiSystemId = :id', { id: aiSystemId });
    if (from) oq.andWhere('o.producedAt >= :from', { from });
    if (to) oq.andWhere('o.producedAt < :to', { to });
    if (version) oq.andWhere('o.modelVersion = :version', { version });
    const rq = this.reviews.createQueryBuilder('r').where('r.aiSystemId = :id AND r.withdrawn = :w', { id: aiSystemId, w: false });
    if (from) rq.andWhere('r.decidedAt >= :from', { from });
    if (to) rq.andWhere('r.decidedAt < :to', { to });
    if (version) rq.andWhere('r.modelVersion = :version', { version });
    const [outcomeRows, reviewRows] = await Promise.all([oq.getMany(), rq.getMany()]);
    const outputIds = [...new Set(reviewRows.map((r) => r.outputId))];
    const wards = new Map<string, string | null>();
    for (let i = 0; i < outputIds.length; i += 500) {
      const ids = outputIds.slice(i, i + 500);
      // A hand-entered output has no feed row: its ward is the one its outcome recorded, if any.
      for (const o of await this.outcomes.find({ where: { outputId: In(ids) }, select: ['outputId', 'ward'] })) wards.set(o.outputId, o.ward);
      for (const o of await this.outputs.find({ where: { outputId: In(ids) }, select: ['outputId', 'ward'] })) wards.set(o.outputId, o.ward);
    }
    return {
      outcomes: outcomeRows.map((o) => ({
        modelVersion: o.modelVersion,
        ward: o.ward,
        producedAt: o.producedAt,
        aiFinding: o.aiFinding as Finding | null,
        confirmedFinding: o.confirmedFinding as Finding | null,
        agreesWithAi: Boolean(o.agreesWithAi),
      })),
      reviews: reviewRows.map((r) => ({
        modelVersion: r.modelVersion,
        ward: wards.get(r.outputId) ?? null,
        reviewer: r.reviewer,
        decision: r.decision,
        seenAt: r.seenAt,
        decidedAt: r.decidedAt,
      })),
    };
  }

  /** The evaluation window ending at `now`. */
  static window(thresholds: Thresholds | null, now: string): { from: string; to: string } {
    const days = thresholds?.windowDays ?? DEFAULT_WINDOW_DAYS;
    return { from: new Date(Date.parse(now) - days * DAY_MS).toISOString(), to: new Date(Date.parse(now) + 1).toISOString() };
  }
}

export class MonitoringFiguresQuery extends Query<MonitoringAnswer> {
  constructor(
    readonly aiSystemId: string,
    readonly from?: string,
    readonly to?: string,
    readonly version?: string,
  ) {
    super();
  }
}

/** The figures of one AI system, overall and broken down, with its thresholds and alerts. */
@QueryHandler(MonitoringFiguresQuery)
export class MonitoringFiguresHandler implements IQueryHandler<MonitoringFiguresQuery> {
  constructor(
    private readonly facts: MonitoringFacts,
    private readonly queries: QueryBus,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async execute({ aiSystemId, from, to, version }: MonitoringFiguresQuery): Promise<MonitoringAnswer> {
    const now = this.clock.now().toISOString();
    const { thresholds } = await this.facts.thresholds(aiSystemId);
    const fast = thresholds?.fastAcceptanceSeconds ?? DEFAULT_FAST_ACCEPTANCE_SECONDS;
    const window = MonitoringFacts.window(thresholds, now);
    const [{ outcomes, reviews }, inWindow, before, alerts] = await Promise.all([
      this.facts.load(aiSystemId, from, to, version),
      this.facts.load(aiSystemId, window.from, window.to, version),
      this.facts.load(aiSystemId, undefined, window.from, version),
      this.queries.execute(new ListMonitoringAlertsQuery({ aiSystemId })),
    ]);
    const windowFigures = figuresOf(inWindow.outcomes, inWindow.reviews, fast);
    const beforeAgreement = figuresOf(before.outcomes, [], fast).agreement;
    const by = (fo: (o: OutcomeFact) => string | null, fr: (r: ReviewFact) => string | null, os: readonly OutcomeFact[] = outcomes) =>
      breakdown(os, reviews, fast, fo, fr);
    return {
      aiSystemId,
      from: from ?? null,
      to: to ?? null,
      version: version ?? null,
      thresholds,
      fastAcceptanceSeconds: fast,
      overall: figuresOf(outcomes, reviews, fast),
      window: { ...window, figures: windowFigures },
      agreementDrift: windowFigures.agreement !== null && beforeAgreement !== null ? windowFigures.agreement - beforeAgreement : null,
      byVersion: by(
        (o) => o.modelVersion,
        (r) => r.modelVersion,
      ),
      byMonth: by(
        (o) => monthOf(o.producedAt),
        (r) => monthOf(r.decidedAt),
      ),
      byWard: by(
        (o) => o.ward,
        (r) => r.ward,
      ),
      byReviewer: by(
        () => null,
        (r) => r.reviewer,
        [],
      ),
      alerts,
    };
  }
}

export class ListMonitoringAlertsQuery extends Query<MonitoringAlertView[]> {
  constructor(readonly filter: { aiSystemId?: string; status?: string }) {
    super();
  }
}

/** Alerts, newest first, each with its system's name. */
@QueryHandler(ListMonitoringAlertsQuery)
export class ListMonitoringAlertsHandler implements IQueryHandler<ListMonitoringAlertsQuery> {
  constructor(
    @InjectRepository(MonitoringAlertRow) private readonly alerts: Repository<MonitoringAlertRow>,
    private readonly queries: QueryBus,
  ) {}

  async execute({ filter }: ListMonitoringAlertsQuery): Promise<MonitoringAlertView[]> {
    const where: { aiSystemId?: string; status?: string } = {};
    if (filter.aiSystemId) where.aiSystemId = filter.aiSystemId;
    if (filter.status) where.status = filter.status;
    const rows = await this.alerts.find({ where, order: { breachedAt: 'DESC', alertNo: 'DESC' }, take: 500 });
    const names = new Map<string, string | null>();
    for (const id of new Set(rows.map((r) => r.aiSystemId))) names.set(id, (await this.queries.execute(new GetAiSystemQuery(id))).state.name ?? null);
    return rows.map((r) => ({
      aiSystemId: r.aiSystemId,
      aiSystemName: names.get(r.aiSystemId) ?? null,
      alertNo: Number(r.alertNo),
      metric: r.metric as MonitoringAlertView['metric'],
      value: Number(r.value),
      threshold: Number(r.threshold),
      sample: Number(r.sample),
      windowFrom: r.windowFrom,
      windowTo: r.windowTo,
      breachedAt: r.breachedAt,
      status: r.status as MonitoringAlertView['status'],
      incidentId: r.incidentId,
      recovered: Boolean(r.recovered),
    }));
  }
}

export class GetOutcomeQuery extends Query<{ view: OutcomeView; revision: number } | null> {
  constructor(readonly outputId: string) {
    super();
  }
}

/** One outcome from its own stream (current before the projection catches up), the note decrypted. */
@QueryHandler(GetOutcomeQuery)
export class GetOutcomeHandler implements IQueryHandler<GetOutcomeQuery> {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    private readonly keys: SubjectKeyStore,
  ) {}

  async execute({ outputId }: GetOutcomeQuery): Promise<{ view: OutcomeView; revision: number } | null> {
    const { state, revision } = await loadState(this.store, outcomeDecider, outcomeStream.streamOf(outputId));
    if (!state.exists || revision === null) return null;
    const { exists: _e, note, arrivedBy, reviewId, ...rest } = state;
    return { view: { ...rest, arrivedBy: arrivedBy ?? 'feed', reviewId: reviewId ?? null, note: note ? await readText(this.keys, note) : null }, revision };
  }
}
