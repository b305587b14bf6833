import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import type { SubjectRequestListItem } from '../contract';

/** Read model: one row per explanation or access request, for the list with deadlines and the overdue gauge. */
@Entity('rm_compliance_subject_requests')
@Index('ix_rm_compliance_subject_requests_due', ['status', 'dueAt'])
export class SubjectRequestRow implements Omit<SubjectRequestListItem, 'overdue'> {
  @PrimaryColumn({ type: 'varchar', length: 64 }) requestId!: string;
  @Column({ type: 'varchar', length: 16 }) kind!: 'explanation' | 'access';
  @Column({ type: 'varchar', length: 64 }) patientPseudonym!: string;
  @Column({ type: 'varchar', length: 64, nullable: true }) aiSystemId!: string | null;
  @Column({ type: 'varchar', length: 200 }) channel!: string;
  @Column({ type: 'varchar', length: 32 }) receivedAt!: string;
  /** The deadline that holds: the first, or the last extension's. */
  @Column({ type: 'varchar', length: 32 }) dueAt!: string;
  @Column({ type: 'varchar', length: 32 }) initialDueAt!: string;
  @Column({ type: 'varchar', length: 16 }) nature!: 'law' | 'hospital-policy';
  @Column({ type: 'integer' }) extendedMonths!: number;
  @Column({ type: 'varchar', length: 16 }) status!: 'open' | 'answered' | 'refused' | 'withdrawn';
  @Column({ type: 'varchar', length: 32, nullable: true }) closedAt!: string | null;
  /** Answered or refused after the deadline. */
  @Column({ type: 'boolean' }) late!: boolean;
  @Column({ type: 'integer' }) revision!: number;
}
