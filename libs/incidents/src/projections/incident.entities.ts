import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import type { IncidentState } from '../domain';

/**
 * The incident board: one row per incident with its next open deadline. Overdue is decided at
 * read time against the business clock, so the row never goes stale as time passes.
 */
@Entity('rm_incidents')
@Index('ix_rm_incidents_board', ['status', 'sortKey', 'incidentId'])
@Index('ix_rm_incidents_system', ['aiSystemId', 'incidentId'])
export class IncidentRow {
  @PrimaryColumn({ type: 'varchar', length: 64 }) incidentId!: string;
  @Column({ type: 'varchar', length: 64 }) aiSystemId!: string;
  @Column({ type: 'varchar', length: 200 }) aiSystemName!: string;
  @Column({ type: 'varchar', length: 8 }) status!: 'open' | 'closed';
  /** Null until classified. */
  @Column({ type: 'boolean', nullable: true }) serious!: boolean | null;
  @Column({ type: 'varchar', length: 32, nullable: true }) awareAt!: string | null;
  @Column({ type: 'varchar', length: 32 }) detectedAt!: string;
  @Column({ type: 'varchar', length: 200 }) detectedBy!: string;
  /** Earliest deadline not yet met; null when nothing is due. */
  @Column({ type: 'varchar', length: 32, nullable: true }) nextDueAt!: string | null;
  @Column({ type: 'varchar', length: 40, nullable: true }) nextRecipient!: string | null;
  @Column({ type: 'varchar', length: 40, nullable: true }) nextRule!: string | null;
  /** nextDueAt, or a high value when nothing is due, so the board sorts with one index. */
  @Column({ type: 'varchar', length: 32 }) sortKey!: string;
  /** The folded incident (ciphertext only), so the board can show every deadline. */
  @Column({ type: 'simple-json' }) state!: IncidentState;
  @Column({ type: 'varchar', length: 32 }) updatedAt!: string;
  @Column({ type: 'integer' }) revision!: number;
}

/** Incidents per AI system, and whether its use is suspended. */
@Entity('rm_incident_systems')
export class IncidentSystemRow {
  @PrimaryColumn({ type: 'varchar', length: 64 }) aiSystemId!: string;
  @Column({ type: 'integer' }) total!: number;
  @Column({ type: 'integer' }) open!: number;
  @Column({ type: 'integer' }) serious!: number;
  @Column({ type: 'boolean' }) suspended!: boolean;
}

/** Reports waiting to be delivered to a supplier (webhook URL or `mailto:`): the outbox, as read from the event log. */
@Entity('rm_incident_deliveries')
@Index('ix_rm_incident_deliveries_due', ['status', 'nextAttemptAt'])
export class IncidentDeliveryRow {
  @PrimaryColumn({ type: 'varchar', length: 64 }) notificationId!: string;
  @Column({ type: 'varchar', length: 64 }) incidentId!: string;
  @Column({ type: 'varchar', length: 1000 }) destination!: string;
  @Column({ type: 'varchar', length: 12 }) status!: 'pending' | 'delivered' | 'gave-up';
  @Column({ type: 'integer' }) attempts!: number;
  @Column({ type: 'varchar', length: 32, nullable: true }) nextAttemptAt!: string | null;
  @Column({ type: 'varchar', length: 32, nullable: true }) deliveredAt!: string | null;
  @Column({ type: 'varchar', length: 500, nullable: true }) lastError!: string | null;
}
