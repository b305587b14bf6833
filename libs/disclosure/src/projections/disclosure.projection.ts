import { Injectable } from '@nestjs/common';
import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import type { Envelope, Projection, ProjectionContext } from '@app/event-store';
import { DISCLOSURE_EVENT_TYPES, type DisclosureEvent, type DisclosureScope } from '../domain';
import type { DisclosureSummary } from '../contract';

/** One row per disclosure request: the list for lawyers, and who is named in open requests. */
@Entity('rm_disclosures')
@Index('ix_rm_disclosures_status', ['status', 'dueAt'])
export class DisclosureRow implements DisclosureSummary {
  @PrimaryColumn({ type: 'varchar', length: 64 }) requestId!: string;
  @Column({ type: 'varchar', length: 200 }) reference!: string;
  @Column({ type: 'varchar', length: 300 }) requester!: string;
  @Column({ type: 'varchar', length: 16 }) status!: 'open' | 'closed';
  @Column({ type: 'varchar', length: 20, nullable: true }) outcome!: string | null;
  @Column({ type: 'varchar', length: 32 }) receivedAt!: string;
  @Column({ type: 'varchar', length: 32 }) dueAt!: string;
  @Column({ type: 'simple-json' }) scope!: DisclosureScope;
  @Column({ type: 'integer' }) bundles!: number;
  @Column({ type: 'integer' }) deliveries!: number;
  @Column({ type: 'integer' }) revision!: number;
}

/** One row per exported bundle: which subjects' text it holds while stored (the erasure check, ADR 0034). */
@Entity('rm_disclosure_bundles')
export class DisclosureBundleRow {
  @PrimaryColumn({ type: 'varchar', length: 64 }) bundleId!: string;
  @Column({ type: 'varchar', length: 64 }) requestId!: string;
  /** Pseudonyms only. */
  @Column({ type: 'simple-json' }) dataSubjects!: string[];
  @Column({ type: 'varchar', length: 32, nullable: true }) discardedAt!: string | null;
}

@Injectable()
export class DisclosuresProjection implements Projection<DisclosureEvent> {
  readonly name = 'disclosures';
  readonly version = 2;
  readonly entities = [DisclosureRow, DisclosureBundleRow];
  readonly eventTypes = DISCLOSURE_EVENT_TYPES;

  async handle(events: Envelope<DisclosureEvent>[], ctx: ProjectionContext): Promise<void> {
    for (const e of events) {
      const key = { requestId: e.data.requestId };
      const revision = e.streamRevision;
      switch (e.type) {
        case 'disclosure.DisclosureRequestReceived': {
          const d = e.data;
          await ctx.upsert(
            DisclosureRow,
            {
              ...key,
              reference: d.reference,
              requester: `${d.requester.kind}: ${d.requester.name}`,
              status: 'open',
              outcome: null,
              receivedAt: d.receivedAt,
              dueAt: d.dueAt,
              scope: d.scope,
              bundles: 0,
              deliveries: 0,
              revision,
            },
            ['requestId'],
          );
          break;
        }
        case 'disclosure.DisclosureScopeChanged':
          await ctx.update(DisclosureRow, { scope: e.data.scope, revision }, key);
          break;
        case 'disclosure.BundleExported':
        case 'disclosure.DisclosureDelivered': {
          const row = await ctx.find<DisclosureRow>(DisclosureRow, key);
          if (!row) break;
          const counts = e.type === 'disclosure.BundleExported' ? { bundles: row.bundles + 1 } : { deliveries: row.deliveries + 1 };
          await ctx.update(DisclosureRow, { ...counts, revision }, key);
          if (e.type === 'disclosure.BundleExported') {
            // Recorded before bundles named their subjects: the request's patients at the time.
            const dataSubjects = e.data.dataSubjects ?? row.scope.patientPseudonyms;
            await ctx.insert(DisclosureBundleRow, { bundleId: e.data.bundleId, requestId: e.data.requestId, dataSubjects, discardedAt: null });
          }
          break;
        }
        case 'disclosure.BundleDiscarded':
          await ctx.update(DisclosureBundleRow, { discardedAt: e.data.discardedAt }, { bundleId: e.data.bundleId });
          await ctx.update(DisclosureRow, { revision }, key);
          break;
        case 'disclosure.DisclosureClosed':
          await ctx.update(DisclosureRow, { status: 'closed', outcome: e.data.outcome, revision }, key);
          break;
        case 'disclosure.RedactionsDecided':
          await ctx.update(DisclosureRow, { revision }, key);
          break;
      }
    }
  }
}
