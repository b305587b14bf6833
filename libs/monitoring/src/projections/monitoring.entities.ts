import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/** Each output that came by feed, as far as monitoring needs it: its ward and version for the breakdowns. */
@Entity('rm_monitoring_outputs')
@Index('ix_rm_monitoring_outputs_system', ['aiSystemId'])
export class MonitoringOutputRow {
  @PrimaryColumn({ type: 'varchar', length: 64 }) outputId!: string;
  @Column({ type: 'varchar', length: 64 }) aiSystemId!: string;
  @Column({ type: 'varchar', length: 32, nullable: true }) ward!: string | null;
  @Column({ type: 'varchar', length: 32 }) producedAt!: string;
}

/** Each review of an AI output, its decision as corrected; withdrawn ones kept and marked. */
@Entity('rm_monitoring_reviews')
@Index('ix_rm_monitoring_reviews_system', ['aiSystemId', 'decidedAt'])
export class MonitoringReviewRow {
  @PrimaryColumn({ type: 'varchar', length: 64 }) reviewId!: string;
  @Column({ type: 'varchar', length: 64 }) outputId!: string;
  @Column({ type: 'varchar', length: 64 }) aiSystemId!: string;
  @Column({ type: 'varchar', length: 100 }) modelVersion!: string;
  /** The reviewer's subject (staff, not a patient). */
  @Column({ type: 'varchar', length: 200 }) reviewer!: string;
  @Column({ type: 'varchar', length: 16 }) decision!: string;
  @Column({ type: 'varchar', length: 32 }) seenAt!: string;
  @Column({ type: 'varchar', length: 32 }) decidedAt!: string;
  @Column({ type: 'boolean' }) withdrawn!: boolean;
}

/** The confirmed outcome of each output, as corrected. No patient, no note: figures only. */
@Entity('rm_monitoring_outcomes')
@Index('ix_rm_monitoring_outcomes_system', ['aiSystemId', 'producedAt'])
export class MonitoringOutcomeRow {
  @PrimaryColumn({ type: 'varchar', length: 64 }) outputId!: string;
  @Column({ type: 'varchar', length: 64 }) aiSystemId!: string;
  @Column({ type: 'varchar', length: 100 }) modelVersion!: string;
  @Column({ type: 'varchar', length: 500 }) outputReference!: string;
  @Column({ type: 'varchar', length: 32, nullable: true }) ward!: string | null;
  @Column({ type: 'varchar', length: 32 }) producedAt!: string;
  @Column({ type: 'varchar', length: 16, nullable: true }) aiFinding!: string | null;
  @Column({ type: 'varchar', length: 16, nullable: true }) confirmedFinding!: string | null;
  @Column({ type: 'boolean' }) agreesWithAi!: boolean;
  @Column({ type: 'varchar', length: 32 }) source!: string;
  @Column({ type: 'varchar', length: 32 }) knownAt!: string;
  @Column({ type: 'integer' }) revision!: number;
}

/** Each alert a threshold raised, with what a person did about it. */
@Entity('rm_monitoring_alerts')
@Index('ix_rm_monitoring_alerts_status', ['status'])
export class MonitoringAlertRow {
  @PrimaryColumn({ type: 'varchar', length: 64 }) aiSystemId!: string;
  @PrimaryColumn({ type: 'integer' }) alertNo!: number;
  @Column({ type: 'varchar', length: 32 }) metric!: string;
  @Column({ type: 'double precision' }) value!: number;
  @Column({ type: 'double precision' }) threshold!: number;
  @Column({ type: 'integer' }) sample!: number;
  @Column({ type: 'varchar', length: 32 }) windowFrom!: string;
  @Column({ type: 'varchar', length: 32 }) windowTo!: string;
  @Column({ type: 'varchar', length: 32 }) breachedAt!: string;
  /** open, incident-opened, dismissed. */
  @Column({ type: 'varchar', length: 16 }) status!: string;
  @Column({ type: 'varchar', length: 64, nullable: true }) incidentId!: string | null;
  /** The figure came back within its threshold after the alert. */
  @Column({ type: 'boolean' }) recovered!: boolean;
}
