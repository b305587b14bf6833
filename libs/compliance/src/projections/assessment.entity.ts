import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/** Read model: the latest assessment of each kind per AI system, for the overdue list and gauge. */
@Entity('rm_compliance_assessments')
@Index('ix_rm_compliance_assessments_due', ['nextReviewAt'])
export class AssessmentRow {
  @PrimaryColumn({ type: 'varchar', length: 64 }) aiSystemId!: string;
  @PrimaryColumn({ type: 'varchar', length: 16 }) kind!: string;
  @Column({ type: 'varchar', length: 64 }) assessmentId!: string;
  @Column({ type: 'varchar', length: 16 }) status!: string;
  @Column({ type: 'text' }) outcome!: string;
  @Column({ type: 'varchar', length: 200, nullable: true }) approver!: string | null;
  @Column({ type: 'varchar', length: 10 }) assessedOn!: string;
  @Column({ type: 'varchar', length: 10, nullable: true }) nextReviewOn!: string | null;
  /** Null when no review applies (not required): never overdue. */
  @Column({ type: 'varchar', length: 32, nullable: true }) nextReviewAt!: string | null;
  @Column({ type: 'varchar', length: 500, nullable: true }) documentReference!: string | null;
  @Column({ type: 'varchar', length: 32 }) recordedAt!: string;
  @Column({ type: 'integer' }) revision!: number;
}
