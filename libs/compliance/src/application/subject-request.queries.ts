import { Inject, Injectable } from '@nestjs/common';
import { type IQueryHandler, Query, QueryHandler } from '@nestjs/cqrs';
import { InjectRepository } from '@nestjs/typeorm';
import { LessThan, type Repository } from 'typeorm';
import { CLOCK, type Clock, type EncryptedText, type Envelope, EVENT_STORE, type EventStore } from '@app/event-store';
import { SubjectKeyStore } from '@app/identity';
import { type SubjectRequestEvent, subjectRequestStreamId } from '../domain';
import { SubjectRequestRow } from '../projections/subject-request.entity';
import type { RequestTextView, SubjectRequestDetail } from '../contract';

export type SubjectRequestListItem = SubjectRequestRow & { overdue: boolean };

export interface SubjectRequestFilter {
  kind?: 'explanation' | 'access';
  status?: SubjectRequestRow['status'];
  aiSystemId?: string;
  overdue?: boolean;
  limit: number;
}

/** Requests with their deadlines: open ones first, soonest due first (so the overdue lead); `overdue`: only those open past their deadline. */
export class ListSubjectRequestsQuery extends Query<{ items: SubjectRequestListItem[] }> {
  constructor(readonly filter: SubjectRequestFilter) {
    super();
  }
}

@QueryHandler(ListSubjectRequestsQuery)
export class ListSubjectRequestsHandler implements IQueryHandler<ListSubjectRequestsQuery> {
  constructor(
    @InjectRepository(SubjectRequestRow) private readonly rows: Repository<SubjectRequestRow>,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async execute({ filter }: ListSubjectRequestsQuery) {
    const now = this.clock.now().toISOString();
    const where = {
      ...(filter.kind ? { kind: filter.kind } : {}),
      ...(filter.aiSystemId ? { aiSystemId: filter.aiSystemId } : {}),
      ...(filter.overdue ? { status: 'open' as const, dueAt: LessThan(now) } : filter.status ? { status: filter.status } : {}),
    };
    // Open requests (no closedAt) first, soonest due first; then the closed ones, latest closed first.
    const rows = await this.rows.find({
      where,
      order: { closedAt: { direction: 'DESC', nulls: 'FIRST' }, dueAt: 'ASC', requestId: 'ASC' },
      take: filter.limit,
    });
    return { items: rows.map((r) => ({ ...r, late: Boolean(r.late), overdue: overdueAt(r, now) })) };
  }
}

/** Open and past its deadline (ISO instants in UTC compare as text). */
const overdueAt = (r: Pick<SubjectRequestRow, 'status' | 'dueAt'>, now: string) => r.status === 'open' && r.dueAt < now;

/** How many requests are open past their deadline, by the business clock (metrics). */
@Injectable()
export class OverdueSubjectRequests {
  constructor(
    @InjectRepository(SubjectRequestRow) private readonly rows: Repository<SubjectRequestRow>,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  count(): Promise<number> {
    return this.rows.count({ where: { status: 'open', dueAt: LessThan(this.clock.now().toISOString()) } });
  }
}

/** Free text as readers get it: clear, absent, or erased (the patient's key was shredded). */
export type TextView = RequestTextView;

/** The answer of `GET /compliance/subject-requests/{id}`, declared once in the contract the web app reads. */
export type SubjectRequestView = SubjectRequestDetail;

/** One request with its history and texts, folded from its stream (current before the read model catches up). */
export class GetSubjectRequestQuery extends Query<SubjectRequestView | null> {
  constructor(readonly requestId: string) {
    super();
  }
}

@QueryHandler(GetSubjectRequestQuery)
export class GetSubjectRequestHandler implements IQueryHandler<GetSubjectRequestQuery> {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(CLOCK) private readonly clock: Clock,
    private readonly keys: SubjectKeyStore,
  ) {}

  async execute({ requestId }: GetSubjectRequestQuery): Promise<SubjectRequestView | null> {
    const events = (await this.store.readStream(subjectRequestStreamId(requestId))) as unknown as Envelope<SubjectRequestEvent>[];
    if (events.length === 0 || events[0].type !== 'compliance.SubjectRequestReceived') return null;
    const first = events[0].data;
    const view: SubjectRequestView = {
      requestId,
      kind: first.kind,
      patientPseudonym: first.patientPseudonym,
      aiSystemId: first.aiSystemId,
      channel: first.channel,
      receivedAt: first.receivedAt,
      details: await this.text(first.description),
      status: 'open',
      deadline: first.initialDeadline,
      initialDeadline: first.initialDeadline,
      overdue: false,
      extensions: [],
      outcome: null,
      revision: events.at(-1)!.streamRevision,
      history: events.map((e) => ({ type: e.type, recordedAt: e.recordedAt, actor: e.metadata.actor, globalPosition: e.globalPosition })),
    };
    for (const e of events) {
      if (e.type === 'compliance.SubjectRequestExtended') {
        const d = e.data;
        view.deadline = d.deadline;
        view.extensions.push({
          months: d.months,
          reasons: await this.text(d.reasons),
          informedAt: d.informedAt,
          dueAt: d.deadline.dueAt,
          by: d.extendedBy.subject,
        });
      } else if (e.type === 'compliance.SubjectRequestAnswered') {
        const d = e.data;
        view.status = 'answered';
        view.outcome = {
          type: 'answered',
          at: d.answeredAt,
          late: d.late,
          text: d.conclusion ? await this.text(d.conclusion) : null,
          answerSha256: d.answerSha256,
          ground: null,
          by: d.answeredBy.subject,
        };
      } else if (e.type === 'compliance.SubjectRequestRefused') {
        const d = e.data;
        view.status = 'refused';
        view.outcome = {
          type: 'refused',
          at: d.refusedAt,
          late: d.late,
          text: await this.text(d.reason),
          answerSha256: null,
          ground: d.ground,
          by: d.refusedBy.subject,
        };
      } else if (e.type === 'compliance.SubjectRequestWithdrawn') {
        view.status = 'withdrawn';
        view.outcome = { type: 'withdrawn', at: e.data.withdrawnAt, late: false, text: null, answerSha256: null, ground: null, by: e.data.recordedBy.subject };
      }
    }
    view.overdue = overdueAt({ status: view.status, dueAt: view.deadline.dueAt }, this.clock.now().toISOString());
    return view;
  }

  private async text(value: EncryptedText | null): Promise<TextView> {
    if (!value) return { text: null, erased: false };
    const text = await this.keys.decrypt(value);
    return text === null ? { text: null, erased: true } : { text, erased: false };
  }
}
