import { Injectable } from '@nestjs/common';
import type { Envelope, Projection, ProjectionContext } from '@app/event-store';
import { COMPLIANCE_FILE_EVENT_TYPES, type ComplianceFileEvent } from '../domain';
import { AssessmentRow } from './assessment.entity';

/** Keeps `rm_compliance_assessments` equal to the latest `AssessmentRecorded` of each kind per system. */
@Injectable()
export class AssessmentsProjection implements Projection<ComplianceFileEvent> {
  readonly name = 'compliance-assessments';
  readonly version = 1;
  readonly entities = [AssessmentRow];
  readonly eventTypes = COMPLIANCE_FILE_EVENT_TYPES;

  async handle(events: Envelope<ComplianceFileEvent>[], ctx: ProjectionContext): Promise<void> {
    for (const e of events) {
      if (e.type !== 'compliance.AssessmentRecorded') continue;
      const { recordedBy: _by, ...d } = e.data;
      // A review date only for an assessment that applies: one not required is never overdue.
      const nextReviewAt = d.status === 'not-required' ? null : d.nextReviewAt;
      await ctx.upsert(AssessmentRow, { ...d, nextReviewAt, revision: e.streamRevision }, ['aiSystemId', 'kind']);
    }
  }
}
