import { Injectable } from '@nestjs/common';
import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import type { EventEnvelope, Projection, ProjectionContext } from '@app/event-store';
import type { ErasureEvent } from '../domain/erasure';

/** Each data subject's last erasure step: `pending` ones (decided, not finished) are finished at start-up. */
@Entity('rm_erasures')
@Index('ix_rm_erasures_status', ['status'])
export class ErasureRow {
  @PrimaryColumn({ type: 'varchar', length: 64 }) pseudonym!: string;
  @Column({ type: 'varchar', length: 16 }) status!: 'pending' | 'restricted' | 'erased';
  @Column({ type: 'integer' }) position!: number;
}

const STATUS: Record<ErasureEvent['type'], ErasureRow['status']> = {
  'identity.ErasureDecided': 'pending',
  'identity.ErasureRestricted': 'restricted',
  'identity.DataSubjectKeyShredded': 'erased',
};

@Injectable()
export class ErasuresProjection implements Projection {
  readonly name = 'erasures';
  readonly version = 1;
  readonly entities = [ErasureRow];
  readonly eventTypes = Object.keys(STATUS);

  async handle(events: EventEnvelope[], ctx: ProjectionContext): Promise<void> {
    for (const e of events) {
      const { pseudonym } = (e as unknown as ErasureEvent).data;
      await ctx.upsert(ErasureRow, { pseudonym, status: STATUS[e.type as ErasureEvent['type']], position: e.globalPosition }, ['pseudonym']);
    }
  }
}
