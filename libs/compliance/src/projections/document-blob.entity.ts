import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/** Read model: which document records which content, so a log purge keeps bytes a document shares (ADR 0046). */
@Entity('rm_compliance_document_blobs')
@Index('ix_rm_compliance_document_blobs_sha256', ['sha256'])
export class DocumentBlobRow {
  @PrimaryColumn({ type: 'varchar', length: 64 }) documentId!: string;
  @Column({ type: 'varchar', length: 64 }) aiSystemId!: string;
  @Column({ type: 'varchar', length: 64 }) sha256!: string;
}
