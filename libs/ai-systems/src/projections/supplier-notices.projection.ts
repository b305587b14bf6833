import { Injectable } from '@nestjs/common';
import type { Envelope, Projection, ProjectionContext } from '@app/event-store';
import { SUPPLIER_NOTICE_EVENT_TYPES, type SupplierNoticeEvent } from '../domain';
import { SupplierNoticeRow } from './supplier-notice.entity';

export const NOTHING_DUE = '9999-12-31T23:59:59.999Z';

const earliest = (...dates: Array<string | null>): string | null => dates.filter((d): d is string => d !== null).sort()[0] ?? null;

/** Keeps `rm_supplier_notices` equal to the fold of every supplier-notice stream (overdue is decided when read). */
@Injectable()
export class SupplierNoticesProjection implements Projection<SupplierNoticeEvent> {
  readonly name = 'supplier-notices';
  readonly version = 1;
  readonly entities = [SupplierNoticeRow];
  readonly eventTypes = SUPPLIER_NOTICE_EVENT_TYPES;

  async handle(events: Envelope<SupplierNoticeEvent>[], ctx: ProjectionContext): Promise<void> {
    for (const e of events) {
      const common = { updatedAt: e.recordedAt, revision: e.streamRevision };
      const where = { supplierNoticeId: e.data.supplierNoticeId };
      switch (e.type) {
        case 'ai-systems.SupplierNoticeReceived': {
          const d = e.data;
          const due = earliest(d.requestedAction?.dueBy ?? null, d.actBy);
          await ctx.upsert(
            SupplierNoticeRow,
            {
              supplierNoticeId: d.supplierNoticeId,
              aiSystemId: d.aiSystemId,
              kind: d.kind,
              supplierReference: d.supplierReference,
              title: d.title,
              receivedAt: d.receivedAt,
              affectedVersions: d.affectedVersions,
              requestedActionDueBy: d.requestedAction?.dueBy ?? null,
              actBy: d.actBy,
              nextDueAt: due,
              sortKey: due ?? NOTHING_DUE,
              status: 'open',
              actionCount: 0,
              completedAt: null,
              closedAt: null,
              ...common,
            },
            ['supplierNoticeId'],
          );
          break;
        }
        case 'ai-systems.SupplierNoticeActionRecorded': {
          const row = await ctx.find<SupplierNoticeRow>(SupplierNoticeRow, where);
          if (!row) break;
          // The first completing action meets every deadline of the notice (supplier-notice.decider.ts).
          const completedAt = row.completedAt ?? (e.data.completesRequestedAction ? e.data.doneAt : null);
          await ctx.update(
            SupplierNoticeRow,
            { actionCount: row.actionCount + 1, completedAt, ...(completedAt ? { nextDueAt: null, sortKey: NOTHING_DUE } : {}), ...common },
            where,
          );
          break;
        }
        case 'ai-systems.SupplierNoticeClosed':
          await ctx.update(SupplierNoticeRow, { status: 'closed', closedAt: e.data.closedAt, nextDueAt: null, sortKey: NOTHING_DUE, ...common }, where);
          break;
      }
    }
  }
}
