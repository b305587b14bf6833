import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { AiSystemSummary } from '../contract';

/** Read model: one row per AI system, as the inventory lists it. */
@Entity('rm_ai_systems')
export class AiSystemRow implements AiSystemSummary {
  @PrimaryColumn({ type: 'varchar', length: 64 }) aiSystemId!: string;
  @Column({ type: 'varchar', length: 200 }) name!: string;
  @Column({ type: 'varchar', length: 200 }) supplierName!: string;
  @Column({ type: 'varchar', length: 320, nullable: true }) supplierIncidentContactEmail!: string | null;
  @Column({ type: 'text' }) intendedPurpose!: string;
  @Column({ type: 'varchar', length: 20 }) aiActRiskClass!: string;
  @Column({ type: 'varchar', length: 8 }) mdrClass!: string;
  @Column({ type: 'boolean' }) inHouseDevice!: boolean;
  @Column({ type: 'varchar', length: 100, nullable: true }) ceMarking!: string | null;
  @Column({ type: 'varchar', length: 100, nullable: true }) udiDi!: string | null;
  @Column({ type: 'simple-json' }) oversightPersons!: string[];
  @Column({ type: 'varchar', length: 100 }) currentVersion!: string;
  @Column({ type: 'varchar', length: 100, nullable: true }) ifuVersion!: string | null;
  @Column({ type: 'simple-json' }) knownVersions!: string[];
  @Column({ type: 'varchar', length: 16 }) status!: string;
  @Column({ type: 'text', nullable: true }) suspensionReason!: string | null;
  @Column({ type: 'varchar', length: 32 }) registeredAt!: string;
  @Column({ type: 'integer', nullable: true }) outputReviewLimitMinutes!: number | null;
  @Column({ type: 'varchar', length: 32 }) updatedAt!: string;
  @Column({ type: 'integer' }) revision!: number;
}
