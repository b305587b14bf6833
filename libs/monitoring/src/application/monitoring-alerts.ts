import { Inject, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { v7 as uuidv7 } from 'uuid';
import {
  type Actor,
  CLOCK,
  type Clock,
  ConcurrencyError,
  DomainError,
  EVENT_STORE,
  type EventEnvelope,
  type EventStore,
  loadState,
  LogProcesses,
  ProjectionRegistry,
} from '@app/event-store';
import { ExecuteIncidentCommand } from '@app/incidents';
import { InjectRepository } from '@nestjs/typeorm';
import type { Repository } from 'typeorm';
import {
  type EvaluatedFigure,
  evaluated,
  figuresOf,
  MONITORED_METRICS,
  type MonitoredMetric,
  monitoringDecider,
  monitoringStream,
  type ThresholdBreached,
} from '../domain';
import { ExecuteMonitoringCommand, MONITORING_ACTOR } from './monitoring.commands';
import { DEFAULT_FAST_ACCEPTANCE_SECONDS, MonitoringFacts } from './monitoring.queries';
import { MonitoringReviewRow } from '../projections/monitoring.entities';

const METRIC_LABEL: Record<MonitoredMetric, string> = {
  agreement: 'agreement with confirmed outcomes',
  sensitivity: 'sensitivity',
  specificity: 'specificity',
  overrideRate: 'override rate',
  fastAcceptanceRate: 'share of very fast acceptances',
};
const pct = (v: number) => `${(v * 100).toFixed(1)}%`;

/**
 * "Open an incident" for an alert: through the incident context's own command (its rules, clocks
 * and stream), never by writing its stream, then recorded on the alert. The incident command's
 * idempotency key is the alert's, so a retry after a crash between the two steps finds the same
 * incident instead of opening a second.
 */
@Injectable()
export class MonitoringAlerts {
  constructor(
    private readonly commands: CommandBus,
    @Inject(EVENT_STORE) private readonly store: EventStore,
  ) {}

  async openIncident(aiSystemId: string, alertNo: number, actor: Actor, options: { ifMatch?: number } = {}) {
    const { state, revision, events } = await loadState(this.store, monitoringDecider, monitoringStream.streamOf(aiSystemId));
    if (options.ifMatch !== undefined && options.ifMatch !== revision) {
      // The same 409 the store gives, before an incident is opened on a stale view.
      await this.commands.execute(new ExecuteMonitoringCommand({ type: 'RecordAlertIncident', aiSystemId, alertNo, incidentId: '' }, actor, options));
    }
    // Refused here (unknown, dismissed, already opened) before any incident is opened.
    monitoringDecider.decide({ type: 'RecordAlertIncident', aiSystemId, alertNo, incidentId: '', by: actor, now: '' }, state);
    // The decider found the alert, so its event is in the stream.
    const alert = (events as unknown as ThresholdBreached[]).find((e) => e.type === 'monitoring.ThresholdBreached' && e.data.alertNo === alertNo)!.data;
    const narrative =
      `Monitoring alert ${alertNo}: ${METRIC_LABEL[alert.metric]} ${pct(alert.value)} against the threshold ${pct(alert.threshold)}, ` +
      `over ${alert.sample} cases from ${alert.windowFrom} to ${alert.windowTo} (AI Act Art. 26(5): monitoring the operation of the system).`;
    const incident = await this.commands.execute(
      new ExecuteIncidentCommand(
        {
          type: 'DetectIncident',
          incidentId: uuidv7(),
          aiSystemId,
          narrative,
          patientPseudonyms: [],
          linkedReviewIds: [],
          occurredAt: null,
          awareAt: null,
          awarenessReason: null,
          nearMiss: false,
        },
        actor,
        { idempotencyKey: `monitoring-alert:${aiSystemId}:${alertNo}`, requestHash: `monitoring-alert:${aiSystemId}:${alertNo}` },
      ),
    );
    const recorded = await this.commands.execute(
      new ExecuteMonitoringCommand({ type: 'RecordAlertIncident', aiSystemId, alertNo, incidentId: incident.incidentId }, actor),
    );
    return { aiSystemId, alertNo, incidentId: incident.incidentId, revision: recorded.revision, replayed: recorded.replayed };
  }
}

const RELEVANT = new Set([
  'monitoring.OutcomeConfirmed',
  'monitoring.OutcomeCorrected',
  'monitoring.ThresholdsSet',
  'oversight.AiOutputReviewed',
  'oversight.ReviewCorrected',
  'oversight.ReviewWithdrawn',
]);
/** How often the window is evaluated with nothing new arriving (ADR 0052 amendment); 0: never. */
const DEFAULT_INTERVAL_MINUTES = 60;

/**
 * Evaluates each AI system's thresholds on every new outcome and review (and when they are set),
 * and every MONITORING_EVALUATE_INTERVAL_MINUTES over all systems with monitoring facts, because
 * the window slides with time: a figure can leave its threshold with nothing new arriving, as old
 * cases leave the window. One worker, one lease, both ways: it follows the log from a checkpoint of
 * its own and runs the timer; its evaluations never overlap in a process. Each brings the monitoring
 * read model up to date, computes the window's figures and lets the decider raise what crossed. The
 * decider raises an alert only on the way out of a threshold, and the append is fenced by the
 * monitoring stream's revision, so a replayed batch, a second timer round, a restart or a second
 * instance that lost the lease without noticing raises nothing twice.
 */
@Injectable()
export class MonitoringEvaluator implements OnModuleInit {
  private readonly logger = new Logger('MonitoringEvaluator');
  /** Evaluations one at a time in this process: the log's and the timer's never race each other. */
  private queue: Promise<unknown> = Promise.resolve();
  readonly intervalMinutes = Number(process.env.MONITORING_EVALUATE_INTERVAL_MINUTES ?? DEFAULT_INTERVAL_MINUTES);

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    private readonly commands: CommandBus,
    private readonly processes: LogProcesses,
    private readonly projections: ProjectionRegistry,
    private readonly facts: MonitoringFacts,
    private readonly alerts: MonitoringAlerts,
    @Inject(CLOCK) private readonly clock: Clock,
    @InjectRepository(MonitoringReviewRow) private readonly reviews: Repository<MonitoringReviewRow>,
  ) {}

  onModuleInit(): void {
    // Follows the log like every process (LogProcesses: checkpoint and lease process:monitoring-thresholds), with a timer.
    this.processes.register({
      name: 'monitoring-thresholds',
      summary:
        "evaluates each AI system's monitoring thresholds on new outcomes and reviews, and every MONITORING_EVALUATE_INTERVAL_MINUTES as the window slides (lease process:monitoring-thresholds)",
      handle: (events) => this.handle(events),
      timer: { everyMs: this.intervalMinutes * 60_000, run: () => this.evaluateAll() },
    });
  }

  /** One batch: the systems it touches, evaluated once each on the read model brought up to it. */
  async handle(events: EventEnvelope[]): Promise<void> {
    const relevant = events.filter((e) => RELEVANT.has(e.type));
    if (relevant.length > 0) {
      // Store errors and a read model still behind go back to the subscription, which retries the batch.
      await this.projections.runner.requireThrough(relevant[relevant.length - 1].globalPosition, ['monitoring']);
      const systems = new Set<string>();
      for (const e of relevant) {
        const d = e.data as { aiSystemId?: string; reviewId?: string };
        if (d.aiSystemId) systems.add(d.aiSystemId);
        else if (d.reviewId) {
          const r = await this.reviews.findOne({ where: { reviewId: d.reviewId }, select: ['aiSystemId'] });
          if (r) systems.add(r.aiSystemId);
        }
      }
      for (const aiSystemId of systems) await this.evaluate(aiSystemId);
    }
  }

  /**
   * The timer's round (public, so a test can run it as the timer does): every system with monitoring
   * facts, on the read model brought up to the log's head, at the business clock's now. A system
   * whose stream moved under it (another instance, or a person dismissing an alert) is left to the
   * next round. Returns the alerts raised.
   */
  async evaluateAll(): Promise<number> {
    await this.projections.runner.requireThrough(await this.store.headPosition(), ['monitoring']);
    let raised = 0;
    for (const aiSystemId of await this.facts.systems()) {
      try {
        raised += await this.evaluate(aiSystemId);
      } catch (err) {
        if (!(err instanceof ConcurrencyError)) throw err;
        this.logger.warn(`Monitoring of ${aiSystemId} changed while it was evaluated; the next round evaluates it again`);
      }
    }
    return raised;
  }

  private evaluate(aiSystemId: string): Promise<number> {
    const run = this.queue.then(() => this.evaluateNow(aiSystemId));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async evaluateNow(aiSystemId: string): Promise<number> {
    const { thresholds } = await this.facts.thresholds(aiSystemId);
    if (!thresholds) return 0;
    const window = MonitoringFacts.window(thresholds, this.clock.now().toISOString());
    const { outcomes, reviews } = await this.facts.load(aiSystemId, window.from, window.to);
    const f = figuresOf(outcomes, reviews, thresholds.fastAcceptanceSeconds ?? DEFAULT_FAST_ACCEPTANCE_SECONDS);
    const figures = Object.fromEntries(MONITORED_METRICS.map((m) => [m, evaluated(f, m)])) as Record<MonitoredMetric, EvaluatedFigure>;
    const { raised } = await this.commands.execute(
      new ExecuteMonitoringCommand({ type: 'EvaluateThresholds', aiSystemId, figures, windowFrom: window.from, windowTo: window.to }, MONITORING_ACTOR),
    );
    if (!thresholds.autoOpenIncident) return raised.length;
    for (const alertNo of raised) {
      try {
        await this.alerts.openIncident(aiSystemId, alertNo, MONITORING_ACTOR);
      } catch (err) {
        // A person may have acted on it in between; the alert stays on the board either way.
        if (!(err instanceof DomainError)) throw err;
        this.logger.warn(`No incident opened for alert ${alertNo} of ${aiSystemId}: ${err.message}`);
      }
    }
    return raised.length;
  }
}
