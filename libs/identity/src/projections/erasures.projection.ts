import { Injectable } from '@nestjs/common';
import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import type { Envelope, Projection, ProjectionContext } from '@app/event-store';
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
export class ErasuresProjection implements Projection<ErasureEvent> {
  readonly name = 'erasures';
  readonly version = 1;
  readonly entities = [ErasureRow];
  readonly eventTypes = Object.keys(STATUS) as ErasureEvent['type'][];

  async handle(events: Envelope<ErasureEvent>[], ctx: ProjectionContext): Promise<void> {
    for (const e of events) {
      await ctx.upsert(ErasureRow, { pseudonym: e.data.pseudonym, status: STATUS[e.type], position: e.globalPosition }, ['pseudonym']);
    }
  }
}
