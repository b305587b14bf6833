import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import type { EncryptedText } from '@app/event-store';
import type { ReviewListItem } from '../contract';

/** Current state of each review: lists per AI system and per reviewer. */
@Entity('rm_reviews')
@Index('ix_rm_reviews_system', ['aiSystemId', 'reviewId'])
@Index('ix_rm_reviews_reviewer', ['reviewerSubject', 'reviewId'])
@Index('ix_rm_reviews_patient', ['patientPseudonym', 'reviewId'])
export class ReviewRow implements Omit<ReviewListItem, 'reason'> {
  @PrimaryColumn({ type: 'varchar', length: 64 }) reviewId!: string;
  @Column({ type: 'varchar', length: 64 }) aiSystemId!: string;
  @Column({ type: 'varchar', length: 100 }) modelVersion!: string;
  @Column({ type: 'varchar', length: 500 }) outputReference!: string;
  @Column({ type: 'varchar', length: 64 }) outputSha256!: string;
  @Column({ type: 'varchar', length: 64 }) patientPseudonym!: string;
  @Column({ type: 'varchar', length: 200 }) reviewerSubject!: string;
  @Column({ type: 'varchar', length: 32 }) reviewerRole!: string;
  @Column({ type: 'varchar', length: 16 }) originalDecision!: string;
  @Column({ type: 'varchar', length: 16 }) decision!: string;
  @Column({ type: 'simple-json', nullable: true }) reason!: EncryptedText | null;
  @Column({ type: 'varchar', length: 32 }) seenAt!: string;
  @Column({ type: 'varchar', length: 32 }) decidedAt!: string;
  @Column({ type: 'varchar', length: 32 }) recordedAt!: string;
  @Column({ type: 'varchar', length: 7 }) month!: string;
  @Column({ type: 'boolean' }) withdrawn!: boolean;
  @Column({ type: 'integer' }) corrections!: number;
  @Column({ type: 'simple-json' }) incidentIds!: string[];
  @Column({ type: 'varchar', length: 16 }) competence!: ReviewListItem['competence'];
  @Column({ type: 'integer' }) revision!: number;
}

/**
 * One row per review event: what happened (business time) and when the registry learned it
 * (recorded time), so a timeline "as of" any moment is a filter on recordedAt.
 */
@Entity('rm_review_timeline')
@Index('ix_rm_review_timeline_patient', ['patientPseudonym', 'globalPosition'])
export class ReviewTimelineRow {
  @PrimaryColumn({ type: 'bigint' }) globalPosition!: number;
  @Column({ type: 'varchar', length: 36 }) eventId!: string;
  @Column({ type: 'varchar', length: 100 }) eventType!: string;
  @Column({ type: 'varchar', length: 64 }) reviewId!: string;
  @Column({ type: 'varchar', length: 64 }) patientPseudonym!: string;
  @Column({ type: 'varchar', length: 64 }) aiSystemId!: string;
  @Column({ type: 'varchar', length: 100 }) modelVersion!: string;
  /** Whose review this entry belongs to: clinicians see only their own. */
  @Column({ type: 'varchar', length: 200 }) reviewerSubject!: string;
  @Column({ type: 'varchar', length: 200 }) actorSubject!: string;
  @Column({ type: 'varchar', length: 32 }) actorRole!: string;
  @Column({ type: 'varchar', length: 16, nullable: true }) decision!: string | null;
  @Column({ type: 'simple-json', nullable: true }) text!: EncryptedText | null;
  @Column({ type: 'varchar', length: 64, nullable: true }) incidentId!: string | null;
  @Column({ type: 'varchar', length: 32 }) occurredAt!: string;
  @Column({ type: 'varchar', length: 32 }) recordedAt!: string;
}

/** Decisions per AI system per month (by decision time), for the override rate. */
@Entity('rm_review_monthly')
export class ReviewMonthlyRow {
  @PrimaryColumn({ type: 'varchar', length: 64 }) aiSystemId!: string;
  @PrimaryColumn({ type: 'varchar', length: 7 }) month!: string;
  @Column({ type: 'integer' }) total!: number;
  @Column({ type: 'integer' }) accepted!: number;
  @Column({ type: 'integer' }) modified!: number;
  @Column({ type: 'integer' }) rejected!: number;
  @Column({ type: 'integer' }) escalated!: number;
}
