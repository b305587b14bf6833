import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/** Read model: one row per supplier notice, for the list (the earliest open deadline first). */
@Entity('rm_supplier_notices')
@Index('ix_rm_supplier_notices_list', ['status', 'sortKey', 'supplierNoticeId'])
export class SupplierNoticeRow {
  @PrimaryColumn({ type: 'varchar', length: 64 }) supplierNoticeId!: string;
  @Index() @Column({ type: 'varchar', length: 64 }) aiSystemId!: string;
  @Column({ type: 'varchar', length: 32 }) kind!: string;
  @Column({ type: 'varchar', length: 100 }) supplierReference!: string;
  @Column({ type: 'varchar', length: 200 }) title!: string;
  @Column({ type: 'varchar', length: 32 }) receivedAt!: string;
  @Column({ type: 'simple-json' }) affectedVersions!: string[];
  @Column({ type: 'varchar', length: 32, nullable: true }) requestedActionDueBy!: string | null;
  @Column({ type: 'varchar', length: 32, nullable: true }) actBy!: string | null;
  /** The earliest deadline not yet met; null when none runs. Overdue is judged against it when read. */
  @Column({ type: 'varchar', length: 32, nullable: true }) nextDueAt!: string | null;
  /** `nextDueAt`, or a far date when nothing is due, so one ordered index serves the list and its cursor. */
  @Column({ type: 'varchar', length: 32 }) sortKey!: string;
  @Column({ type: 'varchar', length: 16 }) status!: string;
  @Column({ type: 'integer' }) actionCount!: number;
  @Column({ type: 'varchar', length: 32, nullable: true }) completedAt!: string | null;
  @Column({ type: 'varchar', length: 32, nullable: true }) closedAt!: string | null;
  @Column({ type: 'varchar', length: 32 }) updatedAt!: string;
  @Column({ type: 'integer' }) revision!: number;
}
