import { Controller, Get, Header, type OnModuleInit } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { collectDefaultMetrics, Counter, Gauge, Registry } from 'prom-client';
import { CLOCK, Clock, EVENT_STORE, type EventStore, LEASES, type Leases, ProjectionRegistry, eventsBehind } from '@app/event-store';
import { Public } from '@app/identity';
import { OverdueIncidents } from '@app/incidents';
import { OverdueSupplierNotices } from '@app/ai-systems';
import { OverdueAssessments, OverdueSubjectRequests } from '@app/compliance';
import { OverdueAiOutputs } from '@app/oversight';
import { Inject } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import { ListDisclosuresQuery } from '@app/disclosure';
import { LedgerAnchorService } from '@app/evidence';

/** Prometheus metrics: process, event log head and how far each projection lags behind it. */
@ApiTags('Operations')
@Controller('metrics')
export class MetricsController implements OnModuleInit {
  private readonly registry = new Registry();

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    private readonly projections: ProjectionRegistry,
    private readonly overdueIncidents: OverdueIncidents,
    private readonly overdueNotices: OverdueSupplierNotices,
    private readonly overdueAssessments: OverdueAssessments,
    private readonly overdueSubjectRequests: OverdueSubjectRequests,
    private readonly overdueOutputs: OverdueAiOutputs,
    private readonly queries: QueryBus,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(LEASES) private readonly leases: Leases,
    private readonly anchors: LedgerAnchorService,
  ) {}

  onModuleInit(): void {
    collectDefaultMetrics({ register: this.registry });
    const store = this.store;
    const projections = this.projections;
    const overdueIncidents = this.overdueIncidents;
    const overdueNotices = this.overdueNotices;
    const overdueAssessments = this.overdueAssessments;
    const overdueSubjectRequests = this.overdueSubjectRequests;
    const overdueOutputs = this.overdueOutputs;
    const queries = this.queries;
    const clock = this.clock;
    const leases = this.leases;
    const anchors = this.anchors;
    new Gauge({
      name: 'oversight_event_log_head_position',
      help: 'Global position of the last committed event',
      registers: [this.registry],
      async collect() {
        this.set(await store.headPosition());
      },
    });
    new Gauge({
      name: 'oversight_projection_lag_events',
      help: 'Events between the log head and each projection checkpoint (on KurrentDB counted up to 10000)',
      labelNames: ['projection'],
      registers: [this.registry],
      async collect() {
        const head = await store.headPosition();
        for (const [name, position] of Object.entries(await projections.runner.positions())) {
          this.set({ projection: name }, await eventsBehind(store, position, head));
        }
      },
    });
    new Gauge({
      name: 'oversight_projection_events_applied',
      help: 'Events this process has applied to each read model since it started (0 on a standby instance)',
      labelNames: ['projection'],
      registers: [this.registry],
      collect() {
        for (const p of projections.runner.projections) this.set({ projection: p.name }, projections.runner.applied.get(p.name) ?? 0);
      },
    });
    new Gauge({
      name: 'oversight_projection_stalled',
      help: '1 while a projection fails on an event and stands still (recorded in the store, seen by every instance), else 0',
      labelNames: ['projection'],
      registers: [this.registry],
      async collect() {
        for (const s of await projections.runner.status()) this.set({ projection: s.projection }, s.failure ? 1 : 0);
      },
    });
    new Counter({
      name: 'oversight_projection_failures_total',
      help: 'Failed attempts of each projection in this process since it started (each retry counts)',
      labelNames: ['projection'],
      registers: [this.registry],
      collect() {
        this.reset();
        for (const p of projections.runner.projections) this.inc({ projection: p.name }, projections.runner.failed.get(p.name) ?? 0);
      },
    });
    new Gauge({
      name: 'oversight_leases_held',
      help: 'Background work this instance runs now (1 per lease held: projections, ledger sealer, delivery, purge)',
      labelNames: ['lease'],
      registers: [this.registry],
      collect() {
        this.reset();
        for (const name of leases.held()) this.set({ lease: name }, 1);
      },
    });
    // Witnesses (ADR 0054): behind the newest cosignature of any witness, so it grows once none of them cosigns.
    if (anchors.witnesses.witnesses.length) {
      new Gauge({
        name: 'oversight_ledger_uncosigned_events',
        help: 'Events under the latest signed tree head that no witness cosignature covers yet (grows while a witness is down)',
        registers: [this.registry],
        async collect() {
          this.set((await anchors.backlog('c2sp-cosignature')).unanchoredEvents);
        },
      });
    }
    // Only with a TSA configured (LEDGER_TSA_URL): then a growing backlog means it is down or refusing.
    if (anchors.tsaUrl) {
      new Gauge({
        name: 'oversight_ledger_unanchored_events',
        help: 'Events under the latest signed tree head that no RFC 3161 anchor covers yet (grows while the TSA is down)',
        registers: [this.registry],
        async collect() {
          this.set((await anchors.backlog()).unanchoredEvents);
        },
      });
      new Gauge({
        name: 'oversight_ledger_anchor_age_seconds',
        help: 'Seconds since the genTime of the newest RFC 3161 anchor (-1 before the first)',
        registers: [this.registry],
        async collect() {
          const { lastGenTime } = await anchors.backlog();
          this.set(lastGenTime ? Math.round((Date.now() - Date.parse(lastGenTime)) / 1000) : -1);
        },
      });
    }
    new Gauge({
      name: 'oversight_incidents_overdue',
      help: 'Open incidents with a reporting deadline passed and not met (business clock)',
      registers: [this.registry],
      async collect() {
        this.set(await overdueIncidents.count());
      },
    });
    new Gauge({
      name: 'oversight_supplier_notices_overdue',
      help: "Open supplier notices (field safety notices, security advisories) past the supplier's or the hospital's deadline (business clock)",
      registers: [this.registry],
      async collect() {
        this.set(await overdueNotices.count());
      },
    });
    new Gauge({
      name: 'oversight_compliance_assessments_overdue',
      help: 'Latest FRIA, DPIA and risk analyses of AI systems past their review date (business clock)',
      registers: [this.registry],
      async collect() {
        this.set(await overdueAssessments.count());
      },
    });
    new Gauge({
      name: 'oversight_compliance_subject_requests_overdue',
      help: 'Explanation (AI Act Art. 86) and access (GDPR Art. 15) requests open past their deadline (business clock)',
      registers: [this.registry],
      async collect() {
        this.set(await overdueSubjectRequests.count());
      },
    });
    new Gauge({
      name: 'oversight_ai_outputs_overdue',
      help: "AI outputs that came by feed and are still unreviewed past their AI system's review limit (else OUTPUT_REVIEW_LIMIT_MINUTES), per AI system (business clock)",
      labelNames: ['ai_system'],
      registers: [this.registry],
      async collect() {
        this.reset();
        for (const [aiSystem, n] of await overdueOutputs.perSystem()) this.set({ ai_system: aiSystem }, n);
      },
    });
    new Gauge({
      name: 'oversight_disclosures_overdue',
      help: 'Open disclosure requests past their due date (PLD Art. 9; business clock)',
      registers: [this.registry],
      async collect() {
        const page = await queries.execute(new ListDisclosuresQuery({ overdueAt: clock.now().toISOString(), limit: 10_000 }));
        this.set(page.items.length);
      },
    });
  }

  @Get()
  @Public()
  @Header('Content-Type', 'text/plain; version=0.0.4')
  async metrics(): Promise<string> {
    return this.registry.metrics();
  }
}
