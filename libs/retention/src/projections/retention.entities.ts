import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import type { ArtefactSource, HoldScope, RetentionRule } from '../domain';

/** What is held, per system and period, and until when: one row per log artefact. */
@Entity('rm_log_artefacts')
@Index('ix_rm_log_artefacts_system', ['aiSystemId', 'periodFrom'])
@Index('ix_rm_log_artefacts_due', ['status', 'purgeDueAt'])
export class LogArtefactRow {
  @PrimaryColumn({ type: 'varchar', length: 64 }) artefactId!: string;
  @Column({ type: 'varchar', length: 64 }) aiSystemId!: string;
  @Column({ type: 'varchar', length: 40 }) kind!: string;
  @Column({ type: 'varchar', length: 32 }) periodFrom!: string;
  @Column({ type: 'varchar', length: 32 }) periodTo!: string;
  @Column({ type: 'bigint' }) sizeBytes!: number;
  @Column({ type: 'varchar', length: 64 }) sha256!: string;
  @Column({ type: 'simple-json' }) source!: ArtefactSource;
  @Column({ type: 'simple-json' }) rule!: RetentionRule;
  @Column({ type: 'varchar', length: 32 }) keepUntil!: string;
  @Column({ type: 'varchar', length: 32, nullable: true }) purgeDueAt!: string | null;
  @Column({ type: 'varchar', length: 2000 }) legalBasis!: string;
  /** stored | purge-requested | purged */
  @Column({ type: 'varchar', length: 16 }) status!: string;
  @Column({ type: 'varchar', length: 32 }) recordedAt!: string;
  @Column({ type: 'varchar', length: 32, nullable: true }) purgedAt!: string | null;
  @Column({ type: 'simple-json', nullable: true }) lastRefusal!: { holdIds: string[]; refusedAt: string } | null;
  @Column({ type: 'integer' }) downloads!: number;
  @Column({ type: 'integer' }) revision!: number;
}

/**
 * Legal holds with the global positions at which they were placed and released, so a purge can
 * tell which holds were in force at its decision point (docs/adr/0007).
 */
@Entity('rm_legal_holds')
@Index('ix_rm_legal_holds_status', ['status', 'holdId'])
export class LegalHoldRow {
  @PrimaryColumn({ type: 'varchar', length: 64 }) holdId!: string;
  /** active | released */
  @Column({ type: 'varchar', length: 16 }) status!: string;
  @Column({ type: 'simple-json' }) scope!: HoldScope;
  @Column({ type: 'varchar', length: 4000 }) reason!: string;
  @Column({ type: 'varchar', length: 200 }) placedBy!: string;
  @Column({ type: 'varchar', length: 32 }) placedAt!: string;
  @Column({ type: 'bigint' }) placedPosition!: number;
  @Column({ type: 'varchar', length: 32, nullable: true }) lastReviewedAt!: string | null;
  @Column({ type: 'varchar', length: 200, nullable: true }) releasedBy!: string | null;
  @Column({ type: 'varchar', length: 32, nullable: true }) releasedAt!: string | null;
  @Column({ type: 'bigint', nullable: true }) releasedPosition!: number | null;
  @Column({ type: 'integer' }) revision!: number;
}

/** The retention policy in force per AI system and artefact kind. */
@Entity('rm_retention_policies')
export class RetentionPolicyRow {
  @PrimaryColumn({ type: 'varchar', length: 64 }) aiSystemId!: string;
  @PrimaryColumn({ type: 'varchar', length: 40 }) kind!: string;
  @Column({ type: 'integer' }) minimumMonths!: number;
  @Column({ type: 'integer', nullable: true }) maximumMonths!: number | null;
  @Column({ type: 'varchar', length: 2000 }) legalBasis!: string;
  @Column({ type: 'varchar', length: 200 }) setBy!: string;
  @Column({ type: 'varchar', length: 32 }) setAt!: string;
  @Column({ type: 'integer' }) revision!: number;
}
