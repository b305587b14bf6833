import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import type { EncryptedText } from '@app/event-store';

/**
 * Each output: as fed (`fed`), and whether a live review of it exists now. A review of an output
 * not (yet) fed makes a row with `fed` false, so an output fed after its review is reviewed.
 */
@Entity('rm_ai_outputs')
@Index('ix_rm_ai_outputs_worklist', ['aiSystemId', 'fed', 'liveReviews', 'urgencyRank', 'producedAt'])
@Index('ix_rm_ai_outputs_period', ['aiSystemId', 'producedAt'])
export class AiOutputRow {
  @PrimaryColumn({ type: 'varchar', length: 64 }) outputId!: string;
  @Column({ type: 'varchar', length: 64 }) aiSystemId!: string;
  @Column({ type: 'varchar', length: 500 }) outputReference!: string;
  @Column({ type: 'boolean' }) fed!: boolean;
  @Column({ type: 'varchar', length: 100, nullable: true }) modelVersion!: string | null;
  @Column({ type: 'varchar', length: 64, nullable: true }) outputSha256!: string | null;
  @Column({ type: 'varchar', length: 64, nullable: true }) patientPseudonym!: string | null;
  @Column({ type: 'varchar', length: 32, nullable: true }) producedAt!: string | null;
  @Column({ type: 'varchar', length: 16, nullable: true }) urgency!: string | null;
  /** 0 critical, 1 urgent, 2 routine: the worklist's first sort key. */
  @Column({ type: 'integer', nullable: true }) urgencyRank!: number | null;
  @Column({ type: 'simple-json', nullable: true }) summary!: EncryptedText | null;
  @Column({ type: 'varchar', length: 32, nullable: true }) ward!: string | null;
  /** When the feed's event was recorded: coverage "as of" counts only outputs known then. */
  @Column({ type: 'varchar', length: 32, nullable: true }) recordedAt!: string | null;
  /** Reviews of the output not withdrawn; 0 means it awaits review. */
  @Column({ type: 'integer', default: 0 }) liveReviews!: number;
}

/**
 * Every review event of an output (recorded, corrected, withdrawn) with when the registry learned
 * it, so coverage as of any date folds only what was known then (docs/api.md).
 */
@Entity('rm_ai_output_review_events')
@Index('ix_rm_ai_output_review_events_system', ['aiSystemId', 'recordedAt'])
export class AiOutputReviewEventRow {
  @PrimaryColumn({ type: 'bigint' }) globalPosition!: number;
  @Column({ type: 'varchar', length: 64 }) outputId!: string;
  @Column({ type: 'varchar', length: 64 }) aiSystemId!: string;
  @Column({ type: 'varchar', length: 64 }) reviewId!: string;
  @Column({ type: 'varchar', length: 16 }) kind!: 'reviewed' | 'corrected' | 'withdrawn';
  @Column({ type: 'varchar', length: 16, nullable: true }) decision!: string | null;
  @Column({ type: 'varchar', length: 32, nullable: true }) decidedAt!: string | null;
  @Column({ type: 'varchar', length: 32 }) recordedAt!: string;
}

/** Which output each review is of, for the review's later events (they carry only its id). */
@Entity('rm_ai_output_review_links')
export class AiOutputReviewLinkRow {
  @PrimaryColumn({ type: 'varchar', length: 64 }) reviewId!: string;
  @Column({ type: 'varchar', length: 64 }) outputId!: string;
  @Column({ type: 'varchar', length: 64 }) aiSystemId!: string;
  @Column({ type: 'boolean' }) withdrawn!: boolean;
}
