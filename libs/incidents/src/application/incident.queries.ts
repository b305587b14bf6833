import { Inject } from '@nestjs/common';
import { type IQueryHandler, Query, QueryHandler } from '@nestjs/cqrs';
import { InjectRepository } from '@nestjs/typeorm';
import type { Repository } from 'typeorm';
import { asDomainEvents, CLOCK, type Clock, EVENT_STORE, type EventStore, loadState } from '@app/event-store';
import { SubjectKeyStore } from '@app/identity';
import { deadlineBoardPage, type Page } from '@app/platform';
import {
  buildReport,
  deadlineStatus,
  type EncryptedText,
  incidentDecider,
  type IncidentEvent,
  type IncidentState,
  incidentStreamId,
  type ReportFormat,
} from '../domain';
import { IncidentRow, IncidentSystemRow } from '../projections/incident.entities';
import { OverdueIncidents } from './overdue-incidents';
import type { IncidentSummary, IncidentView, ReportedIncident, TextView } from '../contract';

export type { IncidentSummary, IncidentView, ReportedIncident, TextView } from '../contract';

const isEncrypted = (v: unknown): v is EncryptedText =>
  typeof v === 'object' && v !== null && (v as EncryptedText).enc === 'aes-256-gcm' && typeof (v as EncryptedText).ct === 'string';

async function readText(keys: SubjectKeyStore, value: EncryptedText | null): Promise<TextView> {
  if (!value) return { text: null, erased: false };
  const text = await keys.decrypt(value);
  return text === null ? { text: null, erased: true } : { text, erased: false };
}

/** Deadlines and their state now, by the business clock. */
function summarise(s: IncidentState, now: string): Omit<IncidentSummary, 'aiSystemName'> & { aiSystemName: string } {
  const deadlines = deadlineStatus(s.deadlines, s.informedAt, now);
  const open = deadlines.filter((d) => d.metAt === null);
  const overdue = s.status === 'open' && open.some((d) => d.overdue);
  return {
    incidentId: s.incidentId!,
    aiSystemId: s.aiSystemId!,
    aiSystemName: s.aiSystem!.name,
    status: s.status,
    serious: s.classification?.serious ?? null,
    awareAt: s.awareAt,
    detectedAt: s.detectedAt!,
    nearMiss: s.nearMiss === true,
    deadlines,
    nextDeadline: open[0] ?? null,
    overdue,
    // `?? null`: board rows folded before the calamity decision existed have no `calamity`.
    calamityTriage: s.calamity?.status ?? (s.classification?.wkkgzCalamity ? 'open' : 'not-suspected'),
    calamityDecidedAt: s.calamity?.at ?? null,
  };
}

/** One incident, folded from its stream (current even before projections catch up). */
export class GetIncidentQuery extends Query<IncidentView | null> {
  constructor(readonly incidentId: string) {
    super();
  }
}

export interface HistoryEntry {
  position: number;
  revision: number;
  eventId: string;
  type: string;
  /** When it happened (business time), as the event states it. */
  occurredAt: string | null;
  /** When the registry recorded it (system time). */
  recordedAt: string;
  actor: unknown;
  data: Record<string, unknown>;
}

export class IncidentHistoryQuery extends Query<HistoryEntry[] | null> {
  constructor(readonly incidentId: string) {
    super();
  }
}

export interface BoardFilter {
  overdue?: boolean;
  status?: 'open' | 'closed';
  aiSystemId?: string;
  limit: number;
  cursor?: string;
}

/** The board: by next deadline (overdue first, nothing due last). */
export class ListIncidentsQuery extends Query<Page<IncidentSummary>> {
  constructor(readonly filter: BoardFilter) {
    super();
  }
}

export class CountOverdueIncidentsQuery extends Query<number> {}

/** An incident as an outside system may see it (FHIR AdverseEvent): no narrative, no notifications. */
export interface IncidentFacts {
  incidentId: string;
  aiSystemId: string;
  aiSystemName: string;
  status: 'open' | 'closed';
  serious: boolean | null;
  nearMiss: boolean;
  /** When it happened if known, else when it was detected: the event's date. */
  date: string;
  occurredAt: string | null;
  detectedAt: string;
  detectedBy: string;
  patientPseudonyms: string[];
  linkedReviewIds: string[];
}

export interface IncidentSearch {
  aiSystemId?: string;
  patientPseudonym?: string;
  /** On `date`: inclusive from, exclusive to (ISO times). */
  dateFrom?: string;
  dateTo?: string;
  limit: number;
  /** The position after which the page starts (an offset; the board has no other stable order by date). */
  offset: number;
}

/**
 * Incidents by AI system, patient and date, oldest id first, with how many match. Patients and
 * dates are matched on the folded incident of each board row: incidents are counted in hundreds,
 * not millions, so one pass over a system's rows is cheap and needs no index on patients.
 */
export class SearchIncidentsQuery extends Query<{ items: IncidentFacts[]; total: number }> {
  constructor(readonly search: IncidentSearch) {
    super();
  }
}

export function incidentFacts(s: IncidentState): IncidentFacts {
  return {
    incidentId: s.incidentId!,
    aiSystemId: s.aiSystemId!,
    aiSystemName: s.aiSystem!.name,
    status: s.status,
    serious: s.classification?.serious ?? null,
    nearMiss: s.nearMiss === true,
    date: s.occurredAt ?? s.detectedAt!,
    occurredAt: s.occurredAt,
    detectedAt: s.detectedAt!,
    detectedBy: s.detectedBy!.subject,
    patientPseudonyms: s.patientPseudonyms,
    linkedReviewIds: s.linkedReviewIds,
  };
}

@QueryHandler(SearchIncidentsQuery)
export class SearchIncidentsHandler implements IQueryHandler<SearchIncidentsQuery> {
  constructor(@InjectRepository(IncidentRow) private readonly rows: Repository<IncidentRow>) {}

  async execute({ search }: SearchIncidentsQuery) {
    const rows = await this.rows.find({ where: search.aiSystemId ? { aiSystemId: search.aiSystemId } : {}, order: { incidentId: 'ASC' } });
    const at = (iso: string) => new Date(iso).toISOString();
    const matching = rows
      .map((r) => incidentFacts(r.state))
      .filter(
        (f) =>
          (!search.patientPseudonym || f.patientPseudonyms.includes(search.patientPseudonym)) &&
          (!search.dateFrom || at(f.date) >= search.dateFrom) &&
          (!search.dateTo || at(f.date) < search.dateTo),
      );
    return { items: matching.slice(search.offset, search.offset + search.limit), total: matching.length };
  }
}

/**
 * The report as it would be sent now to a recipient, built by the same function as a sent one,
 * written nowhere (no notification id, no acknowledgement token): for the quality manager to read
 * before sending.
 */
export class ReportPreviewQuery extends Query<{ report: Record<string, unknown>; patientPseudonyms: string[] } | null> {
  constructor(
    readonly incidentId: string,
    readonly format: ReportFormat,
    readonly complete: boolean,
    readonly actionsTaken: string | null,
    readonly organisation: string,
  ) {
    super();
  }
}

@QueryHandler(ReportPreviewQuery)
export class ReportPreviewHandler implements IQueryHandler<ReportPreviewQuery> {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(CLOCK) private readonly clock: Clock,
    private readonly keys: SubjectKeyStore,
  ) {}

  async execute(q: ReportPreviewQuery): Promise<{ report: Record<string, unknown>; patientPseudonyms: string[] } | null> {
    const { state } = await loadState(this.store, incidentDecider, incidentStreamId(q.incidentId));
    if (!state.exists) return null;
    const report = buildReport(q.format, state, {
      notificationId: 'preview',
      kind: state.notifications.length ? 'follow-up' : 'initial',
      complete: q.complete,
      narrative: state.narrative ? await this.keys.decrypt(state.narrative) : null,
      actionsTaken: q.actionsTaken,
      reporterOrganisation: q.organisation,
      generatedAt: this.clock.now().toISOString(),
      acknowledge: null,
    });
    return { report, patientPseudonyms: state.patientPseudonyms };
  }
}

/** What a reporter sees of their own reports: status, never the narrative of someone else's. */
/** The incidents one person reported, newest first (any signed-in employee: `GET /incidents/mine`). */
export class MyReportsQuery extends Query<ReportedIncident[]> {
  constructor(readonly subject: string) {
    super();
  }
}

/** Open incidents nobody classified yet, oldest first: the quality managers' triage queue. */
export class TriageQueueQuery extends Query<IncidentSummary[]> {}

const MAX_LIST = 200;

@QueryHandler(MyReportsQuery)
export class MyReportsHandler implements IQueryHandler<MyReportsQuery> {
  constructor(@InjectRepository(IncidentRow) private readonly rows: Repository<IncidentRow>) {}

  async execute({ subject }: MyReportsQuery): Promise<ReportedIncident[]> {
    const rows = await this.rows.find({ where: { detectedBy: subject }, order: { detectedAt: 'DESC', incidentId: 'DESC' }, take: MAX_LIST });
    return rows.map(({ state: s }) => ({
      incidentId: s.incidentId!,
      aiSystemName: s.aiSystem!.name,
      detectedAt: s.detectedAt!,
      nearMiss: s.nearMiss === true,
      triage: s.classification ? 'triaged' : 'awaiting-triage',
      status: s.status,
      closedAt: s.closedAt,
    }));
  }
}

@QueryHandler(TriageQueueQuery)
export class TriageQueueHandler implements IQueryHandler<TriageQueueQuery> {
  constructor(
    @InjectRepository(IncidentRow) private readonly rows: Repository<IncidentRow>,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async execute(): Promise<IncidentSummary[]> {
    const now = this.clock.now().toISOString();
    const rows = await this.rows
      .createQueryBuilder('i')
      .where('i.status = :open', { open: 'open' })
      .andWhere('i.serious IS NULL')
      .orderBy('i.detectedAt', 'ASC')
      .addOrderBy('i.incidentId', 'ASC')
      .take(MAX_LIST)
      .getMany();
    return rows.map((r) => summarise(r.state, now));
  }
}

export class IncidentSystemsQuery extends Query<IncidentSystemRow[]> {}

/** The exact bytes of a report as sent (or queued), checked against the SHA-256 in its event. */
export class GetSentReportQuery extends Query<{ bytes: Buffer | null; sha256: string; erased: boolean } | null> {
  constructor(
    readonly incidentId: string,
    readonly notificationId: string,
  ) {
    super();
  }
}

@QueryHandler(GetIncidentQuery)
export class GetIncidentHandler implements IQueryHandler<GetIncidentQuery> {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(CLOCK) private readonly clock: Clock,
    private readonly keys: SubjectKeyStore,
  ) {}

  async execute({ incidentId }: GetIncidentQuery): Promise<IncidentView | null> {
    const { state, revision } = await loadState(this.store, incidentDecider, incidentStreamId(incidentId));
    if (!state.exists) return null;
    return {
      ...summarise(state, this.clock.now().toISOString()),
      narrative: await readText(this.keys, state.narrative),
      occurredAt: state.occurredAt,
      detectedBy: state.detectedBy!,
      aiSystem: state.aiSystem,
      classification: state.classification,
      patientPseudonyms: state.patientPseudonyms,
      linkedReviewIds: state.linkedReviewIds,
      notifications: state.notifications,
      suspensions: state.suspensions,
      notes: state.notes,
      closedAt: state.closedAt,
      revision: revision!,
    };
  }
}

/** Business time of each event type: when it happened, as opposed to when it was recorded. */
const BUSINESS_TIME: Record<IncidentEvent['type'], string> = {
  'incidents.IncidentDetected': 'detectedAt',
  'incidents.AwarenessEstablished': 'awareAt',
  'incidents.IncidentClassified': 'classifiedAt',
  'incidents.DeadlinesComputed': 'computedAt',
  'incidents.DeadlinesRecomputed': 'computedAt',
  'incidents.ProviderUnreachable': 'unreachableAt',
  'incidents.InvestigationReportTermSet': 'setAt',
  'incidents.ReportResendRequested': 'requestedAt',
  'incidents.CalamityEstablished': 'establishedAt',
  'incidents.CalamityRuledOut': 'decidedAt',
  'incidents.SupplierNotified': 'notifiedAt',
  'incidents.AuthorityNotified': 'notifiedAt',
  'incidents.FollowUpReported': 'notifiedAt',
  'incidents.ReportDelivered': 'deliveredAt',
  'incidents.ReportDeliveryFailed': 'failedAt',
  'incidents.SupplierAcknowledged': 'acknowledgedAt',
  'incidents.SystemUseSuspended': 'suspendedAt',
  'incidents.InvestigationNoteAdded': 'addedAt',
  'incidents.IncidentClosed': 'closedAt',
  'incidents.IncidentReopened': 'reopenedAt',
};

@QueryHandler(IncidentHistoryQuery)
export class IncidentHistoryHandler implements IQueryHandler<IncidentHistoryQuery> {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    private readonly keys: SubjectKeyStore,
  ) {}

  async execute({ incidentId }: IncidentHistoryQuery): Promise<HistoryEntry[] | null> {
    const events = await this.store.readStream(incidentStreamId(incidentId));
    if (events.length === 0) return null;
    return Promise.all(
      events.map(async (e) => {
        const data: Record<string, unknown> = {};
        for (const [k, v] of Object.entries(e.data)) {
          // The report's bytes are served by the report endpoint; the history keeps its digest.
          if (k === 'report') continue;
          data[k] = isEncrypted(v) ? await readText(this.keys, v) : v;
        }
        const timeField = BUSINESS_TIME[e.type as IncidentEvent['type']];
        return {
          position: e.globalPosition,
          revision: e.streamRevision,
          eventId: e.eventId,
          type: e.type,
          occurredAt: timeField ? ((e.data[timeField] as string | undefined) ?? null) : null,
          recordedAt: e.recordedAt,
          actor: e.metadata.actor ?? null,
          data,
        };
      }),
    );
  }
}

@QueryHandler(ListIncidentsQuery)
export class ListIncidentsHandler implements IQueryHandler<ListIncidentsQuery> {
  constructor(
    @InjectRepository(IncidentRow) private readonly rows: Repository<IncidentRow>,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async execute({ filter }: ListIncidentsQuery): Promise<Page<IncidentSummary>> {
    const now = this.clock.now().toISOString();
    const page = await deadlineBoardPage(this.rows, 'i', 'incidentId', filter, now);
    return { items: page.rows.map((r) => summarise(r.state, now)), nextCursor: page.nextCursor };
  }
}

@QueryHandler(CountOverdueIncidentsQuery)
export class CountOverdueIncidentsHandler implements IQueryHandler<CountOverdueIncidentsQuery> {
  constructor(private readonly overdue: OverdueIncidents) {}

  execute(): Promise<number> {
    return this.overdue.count();
  }
}

@QueryHandler(IncidentSystemsQuery)
export class IncidentSystemsHandler implements IQueryHandler<IncidentSystemsQuery> {
  constructor(@InjectRepository(IncidentSystemRow) private readonly rows: Repository<IncidentSystemRow>) {}

  execute(): Promise<IncidentSystemRow[]> {
    return this.rows.find({ order: { aiSystemId: 'ASC' } });
  }
}

@QueryHandler(GetSentReportQuery)
export class GetSentReportHandler implements IQueryHandler<GetSentReportQuery> {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    private readonly keys: SubjectKeyStore,
  ) {}

  async execute({ incidentId, notificationId }: GetSentReportQuery) {
    return sentReport(this.store, this.keys, incidentId, notificationId);
  }
}

/** Decrypts the report bytes stored with a notification event; null when there is no such report. */
export async function sentReport(store: EventStore, keys: SubjectKeyStore, incidentId: string, notificationId: string) {
  const events = asDomainEvents<IncidentEvent>(await store.readStream(incidentStreamId(incidentId)));
  const event = events.find(
    (e) =>
      (e.type === 'incidents.SupplierNotified' || e.type === 'incidents.FollowUpReported' || e.type === 'incidents.AuthorityNotified') &&
      e.data.notificationId === notificationId,
  );
  if (!event || !('report' in event.data) || !event.data.report || !event.data.reportSha256) return null;
  const text = await keys.decrypt(event.data.report);
  return {
    bytes: text === null ? null : Buffer.from(text, 'utf8'),
    sha256: event.data.reportSha256,
    erased: text === null,
    destination: event.data.destination,
  };
}
