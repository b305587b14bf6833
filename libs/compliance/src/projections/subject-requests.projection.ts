import { Injectable } from '@nestjs/common';
import type { Envelope, Projection, ProjectionContext } from '@app/event-store';
import { SUBJECT_REQUEST_EVENT_TYPES, type SubjectRequestEvent } from '../domain';
import { SubjectRequestRow } from './subject-request.entity';

/** Keeps `rm_compliance_subject_requests` equal to each request's stream: status, deadline, late. */
@Injectable()
export class SubjectRequestsProjection implements Projection<SubjectRequestEvent> {
  readonly name = 'compliance-subject-requests';
  readonly version = 1;
  readonly entities = [SubjectRequestRow];
  readonly eventTypes = SUBJECT_REQUEST_EVENT_TYPES;

  async handle(events: Envelope<SubjectRequestEvent>[], ctx: ProjectionContext): Promise<void> {
    for (const e of events) {
      const key = { requestId: e.data.requestId };
      const revision = e.streamRevision;
      switch (e.type) {
        case 'compliance.SubjectRequestReceived': {
          const d = e.data;
          await ctx.upsert(
            SubjectRequestRow,
            {
              requestId: d.requestId,
              kind: d.kind,
              patientPseudonym: d.patientPseudonym,
              aiSystemId: d.aiSystemId,
              channel: d.channel,
              receivedAt: d.receivedAt,
              dueAt: d.initialDeadline.dueAt,
              initialDueAt: d.initialDeadline.dueAt,
              nature: d.initialDeadline.nature,
              extendedMonths: 0,
              status: 'open',
              closedAt: null,
              late: false,
              revision,
            },
            ['requestId'],
          );
          break;
        }
        case 'compliance.SubjectRequestExtended':
          await ctx.update(SubjectRequestRow, { dueAt: e.data.deadline.dueAt, extendedMonths: e.data.extendedMonths, revision }, key);
          break;
        case 'compliance.SubjectRequestAnswered':
          await ctx.update(SubjectRequestRow, { status: 'answered', closedAt: e.data.answeredAt, late: e.data.late, revision }, key);
          break;
        case 'compliance.SubjectRequestRefused':
          await ctx.update(SubjectRequestRow, { status: 'refused', closedAt: e.data.refusedAt, late: e.data.late, revision }, key);
          break;
        case 'compliance.SubjectRequestWithdrawn':
          await ctx.update(SubjectRequestRow, { status: 'withdrawn', closedAt: e.data.withdrawnAt, revision }, key);
          break;
      }
    }
  }
}
